// The seam between the flows and the user: every question goes through a Prompter. The default is
// the real `vscode.window`; host tests answer through a scripted one.
import * as vscode from 'vscode';

// Symbol.for: the bundled extension and the host tests load separate copies of this module.
export const BACK: unique symbol = Symbol.for('providerKeys.back');
export type Back = typeof BACK;

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
  /** pickMany only: ticked when the list opens. */
  picked?: boolean;
}

/** An extra button on an input box (such as "Get a key…"); pressing it runs `run` and keeps the box open. */
export interface InputButton {
  icon: string;
  tooltip: string;
  run: () => void;
}

export interface Step {
  step: number;
  totalSteps: number;
}

/** undefined = acceptable; an error blocks Enter, a warning only informs. */
export type InputCheck = undefined | { severity: 'error' | 'warning'; message: string };

export interface PickOptions<T> {
  title: string;
  placeholder?: string;
  items: Array<PickItem<T>>;
  step?: Step;
}

export interface InputOptions {
  title: string;
  prompt?: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  step?: Step;
  validate?: (value: string) => InputCheck;
  buttons?: InputButton[];
}

export type Severity = 'info' | 'warning' | 'error';

export interface Prompter {
  /** A choice; undefined when dismissed, BACK when the user went back a step. */
  pick<T>(options: PickOptions<T>): Promise<T | undefined | Back>;
  /** Several choices (check boxes); undefined when dismissed, BACK when the user went back a step. */
  pickMany<T>(options: PickOptions<T>): Promise<T[] | undefined | Back>;
  /** A line of text; undefined when dismissed, BACK when the user went back a step. */
  input(options: InputOptions): Promise<string | undefined | Back>;
  /** A modal question with one (destructive) action besides Cancel. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  /** A neutral modal question with several answers; undefined when dismissed. */
  ask(message: string, detail: string, answers: string[]): Promise<string | undefined>;
  /** A notification with buttons; resolves to the button chosen, if any. */
  message(severity: Severity, message: string, ...buttons: string[]): Promise<string | undefined>;
}

export class WindowPrompter implements Prompter {
  pick<T>(options: PickOptions<T>): Promise<T | undefined | Back> {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.ignoreFocusOut = true;
    quickPick.items = options.items;
    applyStep(quickPick, options.step);
    return untilAnswered<T>(quickPick, (finish) => quickPick.onDidAccept(() => finish(quickPick.selectedItems[0]?.value)));
  }

  pickMany<T>(options: PickOptions<T>): Promise<T[] | undefined | Back> {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.ignoreFocusOut = true;
    quickPick.canSelectMany = true;
    quickPick.items = options.items;
    quickPick.selectedItems = quickPick.items.filter((item) => item.picked);
    applyStep(quickPick, options.step);
    return untilAnswered<T[]>(quickPick, (finish) => quickPick.onDidAccept(() => finish(quickPick.selectedItems.map((item) => item.value))));
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
    const extra = (options.buttons ?? []).map((button) => ({ button, item: { iconPath: new vscode.ThemeIcon(button.icon), tooltip: button.tooltip } }));
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
    box.onDidChangeValue((value) => show(value === '' ? undefined : check(value)));
    return untilAnswered<string>(box, (finish) =>
      box.onDidAccept(() => {
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

function applyStep(input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, step: Step | undefined): void {
  if (!step) return;
  input.step = step.step;
  input.totalSteps = step.totalSteps;
  input.buttons = step.step > 1 ? [vscode.QuickInputButtons.Back] : [];
}
