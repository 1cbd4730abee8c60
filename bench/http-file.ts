/**
 * `http -> file` against the floor (read + JSON.parse + JSON.stringify of the same lines), in one
 * run. The collector is the real CLI in a child process; keep-alive HTTPS clients in this process
 * POST the bench input one event per request (as the Event Handler does), with mutual TLS, then
 * over plain HTTP, then 100 events per request. Wall time runs from the first request to the last
 * 200; CPU time is the collector child's alone, read from /proc over the same span, so the
 * clients' CPU is not counted. Usage: node dist/bench/http-file.js [events] [connections]
 * (default 100,000 events, 8 connections). Two scenarios run a bare node:https server that
 * answers at once instead of the collector: the cost of one request per event, whatever is behind it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { certs, freePort } from '../test/receivers/http/helpers';
import { removeTmpDirs } from '../test/support/service';
import { linesByChunk } from './lib/lines';
import { NODE_FLAGS, report, type Measurement } from './lib/measure';
import { benchSetup } from './lib/setup';
import { repoRoot } from './lib/generate';

if (process.argv[2] === undefined) process.argv[2] = '100000';
const CONNECTIONS = Number(process.argv[3] ?? 8);
const TICKS_PER_SECOND = 100; // Linux's USER_HZ, what /proc/<pid>/stat counts in

/** User + system CPU of a live process, in ms. */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function peakRssMbOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`collector did not listen on ${port}`);
}

interface Load {
  readonly tls: boolean;
  /** Events per request: 1 as the Event Handler sends; more as a JSON array. */
  readonly perRequest: number;
}

/** POSTs every body over `CONNECTIONS` keep-alive connections, each one request at a time. */
async function post(port: number, bodies: string[], load: Load): Promise<void> {
  const c = certs();
  const agent = load.tls
    ? new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: fs.readFileSync(c.caCert), cert: fs.readFileSync(c.clientCert), key: fs.readFileSync(c.clientKey) })
    : new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const request = load.tls ? https.request : http.request;
  let next = 0;
  const one = (body: string) => new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/events.log', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      // A bench run has no failures to retry; any non-200 is a bench failure.
      await one(body);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
}

/** The collector, or with `bare` the floor server (bench/lib/http-floor.ts), in a child process. */
async function scenario(name: string, lines: string[], dir: string, load: Load, bare = false): Promise<Measurement> {
  const port = await freePort();
  const c = certs();
  const config = path.join(dir, `http-file-${load.tls ? 'tls' : 'plain'}-${load.perRequest}.yaml`);
  const tls = load.tls ? `, tls: {cert_file: ${JSON.stringify(c.serverCert)}, key_file: ${JSON.stringify(c.serverKey)}, client_ca_file: ${JSON.stringify(c.caCert)}}` : '';
  fs.writeFileSync(config, `
receivers:
  http: {endpoint: "127.0.0.1:${port}"${tls}}
exporters:
  file: {path: ${JSON.stringify(path.join(dir, 'http-file.otlp.jsonl'))}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [http], exporters: [file], dead_letter: [file/dead-letter]}
`);
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += load.perRequest) {
    bodies.push(load.perRequest === 1 ? lines[i] : `[${lines.slice(i, i + load.perRequest).join(',')}]`);
  }
  const args = bare
    ? [path.join(__dirname, 'lib', 'http-floor.js'), String(port), ...(load.tls ? [c.serverCert, c.serverKey, c.caCert] : [])]
    : [path.join(repoRoot(), 'bin', 'teleport-otel.js'), 'run', '-c', config, '--no-progress', '--log-level', 'warn'];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitForPort(port);
  const cpu0 = cpuMsOf(child.pid!);
  const t0 = process.hrtime.bigint();
  await post(port, bodies, load);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = cpuMsOf(child.pid!) - cpu0;
  const maxRssMb = peakRssMbOf(child.pid!);
  child.kill('SIGTERM');
  const code = await exited;
  const exported = /exported (\d+)/.exec(stderr.replace(/,/g, ''));
  if (code !== 0 || exported === null || Number(exported[1]) !== lines.length) throw new Error(`${name}: exit ${code}, ${stderr.slice(-2000)}`);
  return { name, events: lines.length, wallMs, cpuMs, maxRssMb };
}

async function main(): Promise<void> {
  const { dir, input, floor } = benchSetup(`; ${CONNECTIONS} keep-alive connections`);
  const lines: string[] = [];
  for (const chunk of linesByChunk(input)) for (const l of chunk) lines.push(l);
  const results = [
    await scenario('bare node:https, answers at once (mTLS, 1/req)', lines, dir, { tls: true, perRequest: 1 }, true),
    await scenario(`http (mTLS, 1 event/request) -> file`, lines, dir, { tls: true, perRequest: 1 }),
    await scenario(`http (plain, 1 event/request) -> file`, lines, dir, { tls: false, perRequest: 1 }),
    await scenario('bare node:https, at once (mTLS, 100/req)', lines, dir, { tls: true, perRequest: 100 }, true),
    await scenario(`http (mTLS, 100 events/request) -> file`, lines, dir, { tls: true, perRequest: 100 }),
  ];
  process.stdout.write(report(floor, results) + '\n');
  removeTmpDirs();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
