/**
 * The Manager runs a controller process: the probe/metrics server, the shared informers, leader election and the
 * runnables (controllers). Controllers run only while this process leads (when leader election is on); informers run
 * always, so a standby has warm caches and takes over within one retry period of the Lease becoming free.
 *
 * Shutdown (SIGTERM/SIGINT or stop()): readiness turns false, controllers stop taking keys and in-flight reconciles
 * get the drain timeout, the Lease is released so a standby takes over at once, Events are flushed, informers and
 * the server close. A second signal exits immediately.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock, type Clock } from './clock.ts';
import { Controller, StopRequest, type Runnable } from './controller.ts';
import { EventRecorder } from './events.ts';
import { InformerFactory, type Informer } from './informer.ts';
import { LeaderElector, defaultIdentity, type LeaderElectionConfig } from './leader-election.ts';
import { silentLogger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';
import { loadKubeConnection, type KubeConnection } from './kubeconfig.ts';
import { KubeClient } from './rest.ts';
import { startHealthServer, type Check, type HealthServer } from './server.ts';

export interface ManagerOptions {
  /** Default: loaded from $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  kubeConfig?: KubeConnection | KubeConfig;
  client?: KubeClient;
  logger?: Logger;
  /** Default: a new registry with the default process metrics. */
  registry?: Registry;
  /** Probe and metrics address; false for none. Default ":8090". */
  address?: string | false;
  /** Leader election on a Lease; false (the default) runs controllers right away. */
  leaderElection?: LeaderElectionConfig | false;
  /** Time in-flight reconciles get to finish on shutdown. Default 10 s. */
  drainTimeoutMs?: number;
  /** Upper bound for the whole shutdown. Default 30 s (a pod's default termination grace period). */
  shutdownTimeoutMs?: number;
  /** /readyz tolerates an informer being between watches for this long. Default 30 s. */
  watchGraceMs?: number;
  /** source.component of Events. Default "aviary-controller". */
  component?: string;
  clock?: Clock;
}

