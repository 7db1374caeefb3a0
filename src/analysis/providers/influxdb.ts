/**
 * influxdb: a Flux query through the InfluxDB 2 HTTP API (POST /api/v2/query?org=..., `Authorization: Token ...`),
 * answered as annotated CSV.
 *
 * Result: the `_value` of every record of every table, in order, typed by the `#datatype` annotation (double and
 * long → number, boolean → boolean, others → string), so conditions read `result[0]`. No record is an error. The
 * value renders like Go's fmt.Sprint of that list: `[1 2.5]`.
 *
 * Settings: Secret `influxdb` (or `profile`) in the controller's namespace with authToken, org and address.
 */
import { InfluxdbMetric } from '../../api/metric-provider.ts';
import { checkSchema, formatFloat, requireSecret, requireString } from './common.ts';
import { apiUrl, describeRequest, excerpt, parseHttpUrl, send } from './http.ts';
import { ProviderError, type MeasurementContext, type MetricProvider, type ProviderOutcome } from './provider.ts';

const type = 'influxdb';
const timeoutMs = 30_000;

export function validateInfluxdb(config: unknown): void {
  checkSchema(InfluxdbMetric, config, type);
  requireString((config as InfluxdbMetric).query, `provider.${type}.query`);
}

/** Splits one CSV line (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function typed(text: string, datatype: string | undefined): unknown {
  switch (datatype) {
    case 'double':
    case 'long':
    case 'unsignedLong': {
      if (text === 'NaN') return NaN;
      if (text === '+Inf') return Infinity;
      if (text === '-Inf') return -Infinity;
      const value = Number(text);
      if (text === '' || Number.isNaN(value)) throw new ProviderError(type, `malformed ${datatype} value "${text}"`);
      return value;
    }
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

/** The `_value` of every record in an annotated CSV response. */
export function fluxValues(csv: string): unknown[] {
  const values: unknown[] = [];
  let datatypes: string[] | undefined;
  let header: string[] | undefined;
  for (const raw of csv.split(/\r?\n/)) {
    if (raw.trim() === '') {
      // A blank line ends a table; the next one brings its own annotations and header.
      datatypes = undefined;
      header = undefined;
      continue;
    }
    const fields = csvFields(raw);
    if (fields[0]?.startsWith('#') === true) {
      if (fields[0] === '#datatype') datatypes = fields;
      continue;
    }
    if (header === undefined) {
      header = fields;
      if (!header.includes('_value')) throw new ProviderError(type, `table has no _value column (columns: ${header.filter((f) => f !== '').join(', ')})`);
      continue;
    }
    const column = header.indexOf('_value');
    values.push(typed(fields[column] ?? '', datatypes?.[column]));
  }
  return values;
}

/** Go's fmt.Sprint of a []any. */
function goList(values: readonly unknown[]): string {
  return `[${values.map((v) => (typeof v === 'number' ? formatFloat(v) : String(v))).join(' ')}]`;
}

async function measure(ctx: MeasurementContext, config: InfluxdbMetric): Promise<ProviderOutcome> {
  const profile = (config.profile ?? '') === '' ? 'influxdb' : (config.profile ?? 'influxdb');
  const token = await requireSecret(ctx, type, profile, 'authToken', 'controller');
  const org = await requireSecret(ctx, type, profile, 'org', 'controller');
  const address = await requireSecret(ctx, type, profile, 'address', 'controller');
  const base = parseHttpUrl(address);
  if (base === undefined) throw new ProviderError(type, `Secret ${profile} key address is not an http(s) URL`);
  const url = apiUrl(base, '/api/v2/query', { org });
  const body = JSON.stringify({
    query: config.query,
    type: 'flux',
    dialect: { header: true, delimiter: ',', annotations: ['datatype', 'group', 'default'], commentPrefix: '#', dateTimeFormat: 'RFC3339' },
  });
  const res = await send({
    provider: type,
    method: 'POST',
    url,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json', accept: 'application/csv' },
    body,
    timeoutMs,
    signal: ctx.signal,
  });
  const what = describeRequest('POST', url);
  if (res.status < 200 || res.status >= 300) {
    // Errors come as JSON {code, message}.
    let message = excerpt(res.text);
    try {
      const parsed = JSON.parse(res.text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: the excerpt stands
    }
    throw new ProviderError(type, `${what}: HTTP ${res.status}: ${message}`, { status: res.status });
  }
  const values = fluxValues(res.text);
  if (values.length === 0) throw new ProviderError(type, 'no results returned from flux query');
  return { kind: 'value', result: values, value: goList(values) };
}

export const influxdbProvider: MetricProvider<InfluxdbMetric> = { type, validate: validateInfluxdb, measure };
