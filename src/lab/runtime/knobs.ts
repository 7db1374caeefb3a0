/**
 * The knobs a lab pod's manifest turns to make its runtime misbehave on purpose: env vars of the pod's first
 * container, read from their literal `value` (the runtime sees the pod object, not a started container, so
 * `valueFrom` cannot be resolved). A bad value is reported and ignored: the pod is served with the default.
 *
 *   AVIARY_LAB_ERROR_RATIO  0..1: the fraction of requests answered 500 (an injected error). Default 0.
 *   AVIARY_LAB_LATENCY      a duration (src/util/duration.ts: "200ms", "1s", "2"): added before every answer. Default 0.
 *   AVIARY_LAB_STATUS       200..599: the status of every answer that is not an injected error. Default 200.
 *   AVIARY_LAB_BODY         text answered instead of the JSON description of the pod (injected errors stay JSON).
 */
import { tryParseDuration } from '../../util/duration.ts';

export interface Knobs {
  errorRatio: number;
  latencyMs: number;
  status: number;
  /** Undefined: answer with the JSON description of the pod and the request. */
  body: string | undefined;
}

export const knobNames = {
  errorRatio: 'AVIARY_LAB_ERROR_RATIO',
  latency: 'AVIARY_LAB_LATENCY',
  status: 'AVIARY_LAB_STATUS',
  body: 'AVIARY_LAB_BODY',
} as const;

/** Env var names the runtime reads; the informer keeps only these of a pod's env. */
export const knobPrefix = 'AVIARY_LAB_';

export const defaultKnobs: Readonly<Knobs> = Object.freeze({ errorRatio: 0, latencyMs: 0, status: 200, body: undefined });

export interface EnvVar {
  readonly name: string;
  readonly value?: string | undefined;
  readonly valueFrom?: unknown;
}

export interface KnobsResult {
  knobs: Knobs;
  /** One line per bad knob, naming the env var and quoting its value. */
  problems: string[];
}

export function readKnobs(env: readonly EnvVar[] | undefined): KnobsResult {
  const knobs: Knobs = { ...defaultKnobs };
  const problems: string[] = [];
  // Kubernetes lets the last of two entries with one name win; so does this.
  const values = new Map<string, EnvVar>();
  for (const variable of env ?? []) if (variable.name.startsWith(knobPrefix)) values.set(variable.name, variable);

  const literal = (name: string): string | undefined => {
    const variable = values.get(name);
    if (variable === undefined) return undefined;
    if (variable.value === undefined && variable.valueFrom !== undefined) {
      problems.push(`${name}: only a literal value is read (valueFrom cannot be resolved by the lab); ignored`);
      return undefined;
    }
    return variable.value ?? '';
  };
  const bad = (name: string, value: string, expected: string): void => {
    problems.push(`${name}=${JSON.stringify(value)}: ${expected}`);
  };

  const ratio = literal(knobNames.errorRatio);
  if (ratio !== undefined) {
    const parsed = ratio.trim() === '' ? Number.NaN : Number(ratio);
    if (Number.isFinite(parsed) && parsed >= 0 && parsed <= 1) knobs.errorRatio = parsed;
    else bad(knobNames.errorRatio, ratio, 'not a number between 0 and 1');
  }

  const latency = literal(knobNames.latency);
  if (latency !== undefined) {
    const ms = tryParseDuration(latency);
    if (ms !== undefined) knobs.latencyMs = ms;
    else bad(knobNames.latency, latency, 'not a duration (use e.g. 200ms, 1s, 1m30s)');
  }

  const status = literal(knobNames.status);
  if (status !== undefined) {
    const code = Number(status.trim());
    // 1xx are interim responses: a client that receives one keeps waiting for the final answer, forever here.
    if (/^\d{3}$/.test(status.trim()) && code >= 200 && code <= 599) knobs.status = code;
    else bad(knobNames.status, status, 'not an HTTP status code between 200 and 599');
  }

  const body = literal(knobNames.body);
  if (body !== undefined) knobs.body = body;

  return { knobs, problems };
}

export function sameKnobs(a: Readonly<Knobs>, b: Readonly<Knobs>): boolean {
  return a.errorRatio === b.errorRatio && a.latencyMs === b.latencyMs && a.status === b.status && a.body === b.body;
}
