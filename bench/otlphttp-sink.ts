/**
 * A counting OTLP/HTTP logs sink for benchmarks, in its own process so its CPU is not charged to
 * the measured pipeline. Accepts `POST /v1/logs` (protobuf or JSON, gzip or not), counts log
 * records with a light protobuf walk (no full decode), answers 200; `GET /count` returns the
 * total (and the bytes on the wire and decompressed), `POST /reset` zeroes it, `POST /delay?ms=N`
 * makes it answer each request N ms late (a slow backend). Prints `PORT <n>` on stdout when listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { countLogRecords } from './lib/otlp-count';

let count = 0;
let requests = 0;
let wireBytes = 0;
let plainBytes = 0;
let delayMs = 0;


function countJson(body: Buffer): number {
  const req = JSON.parse(body.toString('utf8')) as { resourceLogs?: { scopeLogs?: { logRecords?: unknown[] }[] }[] };
  let n = 0;
  for (const rl of req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  return n;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') return void res.end(JSON.stringify({ count, requests, wireBytes, plainBytes }));
  if (req.method === 'POST' && req.url?.startsWith('/delay?ms=')) { delayMs = Number(req.url.slice(10)); return void res.end('{}'); }
  if (req.method === 'POST' && req.url === '/reset') { count = 0; requests = 0; wireBytes = 0; plainBytes = 0; return void res.end('{}'); }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const done = (err: Error | null, body: Buffer) => {
      if (err) { res.statusCode = 400; return void res.end(); }
      const proto = String(req.headers['content-type']).includes('protobuf');
      count += proto ? countLogRecords(body) : countJson(body);
      requests++;
      wireBytes += raw.length;
      plainBytes += body.length;
      res.setHeader('Content-Type', proto ? 'application/x-protobuf' : 'application/json');
      const answer = () => res.end(proto ? Buffer.alloc(0) : '{}');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    };
    if (req.headers['content-encoding'] === 'gzip') zlib.gunzip(raw, done);
    else done(null, raw);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
