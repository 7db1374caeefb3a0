import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../model.ts';
import { observed } from './fixtures.ts';
import { compileRules, genericFence, genericRule, parseRulesFile, RuleError } from './generic.ts';

const obj = (kind: string, status: unknown, generation = 1, apiVersion = 'example.com/v1'): KObject => ({ apiVersion, kind, metadata: { name: 'x', generation }, status });

describe('genericRule (built-in conventions)', () => {
  const cases: { name: string; o: KObject; state: string; matched?: boolean; text?: RegExp }[] = [
    { name: 'Ready=True', o: obj('Widget', { conditions: [{ type: 'Ready', status: 'True' }] }), state: 'ready' },
    { name: 'Ready=False waits and says why', o: obj('Widget', { conditions: [{ type: 'Ready', status: 'False', reason: 'Provisioning', message: 'disk' }] }), state: 'progressing', text: /Ready=False \(Provisioning: disk\)/ },
    { name: 'Available=True', o: obj('Thing', { conditions: [{ type: 'Available', status: 'True' }] }), state: 'ready' },
    { name: 'Succeeded=True', o: obj('Run', { conditions: [{ type: 'Succeeded', status: 'True' }] }), state: 'ready' },
    { name: 'Stalled=True fails', o: obj('Kustomization', { conditions: [{ type: 'Stalled', status: 'True', reason: 'BuildFailed' }, { type: 'Ready', status: 'False' }] }), state: 'failed', text: /Stalled=True \(BuildFailed\)/ },
    { name: 'Reconciling=True waits even if Ready=True', o: obj('Kustomization', { conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'True' }] }), state: 'progressing' },
    { name: 'observedGeneration behind', o: obj('Widget', { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2), state: 'progressing', text: /observe generation 2/ },
    { name: 'phase Running', o: obj('Widget', { phase: 'Running' }), state: 'ready' },
    { name: 'phase Bound (PVC)', o: obj('PersistentVolumeClaim', { phase: 'Bound' }, 0, 'v1'), state: 'ready' },
    { name: 'phase Failed', o: obj('Widget', { phase: 'Failed' }), state: 'failed' },
    { name: 'phase Pending', o: obj('Widget', { phase: 'Pending' }), state: 'progressing', text: /phase Pending/ },
    { name: 'a ConfigMap is ready by existing', o: obj('ConfigMap', undefined, 0, 'v1'), state: 'ready' },
    { name: 'NO RULE MATCHED: never silently ready', o: obj('Widget', { size: 3 }), state: 'progressing', matched: false, text: /no readiness rule matched/ },
    { name: 'NO RULE MATCHED: no status at all', o: obj('Widget', undefined), state: 'progressing', matched: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = genericRule(observed(c.o), genericFence(c.o), []);
      assert.equal(s.state, c.state);
      assert.equal(s.ruleMatched, c.matched ?? true);
      if (c.text !== undefined) assert.match([...s.reasons, ...s.waitingFor].join('; '), c.text);
    });
  }
});

describe('genericRule (user rules)', () => {
  const rules = parseRulesFile(`
rules:
  - kind: Database
    group: example.com
    ready:
      - condition: Provisioned
      - path: '{.status.endpoint}'
        exists: true
    failed:
      - path: .status.conditions[?(@.type=="Provisioned")].reason
        in: [QuotaExceeded, InvalidConfig]
  - kind: Bucket
    ready:
      - path: .status.state
        matches: '^(READY|ACTIVE)$'
    observedGeneration: false
`);
  const db = (status: unknown): KObject => obj('Database', status);
  const cases: { name: string; o: KObject; state: string; text?: RegExp }[] = [
    { name: 'every ready matcher holds', o: db({ endpoint: 'db:5432', conditions: [{ type: 'Provisioned', status: 'True' }] }), state: 'ready' },
    { name: 'one ready matcher missing', o: db({ conditions: [{ type: 'Provisioned', status: 'True' }] }), state: 'progressing', text: /\{\.status\.endpoint\} exists/ },
    { name: 'a failed matcher holds', o: db({ conditions: [{ type: 'Provisioned', status: 'False', reason: 'QuotaExceeded' }] }), state: 'failed', text: /rule matched: .* in \[QuotaExceeded, InvalidConfig\]/ },
    { name: 'a rule for another group does not apply', o: obj('Database', { phase: 'Running' }, 1, 'other.io/v1'), state: 'ready' },
    { name: 'regex matcher, observedGeneration ignored', o: obj('Bucket', { state: 'ACTIVE', observedGeneration: 1 }, 5), state: 'ready' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = genericRule(observed(c.o), genericFence(c.o), rules);
      assert.equal(s.state, c.state, JSON.stringify(s));
      if (c.text !== undefined) assert.match([...s.reasons, ...s.waitingFor].join('; '), c.text);
    });
  }

  it('rejects bad rules with a message that names the rule', () => {
    assert.throws(() => compileRules([{ kind: '' }]), RuleError);
    assert.throws(() => compileRules([{ kind: 'X' }]), /give "ready" and\/or "failed"/);
    assert.throws(() => compileRules([{ kind: 'X', ready: [{ path: '.status.a' }] }]), /needs one of equals, in, matches, exists/);
    assert.throws(() => compileRules([{ kind: 'X', ready: [{ path: '.status[?(@.a > 1)]', equals: 'x' }] }]), /rule 1 \(X\) ready\[0\]: invalid JSON path/);
    assert.throws(() => parseRulesFile('rules: {}'), /list of rules/);
    assert.throws(() => parseRulesFile('a: [b'), /not valid YAML/);
  });
});
