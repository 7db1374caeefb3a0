import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredPod, diffListeners, imageVersion, slimPod, type DesiredPod, type LabContainer, type LabPod } from './desired.ts';
import { defaultKnobs } from './knobs.ts';

function pod(options: { containers?: LabContainer[]; phase?: string; ip?: string; labels?: Record<string, string>; hostNetwork?: boolean } = {}): LabPod {
  return {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', labels: options.labels ?? { app: 'web' } },
    spec: {
      nodeName: 'kwok-1',
      containers: options.containers ?? [{ name: 'app', image: 'lab/echo:v1' }],
      ...(options.hostNetwork === true ? { hostNetwork: true } : {}),
    },
    status: { phase: options.phase ?? 'Running', ...(options.ip === '' ? {} : { podIP: options.ip ?? '10.244.0.7' }) },
  };
}

describe('desiredPod', () => {
  it('serves a Running pod on 8080 as itself when no port is declared', () => {
    const plan = desiredPod(pod({ labels: { app: 'web', 'rollouts-pod-template-hash': 'abc', 'pod-template-hash': 'zzz' } }));
    assert.deepEqual(plan, {
      desired: {
        key: 'shop/web-1',
        uid: 'u1',
        ip: '10.244.0.7',
        ports: [8080],
        identity: {
          pod: 'web-1',
          namespace: 'shop',
          node: 'kwok-1',
          image: 'lab/echo:v1',
          version: 'v1',
          podTemplateHash: 'abc',
          labels: { app: 'web', 'rollouts-pod-template-hash': 'abc', 'pod-template-hash': 'zzz' },
        },
        knobs: defaultKnobs,
        problems: [],
      },
      problems: [],
    });
  });

  it('takes the Deployment hash when there is no Rollout hash', () => {
    assert.equal(desiredPod(pod({ labels: { 'pod-template-hash': '5d8f' } })).desired?.identity.podTemplateHash, '5d8f');
    assert.equal(desiredPod(pod({ labels: {} })).desired?.identity.podTemplateHash, '');
  });

  const portCases: { name: string; containers: LabContainer[]; ports: number[] | undefined; problems: string[] }[] = [
    {
      name: 'every TCP port of every container, sorted and once',
      containers: [
        { name: 'app', ports: [{ containerPort: 9000 }, { containerPort: 8080, protocol: 'TCP' }] },
        { name: 'sidecar', ports: [{ containerPort: 9000 }, { containerPort: 15090 }] },
      ],
      ports: [8080, 9000, 15090],
      problems: [],
    },
    {
      name: 'a UDP port is named and skipped',
      containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 8053 }] }],
      ports: [8053],
      problems: ['port 53/UDP of container dns: only TCP is served; skipped'],
    },
    {
      name: 'only SCTP ports: nothing to serve, and no default either',
      containers: [{ name: 'x', ports: [{ containerPort: 3868, protocol: 'SCTP' }] }],
      ports: undefined,
      problems: ['port 3868/SCTP of container x: only TCP is served; skipped'],
    },
    {
      name: 'a port number out of range',
      containers: [{ name: 'app', ports: [{ containerPort: 70000 }, { containerPort: 80 }] }],
      ports: [80],
      problems: ['port 70000 of container app: not a port number; skipped'],
    },
    {
      name: 'knob problems come from the first container',
      containers: [
        { name: 'app', env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: 'abc' }] },
        { name: 'sidecar', env: [{ name: 'AVIARY_LAB_STATUS', value: 'nope' }] },
      ],
      ports: [8080],
      problems: ['AVIARY_LAB_ERROR_RATIO="abc": not a number between 0 and 1'],
    },
  ];
  for (const c of portCases) it(`ports: ${c.name}`, () => {
    const plan = desiredPod(pod({ containers: c.containers }));
    assert.deepEqual(plan.desired?.ports, c.ports);
    assert.deepEqual(plan.problems, c.problems);
    if (plan.desired === undefined) assert.equal(plan.reason, 'no TCP port to serve');
  });

  it('reads knobs from the first container', () => {
    const plan = desiredPod(pod({ containers: [{ name: 'app', env: [{ name: 'AVIARY_LAB_STATUS', value: '503' }, { name: 'AVIARY_LAB_LATENCY', value: '50ms' }] }] }));
    assert.deepEqual(plan.desired?.knobs, { ...defaultKnobs, status: 503, latencyMs: 50 });
  });

  const notServed: { name: string; pod: LabPod; reason: string; problems: string[] }[] = [
    { name: 'Pending', pod: pod({ phase: 'Pending' }), reason: 'phase Pending, not Running', problems: [] },
    { name: 'Succeeded', pod: pod({ phase: 'Succeeded' }), reason: 'phase Succeeded, not Running', problems: [] },
    { name: 'no status', pod: { metadata: { name: 'x', namespace: 'y' } }, reason: 'phase Unknown, not Running', problems: [] },
    { name: 'host network', pod: pod({ hostNetwork: true }), reason: 'host network', problems: [] },
    {
      name: 'Running without an IP',
      pod: pod({ ip: '' }),
      reason: 'no pod IP',
      problems: ['Running without a pod IP: nothing to listen on until status.podIP is set'],
    },
  ];
  for (const c of notServed) it(`not served: ${c.name}`, () => {
    const plan = desiredPod(c.pod);
    assert.ok(plan.desired === undefined);
    assert.deepEqual(plan.problems, c.problems);
    assert.equal(plan.reason, c.reason);
  });

  it('keeps serving a terminating pod: deletion is not the end of its grace period', () => {
    const terminating = pod();
    terminating.metadata = { ...terminating.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
    assert.deepEqual(desiredPod(terminating).desired?.ports, [8080]);
  });
});

