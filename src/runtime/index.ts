/** The controller runtime: one import for reconcilers and the controller binary. */
export * from './backoff.ts';
export * from './clock.ts';
export * from './controller.ts';
export * from './events.ts';
export * from './informer.ts';
export * from './leader-election.ts';
export * from './logger.ts';
export * from './manager.ts';
export * from './metrics.ts';
export * from './objects.ts';
export * from './reconcile.ts';
export * from './rest.ts';
export * from './server.ts';
export * from './store.ts';
export * from './time.ts';
export * from './workqueue.ts';
