import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedFailures, AnnotationError, defaultSettings, settingsFromAnnotations } from './annotations.ts';

describe('settingsFromAnnotations', () => {
  it('keeps the defaults without annotations', () => {
    assert.deepEqual(settingsFromAnnotations(undefined), defaultSettings);
    assert.deepEqual(settingsFromAnnotations({ 'app.kubernetes.io/name': 'x' }), defaultSettings);
  });

  it('reads werf\'s annotations with their values', () => {
    const s = settingsFromAnnotations({
      'werf.io/fail-mode': 'HopeUntilEndOfDeployProcess',
      'werf.io/track-termination-mode': 'NonBlocking',
      'werf.io/failures-allowed-per-replica': '2',
      'werf.io/no-activity-timeout': '90s',
      'werf.io/skip-logs': 'true',
      'werf.io/skip-logs-for-containers': 'istio-proxy, linkerd-proxy',
      'werf.io/show-logs-only-for-containers': 'app',
      'werf.io/log-regex': 'ERROR|WARN',
      'werf.io/log-regex-for-app': '^level=error',
      'werf.io/ignore-readiness-probe-fails-for-app': '2m',
      'werf.io/show-service-messages': 'false',
    });
    assert.equal(s.failMode, 'hope');
    assert.equal(s.terminationMode, 'non-blocking');
    assert.equal(s.failuresAllowedPerReplica, 2);
    assert.equal(s.noActivityTimeoutMs, 90_000);
    assert.equal(s.skipLogs, true);
    assert.deepEqual(s.skipLogsForContainers, ['istio-proxy', 'linkerd-proxy']);
    assert.deepEqual(s.showLogsOnlyForContainers, ['app']);
    assert.equal(s.logRegex?.source, 'ERROR|WARN');
    assert.equal(s.logRegexByContainer.app?.source, '^level=error');
    assert.deepEqual(s.readinessWindowMs, { app: 120_000 });
    assert.equal(s.showServiceMessages, false);
  });

  it('lets Aviary\'s annotations win over werf\'s', () => {
    const s = settingsFromAnnotations({ 'werf.io/fail-mode': 'IgnoreAndContinueDeployProcess', 'aviary.dev/track-fail-mode': 'fail-fast', 'aviary.dev/track-termination-mode': 'non-blocking' });
    assert.equal(s.failMode, 'fail-fast');
    assert.equal(s.terminationMode, 'non-blocking');
  });

  it('rejects invalid values, naming the annotation', () => {
    assert.throws(() => settingsFromAnnotations({ 'werf.io/fail-mode': 'sometimes' }), /werf.io\/fail-mode: unknown fail mode "sometimes"/);
    assert.throws(() => settingsFromAnnotations({ 'werf.io/failures-allowed-per-replica': '-1' }), AnnotationError);
    assert.throws(() => settingsFromAnnotations({ 'aviary.dev/track-no-activity-timeout': 'soon' }), /invalid duration/);
    assert.throws(() => settingsFromAnnotations({ 'werf.io/log-regex': '(' }), /invalid regular expression/);
  });

  it('does not share mutable defaults between resources', () => {
    const a = settingsFromAnnotations({ 'werf.io/log-regex-for-x': 'a' });
    assert.deepEqual(defaultSettings.logRegexByContainer, {});
    assert.ok(a.logRegexByContainer.x);
  });
});

describe('allowedFailures', () => {
  it('scales with replicas', () => {
    assert.equal(allowedFailures({ ...defaultSettings, failuresAllowedPerReplica: 1 }, 3), 3);
    assert.equal(allowedFailures({ ...defaultSettings, failuresAllowedPerReplica: 1 }, 0), 1);
    assert.equal(allowedFailures(defaultSettings, 5), 0);
  });
});