describe('imageVersion', () => {
  const cases: [string, string][] = [
    ['lab/echo:v2', 'v2'],
    ['nginx', 'latest'],
    ['registry.local:5000/team/app', 'latest'],
    ['registry.local:5000/team/app:1.2.3', '1.2.3'],
    ['app@sha256:0123abcd', 'sha256:0123abcd'],
    ['app:v3@sha256:0123abcd', 'v3'],
    ['registry.local:5000/app@sha256:ff', 'sha256:ff'],
    ['', 'latest'],
    ['app:', 'latest'],
  ];
  for (const [image, version] of cases) it(`${JSON.stringify(image)} → ${version}`, () => {
    assert.equal(imageVersion(image), version);
  });
});

describe('slimPod', () => {
  it('keeps what planning reads, and only the first container\'s knobs', () => {
    const full = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '42', labels: { app: 'web' },
        annotations: { big: 'x'.repeat(1000) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'r1' }],
      },
      spec: {
        nodeName: 'kwok-1',
        volumes: [{ name: 'v' }],
        containers: [
          {
            name: 'app', image: 'lab/echo:v1', resources: { limits: { cpu: '1' } },
            ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 53, protocol: 'UDP' }],
            env: [{ name: 'PATH', value: '/bin' }, { name: 'AVIARY_LAB_STATUS', value: '503' }, { name: 'AVIARY_LAB_BODY', valueFrom: { fieldRef: { fieldPath: 'x' } } }],
          },
          { name: 'side', image: 'side:1', env: [{ name: 'AVIARY_LAB_STATUS', value: '500' }] },
        ],
      },
      status: { phase: 'Running', podIP: '10.244.0.7', conditions: [{ type: 'Ready', status: 'True' }] },
    } as LabPod;
    assert.deepEqual(slimPod(full), {
      metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '42', labels: { app: 'web' } },
      spec: {
        nodeName: 'kwok-1',
        containers: [
          {
            name: 'app', image: 'lab/echo:v1', ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }],
            env: [{ name: 'AVIARY_LAB_STATUS', value: '503' }, { name: 'AVIARY_LAB_BODY', valueFrom: {} }],
          },
          { name: 'side', image: 'side:1' },
        ],
      },
      status: { phase: 'Running', podIP: '10.244.0.7' },
    });
    // The slim pod plans exactly as the full one.
    assert.deepEqual(desiredPod(slimPod(full)), desiredPod(full));
  });
});

function served(overrides: Partial<DesiredPod> = {}): DesiredPod {
  const plan = desiredPod(pod());
  assert.ok(plan.desired);
  return { ...plan.desired, ...overrides };
}

describe('diffListeners', () => {
  const a = served();
  const cases: { name: string; current: DesiredPod[]; desired: DesiredPod[]; open: string[]; close: string[]; update: string[] }[] = [
    { name: 'nothing to do', current: [], desired: [], open: [], close: [], update: [] },
    { name: 'a new pod opens its ports', current: [], desired: [served({ ports: [8080, 9000] })], open: ['u1 10.244.0.7:8080', 'u1 10.244.0.7:9000'], close: [], update: [] },
    { name: 'a pod that is gone closes its ports', current: [served({ ports: [8080, 9000] })], desired: [], open: [], close: ['u1 10.244.0.7:8080', 'u1 10.244.0.7:9000'], update: [] },
    { name: 'unchanged: nothing', current: [a], desired: [served()], open: [], close: [], update: [] },
    {
      name: 'new knobs keep the socket',
      current: [a],
      desired: [served({ knobs: { ...defaultKnobs, errorRatio: 0.5 } })],
      open: [], close: [], update: ['u1'],
    },
    {
      name: 'new labels keep the socket',
      current: [a],
      desired: [served({ identity: { ...a.identity, labels: { app: 'web', tier: 'front' } } })],
      open: [], close: [], update: ['u1'],
    },
    {
      name: 'a changed port list opens and closes only the difference',
      current: [served({ ports: [8080, 9000] })],
      desired: [served({ ports: [8080, 9100] })],
      open: ['u1 10.244.0.7:9100'], close: ['u1 10.244.0.7:9000'], update: [],
    },
    {
      name: 'a new pod under the same name (new uid) replaces the old one',
      current: [a],
      desired: [served({ uid: 'u2', ip: '10.244.0.9' })],
      open: ['u2 10.244.0.9:8080'], close: ['u1 10.244.0.7:8080'], update: [],
    },
    {
      name: 'a new pod on the same address still closes the old one first',
      current: [a],
      desired: [served({ uid: 'u2' })],
      open: ['u2 10.244.0.7:8080'], close: ['u1 10.244.0.7:8080'], update: [],
    },
    {
      name: 'pods are matched by key',
      current: [a, served({ key: 'shop/web-2', uid: 'w2', ip: '10.244.0.8' })],
      desired: [served(), served({ key: 'shop/web-3', uid: 'w3', ip: '10.244.0.10' })],
      open: ['w3 10.244.0.10:8080'], close: ['w2 10.244.0.8:8080'], update: [],
    },
  ];
  for (const c of cases) it(c.name, () => {
    const diff = diffListeners(c.current, c.desired);
    assert.deepEqual(diff.open.map((o) => `${o.pod.uid} ${o.address.ip}:${String(o.address.port)}`), c.open);
    assert.deepEqual(diff.close.map((o) => `${o.uid} ${o.address.ip}:${String(o.address.port)}`), c.close);
    assert.deepEqual(diff.update.map((p) => p.uid), c.update);
  });
});
