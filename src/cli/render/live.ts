/**
 * A block of lines redrawn in place on a terminal: the cursor moves back to the block's first line and each line is
 * overwritten (then whatever is left below is cleared), in one write per frame — no full-screen clear, so no
 * flicker. Redraws are coalesced to at most one per `minIntervalMs`; identical frames are not written. The block is
 * kept shorter than the screen (a cursor cannot move above the top of the screen) and lines never wrap. On a pipe,
 * each changed frame is printed in full after a blank line instead.
 */
import { fitLine } from './text.ts';

export interface LiveOutput {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

const hideCursor = '\x1b[?25l';
const showCursor = '\x1b[?25h';

/**
 * The bytes that turn the block `before` (the cursor on the line below it) into `after`: back to its first line,
 * rewrite only the lines that changed (skipping the others with "cursor next line"), clear what is left below.
 * Skipped lines were drawn before, so the cursor never has to move below the screen's last existing row.
 */
export function redrawText(before: readonly string[], after: readonly string[]): string {
  let text = before.length > 0 ? `\x1b[${before.length}F` : '';
  let skip = 0;
  after.forEach((line, i) => {
    if (before[i] === line) {
      skip++;
      return;
    }
    if (skip > 0) text += `\x1b[${skip}E`;
    skip = 0;
    text += `\x1b[2K${line}\n`;
  });
  if (skip > 0) text += `\x1b[${skip}E`;
  if (after.length < before.length) text += '\x1b[J';
  return text;
}

export class LiveView {
  readonly #out: LiveOutput;
  readonly #render: (width: number) => string[];
  readonly #minIntervalMs: number;
  readonly #tty: boolean;
  #drawn = 0;
  #drawnLines: string[] = [];
  #lastFrame: string | undefined;
  #lastDrawAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #finished = false;
  readonly #onResize = (): void => {
    // Lines drawn at the old width may have wrapped: start over from a cleared screen, once.
    if (this.#drawn > 0) this.#out.write('\x1b[2J\x1b[H');
    this.#drawn = 0;
    this.#drawnLines = [];
    this.#lastFrame = undefined;
    this.draw();
  };

  /**
   * `render(width)` gives the lines to show (width 0: no limit). `tickMs` redraws that often even without changes
   * (ages and remaining pause times move), on a terminal only.
   */
  constructor(out: LiveOutput, render: (width: number) => string[], options: { minIntervalMs?: number; tickMs?: number } = {}) {
    this.#out = out;
    this.#render = render;
    this.#minIntervalMs = options.minIntervalMs ?? 200;
    this.#tty = out.isTTY === true;
    if (this.#tty) {
      out.write(hideCursor);
      out.on?.('resize', this.#onResize);
      if ((options.tickMs ?? 0) > 0) {
        this.#ticker = setInterval(() => { this.schedule(); }, options.tickMs);
        this.#ticker.unref();
      }
    }
  }

  /** Asks for a redraw; it happens now, or when the minimum interval since the last one has passed. */
  schedule(): void {
    if (this.#finished || this.#timer !== undefined) return;
    const wait = this.#lastDrawAt + this.#minIntervalMs - Date.now();
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.draw();
    }, wait);
  }

  draw(): void {
    if (this.#finished) return;
    this.#lastDrawAt = Date.now();
    const width = this.#tty ? Math.max(20, (this.#out.columns ?? 120) - 1) : 0;
    let lines = this.#render(width);
    if (this.#tty) {
      const room = Math.max(3, (this.#out.rows ?? 50) - 1);
      if (lines.length > room) lines = [...lines.slice(0, room - 1), `… ${lines.length - room + 1} more lines (a taller terminal shows them)`];
      lines = lines.map((l) => fitLine(l, width));
    }
    const frame = lines.join('\n');
    if (frame === this.#lastFrame) return;
    this.#lastFrame = frame;
    if (!this.#tty) {
      this.#out.write(`${this.#drawn > 0 ? '\n' : ''}${frame}\n`);
      this.#drawn = lines.length;
      return;
    }
    this.#out.write(redrawText(this.#drawnLines, lines));
    this.#drawn = lines.length;
    this.#drawnLines = lines;
  }

  /** Draws the last state now and gives the cursor back; further calls do nothing. */
  finish(message?: string): void {
    if (this.#finished) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.draw();
    this.#finished = true;
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    if (this.#tty) {
      this.#out.off?.('resize', this.#onResize);
      this.#out.write(showCursor);
    }
    if (message !== undefined) this.#out.write(`${message}\n`);
  }
}
