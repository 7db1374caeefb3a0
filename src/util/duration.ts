const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration the way Kubernetes manifests write them: Go syntax ("30s", "1m30s", "1.5h", "250ms") or a bare
 * number of seconds (an integer, or a numeric string as Argo Rollouts accepts in pause steps). Returns milliseconds,
 * or throws an error that quotes the value.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${String(value)}: must be a non-negative number of seconds`);
    return value * 1000;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (match === null) break;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    index = part.lastIndex;
  }
  if (text === '' || index !== text.length || !Number.isFinite(total)) {
    throw new Error(`invalid duration "${text}": use a number of seconds or units like 30s, 5m, 1h30m`);
  }
  return total;
}

/** A compact human form of a duration, e.g. 90_000 → "1m30s", for plans and status lines. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 || (hours === 0 && minutes === 0) ? `${seconds}s` : ''}`;
}
