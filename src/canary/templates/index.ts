/** The MetricTemplate providers besides Prometheus, by spec.provider.type (one file each). */
import { datadogTemplateProvider } from './datadog.ts';
import { graphiteTemplateProvider } from './graphite.ts';
import type { TemplateProvider } from './provider.ts';

export const templateProviders: readonly TemplateProvider[] = [datadogTemplateProvider, graphiteTemplateProvider];

export const templateProvider = (type: string): TemplateProvider | undefined => templateProviders.find((p) => p.type === type);
