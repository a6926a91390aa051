// Reads the OS keychain through keytar, which is optional: the universal VSIX has no native module,
// and a machine may have no D-Bus, no secret service, or a locked keyring. keytar runs in a short-lived
// child process (keychainHelper.ts), never in the extension host: on Linux a locked keyring that
// cannot show its unlock prompt makes libsecret crash the process that asked (measured: SIGSEGV),
// and that must not take every extension down with it. Every failure becomes one "unavailable"
// result with a message that says what to do; nothing is cached and nothing is written.
import { fork } from 'node:child_process';
import type { CandidateSource } from './environment';
import * as l10n from '@vscode/l10n';
import { PROVIDER_APIS } from '../providers/apis';
import { PROVIDERS, type ProviderId, providerOfKey } from '../providers/catalogue';
import { excerpt } from '../keys/redact';

export interface KeychainCredential {
  readonly account: string;
  readonly password: string;
}

export type KeychainUnavailableKind = 'moduleMissing' | 'libraryMissing' | 'noSecretService' | 'locked' | 'timeout' | 'failed';

export interface KeychainUnavailable {
  readonly kind: KeychainUnavailableKind;
  readonly message: string;
}

export type KeychainLookup =
  | { readonly ok: true; readonly found: Readonly<Record<string, readonly KeychainCredential[]>> }
  | { readonly ok: false; readonly unavailable: KeychainUnavailable };

export interface KeychainPort {
  /** `findCredentials` for each service name; all or nothing. */
  find(services: readonly string[], signal?: AbortSignal): Promise<KeychainLookup>;
}

/** What the helper is asked, and what it answers (over the IPC channel, never a file). */
export interface HelperRequest {
  readonly modulePaths: readonly string[];
  readonly services: readonly string[];
}
export type HelperAnswer =
  | { readonly type: 'found'; readonly found: Record<string, KeychainCredential[]> }
  | { readonly type: 'error'; readonly stage: 'load' | 'call'; readonly message: string };

/** Long enough for a person to answer the keyring's unlock prompt on a desktop. */
export const KEYCHAIN_TIMEOUT_MS = 120_000;

