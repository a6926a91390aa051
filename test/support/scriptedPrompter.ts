// A Prompter that answers from a script, for driving the flows under plain mocha and the real commands
// in the extension host. Each input answer is checked with the flow's own `validate`: an error is
// recorded and the next scripted answer is tried, as a user would type again after reading the message.
import {
  BACK,
  type Back,
  type InputOptions,
  type PickItem,
  type PickOptions,
  type Prompter,
  type Severity,
} from '../../src/flows/prompter';

export type Answer =
  | { pick: string | ((items: Array<PickItem<unknown>>) => PickItem<unknown> | undefined) }
  /** Ticks the items with these labels (or those the function returns) and accepts. */
  | { pickMany: string[] | ((items: Array<PickItem<unknown>>) => Array<PickItem<unknown>>) }
  | { input: string }
  | { confirm: boolean }
  | 'escape'
  | 'back';

export interface Asked {
  kind: 'pick' | 'pickMany' | 'input' | 'confirm';
  title: string;
  step?: string;
  password?: boolean;
  value?: string;
  placeholder?: string;
  /** input: the text under the box; confirm (and ask): the question's detail. */
  prompt?: string;
  labels?: string[];
  /** pick and pickMany: the items as offered (label, icon, description, detail). */
  items?: Array<{ label: string; icon?: string; description?: string; detail?: string }>;
  /** input: the titles of its extra buttons. */
  buttons?: string[];
}

export class ScriptedPrompter implements Prompter {
  readonly asked: Asked[] = [];
  readonly refusals: string[] = [];
  /** The refusals a real box shows as they are typed, before Enter (InputCheck.atOnce). */
  readonly refusedAtOnce: string[] = [];
  readonly warnings: string[] = [];
  readonly messages: Array<{ severity: Severity; message: string; buttons: string[] }> = [];
  /** The button to press on the next message whose text matches; default none. */
  buttonFor: (message: string, buttons: string[]) => string | undefined = () => undefined;

  constructor(private readonly script: Answer[]) {}

  get remaining(): number {
    return this.script.length;
  }

  async pick<T>(options: PickOptions<T>): Promise<T | undefined | Back> {
    this.asked.push(askedPick('pick', options));
    const answer = this.next(`pick "${options.title}"`);
    if (answer === 'escape') return undefined;
    if (answer === 'back') return BACK;
    if (typeof answer !== 'object' || !('pick' in answer)) {
      throw new Error(`expected a pick answer for "${options.title}", got ${JSON.stringify(answer)}`);
    }
    const item =
      typeof answer.pick === 'string'
        ? options.items.find((i) => i.label === answer.pick)
        : (answer.pick(options.items) as PickItem<T> | undefined);
    if (!item) throw new Error(`no item "${String(answer.pick)}" in ${options.items.map((i) => i.label).join(', ')}`);
    return item.value;
  }

  async pickMany<T>(options: PickOptions<T>): Promise<T[] | undefined | Back> {
    this.asked.push(askedPick('pickMany', options));
    const answer = this.next(`pickMany "${options.title}"`);
    if (answer === 'escape') return undefined;
    if (answer === 'back') return BACK;
    if (typeof answer !== 'object' || !('pickMany' in answer)) {
      throw new Error(`expected a pickMany answer for "${options.title}", got ${JSON.stringify(answer)}`);
    }
    const chosen =
      typeof answer.pickMany === 'function'
        ? (answer.pickMany(options.items) as Array<PickItem<T>>)
        : answer.pickMany.map((label) => {
            const item = options.items.find((i) => i.label === label);
            if (!item) throw new Error(`no item "${label}" in ${options.items.map((i) => i.label).join(', ')}`);
            return item;
          });
    return chosen.map((item) => item.value);
  }

  async input(options: InputOptions): Promise<string | undefined | Back> {
    this.asked.push({
      kind: 'input',
      title: options.title,
      ...step(options),
      password: options.password ?? false,
      value: options.value ?? '',
      placeholder: options.placeholder,
      ...(options.prompt ? { prompt: options.prompt } : {}),
      buttons: (options.buttons ?? []).map((b) => b.tooltip),
    });
    for (;;) {
      const answer = this.next(`input "${options.title}"`);
      if (answer === 'escape') return undefined;
      if (answer === 'back') return BACK;
      if (typeof answer !== 'object' || !('input' in answer)) {
        throw new Error(`expected an input answer for "${options.title}", got ${JSON.stringify(answer)}`);
      }
      const check = options.validate?.(answer.input);
      if (check?.severity === 'error') {
        this.refusals.push(check.message);
        if (check.atOnce) this.refusedAtOnce.push(check.message);
        continue;
      }
      if (check?.severity === 'warning') this.warnings.push(check.message);
      return answer.input;
    }
  }

  async confirm(message: string, detail: string): Promise<boolean> {
    this.asked.push({ kind: 'confirm', title: message, prompt: detail });
    const answer = this.next(`confirm "${message}"`);
    if (answer === 'escape') return false;
    if (typeof answer !== 'object' || !('confirm' in answer)) throw new Error(`expected a confirm answer for "${message}"`);
    return answer.confirm;
  }

  /** `{ confirm: true }` picks the first answer, `{ confirm: false }` the second. */
  async ask(message: string, detail: string, answers: string[]): Promise<string | undefined> {
    this.asked.push({ kind: 'confirm', title: message, prompt: detail, labels: answers });
    const answer = this.next(`ask "${message}"`);
    if (answer === 'escape') return undefined;
    if (typeof answer !== 'object' || !('confirm' in answer)) throw new Error(`expected a confirm answer for "${message}"`);
    return answer.confirm ? answers[0] : answers[1];
  }

  async message(severity: Severity, message: string, ...buttons: string[]): Promise<string | undefined> {
    this.messages.push({ severity, message, buttons });
    return this.buttonFor(message, buttons);
  }

  private next(what: string): Answer {
    const answer = this.script.shift();
    if (answer === undefined) throw new Error(`the script has no answer left for ${what}`);
    return answer;
  }
}

/** What a pick or a multi-pick showed: its title, step, items and placeholder. */
function askedPick(kind: 'pick' | 'pickMany', options: PickOptions<unknown>): Asked {
  return {
    kind,
    title: options.title,
    ...step(options),
    labels: options.items.map((i) => i.label),
    items: offered(options.items),
    ...(options.placeholder ? { placeholder: options.placeholder } : {}),
  };
}

function offered(items: Array<PickItem<unknown>>): Array<{ label: string; icon?: string; description?: string; detail?: string }> {
  for (const item of items) {
    // A screen reader reads `$(sync)` out as "sync": icons go in `icon`.
    const text = [item.label, item.description, item.detail].join('\n');
    if (text.includes('$(')) throw new Error(`a quick pick item reads out an icon id: ${JSON.stringify(text)}`);
  }
  return items.map((i) => ({
    label: i.label,
    ...(i.icon ? { icon: i.icon } : {}),
    ...(i.description ? { description: i.description } : {}),
    ...(i.detail ? { detail: i.detail } : {}),
  }));
}

function step(options: { step?: { step: number; totalSteps: number } }): { step?: string } {
  return options.step ? { step: `${options.step.step}/${options.step.totalSteps}` } : {};
}
