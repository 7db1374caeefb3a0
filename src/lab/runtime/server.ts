/**
 * The lab pods' HTTP servers: one http.Server (one handler, one parser setup) for every pod, fed by one small
 * net.Server per pod IP and port, which hands each accepted socket over. A pod costs a listening socket and a few
 * objects, so a lab of thousands of pods stays small.
 *
 * A connection belongs to the pod that owned its listener when it was accepted, for its whole life: a pod that is
 * gone still answers as itself on the connections it had, and a new pod that takes over the address (IPs are
 * reused) answers as itself on new ones. Stopping a listener after its linger stops accepting, lets in-flight
 * requests finish (their answers say `Connection: close`) and closes idle connections, as a pod's process exiting
 * would; what was sent to it until then was answered, so a scale-down under load loses nothing.
 */
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, isIPv6, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { DesiredPod, ListenerAddress, PodIdentity } from './desired.ts';
import type { Knobs } from './knobs.ts';
import { LabMetrics, type PodSeries } from './metrics.ts';

/** What a listener answers as. */
export type ServedPod = Pick<DesiredPod, 'key' | 'uid' | 'ip' | 'identity' | 'knobs'>;

export interface PodServerOptions {
  /** Timers for injected latency and lingering listeners. */
  clock?: Clock;
  log?: Logger;
  metrics?: LabMetrics;
  /** A pod's random source for injected errors, from its uid. Default: a small PRNG seeded by the uid. */
  random?: (uid: string) => () => number;
  /**
   * How long an idle kept-alive connection stays open. Default 120 s: longer than the idle timeout of the gateway's
   * pooled connections (Traefik: 90 s), so the gateway closes first and never sends on a connection being closed.
   */
  keepAliveTimeoutMs?: number;
}

interface Entry {
  uid: string;
  key: string;
  identity: PodIdentity;
  knobs: Knobs;
  headers: { pod: string; version: string };
  random: () => number;
  series: PodSeries;
  listeners: Set<Listener>;
  connections: number;
  goneWaiters: (() => void)[];
}

interface Listener {
  key: string;
  address: ListenerAddress;
  server: NetServer;
  owner: Entry;
  connections: Set<Connection>;
  ready: Promise<void>;
  linger: { timer: Timer; done: Promise<void>; resolve: () => void } | undefined;
  stopped: boolean;
}

interface Connection {
  socket: Socket;
  entry: Entry;
  listener: Listener;
  inflight: number;
  /** Its listener stopped: answer what is in flight with Connection: close, take nothing more. */
  closing: boolean;
}

export class PodServer {
  readonly metrics: LabMetrics;
  readonly #http: HttpServer;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: (uid: string) => () => number;
  /** By "ip:port" ("[ip]:port" for IPv6), pending ones included. */
  readonly #listeners = new Map<string, Listener>();
  /** By pod uid: pods with a listener or a connection. */
  readonly #entries = new Map<string, Entry>();
  readonly #connections = new Map<Socket, Connection>();
  #stopped = false;

