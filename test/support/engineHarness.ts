// A sync engine over a temporary store, a fake Pieces OS and a manual clock, for unit tests.
import * as path from 'node:path';
import type { ProviderInfo } from '../../src/core/providers/catalogue';
import { GenerationLock } from '../../src/core/store/lock';
import { SENDER_LEASE_TTL_MS } from '../../src/core/store/createStore';
import { SyncEngine } from '../../src/core/sync/engine';
import { FakeClock } from './fakeClock';
import { FakeService } from './fakeService';
import { MemorySecrets, type WindowSecrets } from './memoryStorage';
import { type TempStore, openTempStore } from './tempStore';

export interface Harness extends TempStore {
  clock: FakeClock;
  service: FakeService;
  engine: SyncEngine;
  secrets: WindowSecrets;
  lease: GenerationLock | undefined;
  /** Waits until the engine has nothing queued. */
  idle(): Promise<void>;
  /** Advances the clock by `ms`, letting the engine finish after each timer. */
  advance(ms: number): Promise<void>;
  dispose(): void;
}

export async function harness(
  options: {
    root?: string;
    secrets?: WindowSecrets;
    clock?: FakeClock;
    service?: FakeService;
    windowId?: string;
    lease?: boolean;
    providers?: readonly ProviderInfo[];
    autoSync?: () => boolean;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const service = options.service ?? new FakeService();
  const secrets = options.secrets ?? new MemorySecrets();
  const temp = await openTempStore({
    ...(options.root ? { root: options.root } : {}),
    secrets,
    windowId: options.windowId ?? 'window',
    now: () => new Date(clock.now()),
    ...(options.providers ? { providers: options.providers } : {}),
  });
  const lease = options.lease
    ? new GenerationLock(path.join(temp.root, 'locks', 'sender'), options.windowId ?? 'window', SENDER_LEASE_TTL_MS, () => clock.now())
    : undefined;
  const engine = new SyncEngine({
    store: temp.store,
    service,
    clock,
    random: () => 0.5,
    ...(lease ? { lease } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.autoSync ? { autoSync: options.autoSync } : {}),
  });
  const idle = (): Promise<void> => engine.whenIdle();
  return {
    ...temp,
    secrets,
    clock,
    service,
    engine,
    lease,
    idle,
    advance: (ms) => clock.advance(ms, idle),
    dispose: () => {
      engine.dispose();
      temp.close();
    },
  };
}
