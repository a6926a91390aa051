// A stand-in for the `vscode` module, enough for `activate()` to run in a plain Node process: the
// classes and functions activation uses behave (events fire, settings return their defaults), and
// anything else is an inert callable object, so that new API uses keep the bench running. It loads no
// built-in that Node has not loaded at startup, so that it hides none of the extension's.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (event: T) => unknown;

/** An object that answers every property read and call with another such object (never thenable). */
function inert(): unknown {
  const target = function () {} as unknown as Record<string | symbol, unknown>;
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : key === 'dispose' ? () => undefined : inert()),
    set: () => true,
    apply: () => inert(),
    construct: () => inert() as object,
  });
  return proxy;
}

class Disposable {
  static from(...items: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  constructor(private readonly onDispose: () => unknown) {}
  dispose(): void {
    this.onDispose();
  }
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', fsPath);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, path.join(base.fsPath, ...segments));
  }
  static parse(value: string): Uri {
    return value.startsWith('file://') ? new Uri('file', value.slice(7)) : new Uri(value.split(':')[0] ?? 'file', value);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
  with(): Uri {
    return this;
  }
}

class TreeItem {
  constructor(
    readonly label: unknown,
    readonly collapsibleState?: number,
  ) {}
}

class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class MarkdownString {
  constructor(public value = '') {}
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendText(text: string): this {
    this.value += text;
    return this;
  }
}

const noEvent = (): Disposable => new Disposable(() => undefined);

const format = (message: string, ...args: unknown[]): string =>
  message.replace(/\{(\d+)\}/g, (whole, i: string) => (args[Number(i)] === undefined ? whole : String(args[Number(i)])));

/**
 * Settings answer their defaults, except the service URL: pinned to a loopback port where nothing listens
 * (1, tcpmux), so that if anything ever lets the extension's timers run here, it never probes the real
 * Pieces OS ports. It is read only when a request resolves the URL, never during activation. A bench that
 * plays Pieces OS itself (on a port outside the real ones) sets `serviceUrl` instead.
 */
export const GUARD_SERVICE_URL = 'http://127.0.0.1:1';
export const stubSettings: { serviceUrl: string } = { serviceUrl: GUARD_SERVICE_URL };

function configuration(section?: string): unknown {
  const get = (key: string, fallback?: unknown): unknown =>
    section === 'providerKeys' && key === 'serviceUrl' ? stubSettings.serviceUrl : fallback;
  return { get, has: () => false, inspect: () => undefined, update: async () => undefined };
}

function statusBarItem(): unknown {
  return { text: '', tooltip: '', command: undefined, show: () => undefined, hide: () => undefined, dispose: () => undefined };
}

/** The data provider of every tree view the extension made, for a bench that reads rows as VS Code does. */
export const treeProviders: unknown[] = [];

function treeView(_id: string, options?: { treeDataProvider?: unknown }): unknown {
  if (options?.treeDataProvider) treeProviders.push(options.treeDataProvider);
  return {
    badge: undefined,
    message: undefined,
    title: undefined,
    visible: true,
    onDidChangeVisibility: noEvent,
    onDidChangeSelection: noEvent,
    onDidExpandElement: noEvent,
    onDidCollapseElement: noEvent,
    reveal: async () => undefined,
    dispose: () => undefined,
  };
}

function logChannel(): unknown {
  const nothing = (): undefined => undefined;
  return {
    name: 'log',
    logLevel: 2,
    onDidChangeLogLevel: noEvent,
    trace: nothing,
    debug: nothing,
    info: nothing,
    warn: nothing,
    error: nothing,
    append: nothing,
    appendLine: nothing,
    replace: nothing,
    clear: nothing,
    show: nothing,
    hide: nothing,
    dispose: nothing,
  };
}

const api: Record<string, unknown> = {
  Disposable,
  EventEmitter,
  Uri,
  TreeItem,
  ThemeIcon,
  ThemeColor,
  MarkdownString,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
  QuickInputButtons: { Back: { iconPath: new ThemeIcon('arrow-left') } },
  l10n: {
    t: (message: string | { message: string; args?: unknown[] }, ...args: unknown[]) =>
      typeof message === 'string' ? format(message, ...args) : format(message.message, ...(message.args ?? [])),
  },
  workspace: {
    getConfiguration: configuration,
    onDidChangeConfiguration: noEvent,
    isTrusted: true,
    workspaceFolders: undefined,
    onDidGrantWorkspaceTrust: noEvent,
    fs: inert(),
  },
  window: {
    createOutputChannel: logChannel,
    createStatusBarItem: statusBarItem,
    createTreeView: treeView,
    registerTreeDataProvider: noEvent,
    onDidChangeWindowState: noEvent,
    state: { focused: true },
    showInformationMessage: async () => undefined,
    showWarningMessage: async () => undefined,
    showErrorMessage: async () => undefined,
  },
  commands: { registerCommand: noEvent, executeCommand: async () => undefined },
  authentication: { registerAuthenticationProvider: noEvent },
  env: { appName: 'bench', machineId: 'bench', sessionId: 'bench', language: 'en', uriScheme: 'vscode', remoteName: undefined },
};

const vscode: unknown = new Proxy(api, { get: (target, key: string) => (key in target ? target[key] : inert()) });

/** A name for the module cache only; no such file exists. */
const STUB_PATH = path.join(__dirname, 'vscode-stub.js');

/** Makes `require('vscode')` return the stand-in. */
export function installVscodeStub(): void {
  const loader = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string; _cache: Record<string, unknown> };
  const stub = new Module(STUB_PATH);
  stub.exports = vscode;
  stub.loaded = true;
  loader._cache[STUB_PATH] = stub;
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? STUB_PATH : resolve.call(this, request, ...rest);
  };
}

