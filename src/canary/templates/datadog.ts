import { getJson, type TemplateProvider } from './provider.ts';

/**
 * Datadog's metrics query API (GET /api/v1/query) with the keys Flagger reads from the template's Secret
 * (`datadog_api_key`, `datadog_application_key`), over ten intervals back from now; the value is the first
 * (oldest) point of the first series — the newest bucket is usually incomplete.
 */
export const datadogTemplateProvider: TemplateProvider = {
  type: 'datadog',
  async value({ address, query, credentials, intervalMs, signal, now }) {
    const apiKey = credentials.datadog_api_key;
    const appKey = credentials.datadog_application_key;
    if (apiKey === undefined || appKey === undefined) throw new Error('datadog: the secretRef Secret needs the keys datadog_api_key and datadog_application_key');
    const url = new URL('/api/v1/query', address ?? 'https://api.datadoghq.com');
    const to = Math.floor(now().getTime() / 1000);
    url.searchParams.set('query', query);
    url.searchParams.set('from', String(to - Math.floor((10 * intervalMs) / 1000)));
    url.searchParams.set('to', String(to));
    const body = await getJson(url, { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': appKey }, signal) as { series?: { pointlist?: (number | null)[][] }[] };
    const value = body.series?.[0]?.pointlist?.[0]?.[1];
    return typeof value === 'number' && !Number.isNaN(value) ? value : undefined;
  },
};
