import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultKnobs, readKnobs, type EnvVar, type Knobs } from './knobs.ts';

describe('readKnobs', () => {
  const cases: { name: string; env: EnvVar[] | undefined; knobs: Partial<Knobs>; problems?: string[] }[] = [
    { name: 'no env: defaults', env: undefined, knobs: {} },
    { name: 'other variables are not knobs', env: [{ name: 'PORT', value: '9000' }, { name: 'AVIARY_LAB_UNKNOWN', value: 'x' }], knobs: {} },
    { name: 'error ratio', env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '0.25' }], knobs: { errorRatio: 0.25 } },
    { name: 'error ratio bounds', env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '1' }], knobs: { errorRatio: 1 } },
    { name: 'error ratio 0', env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '0' }], knobs: { errorRatio: 0 } },
    {
      name: 'error ratio not a number',
      env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: 'abc' }],
      knobs: {},
      problems: ['AVIARY_LAB_ERROR_RATIO="abc": not a number between 0 and 1'],
    },
    {
      name: 'error ratio above 1',
      env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '1.5' }],
      knobs: {},
      problems: ['AVIARY_LAB_ERROR_RATIO="1.5": not a number between 0 and 1'],
    },
    {
      name: 'error ratio empty',
      env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '' }],
      knobs: {},
      problems: ['AVIARY_LAB_ERROR_RATIO="": not a number between 0 and 1'],
    },
    { name: 'latency in the duration grammar', env: [{ name: 'AVIARY_LAB_LATENCY', value: '200ms' }], knobs: { latencyMs: 200 } },
    { name: 'latency in bare seconds', env: [{ name: 'AVIARY_LAB_LATENCY', value: '2' }], knobs: { latencyMs: 2000 } },
    {
      name: 'latency that is no duration',
      env: [{ name: 'AVIARY_LAB_LATENCY', value: 'fast' }],
      knobs: {},
      problems: ['AVIARY_LAB_LATENCY="fast": not a duration (use e.g. 200ms, 1s, 1m30s)'],
    },
    { name: 'status', env: [{ name: 'AVIARY_LAB_STATUS', value: '503' }], knobs: { status: 503 } },
    {
      name: 'status out of range',
      env: [{ name: 'AVIARY_LAB_STATUS', value: '600' }],
      knobs: {},
      problems: ['AVIARY_LAB_STATUS="600": not an HTTP status code between 200 and 599'],
    },
    {
      name: 'an interim status is no answer',
      env: [{ name: 'AVIARY_LAB_STATUS', value: '100' }],
      knobs: {},
      problems: ['AVIARY_LAB_STATUS="100": not an HTTP status code between 200 and 599'],
    },
    {
      name: 'status with a fraction',
      env: [{ name: 'AVIARY_LAB_STATUS', value: '200.5' }],
      knobs: {},
      problems: ['AVIARY_LAB_STATUS="200.5": not an HTTP status code between 200 and 599'],
    },
    { name: 'body', env: [{ name: 'AVIARY_LAB_BODY', value: 'hello' }], knobs: { body: 'hello' } },
    { name: 'an empty body is a body', env: [{ name: 'AVIARY_LAB_BODY', value: '' }], knobs: { body: '' } },
    { name: 'the last of two entries wins, as in Kubernetes', env: [{ name: 'AVIARY_LAB_STATUS', value: '404' }, { name: 'AVIARY_LAB_STATUS', value: '502' }], knobs: { status: 502 } },
    {
      name: 'valueFrom cannot be read',
      env: [{ name: 'AVIARY_LAB_LATENCY', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
      knobs: {},
      problems: ['AVIARY_LAB_LATENCY: only a literal value is read (valueFrom cannot be resolved by the lab); ignored'],
    },
    {
      name: 'a bad knob does not spoil the good ones',
      env: [{ name: 'AVIARY_LAB_ERROR_RATIO', value: '-1' }, { name: 'AVIARY_LAB_LATENCY', value: '1s' }, { name: 'AVIARY_LAB_STATUS', value: 'ok' }],
      knobs: { latencyMs: 1000 },
      problems: ['AVIARY_LAB_ERROR_RATIO="-1": not a number between 0 and 1', 'AVIARY_LAB_STATUS="ok": not an HTTP status code between 200 and 599'],
    },
  ];
  for (const c of cases) it(c.name, () => {
    const result = readKnobs(c.env);
    assert.deepEqual(result.knobs, { ...defaultKnobs, ...c.knobs });
    assert.deepEqual(result.problems, c.problems ?? []);
  });
});