  constructor(options: PodServerOptions = {}) {
    this.metrics = options.metrics ?? new LabMetrics();
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger();
    this.#random = options.random ?? seededRandom;
    this.#http = createHttpServer({ noDelay: true }, (req, res) => {
      this.#handle(req, res);
    });
    this.#http.keepAliveTimeout = options.keepAliveTimeoutMs ?? 120_000;
  }

  /**
   * Starts accepting on pod.ip:port for the pod; resolves with the bound port (port 0 picks one) once listening, and
   * rejects with the listen error (EADDRNOTAVAIL, EADDRINUSE, ...). An address already served, or lingering, is
   * taken over without a new socket: its linger is cancelled, and if it was another pod's, that pod's connections
   * on it are closed as the old pod's would be.
   */
  async open(pod: ServedPod, port: number): Promise<number> {
    if (this.#stopped) throw new Error('pod server stopped');
    const entry = this.#entryFor(pod);
    const key = addressKey(pod.ip, port);
    const existing = port === 0 ? undefined : this.#listeners.get(key);
    if (existing !== undefined) {
      this.#adopt(existing, entry);
      await existing.ready;
      return port;
    }
    const server = createNetServer({ noDelay: true });
    const listener: Listener = {
      key,
      address: { ip: pod.ip, port },
      server,
      owner: entry,
      connections: new Set(),
      ready: Promise.resolve(),
      linger: undefined,
      stopped: false,
    };
    server.on('connection', (socket) => {
      this.#accept(listener, socket);
    });
    listener.ready = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: pod.ip, port }, () => {
        server.off('error', reject);
        server.on('error', (error) => {
          this.#log.warn({ err: error, pod: listener.owner.key, address: listener.key }, 'pod listener failed');
        });
        resolve();
      });
    });
    if (port !== 0) this.#listeners.set(key, listener);
    entry.listeners.add(listener);
    try {
      await listener.ready;
    } catch (error) {
      if (this.#listeners.get(key) === listener) this.#listeners.delete(key);
      listener.stopped = true;
      listener.owner.listeners.delete(listener);
      this.#retireIfDone(listener.owner);
      throw error;
    }
    if (port === 0) {
      const bound = server.address();
      const boundPort = typeof bound === 'object' && bound !== null ? bound.port : 0;
      listener.key = addressKey(pod.ip, boundPort);
      listener.address = { ip: pod.ip, port: boundPort };
      this.#listeners.set(listener.key, listener);
    }
    return listener.address.port;
  }

  /** New identity or knobs for a served pod: its listeners and its open connections answer with them at once. */
  update(pod: ServedPod): void {
    const entry = this.#entries.get(pod.uid);
    if (entry !== undefined) this.#apply(entry, pod);
  }

  /**
   * Stops accepting on the address after lingerMs, if pod `uid` still owns it then; resolves when it stopped (or
   * at once when there is nothing of that pod's to close, or when an open() took the address over meanwhile).
   */
  close(uid: string, address: ListenerAddress, lingerMs: number): Promise<void> {
    const listener = this.#listeners.get(addressKey(address.ip, address.port));
    if (listener?.owner.uid !== uid) return Promise.resolve();
    if (listener.linger !== undefined) return listener.linger.done;
    let resolve = (): void => undefined;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const timer = this.#clock.setTimer(() => {
      listener.linger = undefined;
      this.#stopListener(listener);
      resolve();
    }, lingerMs);
    listener.linger = { timer, done, resolve };
    return done;
  }

  /** Listeners accepting now (lingering ones included). */
  listeners(): number {
    return this.#listeners.size;
  }

  /** Pods with at least one listener (lingering ones included). */
  podsServed(): number {
    let served = 0;
    for (const entry of this.#entries.values()) if (entry.listeners.size > 0) served++;
    return served;
  }

  /** Whether pod `uid` owns a listener on the address. */
  serves(uid: string, address: ListenerAddress): boolean {
    return this.#listeners.get(addressKey(address.ip, address.port))?.owner.uid === uid;
  }

  /** Resolves once pod `uid` has neither listeners nor connections, and its series have left the metrics. */
  gone(uid: string): Promise<void> {
    const entry = this.#entries.get(uid);
    if (entry === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      entry.goneWaiters.push(resolve);
    });
  }

  renderMetrics(): string {
    return this.metrics.render({ podsServed: this.podsServed(), listeners: this.listeners() });
  }

  /** Closes every listener and connection now, without lingering. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const closing: Promise<void>[] = [];
    for (const listener of this.#listeners.values()) {
      listener.linger?.timer.cancel();
      listener.linger?.resolve();
      listener.linger = undefined;
      listener.stopped = true;
      closing.push(new Promise<void>((resolve) => listener.server.close(() => { resolve(); })));
    }
    for (const connection of this.#connections.values()) connection.socket.destroy();
    this.#listeners.clear();
    for (const entry of this.#entries.values()) {
      this.metrics.remove(entry.series);
      for (const resolve of entry.goneWaiters.splice(0)) resolve();
    }
    this.#entries.clear();
    await Promise.all(closing);
  }

  #entryFor(pod: ServedPod): Entry {
    const existing = this.#entries.get(pod.uid);
    if (existing !== undefined) {
      this.#apply(existing, pod);
      return existing;
    }
    const entry: Entry = {
      uid: pod.uid,
      key: pod.key,
      identity: pod.identity,
      knobs: pod.knobs,
      headers: headersOf(pod.identity),
      random: this.#random(pod.uid),
      series: this.metrics.add(pod.identity),
      listeners: new Set(),
      connections: 0,
      goneWaiters: [],
    };
    this.#entries.set(pod.uid, entry);
    return entry;
  }

  #apply(entry: Entry, pod: ServedPod): void {
    entry.key = pod.key;
    entry.knobs = pod.knobs;
    if (entry.identity !== pod.identity) {
      entry.identity = pod.identity;
      entry.headers = headersOf(pod.identity);
      entry.series.relabel(pod.identity);
    }
  }

  /** The listener serves `entry` from now on; a linger in progress is cancelled. */
  #adopt(listener: Listener, entry: Entry): void {
    if (listener.linger !== undefined) {
      listener.linger.timer.cancel();
      listener.linger.resolve();
      listener.linger = undefined;
    }
    const previous = listener.owner;
    if (previous === entry) return;
    previous.listeners.delete(listener);
    for (const connection of listener.connections) if (connection.entry === previous) this.#endConnection(connection);
    listener.owner = entry;
    entry.listeners.add(listener);
    this.#retireIfDone(previous);
  }

  #stopListener(listener: Listener): void {
    listener.stopped = true;
    if (this.#listeners.get(listener.key) === listener) this.#listeners.delete(listener.key);
    listener.server.close();
    listener.owner.listeners.delete(listener);
    for (const connection of listener.connections) this.#endConnection(connection);
    this.#retireIfDone(listener.owner);
  }

  #endConnection(connection: Connection): void {
    connection.closing = true;
    if (connection.inflight === 0) connection.socket.destroySoon();
  }

  /** A pod with neither listeners nor connections is gone: its series leave the metrics. */
  #retireIfDone(entry: Entry): void {
    if (entry.listeners.size > 0 || entry.connections > 0) return;
    if (this.#entries.get(entry.uid) !== entry) return;
    this.#entries.delete(entry.uid);
    this.metrics.remove(entry.series);
    for (const resolve of entry.goneWaiters.splice(0)) resolve();
  }

  #accept(listener: Listener, socket: Socket): void {
    if (listener.stopped || this.#stopped) {
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, entry: listener.owner, listener, inflight: 0, closing: false };
    listener.connections.add(connection);
    connection.entry.connections++;
    this.#connections.set(socket, connection);
    socket.once('close', () => {
      this.#connections.delete(socket);
      listener.connections.delete(connection);
      connection.entry.connections--;
      this.#retireIfDone(connection.entry);
    });
    this.#http.emit('connection', socket);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.#connections.get(req.socket);
    if (connection === undefined) {
      res.writeHead(500, { connection: 'close' }).end();
      return;
    }
    const { entry } = connection;
    connection.inflight++;
    const started = performance.now();
    let timer: Timer | undefined;
    res.once('finish', () => {
      entry.series.record(res.statusCode, (performance.now() - started) / 1000);
    });
    res.once('close', () => {
      timer?.cancel();
      connection.inflight--;
    });
    // The request body is not read, but must be drained for the connection to carry the next request.
    req.resume();
    const respond = (): void => {
      timer = undefined;
      const { knobs, identity, headers } = entry;
      const injected = knobs.errorRatio > 0 && entry.random() < knobs.errorRatio;
      const status = injected ? 500 : knobs.status;
      const text = !injected && knobs.body !== undefined;
      const body = text ? (knobs.body ?? '') : JSON.stringify({
        pod: identity.pod,
        namespace: identity.namespace,
        node: identity.node,
        image: identity.image,
        version: identity.version,
        podTemplateHash: identity.podTemplateHash,
        path: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        ...(injected ? { error: `injected error (AVIARY_LAB_ERROR_RATIO=${String(knobs.errorRatio)})` } : {}),
      });
      const responseHeaders: OutgoingHttpHeaders = {
        'aviary-pod': headers.pod,
        'aviary-version': headers.version,
        'content-type': text ? 'text/plain; charset=utf-8' : 'application/json',
      };
      if (connection.closing) responseHeaders.connection = 'close';
      res.writeHead(status, responseHeaders);
      res.end(body);
    };
    const latency = entry.knobs.latencyMs;
    if (latency > 0) timer = this.#clock.setTimer(respond, latency);
    else respond();
  }
}

export function addressKey(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${String(port)}` : `${ip}:${String(port)}`;
}

/** Header values must be visible ASCII; an image reference is free text in the API. */
function headerValue(value: string): string {
  return value.replace(/[^\t\x20-\x7e]/g, '?');
}

function headersOf(identity: PodIdentity): { pod: string; version: string } {
  return { pod: headerValue(identity.pod), version: headerValue(identity.version) };
}

/**
 * mulberry32 seeded with the FNV-1a hash of the uid: a pod injects the same sequence of errors on every run, and
 * pods of one Deployment do not fail in step.
 */
export function seededRandom(seed: string): () => number {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
