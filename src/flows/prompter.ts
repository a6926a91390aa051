// The seam between the flows and the user: every question goes through a Prompter, the questions' part
// of the Workbench (workbench.ts). No `vscode` import: the VS Code one (WindowPrompter, src/vscode/prompts.ts)
// answers in a real window; tests answer through a scripted one.

// Symbol.for: the bundled extension and the host tests load separate copies of this module.
export const BACK: unique symbol = Symbol.for('providerKeys.back');
export type Back = typeof BACK;

export interface PickItem<T> {
  label: string;
  /**
   * A codicon id shown before the label. Never `$(id)` in a label, description or detail: a screen reader
   * reads that out as the icon's id ("sync  Sync Now").
   */
  icon?: string;
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

export interface StepCount {
  step: number;
  totalSteps: number;
}

/**
 * undefined = acceptable; an error blocks Enter, a warning only informs. `atOnce`: an error shown as it is
 * typed, before Enter (a key pasted into a plain text box: it is on screen, so say so now).
 */
export type InputCheck = undefined | { severity: 'error' | 'warning'; message: string; atOnce?: boolean };

export interface PickOptions<T> {
  title: string;
  placeholder?: string;
  items: Array<PickItem<T>>;
  step?: StepCount;
  /** A button beside the title, such as "Get a key…"; choosing it answers `buttonValue`. */
  button?: { tooltip: string; icon: string; value: T };
}

export interface InputOptions {
  title: string;
  prompt?: string;
  placeholder: string;
  value?: string;
  password?: boolean;
  step?: StepCount;
  /**
   * Checked when Enter is pressed (an error blocks it). While the user types, only warnings and `atOnce`
   * errors show, until Enter was pressed once: nobody sees a red error for a key they are still pasting.
   */
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

/**
 * A Prompter that hands each question to another, chosen when it is asked: the window's own, or the one a
 * test put in place (the Workbench over VS Code and the tests' fake one are both such).
 */
export abstract class ForwardingPrompter implements Prompter {
  /** Who answers the question being asked now. */
  protected abstract prompts(): Prompter;

  pick<T>(options: PickOptions<T>): Promise<T | undefined | Back> {
    return this.prompts().pick(options);
  }

  pickMany<T>(options: PickOptions<T>): Promise<T[] | undefined | Back> {
    return this.prompts().pickMany(options);
  }

  input(options: InputOptions): Promise<string | undefined | Back> {
    return this.prompts().input(options);
  }

  confirm(message: string, detail: string, action: string): Promise<boolean> {
    return this.prompts().confirm(message, detail, action);
  }

  ask(message: string, detail: string, answers: string[]): Promise<string | undefined> {
    return this.prompts().ask(message, detail, answers);
  }

  message(severity: Severity, message: string, ...buttons: string[]): Promise<string | undefined> {
    return this.prompts().message(severity, message, ...buttons);
  }
}
