import { getJson, type TemplateProvider } from './provider.ts';

/**
 * Graphite's render API: the template's query is the render query string (`target=...&from=-5min`), asked for as
 * JSON, with basic auth when the Secret holds `username` and `password`; the value is the last non-null datapoint of
 * all series, as Flagger takes it.
 */
export const graphiteTemplateProvider: TemplateProvider = {
  type: 'graphite',
  async value({ address, query, credentials, signal }) {
    if (address === undefined) throw new Error('graphite: spec.provider.address is required (the Graphite web URL)');
    const base = new URL(address);
    const url = new URL(`${base.pathname.replace(/\/$/, '')}/render?${query.replace(/\s+/g, '')}`, base);
    url.searchParams.set('format', 'json');
    const { username, password } = credentials;
    const headers: Record<string, string> = username !== undefined && password !== undefined ? { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } : {};
    const series = await getJson(url, headers, signal) as { datapoints?: [number | null, number][] }[];
    let value: number | undefined;
    for (const s of Array.isArray(series) ? series : []) for (const [v] of s.datapoints ?? []) if (typeof v === 'number') value = v;
    return value;
  },
};
