// The child process that calls keytar (see keychain.ts for why it is a child). It receives one
// HelperRequest over IPC, answers once with what it found or why it could not, and exits. It writes
// nothing: no file, no stdout, no log; the credentials exist only in this process and the message.
import { createRequire } from 'node:module';
import type { HelperAnswer, HelperRequest, KeychainCredential } from './keychain';

interface Keytar {
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

const load = createRequire(__filename);

function loadKeytar(paths: readonly string[]): Keytar | string {
  const errors: string[] = [];
  for (const path of paths) {
    try {
      const module = load(path) as Partial<Keytar>;
      if (typeof module.findCredentials === 'function') return module as Keytar;
      errors.push(`${path}: not keytar`);
    } catch (error) {
      errors.push(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
    }
  }
  return errors.join('; ') || 'no module path given';
}

function answer(message: HelperAnswer): void {
  process.send?.(message, undefined, undefined, () => process.disconnect?.());
}

process.once('message', (raw: unknown) => {
  const request = raw as HelperRequest;
  const keytar = loadKeytar(Array.isArray(request.modulePaths) ? request.modulePaths : []);
  if (typeof keytar === 'string') {
    answer({ type: 'error', stage: 'load', message: keytar });
    return;
  }
  void (async () => {
    const found: Record<string, KeychainCredential[]> = {};
    try {
      for (const service of request.services) {
        const credentials = await keytar.findCredentials(service);
        found[service] = credentials.map((c) => ({ account: String(c.account), password: String(c.password) }));
      }
      answer({ type: 'found', found });
    } catch (error) {
      answer({ type: 'error', stage: 'call', message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
