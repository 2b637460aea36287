import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureOsPackage } from '../../scripts/lib/os-packages.ts';

/**
 * HTTP load from `wrk` (Debian package), a separate C process, so the load generator
 * does not compete with the servers for the bench process's CPU the way an in-process
 * client does. Each connection is one virtual user: it sends a request, waits for the
 * answer, then thinks for `thinkMs` before the next one (wrk's delay() hook), cycling
 * through `requests` (path + bearer token). Latency percentiles come from wrk's own
 * histogram via the done() hook, printed as one JSON line.
 */
export interface WrkRequest {
  path: string;
  token: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** Connect, read, write and timeout errors plus non-2xx/3xx answers. */
  errors: number;
}

// Lua: requests from a file (one "path<TAB>token" per line), each thread starting at its
// own offset so users spread over orgs and pages.
const SCRIPT = `
local requests = {}
local next_index = 1
local think = 0
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
  table.insert(threads, thread)
end

function init(args)
  think = tonumber(args[2])
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\\t]+)\\t(.+)$")
    table.insert(requests, wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token }))
  end
  next_index = (offset * 7919) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function delay()
  return think
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;

export async function runWrk(options: {
  baseUrl: string;
  requests: WrkRequest[];
  connections: number;
  seconds: number;
  thinkMs: number;
  threads?: number;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    const list = join(dir, 'requests.tsv');
    writeFileSync(script, SCRIPT);
    writeFileSync(list, options.requests.map((r) => `${r.path}\t${r.token}`).join('\n') + '\n');
    const args = [
      '-t', String(options.threads ?? 1), '-c', String(options.connections), '-d', `${options.seconds}s`,
      '--timeout', '10s', '-s', script, options.baseUrl, '--', list, String(options.thinkMs),
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${err || out}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result: ${output}`);
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as Record<string, number>;
    return {
      requests: r.requests,
      seconds: r.duration_us / 1e6,
      p50_ms: r.p50_us / 1000,
      p95_ms: r.p95_us / 1000,
      p99_ms: r.p99_us / 1000,
      errors: r.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wrk from Debian, installed when missing (as root with apt) or a clear error naming the command. */
export function ensureWrk(): void {
  const found = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  if (found.error) ensureOsPackage('wrk', 'wrk (the rest benchmark\'s HTTP load generator)');
}
