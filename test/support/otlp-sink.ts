/**
 * A test OTLP/HTTP logs backend: node:http plus a real protobuf decoder (protobufjs with the
 * official OTLP logs protos under proto/, see otlp-protos.ts). It accepts `POST /v1/logs` in
 * protobuf or JSON, gzip or not (by Content-Type / Content-Encoding, as the Collector does),
 * decodes every request into flat records, and can be told to misbehave: answer a status
 * (429/503/500/400...) with Retry-After for a number of requests or a duration, delay, drop
 * connections, or report a partial success.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { otlpProtos } from './otlp-protos';

export interface DecodedLogRecord {
  resource: Record<string, unknown>;
  /** Index of its ResourceLogs in the request. */
  resourceLogs: number;
  scope: { name?: string; version?: string };
  /** Decimal strings: exactly what was on the wire. */
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: unknown;
  attributes: Record<string, unknown>;
}

export interface SinkRequest {
  readonly at: number;
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly headers: http.IncomingHttpHeaders;
  /** What the sink answered (0: connection dropped). */
  readonly status: number;
  /** Records decoded (only for accepted requests). */
  readonly records: number;
  /** Resource attributes of each ResourceLogs, as JSON (only for accepted requests). */
  readonly resources: string[];
}

export interface Fault {
  status: number;
  /** Retry-After header value. */
  retryAfter?: string;
  /** Answer this many requests so, then recover (default: until cleared or `forMs` ends). */
  times?: number;
  /** Answer so during this long from now. */
  forMs?: number;
  /** Error message in the google.rpc.Status body. */
  message?: string;
}

function types() {
  return otlpProtos(repoRoot());
}

export class OtlpSink {
  readonly records: DecodedLogRecord[] = [];
  /** The accepted requests' bodies as received, after gunzip: for tests that grep the bytes. */
  readonly bodies: Buffer[] = [];
  readonly requests: SinkRequest[] = [];
  /** Delay before answering each request. */
  delayMs = 0;
  /** Refuse, with `status`, every request holding a record that `matches` (a backend refusing one bad record). */
  refuse: { status: number; matches: (record: DecodedLogRecord) => boolean; message?: string } | undefined;
  /** Partial success to report on accepted requests. */
  partialSuccess: { rejectedLogRecords: number; errorMessage: string } | undefined;
  private fault: (Fault & { until?: number; left?: number }) | undefined;
  private dropLeft = 0;
  private waiters: (() => void)[] = [];
  /** Bumped by reset(): requests that began before are not recorded (a slow one may end later). */
  private generation = 0;

  private constructor(private readonly server: http.Server, private readonly scheme: 'http' | 'https') {}

