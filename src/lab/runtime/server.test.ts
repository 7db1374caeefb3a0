/**
 * The pod server on loopback addresses standing in for pod IPs (all of 127.0.0.0/8 is local on Linux): each "pod"
 * gets its own 127.0.0.x, as each lab pod gets its own pod IP.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { FakeClock, type Clock, type Timer } from '../../runtime/clock.ts';
import type { PodIdentity } from './desired.ts';
import { defaultKnobs, type Knobs } from './knobs.ts';
import { PodServer, seededRandom, type ServedPod } from './server.ts';

function servedPod(name: string, ip: string, options: { knobs?: Partial<Knobs>; labels?: Record<string, string>; version?: string } = {}): ServedPod {
  const version = options.version ?? 'v1';
  const identity: PodIdentity = {
    pod: name,
    namespace: 'lab',
    node: 'kwok-1',
    image: `lab/echo:${version}`,
    version,
    podTemplateHash: 'h1',
    labels: options.labels ?? { app: name },
  };
  return { key: `lab/${name}`, uid: `uid-${name}`, ip, identity, knobs: { ...defaultKnobs, ...options.knobs } };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(ip: string, port: number, path = '/', agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, agent, headers: { 'x-test': 'yes' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Connects and reports "accepted" or the error code (ECONNREFUSED). */
async function dial(ip: string, port: number): Promise<string> {
  const socket = connect({ host: ip, port });
  try {
    await once(socket, 'connect');
    return 'accepted';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  } finally {
    socket.destroy();
  }
}

/** A FakeClock that tells when a timer is set, so a test knows a request reached the injected-latency wait. */
class WatchedClock implements Clock {
  readonly fake = new FakeClock();
  #waiters: (() => void)[] = [];

