// One cell of the fault table: the real flows (KeyActions with a scripted Prompter), the real store over a
// temporary folder, the real engine and client against the stand-in. The engine's retry timers run on a
// FakeClock (so a 7 s Retry-After takes no time); the client's deadline and the stand-in's delays are real.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { MaskCache } from '../../src/core/keys/maskCache';
import { IDENTITY_WHILE_CONNECTED, PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import { ServiceLocator } from '../../src/core/pieces/discovery';
import type { Disposable } from '../../src/core/emitter';
import type { KeyRecord } from '../../src/core/store/records';
import { SyncEngine } from '../../src/core/sync/engine';
import { failureOf } from '../../src/core/sync/plan';
import { KeyActions } from '../../src/flows/keyActions';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { FakeClock } from '../support/fakeClock';
import { type Answer, ScriptedPrompter } from '../support/scriptedPrompter';
import { type TempStore, openTempStore, removeRoot } from '../support/tempStore';

export type Operation = 'create' | 'update' | 'delete';

/** Obviously fake keys: the one the user had, and the one the operation brings. */
export const OLD_KEY = 'sk-test-FAKE-faulttable-000000000000old1';
export const NEW_KEY = 'sk-test-FAKE-faulttable-000000000000new2';
/** The client's deadline for a whole answer; the timeout row delays the answer past it. */
export const CLIENT_TIMEOUT_MS = 400;

/** What one cell shows. Every field is asserted. */
export interface Cell {
  /** The message the user sees after the operation: severity, text (the address as <url>), [buttons]. */
  message: string;
  /** The key's state (create, update) or, for a delete, what the engine plans for OpenAI. */
  key: string;
  /** What waits for Pieces OS (none, waiting, parked), when it is retried, and what Pieces OS may hold of ours. */
  queue: string;
  /** Once the service is back: how the change got there, what the stand-in holds, and the key's state. */
  final: string;
}

export class World {
  prompter = new ScriptedPrompter([]);
  readonly logs: string[] = [];
  private subscriptions: Disposable[] = [];

  private constructor(
    readonly clock: FakeClock,
    readonly standIn: StandIn,
    readonly temp: TempStore,
    readonly engine: SyncEngine,
    readonly actions: KeyActions,
  ) {}

  static async open(): Promise<World> {
    const standIn = await startStandIn({ port: 0 });
    const clock = new FakeClock();
    const temp = await openTempStore({ now: () => new Date(clock.now()) });
    // As the extension builds it: the address from a (pinned) locator; identity age on the same clock.
    const locator = new ServiceLocator({ configuredUrl: () => standIn.url });
    const client = new PiecesClient({
      baseUrl: locator,
      timeoutMs: CLIENT_TIMEOUT_MS,
      identityMaxAgeMs: IDENTITY_WHILE_CONNECTED,
      now: () => clock.now(),
    });
    const engine = new SyncEngine({
      store: temp.store,
      service: piecesServicePort(client),
      clock,
      random: () => 0.5,
      log: (m) => holder.world?.logs.push(m),
    });
    const holder: { world?: World } = {};
    const actions = new KeyActions({
      store: temp.store,
      sync: engine,
      masks: new MaskCache(temp.store),
      prompter: () => holder.world!.prompter,
      autoSync: () => true,
      runCommand: async () => undefined,
      log: { info: (m) => holder.world!.logs.push(m), warn: (m) => holder.world!.logs.push(m) },
    });
    const world = new World(clock, standIn, temp, engine, actions);
    holder.world = world;
    // As the extension does: a store change kicks the engine.
    world.subscriptions.push(temp.store.onDidChange(() => engine.kick()));
    return world;
  }

  script(answers: Answer[]): ScriptedPrompter {
    this.prompter = new ScriptedPrompter(answers);
    return this.prompter;
  }

  get key(): KeyRecord | undefined {
    return this.temp.store.keysOf('openai')[0];
  }

  /** Adds "Personal" through the add flow (the first key: Pieces OS uses it). */
  async add(secret: string): Promise<void> {
    this.script([{ pick: 'OpenAI' }, { input: 'Personal' }, { input: secret }, { input: '' }]);
    await this.actions.addKey();
  }

  /** Runs `operation` through its flow, as the user would. */
  async run(operation: Operation): Promise<void> {
    if (operation === 'create') return this.add(NEW_KEY);
    const id = this.key!.id;
    if (operation === 'update') {
      this.script([{ input: NEW_KEY }, { input: '' }]);
      await this.actions.updateKey(id);
    } else {
      this.script([{ confirm: true }]);
      await this.actions.deleteKey(id);
    }
  }

  /** The last message the user saw, with the address replaced by <url>. */
  lastMessage(): string {
    const last = this.prompter.messages.at(-1);
    if (!last) return '(none)';
    const buttons = last.buttons.length ? ` [${last.buttons.join(', ')}]` : '';
    return `${last.severity}: ${last.message.split(this.standIn.url).join('<url>')}${buttons}`;
  }

  /** The key's state, or for a delete (no key left) what the engine plans. */
  keyState(operation: Operation): string {
    if (operation === 'delete') return `plan: ${this.engine.planFor('openai').kind}`;
    const key = this.key;
    return key ? this.engine.stateOf(key).kind : '(no key)';
  }

  queueState(): string {
    const planned = this.engine.planFor('openai');
    const sent = this.temp.store.sent('openai');
    // What the sync record says Pieces OS holds of ours: confirmed (which key and version), or unconfirmed.
    const holds =
      sent?.holds === 'ours' ? (sent.keyId && sent.version ? 'holds ours' : 'holds ours, unconfirmed') : `holds ${sent?.holds ?? 'none'}`;
    if (planned.kind === 'none') return `none · ${holds}`;
    if (failureOf(planned, sent)?.parked) return `parked · ${holds}`;
    const at = this.engine.state.nextRetryAt;
    const retry = at === undefined ? 'no retry' : `retry in ${((at - this.clock.now()) / 1000).toFixed(1)} s`;
    return `waiting, ${retry} · ${holds}`;
  }

  /** What the stand-in holds for OpenAI, named by which of our keys it is. */
  held(): string {
    const key = this.standIn.openAI?.api_key;
    if (key === undefined) return 'none';
    return key === NEW_KEY ? 'new key' : key === OLD_KEY ? 'old key' : 'another key';
  }

  /** Everything this cell wrote outside SecretStorage: the log, the messages, every file of the store. */
  textOutsideSecretStorage(): string {
    const texts = [...this.logs, ...this.prompter.messages.map((m) => `${m.message} ${m.buttons.join(' ')}`)];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else texts.push(readFileSync(full, 'utf8'));
      }
    };
    walk(this.temp.root);
    return texts.join('\n');
  }

  /** Lets the engine's next retry fire (FakeClock), and waits for it. */
  async retry(): Promise<void> {
    const at = this.clock.nextAt();
    if (at === undefined) throw new Error('no retry is scheduled');
    await this.clock.advance(at - this.clock.now(), () => this.engine.whenIdle());
    await this.engine.whenIdle();
  }

  async dispose(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.engine.dispose();
    this.temp.close();
    removeRoot(this.temp.root);
    await this.standIn.stop();
  }
}
