/**
 * A MetricTemplate provider other than Prometheus, as Flagger queries it (one file each beside this one): the query
 * already rendered, the template's address and the keys of its `secretRef` Secret; the value, or undefined when the
 * provider found none (Flagger's "no values found", which the check turns into a failure or a wait).
 */
export interface TemplateQuery {
  /** spec.provider.address, when the template sets one. */
  address: string | undefined;
  query: string;
  /** The keys of the Secret named by spec.provider.secretRef (decoded), empty without one. */
  credentials: Readonly<Record<string, string>>;
  /** The metric's interval in milliseconds (some providers query a window derived from it). */
  intervalMs: number;
  signal: AbortSignal;
  now: () => Date;
}

export interface TemplateProvider {
  /** spec.provider.type. */
  type: string;
  value(query: TemplateQuery): Promise<number | undefined>;
}

/** Flagger's per-request timeout for these providers. */
export const templateRequestTimeoutMs = 5000;

/** GET `url` with headers within the timeout and the caller's signal; the body as JSON, or an error naming the status. */
export async function getJson(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(templateRequestTimeoutMs)]) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url.origin}${url.pathname} answered ${String(response.status)}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${url.origin}${url.pathname} answered with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}