interface Entry {
  runnable: Runnable;
  needsLeader: boolean;
  abort?: AbortController;
  running?: Promise<void>;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Manager {
  readonly client: KubeClient;
  readonly informers: InformerFactory;
  readonly registry: Registry;
  readonly metrics: RuntimeMetrics;
  readonly logger: Logger;
  /** Records Events as this process; shared by all controllers so aggregation spans them. */
  readonly events: EventRecorder;
  readonly elector: LeaderElector | undefined;

  readonly #options: ManagerOptions;
  readonly #clock: Clock;
  readonly #entries: Entry[] = [];
  readonly #stop = new AbortController();
  #state: State = 'new';
  #server: HealthServer | undefined;
  #synced = false;
  #informers: Informer[] = [];
  /** Leader transitions run one after another so a quick re-election never overlaps a stopping controller. */
  #transition: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  #ownsClient = false;

  constructor(options: ManagerOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
    if (options.client !== undefined) {
      this.client = options.client;
    } else {
      this.client = new KubeClient(options.kubeConfig ?? loadKubeConnection());
      this.#ownsClient = true;
    }
    if (options.registry !== undefined) {
      this.registry = options.registry;
    } else {
      this.registry = new Registry();
      collectDefaultMetrics({ register: this.registry });
    }
    this.metrics = RuntimeMetrics.for(this.registry);
    this.informers = new InformerFactory(this.client, {
      logger: this.logger,
      clock: this.#clock,
      onRestart: (informer) => {
        this.metrics.informerRestarts.inc({ informer: informer.name });
      },
    });
    this.events = new EventRecorder({ client: this.client, logger: this.logger, clock: this.#clock, component: options.component ?? 'aviary-controller' });
    const election = options.leaderElection;
    if (election !== undefined && election !== false) {
      const lease = `${election.namespace}/${election.name}`;
      this.elector = new LeaderElector({
        ...election,
        identity: election.identity ?? process.env.POD_NAME ?? defaultIdentity(),
        client: this.client,
        logger: this.logger,
        clock: this.#clock,
        onStartedLeading: () => {
          this.metrics.leader.set({ lease }, 1);
          this.#queueTransition(() => {
            this.#startRunnables(true);
            return Promise.resolve();
          });
        },
        onStoppedLeading: () => {
          this.metrics.leader.set({ lease }, 0);
          // Another process may take over once the Lease expires: stop quickly rather than drain fully.
          this.#queueTransition(() => this.#stopRunnables(true, new StopRequest('leadership lost', 1000)));
        },
      });
      this.metrics.leader.set({ lease }, 0);
    }
  }

  /** Adds a runnable; by default it runs only while leading (controllers must not run twice). */
  add(runnable: Runnable, options: { needsLeader?: boolean } = {}): void {
    if (this.#state !== 'new') throw new Error('add runnables before start()');
    this.#entries.push({ runnable, needsLeader: options.needsLeader ?? true });
  }

  addController(controller: Controller): void {
    this.add(controller, { needsLeader: true });
  }

  /** Signal that aborts when the manager starts stopping. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** URL of the probe server, once started. */
  get serverUrl(): string | undefined {
    return this.#server?.url;
  }

  isLeader(): boolean {
    return this.elector === undefined ? this.#state === 'running' : this.elector.isLeader();
  }

  /**
   * Starts everything and resolves once the caches have synced and controllers (or the election) are running.
   * Rejects if the informers cannot sync before stop().
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('the manager can be started once');
    this.#state = 'starting';
    const address = this.#options.address ?? ':8090';
    if (address !== false) {
      this.#server = await startHealthServer({
        address,
        registry: this.registry,
        logger: this.logger,
        healthz: () => this.liveness(),
        readyz: () => this.readiness(),
      });
      this.logger.info({ url: this.#server.url }, 'serving /healthz, /readyz and /metrics');
    }
    // Controllers may also read informers created outside the factory; the manager runs and watches those too.
    const all = new Set<Informer>(this.informers.all());
    for (const entry of this.#entries) {
      if (entry.runnable instanceof Controller) for (const informer of entry.runnable.informers()) all.add(informer);
    }
    this.#informers = [...all];
    this.informers.start();
    for (const informer of this.#informers) informer.start();
    this.logger.info({ informers: this.#informers.map((i) => i.name) }, 'waiting for caches to sync');
    try {
      await Promise.all(this.#informers.map((informer) => informer.waitForSync(this.#stop.signal)));
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      throw error;
    }
    if (this.#stop.signal.aborted) return;
    this.#synced = true;
    this.#state = 'running';
    this.logger.info('caches synced');
    this.#startRunnables(false);
    if (this.elector === undefined) this.#startRunnables(true);
    else this.elector.start();
  }

  /** start(), then wait until stopped; SIGTERM and SIGINT stop gracefully. */
  async run(): Promise<void> {
    const removeHandlers = this.installSignalHandlers();
    try {
      await this.start();
      await new Promise<void>((resolve) => {
        if (this.#stop.signal.aborted) resolve();
        else this.#stop.signal.addEventListener('abort', () => { resolve(); }, { once: true });
      });
      await this.#stopped;
    } finally {
      removeHandlers();
    }
  }

  /** Graceful shutdown; safe to call more than once (later calls wait for the first). */
  stop(reason = 'stop requested'): Promise<void> {
    this.#stopped ??= this.#shutdown(reason);
    return this.#stopped;
  }

  /** First SIGTERM/SIGINT stops gracefully, a second one exits at once. Returns a function removing the handlers. */
  installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#stopped !== undefined) {
        this.logger.warn({ signal }, 'second signal; exiting now');
        process.exit(1);
      }
      this.logger.info({ signal }, 'shutting down');
      // Detached on purpose: the signal handler cannot wait, and run() awaits the same promise.
      void this.stop(`received ${signal}`);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  liveness(): Check {
    return { ok: true };
  }

  /** Ready when every informer has synced and is watching (or reconnecting briefly) and the process runs. */
  readiness(): Check {
    const grace = this.#options.watchGraceMs ?? 30_000;
    const informers = this.#informers.map((informer) => {
      const health = informer.health();
      const ok = health.synced && informer.disconnectedForMs() <= grace;
      return { ...health, ok };
    });
    const leader = this.elector?.health();
    const ok = this.#state === 'running' && this.#synced && informers.every((i) => i.ok);
    const details: Record<string, unknown> = { state: this.#state, informers };
    if (leader !== undefined) details.leaderElection = { ...leader, role: leader.leading ? 'leader' : 'standby' };
    return { ok, details };
  }

  async #shutdown(reason: string): Promise<void> {
    const previous = this.#state;
    this.#state = 'stopping';
    this.logger.info({ reason }, 'stopping');
    this.#stop.abort(new Error(reason));
    const shutdownTimeoutMs = this.#options.shutdownTimeoutMs ?? 30_000;
    const drainMs = this.#options.drainTimeoutMs ?? 10_000;
    const steps = async (): Promise<void> => {
      if (previous !== 'new') {
        await this.#transition;
        const request = new StopRequest(reason, drainMs);
        await Promise.all([this.#stopRunnables(true, request), this.#stopRunnables(false, request)]);
        // The Lease goes only after the controllers stopped, so two leaders never act at once.
        await this.elector?.stop();
        await this.events.flush();
        await Promise.all([this.informers.stop(), ...this.#informers.map((informer) => informer.stop())]);
      }
      await this.#server?.close();
      if (this.#ownsClient) this.client.close();
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => { resolve(true); }, shutdownTimeoutMs);
    });
    try {
      const late = await Promise.race([steps().then(() => false), timedOut]);
      if (late) this.logger.error({ shutdownTimeoutMs }, 'shutdown did not finish in time');
    } catch (error) {
      this.logger.error({ err: error }, 'error during shutdown');
    } finally {
      clearTimeout(timer);
      this.#state = 'stopped';
      this.logger.info('stopped');
    }
  }

  #queueTransition(step: () => Promise<void>): void {
    // Detached on purpose: elector callbacks are synchronous; the chain keeps the transitions ordered.
    this.#transition = this.#transition.then(step).catch((error: unknown) => {
      this.logger.error({ err: error }, 'leader transition failed');
    });
  }

  #startRunnables(needsLeader: boolean): void {
    if (this.#stop.signal.aborted) return;
    for (const entry of this.#entries) {
      if (entry.needsLeader !== needsLeader || entry.running !== undefined) continue;
      const abort = new AbortController();
      entry.abort = abort;
      entry.running = entry.runnable.start(abort.signal).catch((error: unknown) => {
        this.logger.error({ err: error, runnable: entry.runnable.name }, 'runnable failed');
      });
    }
  }

  async #stopRunnables(needsLeader: boolean, request: StopRequest): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const entry of this.#entries) {
      if (entry.needsLeader !== needsLeader || entry.running === undefined) continue;
      entry.abort?.abort(request);
      stopping.push(entry.running);
      entry.running = undefined;
      entry.abort = undefined;
    }
    await Promise.all(stopping);
  }
}