class MemoryMemento {
  private readonly data = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return this.data.has(key) ? (this.data.get(key) as T) : fallback;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, JSON.parse(JSON.stringify(value)));
  }
  setKeysForSync(): void {}
}

/**
 * An ExtensionContext over `storageRoot`: a first activation (no keys yet) in production mode, unless
 * `secrets` (SecretStorage's content) and `mode` (3: Test, where activate() returns its testing hooks) say otherwise.
 */
export function extensionContext(storageRoot: string, options: { secrets?: Map<string, string>; mode?: number } = {}): unknown {
  const secrets = options.secrets ?? new Map<string, string>();
  const changed = new EventEmitter<{ key: string }>();
  const root = Uri.file(path.resolve(__dirname, '..', '..'));
  const context: Record<string, unknown> = {
    subscriptions: [],
    extensionMode: options.mode ?? 1,
    extensionUri: root,
    extensionPath: root.fsPath,
    globalStorageUri: Uri.file(path.join(storageRoot, 'global')),
    globalStoragePath: path.join(storageRoot, 'global'),
    storageUri: Uri.file(path.join(storageRoot, 'workspace')),
    logUri: Uri.file(path.join(storageRoot, 'log')),
    globalState: new MemoryMemento(),
    workspaceState: new MemoryMemento(),
    secrets: {
      get: async (key: string) => secrets.get(key),
      store: async (key: string, value: string) => {
        secrets.set(key, value);
        changed.fire({ key });
      },
      delete: async (key: string) => {
        secrets.delete(key);
        changed.fire({ key });
      },
      onDidChange: changed.event,
    },
    asAbsolutePath: (relative: string) => path.join(root.fsPath, relative),
    extension: { id: 'provider-keys.provider-keys', packageJSON: {}, extensionUri: root },
    environmentVariableCollection: inert(),
    storagePath: undefined,
    logPath: path.join(storageRoot, 'log'),
  };
  return new Proxy(context, { get: (target, key: string) => (key in target ? target[key] : inert()) });
}
