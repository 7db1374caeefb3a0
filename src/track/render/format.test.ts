import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusEvent, TrackEvent, TrackResult } from '../events.ts';
import { eventLine, noColors, statusLine, summaryText } from './format.ts';
import { fit } from './tty.ts';

const base = { time: '2026-01-01T00:00:00.000Z', resource: 'deploy/api', namespace: 'prod' };

const status: StatusEvent = {
  ...base,
  type: 'status',
  state: 'progressing',
  revision: 'bbb',
  reasons: [],
  waitingFor: ['up-to-date 1/3', 'available 0/3'],
  replicas: { desired: 3, updated: 1, available: 0, old: 3 },
  pods: [
    { name: 'api-aaa-1', revision: 'old', ready: '1/1', restarts: 0, status: 'Running' },
    { name: 'api-bbb-1', revision: 'tracked', ready: '0/1', restarts: 2, status: 'CrashLoopBackOff' },
  ],
};

describe('plain lines', () => {
  it('renders a status change with counts, pods and what it waits for', () => {
    assert.equal(
      statusLine(status, noColors),
      'deploy/api progressing rev bbb · replicas 3 · up-to-date 1 · available 0 · old 3 · pods 0/1 ready, 1 old — waiting for up-to-date 1/3, available 0/3 [po/api-bbb-1 CrashLoopBackOff]',
    );
  });

  const cases: [TrackEvent, string | undefined][] = [
    [{ ...base, type: 'log', pod: 'api-bbb-1', container: 'web', previous: true, line: 'panic: no db' }, 'deploy/api po/api-bbb-1 web (previous run) | panic: no db'],
    [{ ...base, type: 'k8s-event', object: 'po/api-bbb-1', eventType: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 4 }, 'deploy/api event po/api-bbb-1 Warning BackOff: Back-off restarting failed container (x4)'],
    [{ ...base, type: 'failure', object: 'po/api-bbb-1', container: 'web', reason: 'CrashLoopBackOff', message: 'container web: back-off', count: 1, allowed: 3 }, 'deploy/api ERROR po/api-bbb-1: CrashLoopBackOff: container web: back-off (allowed: failure 1 of 3)'],
    [{ ...base, type: 'failure', object: 'po/api-bbb-1', reason: 'CrashLoopBackOff', message: 'container web: back-off', count: 1, allowed: 0 }, 'deploy/api ERROR po/api-bbb-1: CrashLoopBackOff: container web: back-off'],
    [{ ...base, type: 'ready', reasons: [], elapsedMs: 4200 }, 'deploy/api ✔ ready after 4.2s'],
    [{ ...base, type: 'failed', reasons: ['ProgressDeadlineExceeded: timed out'], elapsedMs: 61_000 }, 'deploy/api ✖ failed after 1m01s: ProgressDeadlineExceeded: timed out'],
    [{ ...base, type: 'paused', reasons: ['paused: CanaryPauseStep'], elapsedMs: 1 }, 'deploy/api ⏸ paused: paused: CanaryPauseStep'],
    [{ time: base.time, type: 'notice', level: 'info', resource: 'deploy/api', namespace: 'prod', message: 'logs unavailable: connection refused' }, 'deploy/api note: logs unavailable: connection refused'],
    [{ ...base, type: 'resolved', apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', fence: { generation: 4 }, blocking: true, failMode: 'fail-fast' }, 'deploy/api found in namespace prod; tracking generation 4'],
  ];
  for (const [event, want] of cases) {
    it(event.type, () => {
      assert.equal(eventLine(event, noColors), want);
    });
  }
});

describe('summaryText', () => {
  it('lists what became ready, what failed and why, with the last log lines', () => {
    const result: TrackResult = {
      outcome: 'failed',
      message: 'job/migrate failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      startedAt: base.time,
      durationMs: 12_300,
      resources: [
        { resource: 'deploy/api', namespace: 'prod', kind: 'Deployment', name: 'api', outcome: 'ready', state: 'ready', blocking: true, revision: 'bbb', reasons: [], waitingFor: [], failures: [], logs: [], elapsedMs: 4_200 },
        {
          resource: 'job/migrate', namespace: 'prod', kind: 'Job', name: 'migrate', outcome: 'failed', state: 'failed', blocking: true,
          reasons: ['BackoffLimitExceeded: Job has reached the specified backoff limit'], waitingFor: [],
          failures: [{ object: 'po/migrate-x', reason: 'ErrImagePull', message: 'container m: pull access denied' }],
          logs: [{ pod: 'migrate-x', container: 'm', previous: false, lines: ['connecting', 'error: denied'] }, { pod: 'migrate-y', container: 'm', previous: true, lines: [], unavailable: 'connection refused' }],
          elapsedMs: 9_000,
        },
        { resource: 'sts/db', namespace: 'prod', kind: 'StatefulSet', name: 'db', outcome: 'unfinished', state: 'progressing', blocking: true, reasons: [], waitingFor: ['ready 2/3'], failures: [], logs: [] },
      ],
    };
    assert.equal(summaryText(result, noColors), [
      'Summary (12.3s)',
      '  ✔ deploy/api   ready after 4.2s (revision bbb)',
      '  ✖ job/migrate  failed after 9.0s: BackoffLimitExceeded: Job has reached the specified backoff limit',
      '      po/migrate-x: ErrImagePull: container m: pull access denied',
      '      last log lines of po/migrate-x m:',
      '        | connecting',
      '        | error: denied',
      '      last log lines of po/migrate-y m (previous run): unavailable (connection refused)',
      '  … sts/db       unfinished — waiting for ready 2/3',
      'Result: failed — job/migrate failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    ].join('\n'));
  });
});

describe('fit', () => {
  it('cuts long lines to the terminal width, ignoring colour codes in the count', () => {
    assert.equal(fit('short', 10), 'short');
    assert.equal(fit('\x1b[1mabcdefghij\x1b[22m', 10), '\x1b[1mabcdefghij\x1b[22m');
    assert.equal(fit('abcdefghijk', 5), 'abcd…');
  });
});
