// Types for keyring.mjs, so that the TypeScript tests can import it.
export declare const KEYRING_TOOLS: string[];
export declare function missingKeyringTools(): string[];
export declare function withoutDBus(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export interface TestKeyring {
  env: NodeJS.ProcessEnv;
  address: string;
  stop(): Promise<void>;
}
export declare function startTestKeyring(options: { dir: string; unlock?: boolean; timeoutMs?: number }): Promise<TestKeyring>;
