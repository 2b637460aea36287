import { Agent, request } from 'node:http';

/**
 * A keep-alive HTTP POST that resolves with the status code once the response is read.
 * The load generator shares the machine's cores with the servers it measures: node's fetch
 * (undici with WHATWG streams) used more CPU per request than either server (ingest bench,
 * ≈ 800 µs), node:http with a keep-alive agent a fraction of that, which leaves more of the
 * machine to the servers being compared.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.on('error', reject);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.resume();
    });
    req.on('error', reject);
    req.end(body);
  });
}
