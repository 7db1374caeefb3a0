/**
 * Pod logs for the tracker: which containers' lines are shown, their filters and prefixes, and the streams that read
 * them through the runtime's REST client (GET .../pods/NAME/log, streamed while the container runs).
 */
import { resourcePath, type KubeClient, type QueryParams } from '../runtime/rest.ts';
import type { ResourceSettings } from './annotations.ts';
import { errorMessage } from './reads.ts';

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
  private readonly client: KubeClient;
  private readonly active = new Map<string, AbortController>();
  private readonly last = new Map<string, LastLines>();
  private stopped = false;
  private readonly onLine: (line: LogLine) => void;
  private readonly onUnavailable: (pod: string, container: string, reason: string) => void;

  constructor(client: KubeClient, onLine: (line: LogLine) => void, onUnavailable: (pod: string, container: string, reason: string) => void) {
    this.client = client;
    this.onLine = onLine;
    this.onUnavailable = onUnavailable;
  }

  lastLines(pod: string, container: string, previous: boolean): string[] {
    return this.last.get(`${pod}/${container}/${previous ? 'p' : 'c'}`)?.get() ?? [];
  }

  /** Starts a stream unless one with the same key already ran; resolves when the stream ends. */
  async stream(key: string, request: StreamRequest): Promise<void> {
    if (this.stopped || this.active.has(key)) return;
    const abort = new AbortController();
    this.active.set(key, abort);
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
    const query: QueryParams = {
      container: request.container,
      follow: request.follow,
      previous: request.previous,
      tailLines: request.tailLines,
      sinceSeconds: request.sinceSeconds,
    };
    let res;
    try {
      res = await this.client.stream({ path: resourcePath('v1', 'pods', request.namespace, request.pod, 'log'), query, signal: abort.signal });
    } catch (error) {
      // Stopping aborts the request: that is no news about the container's logs.
      if (!this.isStopped()) this.onUnavailable(request.pod, request.container, errorMessage(error));
      return;
    }
    await new Promise<void>((resolve) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        deliver(buffer.push(chunk));
      });
      res.on('end', () => {
        deliver(buffer.flush());
        resolve();
      });
      // A stream broken or aborted part-way keeps what it delivered; tracking goes on without the rest.
      res.on('error', () => {
        resolve();
      });
      res.on('close', () => {
        resolve();
      });
    });
  }

  /** Read through a method: stop() may run while a request is awaited, which flow analysis cannot see. */
  private isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.active.values()) c.abort();
  }
}
