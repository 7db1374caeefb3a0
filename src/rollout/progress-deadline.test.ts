import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout, RolloutStrategy } from '../api/rollout.ts';
import { getCondition } from './conditions.ts';
import { podTemplateHash } from './hash.ts';
import { Simulation } from './simulate.ts';
import { testRollout } from './testing.ts';

// progressDeadlineAbort aborts an update that misses progressDeadlineSeconds — back to the stable revision. Like
// Argo Rollouts, a first revision has nothing to go back to: it is reported (Progressing False with
// ProgressDeadlineExceeded, phase Degraded) and never aborted.

const canary: RolloutStrategy = { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } };
const blueGreen: RolloutStrategy = { blueGreen: { activeService: 'web-active' } };

function rollout(strategy: RolloutStrategy): Rollout {
  return testRollout({ progressDeadlineSeconds: 10, progressDeadlineAbort: true, strategy });
}

function setImage(r: Rollout, image: string): void {
  const spec = r.spec.template?.spec as { containers: { image: string }[] } | undefined;
  const container = spec?.containers[0];
  if (container !== undefined) container.image = image;
}

/** Reconciles, lets the deadline pass with nothing moving, and reconciles again until steady. */
function missDeadline(sim: Simulation): void {
  sim.settle();
  sim.advance(11_000);
  sim.settle();
}

describe('progress deadline with progressDeadlineAbort', () => {
  const rows: { name: string; strategy: RolloutStrategy; services: string[]; firstRevision: boolean; aborted: boolean }[] = [
    { name: 'canary, first revision: exceeded, not aborted', strategy: canary, services: [], firstRevision: true, aborted: false },
    { name: 'canary, an update: exceeded and aborted', strategy: canary, services: [], firstRevision: false, aborted: true },
    { name: 'blue-green, first revision: exceeded, not aborted', strategy: blueGreen, services: ['web-active'], firstRevision: true, aborted: false },
    { name: 'blue-green, an update: exceeded and aborted', strategy: blueGreen, services: ['web-active'], firstRevision: false, aborted: true },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const sim = new Simulation(rollout(row.strategy), row.services);
      if (!row.firstRevision) {
        sim.settle();
        assert.equal(sim.phase(), 'Healthy');
        sim.update((r) => { setImage(r, 'web:2'); });
      }
      // The pods of the revision being deployed never become available.
      sim.unavailable.add(podTemplateHash(sim.rollout.spec.template, 0));
      missDeadline(sim);

      const status = sim.rollout.status ?? {};
      const progressing = getCondition(status.conditions, 'Progressing');
      assert.equal(sim.reasons().includes('ProgressDeadlineExceeded'), true, `events: ${sim.reasons().join(', ')}`);
      assert.equal(status.abort === true, row.aborted, `abort: ${String(status.abort)}`);
      assert.equal(sim.reasons().includes('RolloutAborted'), row.aborted);
      assert.equal(sim.phase(), 'Degraded');
      if (row.aborted) {
        assert.equal(progressing?.reason, 'RolloutAborted');
      } else {
        assert.equal(progressing?.status, 'False');
        assert.equal(progressing.reason, 'ProgressDeadlineExceeded');
        assert.match(status.message ?? '', /^ProgressDeadlineExceeded: /);
      }
    });
  }

  it('a first revision that misses the deadline still completes once its pods become available', () => {
    const sim = new Simulation(rollout(canary));
    const hash = podTemplateHash(sim.rollout.spec.template, 0);
    sim.unavailable.add(hash);
    missDeadline(sim);
    assert.equal(sim.phase(), 'Degraded');
    sim.unavailable.delete(hash);
    // The simulated pods become available at the end of the next pass; the one after sees them.
    sim.reconcile();
    sim.settle();
    assert.equal(sim.phase(), 'Healthy');
    assert.notEqual(sim.rollout.status?.abort, true);
  });
});
