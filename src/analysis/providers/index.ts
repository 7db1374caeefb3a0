/**
 * The metric provider registry: one line per provider. `providerFor` picks the provider of a metric's `provider`
 * section (exactly one key) and hands back its configuration; the caller then runs `provider.validate(config)`
 * once the run's arguments are resolved, and measures.
 */
import { metricProviderKeys } from '../../api/metric-provider.ts';
import { cloudWatchProvider } from './cloudwatch.ts';
import { datadogProvider } from './datadog.ts';
import { graphiteProvider } from './graphite.ts';
import { influxdbProvider } from './influxdb.ts';
import { jobProvider } from './job.ts';
import { kayentaProvider } from './kayenta.ts';
import { newRelicProvider } from './new-relic.ts';
import { prometheusProvider } from './prometheus.ts';
import { skyWalkingProvider } from './skywalking.ts';
import { wavefrontProvider } from './wavefront.ts';
import { webProvider } from './web.ts';
import { ProviderConfigError, type MetricProvider } from './provider.ts';

export * from './provider.ts';

const providers: readonly MetricProvider[] = [
  prometheusProvider,
  kayentaProvider,
  webProvider,
  datadogProvider,
  wavefrontProvider,
  newRelicProvider,
  jobProvider,
  cloudWatchProvider,
  graphiteProvider,
  influxdbProvider,
  skyWalkingProvider,
];

const registry = new Map<string, MetricProvider>(providers.map((provider) => [provider.type, provider]));

/** Provider keys Argo Rollouts knows that Aviary does not run, with the reason given to users. */
const unsupported: Readonly<Record<string, string>> = {
  plugin: 'metric plugins are Go binaries spoken to over net/rpc (hashicorp go-plugin); Aviary cannot load them',
};

/** The keys Aviary can measure, in the order of the API. */
export const knownProviders: readonly string[] = metricProviderKeys.filter((key) => registry.has(key));

export interface ProviderSelection {
  provider: MetricProvider;
  /** The value under the provider's key (not yet validated). */
  config: unknown;
}

/**
 * Picks the single provider set in `metricProvider` (a metric's `provider` section). Throws ProviderConfigError
 * (field `provider`) for zero or several keys, an unknown key, or a provider Aviary does not implement.
 */
export function providerFor(metricProvider: object | null | undefined): ProviderSelection {
  const section = (metricProvider ?? {}) as Record<string, unknown>;
  const keys = Object.keys(section).filter((key) => section[key] !== undefined && section[key] !== null);
  if (keys.length !== 1) {
    const found = keys.length === 0 ? 'none is set' : `found ${keys.join(', ')}`;
    throw new ProviderConfigError('provider', `metric provider must set exactly one of ${knownProviders.join(', ')} (${found})`);
  }
  const [key = ''] = keys;
  const provider = registry.get(key);
  if (provider === undefined) {
    const reason = unsupported[key];
    if (reason !== undefined) throw new ProviderConfigError(`provider.${key}`, `metric provider "${key}" is not supported: ${reason}`);
    throw new ProviderConfigError(`provider.${key}`, `unknown metric provider "${key}" (known: ${knownProviders.join(', ')})`);
  }
  return { provider, config: section[key] };
}
