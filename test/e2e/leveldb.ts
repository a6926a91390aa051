// Chromium keeps IndexedDB and localStorage in LevelDB. Its write-ahead logs (*.log) hold records as
// written, but its tables (*.ldb, *.sst, written when a log is compacted) hold Snappy-compressed blocks,
// where a key could hide from a byte search. The leak scan decodes every block of such a table.
// Formats: github.com/google/leveldb doc/table_format.md and github.com/google/snappy format_description.txt.

const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);
const FOOTER_LENGTH = 48;
const TRAILER_LENGTH = 5;

class Reader {
  constructor(
    readonly data: Buffer,
    public at = 0,
  ) {}

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.at >= this.data.length) throw new Error('truncated varint');
      const byte = this.data[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('varint too long');
  }
}

/** Decompresses a Snappy block (raw format, not framed). */
export function snappyDecompress(input: Buffer): Buffer {
  const reader = new Reader(input);
  const length = reader.varint();
  if (length > 256 * 1024 * 1024) throw new Error('snappy: implausible length');
  const out = Buffer.alloc(length);
  let written = 0;
  let at = reader.at;
  while (at < input.length) {
    const tag = input[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let literal = (tag >> 2) + 1;
      if (literal > 60) {
        const bytes = literal - 60;
        literal = input.readUIntLE(at, bytes) + 1;
        at += bytes;
      }
      if (at + literal > input.length || written + literal > length) throw new Error('snappy: literal out of range');
      input.copy(out, written, at, at + literal);
      at += literal;
      written += literal;
      continue;
    }
    let copyLength: number;
    let offset: number;
    if (kind === 1) {
      copyLength = 4 + ((tag >> 2) & 7);
      offset = ((tag >> 5) << 8) | input[at++]!;
    } else if (kind === 2) {
      copyLength = (tag >> 2) + 1;
      offset = input.readUInt16LE(at);
      at += 2;
    } else {
      copyLength = (tag >> 2) + 1;
      offset = input.readUInt32LE(at);
      at += 4;
    }
    if (offset === 0 || offset > written || written + copyLength > length) throw new Error('snappy: copy out of range');
    // Byte by byte: a copy may overlap what it writes (a run).
    for (let i = 0; i < copyLength; i++) out[written + i] = out[written - offset + i]!;
    written += copyLength;
  }
  if (written !== length) throw new Error('snappy: length mismatch');
  return out;
}

/** A block's contents, decompressed; throws on a compression this decoder does not know. */
function readBlock(file: Buffer, offset: number, size: number): Buffer {
  if (offset + size + TRAILER_LENGTH > file.length) throw new Error('block out of range');
  const contents = file.subarray(offset, offset + size);
  const type = file[offset + size]!;
  if (type === 0) return contents;
  if (type === 1) return snappyDecompress(contents);
  throw new Error(`block compression ${type} is not supported`);
}

/** The values of a block's entries (the keys are not needed: every data block is listed in the index). */
function blockEntries(block: Buffer): Array<{ key: Buffer; value: Buffer }> {
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - 4 * restarts;
  const reader = new Reader(block);
  const entries: Array<{ key: Buffer; value: Buffer }> = [];
  let key = Buffer.alloc(0);
  while (reader.at < end) {
    const shared = reader.varint();
    const unshared = reader.varint();
    const valueLength = reader.varint();
    key = Buffer.concat([key.subarray(0, shared), block.subarray(reader.at, reader.at + unshared)]);
    reader.at += unshared;
    entries.push({ key, value: block.subarray(reader.at, reader.at + valueLength) });
    reader.at += valueLength;
  }
  return entries;
}

/** Whether `file` ends with a LevelDB table footer. */
export function isLevelDbTable(file: Buffer): boolean {
  return file.length >= FOOTER_LENGTH && file.subarray(file.length - 8).equals(TABLE_MAGIC);
}

/** Every data block of a LevelDB table, decompressed, with the offset it starts at in the file. */
export function levelDbBlocks(file: Buffer): Array<{ offset: number; contents: Buffer }> {
  if (!isLevelDbTable(file)) throw new Error('not a LevelDB table');
  const footer = new Reader(file, file.length - FOOTER_LENGTH);
  footer.varint(); // metaindex offset
  footer.varint(); // metaindex size
  const indexOffset = footer.varint();
  const indexSize = footer.varint();
  const blocks: Array<{ offset: number; contents: Buffer }> = [];
  for (const { value } of blockEntries(readBlock(file, indexOffset, indexSize))) {
    const handle = new Reader(value);
    const offset = handle.varint();
    const size = handle.varint();
    blocks.push({ offset, contents: readBlock(file, offset, size) });
  }
  return blocks;
}

/** A LevelDB table holding `blocks` as data blocks, compressed as given (for tests). */
export function buildLevelDbTable(blocks: ReadonlyArray<{ contents: Buffer; snappy?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  const handles: Array<[number, number]> = [];
  let offset = 0;
  const varint = (value: number): Buffer => {
    const bytes: number[] = [];
    do {
      bytes.push((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
      value = Math.floor(value / 128);
    } while (value > 0);
    return Buffer.from(bytes);
  };
  const addBlock = (stored: Buffer, type: number): [number, number] => {
    const handle: [number, number] = [offset, stored.length];
    parts.push(stored, Buffer.from([type, 0, 0, 0, 0]));
    offset += stored.length + TRAILER_LENGTH;
    return handle;
  };
  for (const block of blocks) handles.push(addBlock(block.snappy ?? block.contents, block.snappy ? 1 : 0));
  // The index: one entry per data block (key = its number), no prefix sharing, one restart point.
  const entries = handles.map(([at, size], i) => {
    const value = Buffer.concat([varint(at), varint(size)]);
    const key = Buffer.from(String(i));
    return Buffer.concat([varint(0), varint(key.length), varint(value.length), key, value]);
  });
  const restarts = Buffer.alloc(8);
  restarts.writeUInt32LE(1, 4);
  const index = addBlock(Buffer.concat([...entries, restarts]), 0);
  const metaindex = addBlock(restarts, 0); // empty: no entries, one restart point
  const handlesBytes = Buffer.concat([varint(metaindex[0]), varint(metaindex[1]), varint(index[0]), varint(index[1])]);
  const footer = Buffer.concat([handlesBytes, Buffer.alloc(FOOTER_LENGTH - 8 - handlesBytes.length), TABLE_MAGIC]);
  return Buffer.concat([...parts, footer]);
}
