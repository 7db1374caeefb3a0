import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { netnsUnavailableReason, type NetnsFacts } from './netns.ts';

describe('netnsUnavailableReason', () => {
  const cases: [string, NetnsFacts, RegExp | undefined][] = [
    ['root on Linux with ip', { platform: 'linux', uid: 0, hasIp: true }, undefined],
    ['not Linux', { platform: 'darwin', uid: 0, hasIp: true }, /needs Linux network namespaces; this is darwin/],
    ['not root', { platform: 'linux', uid: 1000, hasIp: true }, /needs root .*pass --no-lab/],
    ['no uid (not POSIX)', { platform: 'linux', uid: undefined, hasIp: true }, /needs root/],
    ['no ip command', { platform: 'linux', uid: 0, hasIp: false }, /needs the `ip` command \(Debian: apt-get install iproute2\)/],
  ];
  for (const [name, facts, expected] of cases) {
    it(name, () => {
      const reason = netnsUnavailableReason(facts);
      if (expected === undefined) assert.equal(reason, undefined);
      else assert.match(reason ?? '', expected);
    });
  }
});
