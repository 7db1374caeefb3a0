import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logger.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines at the configured level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', pretty: false, destination: out.stream, name: 'aviary' });
    logger.info('hidden');
    logger.warn({ key: 'ns/a' }, 'shown');
    const lines = out.lines();
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line !== undefined);
    assert.equal(line.msg, 'shown');
    assert.equal(line.key, 'ns/a');
    assert.equal(line.name, 'aviary');
  });

  it('redacts credentials', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', pretty: false, destination: out.stream });
    logger.info({ headers: { authorization: 'Bearer secret' } }, 'request');
    assert.equal((out.lines()[0]?.headers as Record<string, string>).authorization, '[redacted]');
  });

  it('rejects an unknown level', () => {
    assert.throws(() => createLogger({ level: 'loud', pretty: false }), /unknown log level "loud"/);
  });
});
