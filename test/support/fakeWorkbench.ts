// A Workbench (src/flows/workbench.ts) in memory, for the flows under plain mocha: questions answered by a
// script (a ScriptedPrompter per flow, as the host tests put one in place per command), commands, links and
// settings recorded, a clipboard, terminal variables, a globalState, and workspace files from a real folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ForwardingPrompter } from '../../src/flows/prompter';
import type { ClipboardPort, Memento, TerminalVariables, Workbench, WorkspaceFile } from '../../src/flows/workbench';
import { MemoryMemento } from './memoryStorage';
import { type Answer, ScriptedPrompter } from './scriptedPrompter';

/** The clipboard, as a value; counts reads and records writes (the key itself as 'the key'). */
export class FakeClipboard implements ClipboardPort {
  held = '';
  reads = 0;
  readonly writes: string[] = [];
  async readText(): Promise<string> {
    this.reads++;
    return this.held;
  }
  async writeText(value: string): Promise<void> {
    this.held = value;
    this.writes.push(value);
  }
}

/** A window's terminal variables, as VS Code keeps them (non-persistent), with the panel's description. */
export class FakeTerminalVariables implements TerminalVariables {
  readonly values = new Map<string, string>();
  description: string | undefined;
  replace(variable: string, value: string): void {
    this.values.set(variable, value);
  }
  delete(variable: string): void {
    this.values.delete(variable);
  }
  describe(text: string | undefined): void {
    this.description = text;
  }
}

/** `glob` as VS Code's findFiles reads the two patterns the flows use: `**\/{a,b}` and `**\/{a,b}/**`. */
function globMatches(glob: string, relative: string): boolean {
  const alternatives = (pattern: string): string =>
    pattern.replace(
      /\{([^}]*)\}/g,
      (_all, list: string) =>
        `(${list
          .split(',')
          .map((p) => p.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('|')})`,
    );
  const source = alternatives(glob)
    .replace(/\*\*\//g, '(?:.*/)?')
    .replace(/\/\*\*$/, '/.*');
  return new RegExp(`^${source}$`).test(relative);
}

export class FakeWorkbench extends ForwardingPrompter implements Workbench {
  /** Answers the questions of the flow that runs now (see `script`). */
  prompter = new ScriptedPrompter([]);
  readonly commands: Array<{ command: string; args: unknown[] }> = [];
  readonly opened: string[] = [];
  readonly progress: string[] = [];
  readonly clipboard = new FakeClipboard();
  readonly memento: Memento & MemoryMemento = new MemoryMemento();
  readonly terminalVariables = new FakeTerminalVariables();
  readonly settings = new Map<string, unknown>();
  readonly shown: string[] = [];
  /** Desktop VS Code reads the clipboard back; a browser does not. */
  readable = true;
  trusted = true;
  /** The workspace folder on disk whose files findFiles lists (none: an empty workspace). */
  folder: string | undefined;

  protected override prompts(): ScriptedPrompter {
    return this.prompter;
  }

  /** Answers the next flow's questions from `answers`; the prompter returned records what was asked and said. */
  script(answers: Answer[]): ScriptedPrompter {
    this.prompter = new ScriptedPrompter(answers);
    return this.prompter;
  }

  async runCommand(command: string, ...args: unknown[]): Promise<unknown> {
    this.commands.push({ command, args });
    return undefined;
  }

  async openExternal(url: string): Promise<boolean> {
    this.opened.push(url);
    return true;
  }

  async withProgress<T>(title: string, task: (signal: AbortSignal) => PromiseLike<T>): Promise<T> {
    this.progress.push(title);
    return task(new AbortController().signal);
  }

  clipboardReadable(): boolean {
    return this.readable;
  }

  setting<T>(name: string, fallback: T): T {
    return this.settings.has(name) ? (this.settings.get(name) as T) : fallback;
  }

  async updateSetting(name: string, value: unknown): Promise<void> {
    this.settings.set(name, value);
  }

  isTrusted(): boolean {
    return this.trusted;
  }

  async findFiles(include: string, exclude: string, max: number): Promise<WorkspaceFile[]> {
    const folder = this.folder;
    if (!folder) return [];
    const found: WorkspaceFile[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const relative = path.relative(folder, full).split(path.sep).join('/');
        if (entry.isDirectory()) await walk(full);
        else if (globMatches(include, relative) && !globMatches(exclude, relative)) {
          found.push({ uri: full, name: entry.name, label: relative });
        }
      }
    };
    await walk(folder);
    return found.sort((a, b) => a.label.localeCompare(b.label)).slice(0, max);
  }

  async fileSize(file: WorkspaceFile): Promise<number> {
    return (await fs.stat(file.uri)).size;
  }

  async readFile(file: WorkspaceFile): Promise<Uint8Array> {
    return fs.readFile(file.uri);
  }

  async showFile(file: WorkspaceFile): Promise<unknown> {
    this.shown.push(file.label);
    return undefined;
  }
}
