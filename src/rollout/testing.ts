/**
 * The Rollout planner tests start from: `web` in namespace `default`, 2 replicas of `web:1` selected by `app: web`,
 * a canary with no steps — each field overridable. Used by tests only.
 */
import type { Rollout } from '../api/rollout.ts';

export function testRollout(spec: Partial<Rollout['spec']> = {}, namespace = 'default'): Rollout {
  return {
    apiVersion: 'aviary.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace, uid: 'uid-1', generation: 1 },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
      strategy: { canary: {} },
      ...spec,
    },
  };
}
