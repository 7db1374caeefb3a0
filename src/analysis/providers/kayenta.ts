/**
 * kayenta: an asynchronous canary judgement by Kayenta.
 *
 * measure(): finds the canary config's id by name (GET /canaryConfig?application&configurationAccountName),
 * starts a judgement (POST /canary/<configId>?application&metricsAccountName&configurationAccountName&
 * storageAccountName with the scopes and thresholds) and returns `running` with the canaryExecutionId, to be
 * resumed in 15 s. resume(): GET /canary/<executionId>; not complete → running again; complete → the score
 * (result.judgeResult.score.score) decides: >= pass Successful, >= marginal Inconclusive, else Failed.
 *
 * Difference: Argo Rollouts passes storageAccountName as configurationAccountName when looking the config up;
 * here the configured configurationAccountName is sent.
 */
import { KayentaMetric } from '../../api/metric-provider.ts';
import { checkSchema, requireHttpUrl, requireString } from './common.ts';
import { apiUrl, parseHttpUrl, sendJson } from './http.ts';
import {
  ProviderConfigError,
  ProviderError,
  type MeasurementContext,
  type MeasurementState,
  type MeasurementPhase,
  type MetricProvider,
  type ProviderOutcome,
} from './provider.ts';

const type = 'kayenta';
export const resumeDelayMs = 15_000;
export const executionIdKey = 'canaryExecutionId';
const timeoutMs = 15_000;

export function validateKayenta(config: unknown): void {
  checkSchema(KayentaMetric, config, type);
  const c = config as KayentaMetric;
  const base = `provider.${type}`;
  requireHttpUrl(c.address, `${base}.address`);
  for (const key of ['application', 'canaryConfigName', 'metricsAccountName', 'configurationAccountName', 'storageAccountName'] as const) requireString(c[key], `${base}.${key}`);
  if (c.threshold.marginal > c.threshold.pass) throw new ProviderConfigError(`${base}.threshold.marginal`, 'must not exceed threshold.pass');
  if (c.scopes.length === 0) throw new ProviderConfigError(`${base}.scopes`, 'must list at least one scope');
}

/** The phase a score gives. */
export function judge(score: number, pass: number, marginal: number): MeasurementPhase {
  if (score >= pass) return 'Successful';
  if (score >= marginal) return 'Inconclusive';
  return 'Failed';
}

function base(config: KayentaMetric): URL {
  const url = parseHttpUrl(config.address);
  if (url === undefined) throw new ProviderConfigError(`provider.${type}.address`, 'is not an http(s) URL');
  return url;
}

async function configId(ctx: MeasurementContext, config: KayentaMetric): Promise<string> {
  const url = apiUrl(base(config), '/canaryConfig', { application: config.application, configurationAccountName: config.configurationAccountName });
  const list = await sendJson({ provider: type, url, timeoutMs, signal: ctx.signal });
  if (!Array.isArray(list)) throw new ProviderError(type, 'canary config list is not a list');
  const found = (list as { id?: unknown; name?: unknown }[]).find((c) => c.name === config.canaryConfigName);
  if (typeof found?.id !== 'string' || found.id === '') {
    throw new ProviderError(type, `canary config "${config.canaryConfigName}" not found for application ${config.application}`);
  }
  return found.id;
}

async function measure(ctx: MeasurementContext, config: KayentaMetric): Promise<ProviderOutcome> {
  const id = await configId(ctx, config);
  const url = apiUrl(base(config), `/canary/${encodeURIComponent(id)}`, {
    application: config.application,
    metricsAccountName: config.metricsAccountName,
    configurationAccountName: config.configurationAccountName,
    storageAccountName: config.storageAccountName,
  });
  const body = {
    scopes: Object.fromEntries(config.scopes.map((s) => [s.name, { controlScope: s.controlScope, experimentScope: s.experimentScope }])),
    thresholds: { pass: config.threshold.pass, marginal: config.threshold.marginal },
  };
  const res = (await sendJson({ provider: type, method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs, signal: ctx.signal })) as {
    canaryExecutionId?: unknown;
  };
  const execution = res.canaryExecutionId;
  if (typeof execution !== 'string' || execution === '') throw new ProviderError(type, 'response has no canaryExecutionId');
  return { kind: 'running', metadata: { [executionIdKey]: execution }, resumeAt: new Date(ctx.now().getTime() + resumeDelayMs) };
}

async function resume(ctx: MeasurementContext, config: KayentaMetric, measurement: MeasurementState): Promise<ProviderOutcome> {
  const execution = measurement.metadata?.[executionIdKey] ?? '';
  if (execution === '') throw new ProviderError(type, `measurement metadata has no ${executionIdKey}`);
  const url = apiUrl(base(config), `/canary/${encodeURIComponent(execution)}`);
  const res = (await sendJson({ provider: type, url, timeoutMs, signal: ctx.signal })) as {
    complete?: unknown;
    result?: { judgeResult?: { score?: { score?: unknown } } };
  };
  const metadata = { [executionIdKey]: execution };
  if (typeof res.complete !== 'boolean') throw new ProviderError(type, `execution ${execution}: response has no complete status`);
  if (!res.complete) return { kind: 'running', metadata, resumeAt: new Date(ctx.now().getTime() + resumeDelayMs) };
  const score = res.result?.judgeResult?.score?.score;
  if (typeof score !== 'number') throw new ProviderError(type, `execution ${execution}: response has no score`);
  const whole = Math.trunc(score);
  return { kind: 'phase', phase: judge(whole, config.threshold.pass, config.threshold.marginal), value: String(whole), metadata };
}

export const kayentaProvider: MetricProvider<KayentaMetric> & Pick<Required<MetricProvider<KayentaMetric>>, 'resume'> = { type, validate: validateKayenta, measure, resume };