  /** Listens on 127.0.0.1, port 0; with `tls`, serves https (set `requestCert` for mutual TLS). */
  static async start(options: { tls?: https.ServerOptions } = {}): Promise<OtlpSink> {
    const server = options.tls ? https.createServer(options.tls) : http.createServer();
    const sink = new OtlpSink(server, options.tls ? 'https' : 'http');
    server.on('request', (req, res) => { void sink.handle(req, res); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  /** Base URL, for the exporter's `endpoint`. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Forgets what was received and every injected behaviour. */
  reset(): void {
    this.generation++;
    this.records.length = 0;
    this.bodies.length = 0;
    this.requests.length = 0;
    this.delayMs = 0;
    this.partialSuccess = undefined;
    this.refuse = undefined;
    this.fault = undefined;
    this.dropLeft = 0;
  }

  setFault(fault: Fault): void {
    this.fault = { ...fault, until: fault.forMs === undefined ? undefined : Date.now() + fault.forMs, left: fault.times };
  }

  clearFault(): void {
    this.fault = undefined;
  }

  /** Destroy the next `n` connections without answering. */
  dropConnections(n: number): void {
    this.dropLeft = n;
  }

  /** Resolves when `predicate` holds, checked after every request; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`sink: timed out after ${timeoutMs}ms waiting for ${what} (${this.records.length} records in ${this.requests.length} requests)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  waitForRecords(n: number, timeoutMs: number): Promise<void> {
    return this.waitFor(() => this.records.length >= n, timeoutMs, `${n} records`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private activeFault(): Fault | undefined {
    const f = this.fault;
    if (!f) return undefined;
    if (f.until !== undefined && Date.now() >= f.until) return (this.fault = undefined);
    if (f.left !== undefined) {
      if (f.left <= 0) return (this.fault = undefined);
      f.left--;
    }
    return f;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '');
    const contentEncoding = String(req.headers['content-encoding'] ?? '');
    const generation = this.generation;
    const note = (status: number, records: DecodedLogRecord[] = []) => {
      if (generation !== this.generation) return;
      const resources = [...new Set(records.map((r) => r.resourceLogs))].map((i) => JSON.stringify(records.find((r) => r.resourceLogs === i)!.resource));
      this.requests.push({ at: Date.now(), contentType, contentEncoding, headers: req.headers, status, records: records.length, resources });
      for (const wake of this.waiters.splice(0)) wake();
    };
    if (this.dropLeft > 0) {
      this.dropLeft--;
      note(0);
      req.socket.destroy();
      return;
    }
    const raw = await readBody(req);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const proto = contentType.startsWith('application/x-protobuf');
    if (req.method !== 'POST' || req.url !== '/v1/logs') return this.answerError(res, proto, 404, `no route ${req.method} ${req.url}`, note);
    if (!proto && !contentType.startsWith('application/json')) return this.answerError(res, false, 415, `unsupported content type ${contentType}`, note);
    const fault = this.activeFault();
    if (fault) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', fault.retryAfter);
      return this.answerError(res, proto, fault.status, fault.message ?? `injected ${fault.status}`, note);
    }
    let decoded: DecodedLogRecord[];
    try {
      const body = contentEncoding === 'gzip' ? zlib.gunzipSync(raw) : raw;
      decoded = decode(body, proto);
    } catch (err) {
      return this.answerError(res, proto, 400, `cannot decode request: ${(err as Error).message}`, note);
    }
    const refuse = this.refuse;
    if (refuse !== undefined && decoded.some(refuse.matches)) return this.answerError(res, proto, refuse.status, refuse.message ?? `refused ${refuse.status}`, note);
    if (generation === this.generation) {
      for (const r of decoded) this.records.push(r);
      this.bodies.push(contentEncoding === 'gzip' ? zlib.gunzipSync(raw) : raw);
    }
    const { response } = types();
    const payload = this.partialSuccess ? { partialSuccess: this.partialSuccess } : {};
    res.statusCode = 200;
    if (proto) {
      res.setHeader('Content-Type', 'application/x-protobuf');
      res.end(Buffer.from(response.encode(response.fromObject(payload)).finish()));
    } else {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(payload));
    }
    note(200, decoded);
  }

  private answerError(res: http.ServerResponse, proto: boolean, status: number, message: string, note: (status: number) => void): void {
    res.statusCode = status;
    if (proto) {
      const { status: type } = types();
      res.setHeader('Content-Type', 'application/x-protobuf');
      res.end(Buffer.from(type.encode(type.fromObject({ code: 3, message })).finish()));
    } else {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ code: 3, message }));
    }
    note(status);
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface Obj { [key: string]: unknown }

/** Both encodings through the same protobufjs message, so they decode to the same shape. */
export function decode(body: Buffer, proto: boolean): DecodedLogRecord[] {
  const { request } = types();
  const message = proto ? request.decode(body) : request.fromObject(JSON.parse(body.toString('utf8')) as Obj);
  return flattenRequest(request.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false, arrays: true }) as Obj);
}

/**
 * An ExportLogsServiceRequest as protobufjs objects (longs and bytes as strings, enums as numbers,
 * camelCase names: what `toObject` and @grpc/proto-loader give) → flat records.
 */
export function flattenRequest(obj: Obj): DecodedLogRecord[] {
  const out: DecodedLogRecord[] = [];
  for (const [index, rl] of ((obj.resourceLogs as Obj[] | undefined) ?? []).entries()) {
    const resource = attributes(((rl.resource as Obj | undefined)?.attributes as Obj[]) ?? []);
    for (const sl of (rl.scopeLogs as Obj[]) ?? []) {
      const scope = (sl.scope as DecodedLogRecord['scope']) ?? {};
      for (const lr of (sl.logRecords as Obj[]) ?? []) {
        out.push({
          resource,
          resourceLogs: index,
          scope: { name: scope.name, version: scope.version },
          timeUnixNano: String(lr.timeUnixNano ?? '0'),
          observedTimeUnixNano: String(lr.observedTimeUnixNano ?? '0'),
          severityNumber: Number(lr.severityNumber ?? 0),
          severityText: String(lr.severityText ?? ''),
          eventName: String(lr.eventName ?? ''),
          body: lr.body === undefined ? undefined : plain(lr.body as Obj),
          attributes: attributes((lr.attributes as Obj[]) ?? []),
        });
      }
    }
  }
  return out;
}

/** OTLP KeyValue list (JSON encoding, or protobufjs objects of the same shape) → plain object. */
export function attributes(kvs: Obj[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs) out[kv.key as string] = kv.value === undefined ? undefined : plain(kv.value as Obj);
  return out;
}

/** AnyValue → JS: ints as number when safe, else bigint; kvlists as objects. */
function plain(v: Obj): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = BigInt(v.intValue as string);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (((v.arrayValue as Obj).values as Obj[]) ?? []).map(plain);
  if ('kvlistValue' in v) return attributes(((v.kvlistValue as Obj).values as Obj[]) ?? []);
  if ('bytesValue' in v) return Buffer.from(v.bytesValue as string, 'base64');
  return undefined;
}

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
