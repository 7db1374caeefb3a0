import { tryParseDuration } from '../util/duration.ts';

/**
 * What to do when a resource fails: `fail-fast` ends tracking at once (exit 1); `ignore` reports it and carries on
 * (the run's outcome ignores it); `hope` keeps watching it and fails the run only if it is still failed when
 * everything else is done.
 */
export type FailMode = 'fail-fast' | 'ignore' | 'hope';

/** `wait`: tracking waits for the resource to be ready; `non-blocking`: it is watched (failures still count) but not waited for. */
export type TerminationMode = 'wait' | 'non-blocking';

/** Per-resource settings, from command-line defaults overridden by the resource's own annotations. */
export interface ResourceSettings {
  failMode: FailMode;
  terminationMode: TerminationMode;
  /** Distinct failures tolerated per desired replica before the resource counts as failed. */
  failuresAllowedPerReplica: number;
  /** No change at all for this long fails the resource (undefined: never). */
  noActivityTimeoutMs?: number;
  skipLogs: boolean;
  /** Only lines matching this are shown (all containers). */
  logRegex?: RegExp;
  logRegexByContainer: Record<string, RegExp>;
  skipLogsForContainers: string[];
  /** When set, logs of other containers are not shown. */
  showLogsOnlyForContainers?: string[];
  /** Per container: replaces the readiness-probe failure window derived from the probe. */
  readinessWindowMs: Record<string, number>;
  showServiceMessages: boolean;
}

export const defaultSettings: ResourceSettings = {
  failMode: 'fail-fast',
  terminationMode: 'wait',
  failuresAllowedPerReplica: 0,
  skipLogs: false,
  logRegexByContainer: {},
  skipLogsForContainers: [],
  readinessWindowMs: {},
  showServiceMessages: true,
};

/** Annotation prefixes read, werf's first so that Aviary's own win when both are present. */
export const annotationPrefixes = ['werf.io/', 'aviary.dev/track-'] as const;

export class AnnotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnotationError';
  }
}

export function parseFailMode(value: string): FailMode | undefined {
  switch (value) {
    case 'fail-fast':
    case 'FailWholeDeployProcessImmediately':
      return 'fail-fast';
    case 'ignore':
    case 'IgnoreAndContinueDeployProcess':
      return 'ignore';
    case 'hope':
    case 'HopeUntilEndOfDeployProcess':
      return 'hope';
    default:
      return undefined;
  }
}

export function parseTerminationMode(value: string): TerminationMode | undefined {
  switch (value) {
    case 'wait':
    case 'WaitUntilResourceReady':
      return 'wait';
    case 'non-blocking':
    case 'NonBlocking':
      return 'non-blocking';
    default:
      return undefined;
  }
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

function regex(value: string, where: string): RegExp {
  try {
    return new RegExp(value);
  } catch {
    throw new AnnotationError(`${where}: invalid regular expression ${value}`);
  }
}

function duration(value: string, where: string): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) throw new AnnotationError(`${where}: invalid duration "${value}" (use e.g. 30s, 4m, 1h)`);
  return ms;
}

function bool(value: string): boolean {
  return value === 'true' || value === 'True' || value === '1' || value === 'yes';
}

/**
 * Reads werf's annotations (werf.io/...) and Aviary's (aviary.dev/track-...) over the given defaults. Both use the
 * same names after the prefix: fail-mode, failures-allowed-per-replica, track-termination-mode (Aviary:
 * aviary.dev/track-termination-mode), no-activity-timeout, skip-logs, skip-logs-for-containers,
 * show-logs-only-for-containers, log-regex, log-regex-for-<container>, ignore-readiness-probe-fails-for-<container>,
 * show-service-messages. Invalid values are errors naming the annotation, never silently dropped.
 */
export function settingsFromAnnotations(annotations: Readonly<Record<string, string | undefined>> | undefined, defaults: ResourceSettings = defaultSettings): ResourceSettings {
  const s: ResourceSettings = {
    ...defaults,
    logRegexByContainer: { ...defaults.logRegexByContainer },
    readinessWindowMs: { ...defaults.readinessWindowMs },
    skipLogsForContainers: [...defaults.skipLogsForContainers],
  };
  if (annotations === undefined) return s;
  for (const prefix of annotationPrefixes) {
    for (const [key, raw] of Object.entries(annotations)) {
      if (!key.startsWith(prefix) || raw === undefined) continue;
      const name = key.slice(prefix.length);
      const value = raw.trim();
      switch (name) {
        case 'fail-mode': {
          const mode = parseFailMode(value);
          if (mode === undefined) throw new AnnotationError(`${key}: unknown fail mode "${value}"`);
          s.failMode = mode;
          break;
        }
        case 'track-termination-mode':
        case 'termination-mode': {
          const mode = parseTerminationMode(value);
          if (mode === undefined) throw new AnnotationError(`${key}: unknown termination mode "${value}"`);
          s.terminationMode = mode;
          break;
        }
        case 'failures-allowed-per-replica': {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 0) throw new AnnotationError(`${key}: must be a whole number ≥ 0, got "${value}"`);
          s.failuresAllowedPerReplica = n;
          break;
        }
        case 'no-activity-timeout':
          s.noActivityTimeoutMs = duration(value, key);
          break;
        case 'skip-logs':
          s.skipLogs = bool(value);
          break;
        case 'skip-logs-for-containers':
          s.skipLogsForContainers = list(value);
          break;
        case 'show-logs-only-for-containers':
          s.showLogsOnlyForContainers = list(value);
          break;
        case 'log-regex':
          s.logRegex = regex(value, key);
          break;
        case 'show-service-messages':
          s.showServiceMessages = bool(value);
          break;
        default:
          if (name.startsWith('log-regex-for-')) s.logRegexByContainer[name.slice('log-regex-for-'.length)] = regex(value, key);
          else if (name.startsWith('ignore-readiness-probe-fails-for-')) s.readinessWindowMs[name.slice('ignore-readiness-probe-fails-for-'.length)] = duration(value, key);
          break;
      }
    }
  }
  return s;
}

/** How many distinct failures a resource tolerates: per replica, at least the per-replica count itself. */
export function allowedFailures(settings: ResourceSettings, replicas: number): number {
  return settings.failuresAllowedPerReplica * Math.max(1, replicas);
}
