/**
 * Snapshot tests of `aviary get rollout` and `aviary list rollouts`, rendered from real objects: the captures in
 * test/fixtures/cli/*.json (Rollouts, ReplicaSets, pods, and AnalysisRuns with their Jobs where the Rollout has
 * analysis) were taken from Rollouts driven into each state by the controller on the local cluster
 * (test/e2e/cli-fixtures.test.ts). The clock is fixed at 90 s after each capture, so ages and remaining pause times
 * are stable.
 *
 * After an intended change of the rendering, regenerate the snapshots and review their diff:
 *   UPDATE_SNAPSHOTS=1 node --test src/cli/render/snapshots.test.ts
 * To capture the objects again: see test/e2e/cli-fixtures.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CapturedState } from '../../view/captured-state.ts';
import { rolloutInfo } from '../../view/rollout.ts';
import { rolloutRow } from '../../view/rollout-row.ts';
import { renderList } from './list.ts';
import { colorStyle, plainStyle, visibleWidth } from './text.ts';
import { renderRollout } from './tree.ts';

const dir = new URL('../../../test/fixtures/cli/', import.meta.url);
const update = process.env.UPDATE_SNAPSHOTS === '1';

const states: [string, CapturedState][] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as CapturedState]);

const nowOf = (state: CapturedState): Date => new Date(Date.parse(state.capturedAt) + 90_000);

function matchSnapshot(file: string, text: string): void {
  const url = new URL(file, dir);
  if (update) {
    writeFileSync(url, text);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(url, 'utf8');
  } catch {
    assert.fail(`no snapshot ${file}: run UPDATE_SNAPSHOTS=1 node --test src/cli/render/snapshots.test.ts`);
  }
  assert.equal(text, expected, `${file} differs (intended? regenerate with UPDATE_SNAPSHOTS=1)`);
}

describe('get rollout: snapshots of captured states', () => {
  it('has the six representative captures', () => {
    assert.deepEqual(states.map(([name]) => name), ['bluegreen-preview', 'canary-aborted', 'canary-analysis-failed', 'canary-midway', 'canary-paused', 'degraded']);
  });

  for (const [name, state] of states) {
    it(`${name}: header and tree`, () => {
      const now = nowOf(state);
      matchSnapshot(`${name}.txt`, `${renderRollout(rolloutInfo({ ...state, now }), { style: plainStyle, now }).join('\n')}\n`);
    });
  }

  it('canary-paused in colour: roles and states are coloured, the layout does not move', () => {
    const [, state] = states.find(([n]) => n === 'canary-paused') ?? assert.fail('no canary-paused capture');
    const now = nowOf(state);
    const colored = renderRollout(rolloutInfo({ ...state, now }), { style: colorStyle, now });
    const plain = renderRollout(rolloutInfo({ ...state, now }), { style: plainStyle, now });
    assert.deepEqual(colored.map(visibleWidth), plain.map(visibleWidth));
    matchSnapshot('canary-paused.color.txt', `${colored.join('\n')}\n`);
  });

  it('canary-analysis-failed: each revision lists its ReplicaSet, then its runs with their Jobs, by creation', () => {
    const [, state] = states.find(([n]) => n === 'canary-analysis-failed') ?? assert.fail('no canary-analysis-failed capture');
    const info = rolloutInfo({ ...state, now: nowOf(state) });
    const runs = info.revisions.map((rev) => [rev.revision, rev.analysisRuns.map((run) => [run.name.replace(/^judged-[0-9a-z]+-/, ''), run.status, run.successful, run.failed, run.jobs.map((j) => j.status)])]);
    assert.deepEqual(runs, [
      [3, [['3-1', 'Successful', 1, 0, ['Successful']], ['3-2', 'Failed', 0, 1, []]]],
      [2, [['2-1', 'Successful', 1, 0, ['Successful']], ['2-2', 'Successful', 3, 0, []]]],
      [1, []],
    ]);
  });

  it('canary-midway on a 60-column terminal: KIND is dropped and nothing is wider than the terminal', () => {
    const [, state] = states.find(([n]) => n === 'canary-midway') ?? assert.fail('no canary-midway capture');
    const now = nowOf(state);
    const lines = renderRollout(rolloutInfo({ ...state, now }), { style: plainStyle, now, width: 60 });
    for (const line of lines) assert.ok(visibleWidth(line) <= 60, `wider than 60: ${line}`);
    assert.ok(!lines.some((l) => l.includes('ReplicaSet')), 'the KIND column is dropped');
    matchSnapshot('canary-midway.narrow.txt', `${lines.join('\n')}\n`);
  });
});

describe('list rollouts: snapshots of captured states', () => {
  const rows = states.map(([, state]) => rolloutRow(state.rollout));
  const now = new Date(Math.max(...states.map(([, s]) => nowOf(s).getTime())));

  it('default columns', () => {
    matchSnapshot('list.txt', `${renderList(rows, { style: plainStyle, now, allNamespaces: false, wide: false, showGroup: false }).join('\n')}\n`);
  });

  it('-A -o wide: NAMESPACE first, AGE, IMAGES and MESSAGE last', () => {
    const lines = renderList(rows, { style: plainStyle, now, allNamespaces: true, wide: true, showGroup: false });
    assert.match(lines[0] ?? '', /^NAMESPACE +NAME +STRATEGY .* AVAILABLE +AGE +IMAGES +MESSAGE$/);
    matchSnapshot('list-wide.txt', `${lines.join('\n')}\n`);
  });
});
