import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveView, redrawText, type LiveOutput } from './live.ts';

class FakeTerminal implements LiveOutput {
  readonly isTTY: boolean;
  columns = 40;
  rows = 10;
  writes: string[] = [];
  constructor(tty: boolean) {
    this.isTTY = tty;
  }
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

describe('redrawing in place', () => {
  it('rewrites only the lines that changed, skipping the others, and clears what is left', () => {
    assert.equal(redrawText([], ['a', 'b']), '\x1b[2Ka\n\x1b[2Kb\n');
    assert.equal(redrawText(['a', 'b', 'c'], ['a', 'B', 'c']), '\x1b[3F\x1b[1E\x1b[2KB\n\x1b[1E');
    assert.equal(redrawText(['a', 'b', 'c'], ['a']), '\x1b[3F\x1b[1E\x1b[J');
    assert.equal(redrawText(['a'], ['a', 'b']), '\x1b[1F\x1b[1E\x1b[2Kb\n');
  });

  it('coalesces redraws to one per interval, skips identical frames, hides and restores the cursor', async () => {
    const out = new FakeTerminal(true);
    let frame = 0;
    const view = new LiveView(out, () => [`frame ${frame}`], { minIntervalMs: 50 });
    assert.equal(out.writes[0], '\x1b[?25l');
    view.draw();
    for (let i = 0; i < 10; i++) {
      frame++;
      view.schedule();
    }
    assert.equal(out.writes.length, 2, 'the burst waits for the interval');
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(out.writes.length, 3, 'one redraw for the whole burst');
    assert.match(out.writes[2] ?? '', /frame 10/);
    view.draw();
    assert.equal(out.writes.length, 3, 'an identical frame is not written');
    view.finish('bye');
    assert.deepEqual(out.writes.slice(3), ['\x1b[?25h', 'bye\n']);
    view.schedule();
    assert.equal(out.writes.length, 5, 'nothing after finish');
  });

  it('keeps the block shorter than the screen and the lines within its width', () => {
    const out = new FakeTerminal(true);
    const view = new LiveView(out, (width) => Array.from({ length: 20 }, (_, i) => `${i} ${'x'.repeat(width + 10)}`));
    view.draw();
    const lines = (out.writes[1] ?? '').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 9);
    assert.match(lines[8] ?? '', /… 12 more lines/);
    for (const l of lines) assert.ok(l.replace('\x1b[2K', '').length <= 39, l);
  });

  it('on a pipe, prints each changed frame in full after a blank line', () => {
    const out = new FakeTerminal(false);
    let text = 'one';
    const view = new LiveView(out, () => [text]);
    view.draw();
    view.draw();
    text = 'two';
    view.draw();
    view.finish();
    assert.equal(out.writes.join(''), 'one\n\ntwo\n');
  });
});
