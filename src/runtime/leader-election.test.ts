import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideLease, leaseExpiry, releasedSpec, type Lease, type LeaseDecision, type LeaseSpec } from './leader-election.ts';

const now = Date.UTC(2026, 10, 23, 8, 0, 30, 250);
const nowText = '2026-11-23T08:00:30.250000Z';

function lease(spec: LeaseSpec): Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'aviary', namespace: 'ns', resourceVersion: '42' }, spec };
}

interface Row {
  name: string;
  lease: Lease | undefined;
  identity?: string;
  want: LeaseDecision;
}

const rows: Row[] = [
  {
    name: 'no Lease: create it, holding it, with zero transitions',
    lease: undefined,
    want: {
      action: 'create',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 0 },
    },
  },
  {
    name: 'we hold it: renew, keeping acquireTime and transitions',
    lease: lease({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-11-23T07:00:00.000000Z', renewTime: '2026-11-23T08:00:28.000000Z', leaseTransitions: 3 }),
    want: {
      action: 'renew',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-11-23T07:00:00.000000Z', renewTime: nowText, leaseTransitions: 3 },
    },
  },
  {
    name: 'we hold it even though it expired (e.g. after our own restart): renew',
    lease: lease({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-11-23T07:00:00.000000Z', renewTime: '2026-11-23T07:00:00.000000Z', leaseTransitions: 1 }),
    want: {
      action: 'renew',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-11-23T07:00:00.000000Z', renewTime: nowText, leaseTransitions: 1 },
    },
  },
  {
    name: 'another holder, renewed 5 s ago: wait until renewTime + duration',
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: '2026-11-23T08:00:25.250000Z', leaseTransitions: 2 }),
    want: { action: 'wait', holder: 'other', expiresAt: Date.UTC(2026, 10, 23, 8, 0, 40, 250) },
  },
  {
    name: 'another holder, exactly at expiry: still valid (expired means renewTime + duration < now)',
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: '2026-11-23T08:00:15.250000Z', leaseTransitions: 2 }),
    want: { action: 'wait', holder: 'other', expiresAt: now },
  },
  {
    name: 'another holder, expired by one microsecond: take over and count a transition',
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: '2026-11-23T07:00:00.000000Z', renewTime: '2026-11-23T08:00:15.249999Z', leaseTransitions: 2 }),
    want: {
      action: 'takeover',
      previousHolder: 'other',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 3 },
    },
  },
  {
    name: "the holder's own duration decides its expiry",
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 60, renewTime: '2026-11-23T08:00:00.000000Z', leaseTransitions: 0 }),
    want: { action: 'wait', holder: 'other', expiresAt: Date.UTC(2026, 10, 23, 8, 1, 0) },
  },
  {
    name: 'a released Lease (no holder) is taken over at once',
    lease: lease({ leaseDurationSeconds: 1, renewTime: nowText, acquireTime: nowText, leaseTransitions: 4 }),
    want: {
      action: 'takeover',
      previousHolder: undefined,
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 5 },
    },
  },
  {
    name: 'an empty holder string counts as released',
    lease: lease({ holderIdentity: '', leaseDurationSeconds: 15, renewTime: nowText }),
    want: {
      action: 'takeover',
      previousHolder: undefined,
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 1 },
    },
  },
  {
    name: 'a Lease without spec (created empty by someone) is taken over',
    lease: { metadata: { name: 'aviary', namespace: 'ns', resourceVersion: '1' } },
    want: {
      action: 'takeover',
      previousHolder: undefined,
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 1 },
    },
  },
  {
    name: 'a holder without renewTime falls back to acquireTime',
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: '2026-11-23T08:00:20.000000Z' }),
    want: { action: 'wait', holder: 'other', expiresAt: Date.UTC(2026, 10, 23, 8, 0, 35) },
  },
  {
    name: 'a holder with no valid time at all is treated as expired',
    lease: lease({ holderIdentity: 'other', renewTime: 'yesterday' }),
    want: {
      action: 'takeover',
      previousHolder: 'other',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 1 },
    },
  },
  {
    name: 'a holder without leaseDurationSeconds is judged by our duration',
    lease: lease({ holderIdentity: 'other', renewTime: '2026-11-23T08:00:10.000000Z' }),
    want: {
      action: 'takeover',
      previousHolder: 'other',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: nowText, renewTime: nowText, leaseTransitions: 1 },
    },
  },
  {
    name: 'MicroTime with an offset instead of Z is understood',
    lease: lease({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: '2026-11-23T09:00:25.250000+01:00' }),
    want: { action: 'wait', holder: 'other', expiresAt: Date.UTC(2026, 10, 23, 8, 0, 40, 250) },
  },
];

describe('decideLease', () => {
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(decideLease(row.lease, now, row.identity ?? 'me', 15), row.want);
    });
  }

  it('writes MicroTime with six fractional digits', () => {
    const decision = decideLease(undefined, Date.UTC(2026, 10, 23, 8, 0, 0, 123) + 0.456, 'me', 15);
    assert.ok(decision.action === 'create');
    assert.equal(decision.spec.renewTime, '2026-11-23T08:00:00.123456Z');
  });
});

describe('releasedSpec', () => {
  it('clears the holder, keeps the transitions and shortens the duration to 1 s', () => {
    assert.deepEqual(releasedSpec({ holderIdentity: 'me', leaseTransitions: 7, leaseDurationSeconds: 15 }, now), {
      leaseDurationSeconds: 1,
      acquireTime: nowText,
      renewTime: nowText,
      leaseTransitions: 7,
    });
  });

  it('a released Lease is free for anyone right away', () => {
    const released = lease(releasedSpec({ holderIdentity: 'me', leaseTransitions: 1 }, now));
    assert.equal(decideLease(released, now, 'other', 15).action, 'takeover');
  });
});

describe('leaseExpiry', () => {
  it('is renewTime + leaseDurationSeconds', () => {
    assert.equal(leaseExpiry({ renewTime: '2026-11-23T08:00:00.500000Z', leaseDurationSeconds: 10 }, 15), Date.UTC(2026, 10, 23, 8, 0, 10, 500));
  });
});
