import { Writable } from 'node:stream';
import { Log, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from './client.ts';
import type { ResourceSettings } from './annotations.ts';

/** Splits a byte stream into lines, keeping a partial last line until its end arrives. */
export class LineBuffer {
  private partial = '';

  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unfinished last line, if any (at the end of the stream). */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}

/** Whether a container's logs are shown at all under the resource's settings. */
export function showLogsFor(container: string, settings: Pick<ResourceSettings, 'skipLogs' | 'skipLogsForContainers' | 'showLogsOnlyForContainers'>): boolean {
  if (settings.skipLogs) return false;
  if (settings.skipLogsForContainers.includes(container)) return false;
  if (settings.showLogsOnlyForContainers !== undefined) return settings.showLogsOnlyForContainers.includes(container);
  return true;
}

/** The line filter for a container: its own regex when it has one, else the resource's, else everything. */
export function lineFilter(container: string, settings: Pick<ResourceSettings, 'logRegex' | 'logRegexByContainer'>): (line: string) => boolean {
  const re = settings.logRegexByContainer[container] ?? settings.logRegex;
  return re === undefined ? () => true : (line) => re.test(line);
}

/** The prefix of a log line in text output: `deploy/api po/api-7d9c-x2 web |` (`web (previous run)` for a crashed run). */
export function logPrefix(resource: string, pod: string, container: string, previous: boolean): string {
  return `${resource} po/${pod} ${container}${previous ? ' (previous run)' : ''} |`;
}

/** The last lines of a container's output, for the summary of a failure. */
export class LastLines {
  private readonly lines: string[] = [];
  private readonly limit: number;

  constructor(limit = 20) {
    this.limit = limit;
  }

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}

export interface LogLine {
  pod: string;
  container: string;
  previous: boolean;
  line: string;
}

export interface StreamRequest {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

/**
 * Streams container logs through the API server. Every line goes to `onLine` (the caller filters what it shows;
 * the last lines are kept for failure summaries either way). A container whose logs cannot be read (no kubelet
 * behind the node, as with KWOK; a container not started) is reported through `onUnavailable` and never fails
 * tracking.
 */
export class LogStreams {
  private readonly log: Log;
  private readonly active = new Map<string, AbortController | undefined>();
  private readonly last = new Map<string, LastLines>();
  private stopped = false;
  private readonly onLine: (line: LogLine) => void;
  private readonly onUnavailable: (pod: string, container: string, reason: string) => void;

  constructor(kc: KubeConfig, onLine: (line: LogLine) => void, onUnavailable: (pod: string, container: string, reason: string) => void) {
    this.log = new Log(kc);
    this.onLine = onLine;
    this.onUnavailable = onUnavailable;
  }

  lastLines(pod: string, container: string, previous: boolean): string[] {
    return this.last.get(`${pod}/${container}/${previous ? 'p' : 'c'}`)?.get() ?? [];
  }

  /** Starts a stream unless one with the same key already ran; resolves when the stream ends. */
  async stream(key: string, request: StreamRequest): Promise<void> {
    if (this.stopped || this.active.has(key)) return;
    this.active.set(key, undefined);
    const buffer = new LineBuffer();
    const lastKey = `${request.pod}/${request.container}/${request.previous ? 'p' : 'c'}`;
    const last = this.last.get(lastKey) ?? new LastLines();
    this.last.set(lastKey, last);
    const deliver = (lines: string[]): void => {
      for (const line of lines) {
        last.add(line);
        if (!this.stopped) this.onLine({ pod: request.pod, container: request.container, previous: request.previous, line });
      }
    };
    await new Promise<void>((resolve) => {
      const sink = new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          deliver(buffer.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
          callback();
        },
        final(callback) {
          deliver(buffer.flush());
          callback();
        },
      });
      sink.on('finish', () => {
        resolve();
      });
      sink.on('error', () => {
        resolve();
      });
      sink.on('close', () => {
        resolve();
      });
      const options: Record<string, unknown> = { follow: request.follow, previous: request.previous };
      if (request.tailLines !== undefined) options.tailLines = request.tailLines;
      if (request.sinceSeconds !== undefined) options.sinceSeconds = request.sinceSeconds;
      this.log.log(request.namespace, request.pod, request.container, sink, options).then(
        (controller) => {
          if (this.stopped) controller.abort();
          else this.active.set(key, controller);
        },
        (error: unknown) => {
          this.onUnavailable(request.pod, request.container, errorMessage(error));
          sink.destroy();
          resolve();
        },
      );
    });
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.active.values()) c?.abort();
  }
}
