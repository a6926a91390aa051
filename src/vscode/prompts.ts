// The Prompter of a real window: quick picks, input boxes, modal questions and notifications.
import * as vscode from 'vscode';
import * as l10n from '@vscode/l10n';
import {
  BACK,
  type Back,
  type InputCheck,
  type InputOptions,
  type PickItem,
  type PickOptions,
  type Prompter,
  type Severity,
  type StepCount,
} from '../flows/prompter';

/** A change that adds this many characters at once is a paste (typing adds one at a time). */
const PASTED_CHARS = 8;

export interface WindowPrompterOptions {
  /** Runs before a notification is shown: the views first show what the message is about (redraw.ts). */
  beforeMessage?: () => Promise<void>;
}

/** Quick pick items from a flow's: its icon as an icon, not `$(id)` text that a screen reader reads out. */
function quickPickItems<T>(items: ReadonlyArray<PickItem<T>>): Array<vscode.QuickPickItem & { value: T; picked?: boolean }> {
  return items.map(({ icon, ...item }) => (icon ? { ...item, iconPath: new vscode.ThemeIcon(icon) } : item));
}

export class WindowPrompter implements Prompter {
  constructor(private readonly options: WindowPrompterOptions = {}) {}

  pick<T>(options: PickOptions<T>): Promise<T | undefined | Back> {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.ignoreFocusOut = true;
    quickPick.items = quickPickItems(options.items);
    applyStep(quickPick, options.step);
    const extra = options.button ? { iconPath: new vscode.ThemeIcon(options.button.icon), tooltip: options.button.tooltip } : undefined;
    if (extra) quickPick.buttons = [...quickPick.buttons, extra];
    return untilAnswered<T>(quickPick, (finish) => {
      quickPick.onDidAccept(() => finish(quickPick.selectedItems[0]?.value));
      if (extra && options.button) {
        const value = options.button.value;
        quickPick.onDidTriggerButton((button) => button === extra && finish(value));
      }
    });
  }

  pickMany<T>(options: PickOptions<T>): Promise<T[] | undefined | Back> {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.ignoreFocusOut = true;
    quickPick.canSelectMany = true;
    quickPick.items = quickPickItems(options.items);
    quickPick.selectedItems = quickPick.items.filter((item) => item.picked);
    applyStep(quickPick, options.step);
    return untilAnswered<T[]>(quickPick, (finish) =>
      quickPick.onDidAccept(() => finish(quickPick.selectedItems.map((item) => item.value))),
    );
  }

  input(options: InputOptions): Promise<string | undefined | Back> {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    box.prompt = options.prompt;
    box.placeholder = options.placeholder;
    box.value = options.value ?? '';
    box.password = options.password ?? false;
    box.ignoreFocusOut = true;
    applyStep(box, options.step);
    const extra = (options.buttons ?? []).map((button) => ({
      button,
      item: { iconPath: new vscode.ThemeIcon(button.icon), tooltip: button.tooltip },
    }));
    if (extra.length > 0) {
      box.buttons = [...box.buttons, ...extra.map((e) => e.item)];
      box.onDidTriggerButton((pressed) => extra.find((e) => e.item === pressed)?.button.run());
    }
    const check = (value: string): InputCheck => options.validate?.(value);
    const show = (result: InputCheck): void => {
      box.validationMessage = result
        ? {
            message: result.message,
            severity: result.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning,
          }
        : undefined;
    };
    // Until Enter was pressed once, typing shows warnings only (no red error for a key half pasted), and
    // the errors that must not wait: a key in a plain text box (a name, an organization id).
    let accepted = false;
    let previous = box.value;
    /** The refusal of a key just taken out of the box, shown until the next edit. */
    let removed: InputCheck;
    box.onDidChangeValue((value) => {
      const pasted = value.length - previous.length >= PASTED_CHARS;
      previous = value;
      const result = check(value);
      if (pasted && result?.severity === 'error' && result.atOnce) {
        // Pasted, not typed: a text box shows it, and a browser may keep a text box's value in its session
        // files. It is taken out at once rather than left there until Enter.
        removed = { ...result, message: l10n.t('{0} It was taken out of the box.', result.message) };
        previous = '';
        box.value = '';
        show(removed);
        return;
      }
      if (removed && value === '') return show(removed); // the box emptied by the lines above
      removed = undefined;
      show(accepted || result?.severity === 'warning' || result?.atOnce ? result : undefined);
    });
    return untilAnswered<string>(box, (finish) =>
      box.onDidAccept(() => {
        accepted = true;
        const result = check(box.value);
        show(result);
        if (result?.severity !== 'error') finish(box.value);
      }),
    );
  }

  async confirm(message: string, detail: string, action: string): Promise<boolean> {
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    return answer === action;
  }

  async ask(message: string, detail: string, answers: string[]): Promise<string | undefined> {
    return vscode.window.showInformationMessage(message, { modal: true, detail }, ...answers);
  }

  async message(severity: Severity, message: string, ...buttons: string[]): Promise<string | undefined> {
    await this.options.beforeMessage?.();
    const show =
      severity === 'error'
        ? vscode.window.showErrorMessage
        : severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    return show(message, ...buttons);
  }
}

/**
 * Shows `input` until it is answered once: `onAccept` wires what Enter answers; the Back button
 * answers BACK and hiding it (Escape, focus elsewhere with ignoreFocusOut off) answers undefined.
 */
function untilAnswered<R>(
  input: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox,
  onAccept: (finish: (value: R | undefined | Back) => void) => void,
): Promise<R | undefined | Back> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: R | undefined | Back): void => {
      if (done) return;
      done = true;
      resolve(value);
      input.dispose();
    };
    input.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
    input.onDidHide(() => finish(undefined));
    onAccept(finish);
    input.show();
  });
}

function applyStep(input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, step: StepCount | undefined): void {
  if (!step) return;
  input.step = step.step;
  input.totalSteps = step.totalSteps;
  input.buttons = step.step > 1 ? [vscode.QuickInputButtons.Back] : [];
}
