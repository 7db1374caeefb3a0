/**
 * Small pieces every provider uses: schema checks that name the field, number formatting for measurement values,
 * and the run's timeout combined with the provider's own.
 */
import type { TSchema } from '@sinclair/typebox';
import { validateAgainstSchema } from '../../api/validate.ts';
import { parseDuration } from '../../util/duration.ts';
import { parseHttpUrl } from './http.ts';
import { ProviderConfigError, ProviderError, type MeasurementContext, type SecretScope } from './provider.ts';

/** Throws ProviderConfigError for the first schema issue of `config`, its path under `provider.<type>`. */
export function checkSchema(schema: TSchema, config: unknown, type: string): void {
  const base = `provider.${type}`;
  if (config === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ProviderConfigError(base, 'must be an object');
  }
  const [issue] = validateAgainstSchema(schema, config);
  if (issue !== undefined) throw new ProviderConfigError(issue.path === '' ? base : `${base}.${issue.path}`, issue.message);
}

/** Throws ProviderConfigError unless `value` is a non-empty string. */
export function requireString(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw new ProviderConfigError(field, 'is required');
  return value;
}

/**
 * A float as Go's strconv.FormatFloat(f, 'f', -1, 64) prints it (what Argo stores as a measurement value): no
 * exponent, NaN, +Inf, -Inf.
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Exponent notation (|value| < 1e-6 or >= 1e21): expand it without losing the shortest digits.
  const [mantissa = '', exponentText = '0'] = text.toLowerCase().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const unsigned = mantissa.replace('-', '');
  const dot = unsigned.indexOf('.');
  const digits = unsigned.replace('.', '');
  const point = (dot === -1 ? unsigned.length : dot) + Number(exponentText);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** `[1,2.5,NaN]`: a list of floats as Argo renders vector results. */
export function formatFloatList(values: readonly number[]): string {
  return `[${values.map(formatFloat).join(',')}]`;
}

/** A JSON value as a measurement value: strings as they are, everything else as JSON. */
export function formatJson(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatFloat(value);
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Parses a number sent as a JSON number or a numeric string ("NaN", "+Inf" included); undefined otherwise. */
export function toFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf' || text === 'Infinity') return Infinity;
  if (text === '-Inf' || text === '-Infinity') return -Infinity;
  if (text === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Milliseconds of a duration field (Go syntax or seconds), `fallbackMs` when unset; ProviderConfigError otherwise. */
export function durationMs(value: string | undefined, field: string, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ProviderConfigError(field, error instanceof Error ? error.message : String(error));
  }
}

const scopeText: Record<SecretScope, string> = { run: "the run's namespace", controller: "the controller's namespace" };

/** Reads a Secret key that must be there; the error names the Secret, key and namespace, never a value. */
export async function requireSecret(ctx: MeasurementContext, provider: string, name: string, key: string, scope: SecretScope): Promise<string> {
  const value = await ctx.readSecret(name, key, scope);
  if (value === undefined || value === '') {
    throw new ProviderError(provider, `Secret ${name} has no key ${key} (looked in ${scopeText[scope]})`);
  }
  return value;
}

/** Throws ProviderConfigError unless `value` is an absolute http(s) URL. */
export function requireHttpUrl(value: string | undefined, field: string): URL {
  const text = requireString(value, field);
  const url = parseHttpUrl(text);
  if (url === undefined) throw new ProviderConfigError(field, `is not an http(s) URL: "${text}"`);
  return url;
}
