/**
 * Terminal text: colours that can be switched off, visible width (ANSI codes take no room, wide characters take
 * two), lines cut to the terminal width without breaking colour codes, and aligned columns.
 */

export interface Style {
  enabled: boolean;
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  blue: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string): string => (s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`);

export const colorStyle: Style = {
  enabled: true,
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  blue: wrap(94, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};

export const plainStyle: Style = { enabled: false, red: String, green: String, yellow: String, blue: String, dim: String, bold: String };

/**
 * Colour unless switched off: --no-color, NO_COLOR (any non-empty value, see no-color.org), TERM=dumb, or output
 * that is not a terminal. FORCE_COLOR (non-empty, not "0") turns it on for pipes.
 */
export function styleFor(stream: { isTTY?: boolean }, options: { noColor?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Style {
  if (options.noColor === true) return plainStyle;
  if ((env.NO_COLOR ?? '') !== '') return plainStyle;
  if ((env.FORCE_COLOR ?? '') !== '' && env.FORCE_COLOR !== '0') return colorStyle;
  if (env.TERM === 'dumb' || stream.isTTY !== true) return plainStyle;
  return colorStyle;
}

// eslint-disable-next-line no-control-regex
const ansiPattern = /\x1b\[[0-9;?]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex
const ansiAtStart = /^\x1b\[[0-9;?]*[A-Za-z]/;

export const stripAnsi = (s: string): string => s.replace(ansiPattern, '');

/** East Asian wide and fullwidth characters and emoji take two cells. */
function cellWidth(codePoint: number): number {
  if (codePoint < 0x1100) return 1;
  if (
    (codePoint <= 0x115f) || (codePoint >= 0x2e80 && codePoint <= 0xa4cf && codePoint !== 0x303f) || (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) || (codePoint >= 0xfe30 && codePoint <= 0xfe4f) || (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) || (codePoint >= 0x1f300 && codePoint <= 0x1faff) || (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Cells the text takes on a terminal. */
export function visibleWidth(s: string): number {
  let width = 0;
  for (const ch of stripAnsi(s)) width += cellWidth(ch.codePointAt(0) ?? 0);
  return width;
}

/** Cuts a line to `columns` cells, ending in "…" when cut; colour codes are kept whole and closed with a reset. */
export function fitLine(line: string, columns: number): string {
  if (columns <= 0 || visibleWidth(line) <= columns) return line;
  let out = '';
  let width = 0;
  let i = 0;
  let styled = false;
  while (i < line.length) {
    const code = ansiAtStart.exec(line.slice(i));
    if (code !== null) {
      out += code[0];
      styled = true;
      i += code[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i) ?? 0);
    const w = cellWidth(ch.codePointAt(0) ?? 0);
    if (width + w > columns - 1) break;
    out += ch;
    width += w;
    i += ch.length;
  }
  return `${out}…${styled ? '\x1b[0m' : ''}`;
}

/** Pads to a visible width (colour codes do not count). */
export function pad(s: string, width: number): string {
  const missing = width - visibleWidth(s);
  return missing > 0 ? s + ' '.repeat(missing) : s;
}

/** Rows aligned in columns separated by `gap` spaces; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell)); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, (widths[i] ?? 0) + gap))).join('').trimEnd());
}

/**
 * How long ago, the way kubectl prints ages: "45s", "3m20s" (under 10 minutes), "25m", "5h30m" (under 8 hours),
 * "20h", "3d4h" (under 8 days), "40d", "2y30d" (under 8 years), "9y".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const withRest = (big: number, unit: string, rest: number, restUnit: string): string => (rest === 0 ? `${big}${unit}` : `${big}${unit}${rest}${restUnit}`);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

/** Age of an object created at `timestamp` (RFC 3339), or "<unknown>" without one. */
export function age(timestamp: string | undefined, now: Date): string {
  if (timestamp === undefined || timestamp === '') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now.getTime() - at);
}
