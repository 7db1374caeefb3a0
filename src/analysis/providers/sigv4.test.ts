import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amzDate, credentialsFromEnv, regionFromEnv, signV4 } from './sigv4.ts';

// The published AWS SigV4 test suite: fixed credentials, region, service and time.
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const when = new Date('2015-08-30T12:36:00Z');

describe('signV4 against the AWS test suite', () => {
  const cases: { name: string; method: string; url: string; headers?: Record<string, string>; signedHeaders: string; signature: string }[] = [
    { name: 'get-vanilla', method: 'GET', url: 'https://example.amazonaws.com/', signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'post-vanilla', method: 'POST', url: 'https://example.amazonaws.com/', signedHeaders: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
    { name: 'get-vanilla-query-order-key-case', method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    { name: 'post-header-value-case', method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'My-Header1': 'VALUE1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const headers = signV4({ method: c.method, url: new URL(c.url), headers: c.headers ?? {}, body: '' }, credentials, 'us-east-1', 'service', when);
      assert.equal(headers['x-amz-date'], '20150830T123600Z');
      assert.equal(
        headers.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${c.signedHeaders}, Signature=${c.signature}`,
      );
    });
  }

  it('signs the session token when there is one', () => {
    const headers = signV4({ method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' }, { ...credentials, sessionToken: 'tok' }, 'us-east-1', 'service', when);
    assert.equal(headers['x-amz-security-token'], 'tok');
    assert.match(headers.authorization ?? '', /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
  });
});

describe('AWS environment', () => {
  it('reads credentials and region from the standard variables', () => {
    assert.equal(credentialsFromEnv({}), undefined);
    assert.deepEqual(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }), { accessKeyId: 'a', secretAccessKey: 'b' });
    assert.deepEqual(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 'c' }), { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' });
    assert.equal(regionFromEnv({ AWS_DEFAULT_REGION: 'eu-west-1' }), 'eu-west-1');
    assert.equal(regionFromEnv({ AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-west-1' }), 'us-east-2');
    assert.equal(amzDate(new Date('2024-01-02T03:04:05.678Z')), '20240102T030405Z');
  });
});
