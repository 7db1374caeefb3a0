import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSettings } from './annotations.ts';
import { LastLines, LineBuffer, lineFilter, logPrefix, showLogsFor } from './logs.ts';

describe('LineBuffer', () => {
  it('splits chunks into lines and keeps a partial line for later', () => {
    const b = new LineBuffer();
    assert.deepEqual(b.push('one\ntw'), ['one']);
    assert.deepEqual(b.push('o\r\nthree\n\nfo'), ['two', 'three', '']);
    assert.deepEqual(b.flush(), ['fo']);
    assert.deepEqual(b.flush(), []);
  });
});

describe('log filters', () => {
  it('applies the per-container regex before the resource-wide one', () => {
    const settings = { ...defaultSettings, logRegex: /ERROR/, logRegexByContainer: { sidecar: /^panic/ } };
    const app = lineFilter('app', settings);
    const sidecar = lineFilter('sidecar', settings);
    assert.deepEqual(['ERROR db down', 'INFO ok', 'panic: x'].filter(app), ['ERROR db down']);
    assert.deepEqual(['ERROR db down', 'panic: x'].filter(sidecar), ['panic: x']);
    assert.deepEqual(['a', 'b'].filter(lineFilter('app', defaultSettings)), ['a', 'b']);
  });

  it('chooses containers by skip and only-for lists', () => {
    assert.equal(showLogsFor('app', defaultSettings), true);
    assert.equal(showLogsFor('app', { ...defaultSettings, skipLogs: true }), false);
    assert.equal(showLogsFor('istio-proxy', { ...defaultSettings, skipLogsForContainers: ['istio-proxy'] }), false);
    assert.equal(showLogsFor('app', { ...defaultSettings, showLogsOnlyForContainers: ['app'] }), true);
    assert.equal(showLogsFor('init', { ...defaultSettings, showLogsOnlyForContainers: ['app'] }), false);
  });
});

describe('logPrefix', () => {
  it('names resource, pod and container, and marks a crashed run', () => {
    assert.equal(logPrefix('deploy/api', 'api-7d9c-x2', 'web', false), 'deploy/api po/api-7d9c-x2 web |');
    assert.equal(logPrefix('deploy/api', 'api-7d9c-x2', 'web', true), 'deploy/api po/api-7d9c-x2 web (previous run) |');
  });
});

describe('LastLines', () => {
  it('keeps only the newest lines', () => {
    const l = new LastLines(2);
    for (const x of ['a', 'b', 'c']) l.add(x);
    assert.deepEqual(l.get(), ['b', 'c']);
  });
});
