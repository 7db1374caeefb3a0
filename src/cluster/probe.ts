import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

/**
 * GETs a health endpoint of a local component. The components serve self-signed certificates on loopback,
 * so the probe does not verify them: it asks whether the process answers, not who it is.
 */
export function probe(url: string, token?: string, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const isHttps = url.startsWith('https:');
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const options = { headers, timeout: timeoutMs, ...(isHttps ? { rejectUnauthorized: false } : {}) };
    const req = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => {
      resolve({ ok: false, error: error.message });
    });
    req.end();
  });
}
