/**
 * A MetricTemplate's query with its variables filled in, as Flagger renders it: `{{ name }}`, `{{ namespace }}`,
 * `{{ target }}`, `{{ service }}`, `{{ ingress }}`, `{{ route }}`, `{{ interval }}` and `{{ variables.X }}` from the
 * metric's templateVariables. A placeholder without a value is an error naming it (Flagger: missingkey=error), never
 * an empty string in the query.
 */
export interface MetricTemplateModel {
  name: string;
  namespace: string;
  target: string;
  service: string;
  ingress: string;
  route: string;
  interval: string;
  variables: Readonly<Record<string, string>>;
}

export class MetricTemplateError extends Error {
  override name = 'MetricTemplateError';
}

const placeholder = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;

export function renderMetricQuery(query: string, model: MetricTemplateModel): string {
  return query.replace(placeholder, (_match, expression: string) => {
    const variable = /^\.?variables\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression);
    if (variable !== null) {
      const value = model.variables[variable[1] ?? ''];
      if (value === undefined) throw new MetricTemplateError(`{{ ${expression} }}: no templateVariables entry "${variable[1] ?? ''}" on the metric`);
      return value;
    }
    const key = expression.replace(/^\./, '');
    if (key === 'name' || key === 'namespace' || key === 'target' || key === 'service' || key === 'ingress' || key === 'route' || key === 'interval') {
      const value = model[key];
      if (value === '') throw new MetricTemplateError(`{{ ${expression} }}: the Canary has no ${key} (set ${key === 'ingress' ? 'spec.ingressRef' : key === 'route' ? 'spec.routeRef' : key})`);
      return value;
    }
    throw new MetricTemplateError(`{{ ${expression} }}: not a template variable (name, namespace, target, service, ingress, route, interval, variables.X)`);
  });
}