export interface KeychainProcessOptions {
  /** The helper script (dist/keychain-helper.js in the extension). */
  readonly helperPath: string;
  /** Where keytar may be: the `.node` copied next to the bundle, then the `keytar` package. */
  readonly modulePaths: readonly string[];
  /** The helper's environment; D-Bus is found through DBUS_SESSION_BUS_ADDRESS. Default: ours. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export class KeychainProcess implements KeychainPort {
  constructor(private readonly options: KeychainProcessOptions) {}

  find(services: readonly string[], signal?: AbortSignal): Promise<KeychainLookup> {
    const timeoutMs = this.options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS;
    return new Promise((resolve) => {
      let settled = false;
      // In a desktop VS Code the extension host runs as Electron in node mode; its children must too.
      const child = fork(this.options.helperPath, [], {
        env: { ...(this.options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        serialization: 'json',
      });
      const finish = (lookup: KeychainLookup): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        resolve(lookup);
      };
      const unavailable = (kind: KeychainUnavailableKind, detail?: string): void =>
        finish({ ok: false, unavailable: { kind, message: unavailableMessage(kind, detail, timeoutMs) } });
      const timer = setTimeout(() => unavailable('timeout'), timeoutMs);
      const onAbort = (): void => unavailable('failed', l10n.t('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('message', (answer: HelperAnswer) => {
        if (answer.type === 'found') finish({ ok: true, found: answer.found });
        else if (answer.stage === 'load') unavailable(classifyLoadError(answer.message), answer.message);
        else unavailable(classifyKeychainError(answer.message), answer.message);
      });
      child.on('error', (error) => unavailable('failed', error.message));
      // 'close' rather than 'exit': by then every message on the IPC channel has been delivered.
      child.on('close', (code, exitSignal) => {
        // A crash while asking the secret service is libsecret failing to show the unlock prompt.
        if (exitSignal) unavailable('locked');
        else unavailable('failed', l10n.t('the keychain helper stopped (exit code {0})', code ?? '?'));
      });
      const request: HelperRequest = { modulePaths: this.options.modulePaths, services };
      child.send(request);
    });
  }
}

/** Why keytar's native module did not load. */
export function classifyLoadError(message: string): KeychainUnavailableKind {
  if (/libsecret|cannot open shared object file/i.test(message)) return 'libraryMissing';
  return 'moduleMissing';
}

/** Why a keytar call failed, from libsecret's and GLib's error texts. */
export function classifyKeychainError(message: string): KeychainUnavailableKind {
  if (
    /D-?Bus|DISPLAY|Could not connect|org\.freedesktop\.secrets|not provided by any \.service|dbus-launch|No such interface|ServiceUnknown/i.test(
      message,
    )
  ) {
    return 'noSecretService';
  }
  if (/locked|unlock|prompt|dismissed|cancell?ed/i.test(message)) return 'locked';
  return 'failed';
}

export function unavailableMessage(kind: KeychainUnavailableKind, detail?: string, timeoutMs = KEYCHAIN_TIMEOUT_MS): string {
  switch (kind) {
    case 'moduleMissing':
      return l10n.t(
        'Import from OS Keychain is not available in this build: it needs the keychain module (keytar), which only the platform VSIX carries (such as provider-keys-linux-x64). Install that VSIX, or use Import from Environment. Everything else works.',
      );
    case 'libraryMissing':
      return l10n.t(
        'Import from OS Keychain needs the libsecret library, which is not installed. Install it (for example with "sudo apt install libsecret-1-0") and try again.',
      );
    case 'noSecretService':
      return l10n.t(
        'No OS keychain answered: there is no D-Bus session or no secret service (such as GNOME Keyring or KWallet) running. Run VS Code in a desktop session, or start one with "gnome-keyring-daemon --unlock", and try again.',
      );
    case 'locked':
      return l10n.t(
        'The OS keychain is locked and could not ask for its password here. Unlock it (log in to your desktop session, or run "gnome-keyring-daemon --unlock") and try again.',
      );
    case 'timeout':
      return l10n.t(
        'The OS keychain did not answer within {0} seconds (was an unlock prompt left open?). Try again.',
        Math.round(timeoutMs / 1000),
      );
    case 'failed':
      return l10n.t('The OS keychain could not be read: {0}', detail ? excerpt(detail) : l10n.t('unknown error'));
  }
}

/** Service names looked in first: what scripts and `secret-tool` commonly use for each provider. */
export function wellKnownServices(): string[] {
  return PROVIDERS.flatMap((p) => PROVIDER_APIS[p.id].keychainServices);
}

/** A keychain entry as an import candidate; `provider` is undefined when neither name nor prefix tells. */
export interface KeychainMatch {
  readonly service: string;
  readonly account: string;
  readonly secret: string;
  readonly provider?: ProviderId;
  readonly source: CandidateSource;
}

export function keychainMatches(service: string, credentials: readonly KeychainCredential[]): KeychainMatch[] {
  return credentials
    .filter((c) => typeof c.password === 'string' && c.password.trim() !== '')
    .map((c) => {
      const provider = providerOfService(service) ?? providerOfKey(c.password.trim())?.id;
      return {
        service,
        account: c.account,
        secret: c.password.trim(),
        ...(provider ? { provider } : {}),
        source: { kind: 'keychain', service, account: c.account },
      };
    });
}

function providerOfService(service: string): ProviderId | undefined {
  const lower = service.toLowerCase();
  return PROVIDERS.find((p) => PROVIDER_APIS[p.id].keychainServices.some((s) => s.toLowerCase() === lower) || lower === p.id)?.id;
}
