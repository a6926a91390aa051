// The stand-in's control port, driven over HTTP as another process (a terminal, a CI script) would.
// Its state endpoint shows keys masked to the last 4 characters.
export interface StandInState {
  readonly listening: boolean;
  readonly signedIn: boolean;
  readonly impostor: false | 'notFound' | 'html';
  readonly openAI?: { readonly api_key?: string; readonly api_key_name?: string; readonly organization_key?: string };
  readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
}

export const KEY_PATHS = {
  create: '/external_provider/api_key/create',
  update: '/external_provider/api_key/update',
  delete: '/external_provider/api_key/delete',
} as const;

export interface FaultRequest {
  count: number;
  fault: 'unauthorized' | 'serverError' | 'delay' | 'drop' | 'dropMidBody' | 'invalidJson' | 'echo';
  paths?: string[];
  status?: number;
}

export class StandInControl {
  constructor(readonly controlUrl: string) {}

  private async post(route: string, body?: object): Promise<void> {
    const response = await fetch(`${this.controlUrl}/__stand-in/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : '',
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 204) throw new Error(`stand-in control ${route}: ${response.status} ${text}`);
  }

  /** Takes the service away: its port refuses connections, as when Pieces OS quits. */
  stop(): Promise<void> {
    return this.post('stop');
  }

  /** Brings it back on the same port, with what it held. */
  start(): Promise<void> {
    return this.post('start');
  }

  fault(request: FaultRequest): Promise<void> {
    return this.post('fault', request);
  }

  /** Signs the stand-in's user in or out (GET /user answers `{}` while signed out). */
  signedIn(signedIn: boolean): Promise<void> {
    return this.post('signed-in', { signedIn });
  }

  /** Another program on the port: health as Pieces OS, `/user` 404 ('notFound') or a web page ('html'); false: Pieces OS. */
  impostor(impostor: false | 'notFound' | 'html'): Promise<void> {
    return this.post('impostor', { impostor });
  }

  async state(): Promise<StandInState> {
    const response = await fetch(`${this.controlUrl}/__stand-in/state`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`stand-in control state: ${response.status}`);
    return (await response.json()) as StandInState;
  }
}
