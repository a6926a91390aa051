import * as vscode from 'vscode';
import { LOG_CHANNEL_NAME } from '../constants';
import type { RequestRecord } from '../core/pieces/client';
import { redact } from '../core/keys/redact';

/**
 * The extension's one log channel. Every message passes through `redact`, which knows every key the
 * store has read or written in this window (`knownSecrets`) and anything shaped like a key.
 */
export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor(channel?: vscode.LogOutputChannel) {
    this.channel = channel ?? vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  }

  redact(text: string): string {
    return redact(text);
  }

  info(message: string): void {
    this.channel.info(this.redact(message));
  }

  warn(message: string): void {
    this.channel.warn(this.redact(message));
  }

  error(message: string): void {
    this.channel.error(this.redact(message));
  }

  /** One line per request: method, path, status and duration. */
  request(record: RequestRecord): void {
    const outcome = record.status !== undefined ? String(record.status) : 'failed';
    const line = `${record.method} ${record.baseUrl}${record.path} → ${outcome} in ${record.durationMs} ms${record.error ? ` (${record.error})` : ''}`;
    if (record.error) this.warn(line);
    else this.info(line);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
