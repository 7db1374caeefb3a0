/** Kubernetes time formats: Time (RFC 3339, whole seconds) and MicroTime (6 fractional digits). */

/** metav1.MicroTime: 2026-11-23T08:00:00.123456Z. Sub-millisecond parts of epochMs are kept. */
export function formatMicroTime(epochMs: number): string {
  const wholeSeconds = Math.floor(epochMs / 1000);
  const micros = Math.min(999_999, Math.floor((epochMs - wholeSeconds * 1000) * 1000));
  const base = new Date(wholeSeconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** metav1.Time: 2026-11-23T08:00:00Z (the API server truncates to seconds). */
export function formatTime(epochMs: number): string {
  return `${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses Time or MicroTime into epoch milliseconds (fractional below a millisecond); undefined if malformed. */
export function parseTime(text: string | null | undefined): number | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const match = rfc3339.exec(text);
  if (match === null) return undefined;
  const [, base = '', fraction = '', zone = 'Z'] = match;
  const seconds = Date.parse(`${base}${zone.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  return fraction === '' ? seconds : seconds + Number(`0.${fraction}`) * 1000;
}
