import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedTraffic } from './traffic.ts';

describe('SimulatedTraffic', () => {
  it('grows each version\'s counters with time, failing the share its error ratio says', () => {
    let now = 0;
    let versions = ['aaa'];
    const traffic = new SimulatedTraffic({ rollout: 'web', versions: () => versions, errorRatio: (h) => (h === 'bbb' ? 0.3 : 0), requestsPerSecond: 10, now: () => now });
    now = 2000;
    assert.equal(traffic.render(), [
      '# TYPE demo_http_requests_total counter',
      'demo_http_requests_total{rollout="web",pod_template_hash="aaa",code="200"} 20.000',
      'demo_http_requests_total{rollout="web",pod_template_hash="aaa",code="500"} 0.000',
      '',
    ].join('\n'));
    versions = ['aaa', 'bbb'];
    now = 3000;
    const lines = traffic.render().split('\n');
    assert.deepEqual(lines.slice(1, 5), [
      'demo_http_requests_total{rollout="web",pod_template_hash="aaa",code="200"} 30.000',
      'demo_http_requests_total{rollout="web",pod_template_hash="aaa",code="500"} 0.000',
      'demo_http_requests_total{rollout="web",pod_template_hash="bbb",code="200"} 7.000',
      'demo_http_requests_total{rollout="web",pod_template_hash="bbb",code="500"} 3.000',
    ]);
    // A version that stops serving keeps its last counts (counters never go down).
    versions = ['bbb'];
    now = 4000;
    assert.match(traffic.render(), /pod_template_hash="aaa",code="200"} 30\.000/);
  });
});
