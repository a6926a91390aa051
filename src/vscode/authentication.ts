// Provider Keys as a VS Code authentication provider (`provider-keys`), registered while the machine setting
// providerKeys.shareWithExtensions is on: turning it off unregisters it at once, turning it on registers it
// again (no reload). The sessions are the keys (src/flows/keySessions.ts); VS Code asks the user before an
// extension gets one, remembers the answer per account, and offers Manage Trusted Extensions and Sign Out in
// the Accounts menu. Registering reads nothing: VS Code asks for sessions later, and only a request that
// names one provider reads key bytes.
import * as vscode from 'vscode';
import { AUTH_PROVIDER } from '../constants';
import { type KeySessions, Toggle } from '../flows/keySessions';
import { showFailure } from './failure';
import type { Log } from './log';

export function keysAuthentication(sessions: KeySessions, enabled: () => boolean, log: Log): Toggle {
  return new Toggle(enabled, () => register(sessions, log));
}

function register(sessions: KeySessions, log: Log): vscode.Disposable {
  const changes = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  const forward = sessions.onDidChangeSessions(({ added, removed, changed }) => changes.fire({ added, removed, changed }));
  // VS Code does not show why a sign-in or sign-out failed: the window says it (not when the user left Add Key).
  const shown = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      showFailure(what, error, log);
      throw error;
    }
  };
  const provider: vscode.AuthenticationProvider = {
    onDidChangeSessions: changes.event,
    getSessions: (scopes) => sessions.getSessions(scopes),
    createSession: (scopes) => shown('createSession', () => sessions.createSession(scopes)),
    removeSession: (id) => shown('removeSession', () => sessions.removeSession(id)),
  };
  // Several keys of a provider are several accounts: VS Code lets the user pick the one an extension gets.
  const registration = vscode.authentication.registerAuthenticationProvider(AUTH_PROVIDER.id, AUTH_PROVIDER.label, provider, {
    supportsMultipleAccounts: true,
  });
  log.info(`Registered as the authentication provider "${AUTH_PROVIDER.id}": other extensions can ask for keys, with your consent`);
  return vscode.Disposable.from(registration, forward, changes);
}
