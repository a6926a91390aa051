// One drawing of the state for every view. The tree's rows, the status bar and the context keys are drawn
// from one reading of the records, in one frame: the tree first, and the status bar once VS Code has read
// the tree's rows again, so that the status bar never says "rejected" while a row still says "waiting".
// A message about a change waits for the frame too (`drawn`), so it never runs ahead of the views either.
import type * as vscode from 'vscode';

export interface RedrawParts {
  /** Fires the tree's change; resolves once VS Code has read its rows again (or gave up waiting). */
  drawTree(): Promise<void>;
  /** Whether VS Code shows the tree now (a hidden tree is not read, so nothing waits for it). */
  treeVisible(): boolean;
  /** Draws what depends on the same state: the status bar, the context keys, the view's badge. */
  drawOthers(): void;
}

/** How long a burst of changes is gathered into one frame. */
const FRAME_MS = 50;

export class Redraw implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private drawing: Promise<void> = Promise.resolve();

  constructor(private readonly parts: RedrawParts) {}

  /** Draws soon; several changes in a row are one frame. */
  schedule(): void {
    this.timer ??= setTimeout(() => void this.drawn(), FRAME_MS);
  }

  /** Draws a scheduled frame at once; resolves when every view shows the state as it is now. */
  drawn(): Promise<void> {
    if (this.timer === undefined) return this.drawing;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drawing = this.drawing.then(async () => {
      if (this.parts.treeVisible()) await this.parts.drawTree();
      this.parts.drawOthers();
    });
    return this.drawing;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
