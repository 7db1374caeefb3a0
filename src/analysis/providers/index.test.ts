import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricProviderKeys } from '../../api/metric-provider.ts';
import { knownProviders, providerFor, ProviderConfigError } from './index.ts';

const expectConfigError = (fn: () => unknown, field: string, message: RegExp): void => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProviderConfigError);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
};

describe('providerFor', () => {
  it('picks the single provider set and hands back its configuration', () => {
    const config = { address: 'http://p', query: 'up' };
    const { provider, config: picked } = providerFor({ prometheus: config });
    assert.equal(provider.type, 'prometheus');
    assert.equal(picked, config);
  });

  it('ignores keys set to null (the API server prunes them)', () => {
    assert.equal(providerFor({ prometheus: { query: 'up' }, web: null }).provider.type, 'prometheus');
  });

  it('requires exactly one provider', () => {
    expectConfigError(() => providerFor({}), 'provider', /^provider: metric provider must set exactly one of prometheus.* \(none is set\)$/);
    expectConfigError(() => providerFor(undefined), 'provider', /none is set/);
    expectConfigError(() => providerFor({ prometheus: {}, web: {} }), 'provider', /exactly one of .*\(found prometheus, web\)/);
  });

  it('names unknown and unsupported providers', () => {
    expectConfigError(() => providerFor({ stackdriver: {} }), 'provider.stackdriver', /unknown metric provider "stackdriver" \(known: prometheus/);
    expectConfigError(() => providerFor({ plugin: { 'argoproj-labs/x': {} } }), 'provider.plugin', /metric provider "plugin" is not supported: .*go-plugin/);
  });

  it('runs every provider of the API but plugin, in API order, each under its own key', () => {
    assert.deepEqual(knownProviders, metricProviderKeys.filter((key) => key !== 'plugin'));
    for (const key of knownProviders) assert.equal(providerFor({ [key]: {} }).provider.type, key);
  });
});
