// Planted canaries: a leak scan that finds nothing proves nothing unless it can be shown to find a
// canary where one was put. `plant` writes one more canary into the folders the scan searches, once
// per encoding (and once right after an excluded value, so the exclusion is seen to be exact);
// `checkPlanted` says which of them the scan missed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeZip } from '../support/zip';
import { type Canary, type Hit, WINDOW, base64Core } from './leakScan';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits (about 5.95 bits each). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/**
 * A fake key that no one could mistake for a real one, with 40 random characters (about 238 bits), or
 * `length` characters in all (a provider's usual key length, so that the key box does not warn).
 */
export function makeCanary(publicPrefix: string, marker = 'CANARY', length?: number): Canary {
  const random = Math.max(40, (length ?? 0) - publicPrefix.length - marker.length);
  return { value: `${publicPrefix}${marker}${randomAlphanumeric(random)}`, publicPrefix };
}

export interface Planting {
  /** The file as the scan names it: `<root label>/<path inside the root>`. */
  readonly file: string;
  readonly encoding: string;
  /** The window planted (-1: the whole canary). */
  readonly start: number;
  /** Where the match must be found, when it is known exactly. */
  readonly offset?: number;
}

export interface PlantPlace {
  /** The folder to write into. */
  readonly dir: string;
  /** How the scan names that folder: `<root label>/<path of dir inside the root>`. */
  readonly label: string;
}

const noise = (length: number): Buffer => Buffer.from(randomAlphanumeric(length).toLowerCase(), 'latin1');

/**
 * Writes `canary` into `places` (used round-robin), once per encoding, between random bytes.
 * `excluded`: a value the scan excludes; one planting puts the canary right after it.
 */
export function plant(canary: Canary, places: readonly PlantPlace[], excluded?: Buffer): Planting[] {
  if (places.length === 0) throw new Error('nowhere to plant');
  const value = Buffer.from(canary.value, 'latin1');
  const plantings: Planting[] = [];
  let next = 0;
  const write = (name: string, content: Buffer, planting: Omit<Planting, 'file'>, file = name): void => {
    const place = places[next++ % places.length]!;
    mkdirSync(place.dir, { recursive: true });
    writeFileSync(join(place.dir, name), content);
    plantings.push({ file: `${place.label}/${file}`, ...planting });
  };

  const before = noise(37);
  write('planted-plain.txt', Buffer.concat([before, value, noise(11)]), { encoding: 'plain', start: -1, offset: before.length });
  for (const align of [0, 1, 2]) {
    // The canary starts at stream offset 3 + align, so its bytes sit at alignment `align`.
    const text = Buffer.concat([noise(3 + align), value, noise(5)]).toString('base64');
    const offset = text.indexOf(base64Core(value, align));
    if (offset < 0) throw new Error(`planting base64@${align}: the encoding does not hold the expected characters`);
    write(`planted-base64-${align}.txt`, Buffer.from(`token=${text};`, 'latin1'), {
      encoding: `base64@${align}`,
      start: -1,
      offset: 6 + offset,
    });
  }
  write('planted-hex.txt', Buffer.from(`0x${value.toString('hex')}`, 'latin1'), { encoding: 'hex', start: -1, offset: 2 });
  write(
    'planted-url.txt',
    Buffer.from(`a=${[...value].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}&b`, 'latin1'),
    {
      encoding: 'url-every-byte',
      start: -1,
      offset: 2,
    },
  );
  write('planted-utf16.bin', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(canary.value, 'utf16le')]), {
    encoding: 'utf16le',
    start: -1,
    offset: 2,
  });
  const start = canary.publicPrefix.length + 3;
  const window = Buffer.from(canary.value.slice(start, start + WINDOW), 'latin1');
  write('planted-window.txt', Buffer.concat([noise(20), window, noise(20)]), { encoding: 'plain', start, offset: 20 });
  write(
    'planted.zip',
    writeZip([{ name: 'extension/planted.js', content: Buffer.concat([noise(100), value, noise(100)]) }]),
    { encoding: 'plain', start: -1, offset: 100 },
    'planted.zip!extension/planted.js',
  );
  if (excluded) {
    write('planted-after-excluded.bin', Buffer.concat([excluded, value]), { encoding: 'plain', start: -1, offset: excluded.length });
  }
  return plantings;
}

/**
 * Writes `canary` whole into a file called `name` in `place`: next to a file the scan skips by its
 * path, a file of the same name elsewhere must still be searched.
 */
export function plantNamed(canary: Canary, place: PlantPlace, name: string): Planting {
  const before = noise(13);
  mkdirSync(place.dir, { recursive: true });
  writeFileSync(
    join(place.dir, name),
    Buffer.concat([Buffer.from('OPENAI_API_KEY=', 'latin1'), before, Buffer.from(canary.value, 'latin1'), Buffer.from('\n', 'latin1')]),
  );
  return { file: `${place.label}/${name}`, encoding: 'plain', start: -1, offset: 'OPENAI_API_KEY='.length + before.length };
}

/** The plantings the scan did not find (file, encoding, window and, when known, offset must match). */
export function checkPlanted(plantings: readonly Planting[], hits: readonly Hit[], canary: number): Planting[] {
  return plantings.filter(
    (planting) =>
      !hits.some(
        (hit) =>
          hit.canary === canary &&
          hit.file === planting.file &&
          hit.encoding === planting.encoding &&
          hit.start === planting.start &&
          (planting.offset === undefined || hit.offset === planting.offset),
      ),
  );
}
