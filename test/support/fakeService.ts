// An in-memory Pieces OS for the sync engine's unit tests: one slot per provider, switchable faults,
// and a check that calls for one provider never overlap.
import { BadResponseError, NotSignedInError, ServerError, ServiceUnreachableError, UnauthorizedError } from '../../src/core/pieces/errors';
import type { ProviderId } from '../../src/core/providers/catalogue';
import type { KeyFields, ServicePort } from '../../src/core/pieces/servicePort';

export type Mode = 'up' | 'down' | 'unauthorized' | 'serverError' | 'badResponse' | 'lostAnswer' | 'signedOut';
export const MODES: readonly Mode[] = ['up', 'down', 'unauthorized', 'serverError', 'badResponse', 'lostAnswer', 'signedOut'];

export interface Held {
  apiKey: string;
  name?: string;
  organization?: string;
}

export class FakeService implements ServicePort {
  mode: Mode = 'up';
  readonly held_ = new Map<ProviderId, Held>();
  readonly calls: string[] = [];
  private readonly inFlight = new Map<ProviderId, number>();
  overlapped = false;
  /** Runs inside each key call, after it is counted in flight (for tests that act mid-call). */
  duringCall: (() => Promise<void>) | undefined;
  /** Errors the next key calls throw instead of acting (one each, in order). */
  readonly nextErrors: Error[] = [];

  async userId(): Promise<string> {
    this.fail(false);
    if (this.mode === 'signedOut') throw new NotSignedInError('GET /user');
    return 'user-1';
  }

  async push(provider: ProviderId, user: string, call: 'create' | 'update', key: KeyFields): Promise<void> {
    await this.keyCall(provider, call, () => {
      if (!user) throw new Error('no user');
      const previous = call === 'update' ? this.held_.get(provider) : undefined;
      const next: Held = { ...previous, apiKey: key.apiKey, name: key.name };
      if (key.organization !== undefined) next.organization = key.organization;
      this.held_.set(provider, next);
    });
  }

  async remove(provider: ProviderId): Promise<void> {
    await this.keyCall(provider, 'delete', () => this.held_.delete(provider));
  }

  async held(provider: ProviderId): Promise<Partial<KeyFields> | undefined> {
    this.fail(false);
    const held = this.held_.get(provider);
    return held ? { ...held } : undefined;
  }

  /** What a provider's slot holds, with an empty organization read as none. */
  state(provider: ProviderId): Held | undefined {
    const held = this.held_.get(provider);
    if (!held) return undefined;
    return {
      apiKey: held.apiKey,
      ...(held.name ? { name: held.name } : {}),
      ...(held.organization ? { organization: held.organization } : {}),
    };
  }

  private async keyCall(provider: ProviderId, call: string, apply: () => void): Promise<void> {
    const running = (this.inFlight.get(provider) ?? 0) + 1;
    this.inFlight.set(provider, running);
    if (running > 1) this.overlapped = true;
    try {
      await this.duringCall?.();
      this.calls.push(`${provider} ${call} ${this.mode}`);
      const queued = this.nextErrors.shift();
      if (queued) throw queued;
      this.fail(true);
      if (this.mode === 'signedOut') throw new UnauthorizedError('no such user');
      apply();
      // The change is made, but the answer is lost or garbled on the way back.
      if (this.mode === 'badResponse') throw new BadResponseError('the response has no "metadata" object');
      if (this.mode === 'lostAnswer') throw new ServiceUnreachableError('reset', 'http://fake');
    } finally {
      this.inFlight.set(provider, (this.inFlight.get(provider) ?? 1) - 1);
    }
  }

  private fail(keyCall: boolean): void {
    if (this.mode === 'down') throw new ServiceUnreachableError('refused', 'http://fake');
    if (!keyCall) return;
    if (this.mode === 'unauthorized') throw new UnauthorizedError('Invalid Authentication');
    if (this.mode === 'serverError') throw new ServerError(500, 'Internal Server Error');
  }
}
