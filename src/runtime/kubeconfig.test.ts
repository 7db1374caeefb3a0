import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KubeconfigError, loadKubeConnection } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'aviary-kubeconfig-'));
let seq = 0;

function file(content: unknown, name = `config-${String(seq++)}`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

function config(options: { current?: string; clusters?: object[]; users?: object[]; contexts?: object[] }): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...(options.current === undefined ? {} : { 'current-context': options.current }),
    clusters: options.clusters ?? [],
    users: options.users ?? [],
    contexts: options.contexts ?? [],
  };
}

const cluster = (name: string, extra: object = {}): object => ({ name, cluster: { server: `https://${name}.example:6443`, ...extra } });
const context = (name: string, c: string, u?: string, namespace?: string): object => ({ name, context: { cluster: c, ...(u === undefined ? {} : { user: u }), ...(namespace === undefined ? {} : { namespace }) } });
const noEnv = { HOME: join(dir, 'no-home') };

describe('loadKubeConnection', () => {
  it('reads server, namespace, CA data, client certificate files relative to the kubeconfig, and a token', async () => {
    writeFileSync(join(dir, 'client.crt'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const path = file(config({
      current: 'dev',
      clusters: [cluster('one', { 'certificate-authority-data': Buffer.from('CA').toString('base64'), 'tls-server-name': 'kube' })],
      users: [{ name: 'me', user: { 'client-certificate': 'client.crt', 'client-key': 'client.key', token: 't0k3n' } }],
      contexts: [context('dev', 'one', 'me', 'team')],
    }));
    const connection = loadKubeConnection({ kubeconfig: path, env: noEnv });
    assert.equal(connection.server, 'https://one.example:6443');
    assert.equal(connection.namespace, 'team');
    assert.equal(connection.context, 'dev');
    const options = await connection.requestOptions();
    assert.equal(options.ca?.toString(), 'CA');
    assert.equal(options.cert?.toString(), 'CERT');
    assert.equal(options.key?.toString(), 'KEY');
    assert.equal(options.servername, 'kube');
    assert.deepEqual(options.headers, { authorization: 'Bearer t0k3n' });
  });

  it('uses basic auth and insecure-skip-tls-verify, and "default" when the context names no namespace', async () => {
    const path = file(config({
      current: 'c',
      clusters: [cluster('x', { 'insecure-skip-tls-verify': true })],
      users: [{ name: 'u', user: { username: 'ann', password: 'pw' } }],
      contexts: [context('c', 'x', 'u')],
    }));
    const connection = loadKubeConnection({ kubeconfig: path, env: noEnv });
    assert.equal(connection.namespace, 'default');
    const options = await connection.requestOptions();
    assert.equal(options.rejectUnauthorized, false);
    assert.deepEqual(options.headers, { authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` });
  });

  it('merges $KUBECONFIG files: the first file to define a name or current-context wins; missing files are skipped', () => {
    const first = file(config({ current: 'a', clusters: [cluster('shared')], contexts: [context('a', 'shared')] }));
    const second = file(config({
      current: 'b',
      clusters: [{ name: 'shared', cluster: { server: 'https://ignored:1' } }, cluster('other')],
      contexts: [context('b', 'other')],
    }));
    const env = { ...noEnv, KUBECONFIG: [join(dir, 'absent'), first, second].join(':') };
    assert.equal(loadKubeConnection({ env }).server, 'https://shared.example:6443');
    assert.equal(loadKubeConnection({ env, context: 'b' }).server, 'https://other.example:6443');
  });

  it('rereads a token file, so rotated tokens are picked up', async () => {
    const tokenFile = join(dir, 'token-file');
    writeFileSync(tokenFile, 'first\n');
    const path = file(config({ current: 'c', clusters: [cluster('x')], users: [{ name: 'u', user: { tokenFile: 'token-file' } }], contexts: [context('c', 'x', 'u')] }));
    const options = await loadKubeConnection({ kubeconfig: path, env: noEnv }).requestOptions();
    assert.deepEqual(options.headers, { authorization: 'Bearer first' });
  });

  it('falls back to the in-cluster service account when there is no kubeconfig', async () => {
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'namespace'), 'aviary-system');
    writeFileSync(join(sa, 'ca.crt'), 'CLUSTER-CA');
    const env = { ...noEnv, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const connection = loadKubeConnection({ env, serviceAccountDir: sa });
    assert.equal(connection.server, 'https://10.0.0.1:443');
    assert.equal(connection.namespace, 'aviary-system');
    const options = await connection.requestOptions();
    assert.equal(options.ca?.toString(), 'CLUSTER-CA');
    assert.deepEqual(options.headers, { authorization: 'Bearer sa-token' });
  });

  const errors: { name: string; kubeconfig: () => string; context?: string; message: RegExp }[] = [
    { name: 'an unknown --context', kubeconfig: () => file(config({ current: 'a', clusters: [cluster('x')], contexts: [context('a', 'x')] })), context: 'nope', message: /--context: no context named "nope" in .* \(have: a\)/ },
    { name: 'no current-context', kubeconfig: () => file(config({ clusters: [cluster('x')], contexts: [context('a', 'x')] })), message: /has no current-context; pass --context \(have: a\)/ },
    { name: 'a context naming an undefined cluster', kubeconfig: () => file(config({ current: 'a', contexts: [context('a', 'gone')] })), message: /refers to cluster "gone"/ },
    { name: 'a context naming an undefined user', kubeconfig: () => file(config({ current: 'a', clusters: [cluster('x')], contexts: [context('a', 'x', 'ghost')] })), message: /refers to user "ghost"/ },
    { name: 'a cluster without server', kubeconfig: () => file(config({ current: 'a', clusters: [{ name: 'x', cluster: {} }], contexts: [context('a', 'x')] })), message: /cluster "x" .* has no server/ },
    { name: 'a missing certificate file', kubeconfig: () => file(config({ current: 'a', clusters: [cluster('x', { 'certificate-authority': 'missing-ca.crt' })], contexts: [context('a', 'x')] })), message: /certificate-authority: cannot read .*missing-ca\.crt/ },
    { name: 'invalid YAML', kubeconfig: () => file('clusters: [\n'), message: /is not valid YAML/ },
    { name: 'clusters that are not a list', kubeconfig: () => file({ clusters: { a: 1 } }), message: /clusters must be a list/ },
    { name: 'an unreadable --kubeconfig', kubeconfig: () => join(dir, 'does-not-exist'), message: /cannot read kubeconfig .*does-not-exist/ },
  ];
  for (const { name, kubeconfig, context: ctx, message } of errors) {
    it(`explains ${name}`, () => {
      assert.throws(() => loadKubeConnection({ kubeconfig: kubeconfig(), env: noEnv, ...(ctx === undefined ? {} : { context: ctx }) }), (error: unknown) => error instanceof KubeconfigError && message.test(error.message));
    });
  }

  it('explains that there is no kubeconfig at all outside a cluster', () => {
    assert.throws(() => loadKubeConnection({ env: noEnv }), /no kubeconfig found: pass --kubeconfig, set KUBECONFIG/);
  });
});
