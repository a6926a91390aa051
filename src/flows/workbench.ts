// The seam between the flows and the workbench they run in. Every question and message (the Prompter),
// and everything else a flow does outside the core, goes through a Workbench: commands, links, progress,
// the clipboard, terminal variables, small per-user values, settings and workspace files. No `vscode`
// import: src/vscode/workbench.ts is the one over VS Code; tests use test/support/fakeWorkbench.ts.
import type { Prompter } from './prompter';

/** The system clipboard. */
export interface ClipboardPort {
  readText(): PromiseLike<string>;
  writeText(value: string): PromiseLike<void>;
}

/** Small values kept for this user across windows and restarts (VS Code's globalState); never key bytes. */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** The environment variables new integrated terminals get from this window; never written to disk. */
export interface TerminalVariables {
  replace(variable: string, value: string): void;
  delete(variable: string): void;
  /** What VS Code's terminal panel says about where they come from (undefined: nothing). */
  describe(text: string | undefined): void;
}

/** A file of the workspace, as the workbench found it. */
export interface WorkspaceFile {
  /** Where it is, in the workbench's terms (a URI). */
  readonly uri: string;
  /** Its file name. */
  readonly name: string;
  /** Its path relative to the workspace, as the user reads it. */
  readonly label: string;
}

export interface Workbench extends Prompter {
  /** Runs a command, ours or the workbench's own. */
  runCommand(command: string, ...args: unknown[]): PromiseLike<unknown>;
  /** Opens an address in the browser. */
  openExternal(url: string): PromiseLike<boolean>;
  /** Shows `title` with a Cancel button while `task` runs; Cancel aborts `signal`. */
  withProgress<T>(title: string, task: (signal: AbortSignal) => PromiseLike<T>): PromiseLike<T>;
  readonly clipboard: ClipboardPort;
  /** Whether the clipboard can be read back without asking the user (desktop: yes; a browser: no). */
  clipboardReadable(): boolean;
  readonly memento: Memento;
  readonly terminalVariables: TerminalVariables;
  /** The setting `providerKeys.<name>`, or `fallback` when it is not set. */
  setting<T>(name: string, fallback: T): T;
  /** Writes `providerKeys.<name>` for this user (every workspace). */
  updateSetting(name: string, value: unknown): PromiseLike<void>;
  /** Whether the user trusts the workspace (an untrusted one's files are not read). */
  isTrusted(): boolean;
  /** Files of the workspace matching `include` and not `exclude`, at most `max`. */
  findFiles(include: string, exclude: string, max: number): PromiseLike<WorkspaceFile[]>;
  fileSize(file: WorkspaceFile): PromiseLike<number>;
  readFile(file: WorkspaceFile): PromiseLike<Uint8Array>;
  /** Opens the file in an editor. */
  showFile(file: WorkspaceFile): PromiseLike<unknown>;
}
