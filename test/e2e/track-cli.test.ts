import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TrackEvent } from '../../src/track/events.ts';
import { runAviary, type CliRun } from '../support/cli.ts';
import { applyYaml } from '../support/kube.ts';
import { TestNamespace } from '../support/namespace.ts';

const ns = new TestNamespace('track-cli');
let dir = '';

/** Runs `aviary track ...` as CI would (stdout not a terminal). */
const cli = (args: string[]): Promise<CliRun> => runAviary(['track', ...args], { timeoutMs: 240_000 });

function expectCode(got: { code: number; stdout: string; stderr: string }, code: number): void {
  assert.equal(got.code, code, `exit ${got.code}, expected ${code}\n--- stdout\n${got.stdout}\n--- stderr\n${got.stderr}`);
}

const deployment = (name: string, extra = '', specExtra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 2
  ${specExtra}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      ${extra}
      containers: [{ name: web, image: web:1 }]
`;

describe('aviary track (the command)', () => {
  before(async () => {
    await ns.create();
    dir = await mkdtemp(join(tmpdir(), 'aviary-track-'));
  });
  after(async () => {
    await ns.delete();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 with line output and a summary when everything becomes ready (-f FILE)', async () => {
    const manifest = `${deployment('api')}---
apiVersion: v1
kind: ConfigMap
metadata: { name: api-config }
data: { level: info }
`;
    await applyYaml(ns.kc, manifest, ns.name);
    const file = join(dir, 'release.yaml');
    await writeFile(file, manifest);
    const got = await cli(['-f', file, '-n', ns.name, '--timeout', '3m']);
    expectCode(got, 0);
    assert.match(got.stdout, /^deploy\/api ✔ ready after/m);
    assert.match(got.stdout, /^configmap\/api-config ✔ ready after .*exists/m);
    assert.match(got.stdout, /^Summary \(/m);
    assert.match(got.stdout, /^Result: ready — 2 of 2 resources ready/m);
    assert.ok(!got.stdout.includes('\u001b['), 'no terminal control codes when not a terminal');
  });

  it('exits 1 on a failure, saying why', async () => {
    await applyYaml(ns.kc, deployment('nowhere', 'nodeSelector: { aviary.dev/no-such-node: "true" }'), ns.name);
    const got = await cli(['deploy/nowhere', '-n', ns.name, '--unschedulable-grace', '1s']);
    expectCode(got, 1);
    assert.match(got.stdout, /deploy\/nowhere ✖ failed after .*Unschedulable/);
  });

  it('exits 2 on timeout, saying what it was waiting for', async () => {
    await applyYaml(ns.kc, deployment('slow', 'nodeSelector: { aviary.dev/no-such-node: "true" }'), ns.name);
    const got = await cli(['deploy/slow', '-n', ns.name, '--timeout', '6s', '--unschedulable-grace', '10m']);
    expectCode(got, 2);
    assert.match(got.stdout, /Result: timeout — timed out after 6\.0s: still waiting for deploy\/slow \(.*(available 0\/2|observe generation)/);
  });

  it('exits 3 on a pause with --fail-on-pause, and waits without it', async () => {
    await applyYaml(ns.kc, deployment('held', '', 'paused: true'), ns.name);
    expectCode(await cli(['deploy/held', '-n', ns.name, '--fail-on-pause']), 3);
    const waiting = await cli(['deploy/held', '-n', ns.name, '--timeout', '5s']);
    expectCode(waiting, 2);
    assert.match(waiting.stdout, /deploy\/held ⏸ paused: the Deployment is paused/);
  });

  it('exits 4 when a resource or its kind is not there', async () => {
    const missing = await cli(['deploy/missing', '-n', ns.name]);
    expectCode(missing, 4);
    assert.match(missing.stderr, /Deployment "missing" not found in namespace/);
    const kind = await cli(['gizmos.nowhere.example.com/x', '-n', ns.name]);
    expectCode(kind, 4);
    assert.match(kind.stderr, /no resource type "gizmos.nowhere.example.com"/);
  });

  it('exits 64 on usage and configuration errors', async () => {
    expectCode(await cli(['deploy', '-n', ns.name]), 64);
    expectCode(await cli(['deploy/api', '-o', 'yaml', '-n', ns.name]), 64);
    expectCode(await cli(['deploy/api', '--timeout', 'soon', '-n', ns.name]), 64);
    const rules = join(dir, 'bad-rules.yaml');
    await writeFile(rules, '- kind: Widget\n  ready: [{ path: .status.x }]\n');
    const bad = await cli(['deploy/api', '--rules', rules, '-n', ns.name]);
    expectCode(bad, 64);
    assert.match(bad.stderr, /needs one of equals, in, matches, exists/);
  });

  it('-o json: one event per line, from start to done', async () => {
    const got = await cli(['deploy/api', '-n', ns.name, '-o', 'json', '--timeout', '3m']);
    expectCode(got, 0);
    const events = got.stdout.trim().split('\n').map((line) => JSON.parse(line) as TrackEvent);
    assert.equal(events[0]?.type, 'start');
    const done = events.at(-1);
    assert.ok(done?.type === 'done', 'the last event is done');
    assert.equal(done.result.outcome, 'ready');
    for (const e of events) assert.match(e.time, /^\d{4}-\d\d-\d\dT/);
    const resolved = events.find((e) => e.type === 'resolved');
    assert.deepEqual(resolved?.type === 'resolved' ? [resolved.resource, resolved.kind, resolved.namespace] : [], ['deploy/api', 'Deployment', ns.name]);
    assert.ok(events.some((e) => e.type === 'status' && e.state === 'ready'));
  });
});
