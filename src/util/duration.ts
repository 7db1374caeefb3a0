/**
 * Aviary's one duration grammar, for manifests (pause steps, analysis intervals, Flagger intervals), annotations
 * (werf.io/no-activity-timeout, ...) and command-line flags (--timeout, --in, ...):
 *
 *   duration = seconds | go-duration
 *   seconds  = digits                                        a bare whole number of seconds: 30
 *   go-duration = 1*( decimal unit )                         Go's time.ParseDuration syntax: 1h30m, 500ms, 2s, 1.5h
 *   decimal  = digits [ "." [ digits ] ] | "." digits
 *   unit     = "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
 *
 * Leading and trailing blanks are ignored. There is no sign (a negative wait means nothing here), no blank inside,
 * and no day unit (Go has none). Bare numbers are seconds because that is what people coming from the peers write:
 * Argo Rollouts pause durations are an int-or-string (`duration: 30`, `duration: "30"`) and kubedog's timeouts are
 * seconds. A bare fraction (`"1.5"`) is refused, as Argo Rollouts and the CRD's pattern refuse it (write `1500ms`);
 * a JSON number (not a string) is a number of seconds and may have a fraction.
 * docs/track.md describes the grammar for users.
 */
const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const bareSeconds = /^\d+$/;
const goPart = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a duration of the grammar above into milliseconds, or returns undefined when it does not fit. */
export function tryParseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (bareSeconds.test(text)) return Number(text) * 1000;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    goPart.lastIndex = index;
    const match = goPart.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    index = goPart.lastIndex;
  }
  return text === '' || !Number.isFinite(total) ? undefined : total;
}

/** Parses a duration of the grammar above into milliseconds; throws an error that quotes the value otherwise. */
export function parseDuration(value: string | number): number {
  const ms = tryParseDuration(value);
  if (ms !== undefined) return ms;
  if (typeof value === 'number') throw new Error(`invalid duration ${String(value)}: must be a non-negative number of seconds`);
  throw new Error(`invalid duration "${value.trim()}": use a number of seconds or units like 30s, 5m, 1h30m`);
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
