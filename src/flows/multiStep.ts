// Multi-step input in the shape of vscode-extension-samples' quickinput-sample (multiStepInput.ts):
// each step asks one question, writes the answer into the shared state and returns the next step.
// Back is handled here, once: it re-runs the previous step, which shows the answer it gave before.
import { BACK, type Back, type StepCount } from './prompter';

export const DONE: unique symbol = Symbol('done');

/** A step: the next step, DONE, BACK (go back one step) or undefined (the user cancelled). */
export type Step<S> = (state: S, at: StepCount) => Promise<Step<S> | typeof DONE | Back | undefined>;

/**
 * Runs steps from `first` until one answers DONE (true) or the user cancels (false). `totalSteps`
 * is asked again before every step, since an answer can add or remove steps.
 */
export async function runSteps<S>(first: Step<S>, state: S, totalSteps: (state: S, step: number) => number): Promise<boolean> {
  const done: Array<Step<S>> = [];
  let current: Step<S> = first;
  for (;;) {
    const step = done.length + 1;
    const next = await current(state, { step, totalSteps: Math.max(step, totalSteps(state, step)) });
    if (next === undefined) return false;
    if (next === DONE) return true;
    if (next === BACK) {
      current = done.pop() ?? current;
      continue;
    }
    done.push(current);
    current = next;
  }
}
