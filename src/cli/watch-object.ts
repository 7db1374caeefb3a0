/**
 * Watching one object until a decision says it settled, for the commands that wait (`status`): one watch on the
 * object by name (re-established as needed), the object as first read judged too, and the ways a wait also ends —
 * the timeout, the object's deletion, Ctrl-C or SIGTERM — as values, with everything stopped before it returns.
 */
import type { KubeObject } from '../runtime/objects.ts';
import type { CliKube } from './kube.ts';

export type WaitEnding<T extends string> = T | 'timeout' | 'deleted' | 'interrupted';

export interface WatchObjectOptions<T extends string> {
  resource: { apiVersion: string; kind: string; plural: string };
  name: string;
  /** The object as read before watching; judged first. */
  first: unknown;
  /** Called for each version seen; calls `finish` to end the wait. */
  seen: (object: unknown, finish: (ending: T) => void) => void;
  /** 0 or undefined: no limit. */
  timeoutMs?: number | undefined;
}

export async function watchObject<T extends string>(kube: CliKube, options: WatchObjectOptions<T>): Promise<WaitEnding<T>> {
  const { Informer } = await import('../runtime/informer.ts');
  const informer = new Informer<KubeObject>(kube.client, {
    resource: options.resource,
    namespace: kube.namespace,
    fieldSelector: `metadata.name=${options.name}`,
    watchTimeoutSeconds: 120,
  });
  let finish: (ending: WaitEnding<T>) => void = () => undefined;
  const ended = new Promise<WaitEnding<T>>((resolve) => { finish = resolve; });
  const seen = (obj: unknown): void => { options.seen(obj, finish); };
  seen(options.first);
  informer.addEventHandler({ onAdd: seen, onUpdate: (_old, obj) => { seen(obj); }, onDelete: () => { finish('deleted'); } });
  const interrupt = (): void => { finish('interrupted'); };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const timeoutMs = options.timeoutMs ?? 0;
  const timer = timeoutMs <= 0 ? undefined : setTimeout(() => { finish('timeout'); }, timeoutMs);
  informer.start();
  try {
    return await ended;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await informer.stop();
  }
}
