// What the "use the keys" tests share, in the host and under plain mocha: fake keys, waiting for a
// condition, and the check that no message holds key bytes.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ScriptedPrompter } from './scriptedPrompter';

export const KEY_1 = 'sk-test-FAKE-use-00000000000000000001';
export const KEY_2 = 'sk-test-FAKE-use-00000000000000000002';
export const ANTHROPIC = 'sk-ant-test-FAKE-use-000000000000003';
export const GROQ = 'gsk_FAKE_use_groq_0000000000000004';
export const MISTRAL = 'FAKEmistraluse000000000000000005';
export const ALL_KEYS = [KEY_1, KEY_2, ANTHROPIC, GROQ, MISTRAL];

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function assertMessagesClean(prompter: ScriptedPrompter): void {
  for (const m of prompter.messages) {
    for (const key of ALL_KEYS) assert.ok(!m.message.includes(key.slice(-8)), `a message holds key bytes: ${m.message}`);
  }
}
