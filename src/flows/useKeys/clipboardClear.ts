// When Copy Key empties the clipboard again, decided without `vscode` (unit-tested under plain mocha).
//
// Where VS Code can read the clipboard back (desktop), it is emptied after the delay only if it still holds
// the copied key (compared by hash: the key is not kept meanwhile); anything copied since is left alone.
// In a browser (code-server, Codespaces in a browser) reading it back needs the browser's permission, and
// VS Code answers a refused read with an error toast of its own ("Unable to read from the browser's
// clipboard…") that waits for the user: so it is never read there. It is emptied after the delay whatever
// it holds, which the first message says. Either way, a later Copy Key replaces the earlier key's clear.
import { createHash } from 'node:crypto';
import { type Timers, realClock } from '../../core/time';
import type { ClipboardPort } from '../workbench';

export interface ClipboardClearOptions {
  clipboard: () => ClipboardPort;
  /** Whether the clipboard can be read back without asking the user (desktop VS Code: yes; a browser: no). */
  canReadBack: () => boolean;
  delayMs: () => number;
  log: { info(message: string): void; warn(message: string): void };
  timers?: Timers;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

export class ClipboardClear {
  /** The one pending clear: the timer, the hash of what it clears, and whether it may read the clipboard. */
  private pending: { handle: unknown; hash: string; readBack: boolean } | undefined;
  private readonly timers: Timers;

  constructor(private readonly options: ClipboardClearOptions) {
    this.timers = options.timers ?? realClock;
  }

  /** Whether the clear checks what the clipboard holds (the message says which, before the copy). */
  get checksFirst(): boolean {
    return this.options.canReadBack();
  }

  /** Copies `secret` and schedules the clear; an earlier copy's clear is dropped (the clipboard no longer holds it). */
  async copy(secret: string): Promise<void> {
    await this.options.clipboard().writeText(secret);
    this.cancel();
    const entry = {
      hash: digest(secret),
      readBack: this.options.canReadBack(),
      handle: this.timers.setTimeout(() => {
        if (this.pending === entry) this.pending = undefined;
        void this.clear(entry.hash, entry.readBack);
      }, this.options.delayMs()),
    };
    this.pending = entry;
  }

  /** On shutdown: clears at once what would have been cleared later. */
  async flush(): Promise<void> {
    const entry = this.pending;
    this.cancel();
    if (entry) await this.clear(entry.hash, entry.readBack);
  }

  dispose(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.pending) this.timers.clearTimeout(this.pending.handle);
    this.pending = undefined;
  }

  private async clear(hash: string, readBack: boolean): Promise<void> {
    if (readBack) {
      let current: string | undefined;
      try {
        current = await this.options.clipboard().readText();
      } catch (error) {
        this.options.log.warn(`Could not read the clipboard back: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Something else copied since: leave it. Unreadable or empty: it may still hold the key, so empty it.
      if (current && digest(current) !== hash) return;
    }
    try {
      await this.options.clipboard().writeText('');
      this.options.log.info(
        readBack ? 'Cleared a copied key from the clipboard' : 'Emptied the clipboard after a copied key (it is not read back here)',
      );
    } catch (error) {
      this.options.log.warn(`Could not clear the clipboard: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
