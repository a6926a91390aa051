// The Workbench of a real window (the port the flows take: src/flows/workbench.ts), over `vscode`. Questions
// go to the prompter the tests put in place, if any, else to the window's quick picks and notifications.
import * as vscode from 'vscode';
import { CONFIG_SECTION } from '../constants';
import { ForwardingPrompter, type Prompter } from '../flows/prompter';
import type { ClipboardPort, Memento, TerminalVariables, Workbench, WorkspaceFile } from '../flows/workbench';
import { WindowPrompter, type WindowPrompterOptions } from './prompts';

export interface VsCodeWorkbenchOptions extends WindowPrompterOptions {
  /** The prompter the tests put in place; undefined: the window's own. */
  prompter?: () => Prompter | undefined;
  /** The extension's globalState and the terminal variables of this window. */
  context: { readonly globalState: vscode.Memento; readonly environmentVariableCollection: vscode.GlobalEnvironmentVariableCollection };
}

export class VsCodeWorkbench extends ForwardingPrompter implements Workbench {
  private readonly window: WindowPrompter;
  readonly memento: Memento;
  readonly terminalVariables: TerminalVariables;

  constructor(private readonly options: VsCodeWorkbenchOptions) {
    super();
    this.window = new WindowPrompter(options);
    this.memento = options.context.globalState;
    this.terminalVariables = terminalVariables(options.context.environmentVariableCollection);
  }

  protected override prompts(): Prompter {
    return this.options.prompter?.() ?? this.window;
  }

  runCommand(command: string, ...args: unknown[]): Thenable<unknown> {
    return vscode.commands.executeCommand(command, ...args);
  }

  openExternal(url: string): Thenable<boolean> {
    return vscode.env.openExternal(vscode.Uri.parse(url));
  }

  withProgress<T>(title: string, task: (signal: AbortSignal) => PromiseLike<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return task(controller.signal);
    });
  }

  get clipboard(): ClipboardPort {
    return vscode.env.clipboard;
  }

  /** Desktop VS Code reads the clipboard without asking; a browser asks, and VS Code shows its own error. */
  clipboardReadable(): boolean {
    return vscode.env.uiKind === vscode.UIKind.Desktop;
  }

  setting<T>(name: string, fallback: T): T {
    return vscode.workspace.getConfiguration(CONFIG_SECTION).get<T>(name, fallback);
  }

  updateSetting(name: string, value: unknown): Thenable<void> {
    return vscode.workspace.getConfiguration(CONFIG_SECTION).update(name, value, vscode.ConfigurationTarget.Global);
  }

  isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  async findFiles(include: string, exclude: string, max: number): Promise<WorkspaceFile[]> {
    const several = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const uris = await vscode.workspace.findFiles(include, exclude, max);
    return uris.map((uri) => ({
      uri: uri.toString(),
      name: uri.path.slice(uri.path.lastIndexOf('/') + 1),
      label: vscode.workspace.asRelativePath(uri, several),
    }));
  }

  async fileSize(file: WorkspaceFile): Promise<number> {
    return (await vscode.workspace.fs.stat(vscode.Uri.parse(file.uri))).size;
  }

  readFile(file: WorkspaceFile): Thenable<Uint8Array> {
    return vscode.workspace.fs.readFile(vscode.Uri.parse(file.uri));
  }

  showFile(file: WorkspaceFile): Thenable<unknown> {
    return vscode.window.showTextDocument(vscode.Uri.parse(file.uri), { preview: false });
  }
}

/** This window's terminal variables: never persisted, so VS Code writes no key to disk. */
function terminalVariables(collection: vscode.GlobalEnvironmentVariableCollection): TerminalVariables {
  return {
    replace: (variable, value) => {
      collection.persistent = false;
      collection.replace(variable, value);
    },
    delete: (variable) => collection.delete(variable),
    describe: (text) => {
      collection.description = text;
    },
  };
}
