/** Percentile summary of a list of durations in milliseconds, for benchmark output. */
export function summarize(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export function formatSummary(label: string, samples: number[]): string {
  const s = summarize(samples);
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  return `${label}: n=${s.n} p50=${ms(s.p50)} p90=${ms(s.p90)} p99=${ms(s.p99)} max=${ms(s.max)}`;
}
