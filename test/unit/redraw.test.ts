// One frame for every view (src/vscode/redraw.ts): the tree is drawn first, the status bar once VS Code
// has read the tree's rows; a message about a change (WindowPrompter's beforeMessage) awaits drawn().
import * as assert from 'node:assert/strict';
import { Redraw } from '../../src/vscode/redraw';

function frame(options: { visible?: boolean } = {}): { redraw: Redraw; events: string[]; treeRead: () => void } {
  const events: string[] = [];
  let read: (() => void) | undefined;
  const redraw = new Redraw({
    drawTree: () => {
      events.push('tree fired');
      return new Promise<void>((resolve) => {
        read = () => {
          events.push('tree read');
          resolve();
        };
      });
    },
    treeVisible: () => options.visible ?? true,
    drawOthers: () => events.push('status bar'),
  });
  return { redraw, events, treeRead: () => read?.() };
}

describe('redraw: one frame for every view', () => {
  it("draws the status bar only after VS Code has read the tree's rows, once for a burst of changes", async () => {
    const { redraw, events, treeRead } = frame();
    redraw.schedule();
    redraw.schedule();
    redraw.schedule();
    const drawn = redraw.drawn();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(events, ['tree fired'], 'the status bar waits for the rows');
    treeRead();
    await drawn;
    assert.deepEqual(events, ['tree fired', 'tree read', 'status bar']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(events, ['tree fired', 'tree read', 'status bar'], 'the burst was one frame');
    redraw.dispose();
  });

  it('does not wait for a tree VS Code does not show', async () => {
    const { redraw, events } = frame({ visible: false });
    redraw.schedule();
    await redraw.drawn();
    assert.deepEqual(events, ['status bar']);
    redraw.dispose();
  });
});
