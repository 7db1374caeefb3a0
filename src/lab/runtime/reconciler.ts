/**
 * Keeps the pod server in line with the pods, one pod key at a time: reads the pod's latest object, plans with
 * desired.ts, and opens, updates and (after the linger) closes listeners. A pod's problems are warned about once
 * each; a listen error once per address and error, and the listen is tried again on the pod's next update.
 * Nothing here throws: one bad pod must not stop the others from being served.
 */
import type { Logger } from 'pino';
import type { DeepReadonly } from '../../runtime/objects.ts';
import { desiredPod, diffListeners, type DesiredPod, type LabPod, type PodPlan } from './desired.ts';
import { addressKey, type PodServer } from './server.ts';

export interface PodReconcilerOptions {
  server: PodServer;
  log: Logger;
  /** How long a pod that is gone keeps accepting: the gateway may still send to it for a moment. */
  lingerMs: number;
  /** The pod's latest object, or undefined once it is gone. */
  getPod: (key: string) => DeepReadonly<LabPod> | undefined;
}

interface Reported {
  uid: string;
  /** Problems and listen failures already logged for this pod. */
  seen: Set<string>;
}

export class PodReconciler {
  readonly #server: PodServer;
  readonly #log: Logger;
  readonly #lingerMs: number;
  readonly #getPod: (key: string) => DeepReadonly<LabPod> | undefined;
  /** What is served per pod key: the pod as last planned, with only the ports actually listening. */
  readonly #served = new Map<string, DesiredPod>();
  readonly #reported = new Map<string, Reported>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  #stopped = false;

  constructor(options: PodReconcilerOptions) {
    this.#server = options.server;
    this.#log = options.log;
    this.#lingerMs = options.lingerMs;
    this.#getPod = options.getPod;
  }

  /** Reconciles the pod soon; a key already in progress runs once more afterwards, with the newest object. */
  enqueue(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#running.set(key, this.#run(key));
  }

  /** Resolves once no key is being reconciled. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  /** Takes no more keys; call idle() to wait for the ones in progress. */
  stop(): void {
    this.#stopped = true;
    this.#dirty.clear();
  }

  async #run(key: string): Promise<void> {
    try {
      do {
        this.#dirty.delete(key);
        try {
          await this.#reconcile(key);
        } catch (error) {
          this.#log.error({ err: error, pod: key }, 'reconciling a lab pod failed');
        }
      } while (this.#dirty.has(key) && !this.#stopped);
    } finally {
      this.#running.delete(key);
    }
  }

  async #reconcile(key: string): Promise<void> {
    const pod = this.#getPod(key);
    const plan: PodPlan = pod === undefined ? { desired: undefined, reason: 'gone', problems: [] } : desiredPod(pod);
    const uid = pod?.metadata?.uid ?? '';
    const reported = this.#reportedFor(key, pod === undefined ? undefined : uid);
    for (const problem of plan.problems) {
      if (reported === undefined || reported.seen.has(problem)) continue;
      reported.seen.add(problem);
      this.#log.warn({ pod: key, problem }, `lab pod ${key}: ${problem}`);
    }

    const current = this.#served.get(key);
    const desired = plan.desired;
    if (desired === undefined && current !== undefined) this.#log.debug({ pod: key, reason: plan.reason }, 'lab pod no longer served');
    const diff = diffListeners(current === undefined ? [] : [current], desired === undefined ? [] : [desired]);
    for (const { uid: closing, address } of diff.close) {
      // Not awaited: the linger runs on its own timer, and this pod's next change must not wait for it.
      void this.#server.close(closing, address, this.#lingerMs);
    }
    for (const pod of diff.update) this.#server.update(pod);
    if (desired === undefined) {
      this.#served.delete(key);
      return;
    }

    const kept = current !== undefined && current.uid === desired.uid && current.ip === desired.ip
      ? current.ports.filter((port) => desired.ports.includes(port))
      : [];
    const opened = await Promise.all(diff.open.map(async ({ address }) => {
      const where = addressKey(address.ip, address.port);
      try {
        await this.#server.open(desired, address.port);
        for (const seen of reported?.seen ?? []) if (seen.startsWith(`${where} `)) reported?.seen.delete(seen);
        return address.port;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
        const failure = `${where} ${code}`;
        if (reported !== undefined && !reported.seen.has(failure)) {
          reported.seen.add(failure);
          this.#log.warn({ pod: key, address: where, err: error }, `lab pod ${key}: cannot listen on ${where} (${code}); trying again on the pod's next update`);
        }
        return undefined;
      }
    }));
    const ports = [...kept, ...opened.filter((port) => port !== undefined)].sort((a, b) => a - b);
    if (ports.length === 0) this.#served.delete(key);
    else this.#served.set(key, { ...desired, ports });
    if (current === undefined && ports.length > 0) this.#log.debug({ pod: key, ip: desired.ip, ports }, 'lab pod served');
  }

  /** The pod's report record, reset when the key names a new pod; undefined (and forgotten) once it is gone. */
  #reportedFor(key: string, uid: string | undefined): Reported | undefined {
    if (uid === undefined) {
      this.#reported.delete(key);
      return undefined;
    }
    let reported = this.#reported.get(key);
    if (reported?.uid !== uid) {
      reported = { uid, seen: new Set() };
      this.#reported.set(key, reported);
    }
    return reported;
  }
}