  now(): number {
    return this.fake.now();
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer = this.fake.setTimer(callback, delayMs);
    for (const resolve of this.#waiters.splice(0)) resolve();
    return timer;
  }

  nextTimer(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

const servers: PodServer[] = [];
const agents: Agent[] = [];
function podServer(options: ConstructorParameters<typeof PodServer>[0] = {}): PodServer {
  const server = new PodServer(options);
  servers.push(server);
  return server;
}
function keepAlive(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('PodServer', () => {
  it('answers on each pod IP as that pod', async () => {
    const server = podServer();
    const web = servedPod('web-1', '127.0.0.2', { version: 'v1' });
    const api = servedPod('api-1', '127.0.0.3', { version: 'v2' });
    const port = await server.open(web, 0);
    assert.equal(await server.open(api, port), port, 'the same port on another IP, as every pod serves 8080');

    const fromWeb = await get('127.0.0.2', port, '/hello?x=1');
    assert.equal(fromWeb.status, 200);
    assert.equal(fromWeb.headers['aviary-pod'], 'web-1');
    assert.equal(fromWeb.headers['aviary-version'], 'v1');
    assert.equal(fromWeb.headers['content-type'], 'application/json');
    const json = JSON.parse(fromWeb.body) as Record<string, unknown>;
    assert.deepEqual({ ...json, headers: undefined }, {
      pod: 'web-1', namespace: 'lab', node: 'kwok-1', image: 'lab/echo:v1', version: 'v1', podTemplateHash: 'h1',
      path: '/hello?x=1', method: 'GET', headers: undefined,
    });
    assert.equal((json.headers as Record<string, string>)['x-test'], 'yes');

    const fromApi = await get('127.0.0.3', port);
    assert.equal(fromApi.headers['aviary-pod'], 'api-1');
    assert.equal(fromApi.headers['aviary-version'], 'v2');
    assert.equal((JSON.parse(fromApi.body) as { pod: string }).pod, 'api-1');
    assert.equal(server.podsServed(), 2);
    assert.equal(server.listeners(), 2);
  });

  it('applies the knobs: injected errors, status, body; an update reaches kept-alive connections', async () => {
    const server = podServer();
    const pod = servedPod('web-1', '127.0.0.2', { knobs: { errorRatio: 1 } });
    const port = await server.open(pod, 0);
    const agent = keepAlive();
    for (let i = 0; i < 5; i++) {
      const answer = await get('127.0.0.2', port, '/', agent);
      assert.equal(answer.status, 500);
      assert.match(answer.body, /injected error \(AVIARY_LAB_ERROR_RATIO=1\)/);
      assert.equal(answer.headers['aviary-pod'], 'web-1');
    }

    server.update({ ...pod, knobs: { ...defaultKnobs, status: 503 } });
    const unavailable = await get('127.0.0.2', port, '/', agent);
    assert.equal(unavailable.status, 503);
    assert.equal((JSON.parse(unavailable.body) as { pod: string }).pod, 'web-1');

    server.update({ ...pod, knobs: { ...defaultKnobs, body: 'plain text' } });
    const text = await get('127.0.0.2', port, '/', agent);
    assert.equal(text.status, 200);
    assert.equal(text.body, 'plain text');
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');

    server.update({ ...pod, knobs: { ...defaultKnobs, errorRatio: 1, body: 'plain text' } });
    const error = await get('127.0.0.2', port, '/', agent);
    assert.equal(error.status, 500, 'injected errors win over the status and body knobs');
    assert.match(error.body, /"pod":"web-1"/);
  });

  it('holds each answer for the injected latency', async () => {
    const clock = new WatchedClock();
    const server = podServer({ clock });
    const port = await server.open(servedPod('slow', '127.0.0.2', { knobs: { latencyMs: 200 } }), 0);
    const waiting = clock.nextTimer();
    let answered = false;
    const answer = get('127.0.0.2', port).then((a) => {
      answered = true;
      return a;
    });
    await waiting;
    clock.fake.advance(199);
    assert.equal(clock.fake.pendingTimers(), 1, 'still waiting at 199 ms');
    assert.equal(answered, false);
    clock.fake.advance(1);
    assert.equal((await answer).status, 200);
  });

  it('lingers after close, then refuses new connections and closes idle ones', async () => {
    const clock = new WatchedClock();
    const server = podServer({ clock });
    const pod = servedPod('web-1', '127.0.0.2');
    const port = await server.open(pod, 0);
    const agent = keepAlive();
    assert.equal((await get('127.0.0.2', port, '/', agent)).status, 200);
    const idle = agent.freeSockets[Object.keys(agent.freeSockets)[0] ?? '']?.[0];
    assert.ok(idle, 'a kept-alive connection');

    const closed = server.close(pod.uid, { ip: '127.0.0.2', port }, 5000);
    clock.fake.advance(4999);
    assert.equal((await get('127.0.0.2', port)).headers['aviary-pod'], 'web-1', 'a new connection during the linger is served');
    assert.equal(server.podsServed(), 1);

    const idleClosed = once(idle, 'close');
    clock.fake.advance(1);
    await closed;
    assert.equal(await dial('127.0.0.2', port), 'ECONNREFUSED');
    await idleClosed;
    await server.gone(pod.uid);
    assert.equal(server.podsServed(), 0);
    assert.equal(server.listeners(), 0);
    assert.doesNotMatch(server.renderMetrics(), /web-1/, 'its series left with it');
  });

  it('finishes a request in flight when the linger ends, with Connection: close', async () => {
    const clock = new WatchedClock();
    const server = podServer({ clock });
    const pod = servedPod('web-1', '127.0.0.2', { knobs: { latencyMs: 100 } });
    const port = await server.open(pod, 0);
    const waiting = clock.nextTimer();
    const answer = get('127.0.0.2', port, '/', keepAlive());
    await waiting;
    const closed = server.close(pod.uid, { ip: '127.0.0.2', port }, 50);
    clock.fake.advance(50);
    await closed;
    assert.equal(await dial('127.0.0.2', port), 'ECONNREFUSED');
    clock.fake.advance(50);
    const { status, headers } = await answer;
    assert.equal(status, 200);
    assert.equal(headers.connection, 'close');
    assert.equal(headers['aviary-pod'], 'web-1');
    await server.gone(pod.uid);
  });

  it('hands a lingering address to the new pod that gets its IP, and reopening cancels a linger', async () => {
    const clock = new WatchedClock();
    const server = podServer({ clock });
    const old = servedPod('old', '127.0.0.2');
    const port = await server.open(old, 0);
    const oldClosed = server.close(old.uid, { ip: '127.0.0.2', port }, 5000);
    const replacement = servedPod('new', '127.0.0.2');
    assert.equal(await server.open(replacement, port), port);
    await oldClosed;
    assert.equal(server.serves(replacement.uid, { ip: '127.0.0.2', port }), true);
    assert.equal((await get('127.0.0.2', port)).headers['aviary-pod'], 'new');
    clock.fake.advance(10_000);
    assert.equal((await get('127.0.0.2', port)).headers['aviary-pod'], 'new', 'the old linger no longer closes the address');

    const closing = server.close(replacement.uid, { ip: '127.0.0.2', port }, 1000);
    await server.open(replacement, port);
    await closing;
    clock.fake.advance(2000);
    assert.equal(await dial('127.0.0.2', port), 'accepted');
  });

  it('answers as the old pod on its connection in flight when a new pod takes the address', async () => {
    const clock = new WatchedClock();
    const server = podServer({ clock });
    const old = servedPod('old', '127.0.0.2', { knobs: { latencyMs: 100 } });
    const port = await server.open(old, 0);
    const waiting = clock.nextTimer();
    const inFlight = get('127.0.0.2', port, '/', keepAlive());
    await waiting;
    await server.open(servedPod('new', '127.0.0.2'), port);
    assert.equal((await get('127.0.0.2', port)).headers['aviary-pod'], 'new');
    clock.fake.advance(100);
    const answer = await inFlight;
    assert.equal(answer.headers['aviary-pod'], 'old');
    assert.equal(answer.headers.connection, 'close', 'the old pod keeps no connection past its request');
    await server.gone(old.uid);
    assert.match(server.renderMetrics(), /pod="new"/);
    assert.doesNotMatch(server.renderMetrics(), /pod="old"/);
  });

  it('rejects an address another socket holds, and serves nothing for it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.2', resolve));
    try {
      const address = holder.address();
      assert.ok(typeof address === 'object' && address !== null);
      const server = podServer();
      await assert.rejects(server.open(servedPod('web-1', '127.0.0.2'), address.port), { code: 'EADDRINUSE' });
      assert.equal(server.podsServed(), 0);
      assert.equal(server.listeners(), 0);
      assert.doesNotMatch(server.renderMetrics(), /web-1/);
    } finally {
      holder.close();
    }
  });

  it('counts requests per pod and code in its metrics', async () => {
    const server = podServer();
    const port = await server.open(servedPod('web-1', '127.0.0.2', { labels: { app: 'web', 'rollouts-pod-template-hash': 'h1' } }), 0);
    await server.open(servedPod('bad-1', '127.0.0.3', { labels: { app: 'bad' }, knobs: { errorRatio: 1 } }), port);
    for (let i = 0; i < 3; i++) await get('127.0.0.2', port);
    for (let i = 0; i < 2; i++) await get('127.0.0.3', port);
    const text = server.renderMetrics();
    assert.match(text, /^http_requests_total\{namespace="lab",pod="web-1",app="web",rollouts_pod_template_hash="h1",code="200"\} 3$/m);
    assert.match(text, /^http_requests_total\{namespace="lab",pod="bad-1",app="bad",code="500"\} 2$/m);
    assert.doesNotMatch(text, /pod="bad-1",app="bad",code="200"/);
    assert.match(text, /^http_request_duration_seconds_count\{namespace="lab",pod="web-1",app="web",rollouts_pod_template_hash="h1",code="200"\} 3$/m);
    assert.match(text, /^aviary_lab_pods_served 2$/m);
    assert.match(text, /^aviary_lab_listeners 2$/m);
  });
});

describe('seededRandom', () => {
  it('is the same sequence for one uid, another for another, and about uniform', () => {
    const a = seededRandom('uid-a');
    const again = seededRandom('uid-a');
    const b = seededRandom('uid-b');
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(Array.from({ length: 5 }, () => again()), first);
    assert.notDeepEqual(Array.from({ length: 5 }, () => b()), first);
    const draws = Array.from({ length: 10_000 }, () => a());
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const below = draws.filter((x) => x < 0.5).length;
    assert.ok(below > 4700 && below < 5300, `${String(below)} of 10000 below 0.5`);
  });
});
