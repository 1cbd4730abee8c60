/**
 * One OTLP/HTTP POST and the classification of its outcome (the table in README.md, "What each
 * answer does"): 2xx accepted (possibly with a partial success); 408/425/429/502/503/504/507,
 * network errors and timeouts retryable (honouring Retry-After); statuses that say the endpoint or
 * the credentials are wrong (3xx, 401, 403, 404, 405, 407, 415...), TLS and DNS failures are
 * `endpoint` refusals, since no record caused them; every other status permanent (4xx ones
 * splittable: they are about the request's content; a 5xx such as 500 is not).
 *
 * Written on node:http rather than through the SDK's OTLPLogExporter because that exporter's
 * `export(records, callback)` reports only SUCCESS/FAILED: it retries internally on its own
 * schedule, then hides whether a failure was retryable, swallows the Retry-After delay, and only
 * logs partial successes, so the pipeline could neither retry correctly, dead-letter a 400, nor
 * count rejected records. Protobuf responses are still read with the SDK's deserializer.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type * as Protobuf from 'protobufjs';
import type * as OtlpTransformer from '@opentelemetry/otlp-transformer';
import { VERSION } from '../../core/version';
import { CONTENT_TYPE, type RequestBody } from '../../core/otlp/export/encoding';
import type { OtlpTransport, SendOutcome } from '../../core/otlp/export/transport';

export interface TransportOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly maxSockets: number;
  readonly tls: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify: boolean };
  /** Config path of this exporter (`exporters.otlphttp`), to name a bad TLS file in errors. */
  readonly configPath: string;
}

/** Transient: the backend is busy, down or out of space for now. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 502, 503, 504, 507]);
/**
 * Statuses about the request itself, not any record in it, with what to check. 3xx (not followed:
 * a POST body cannot be replayed safely to another origin) also says the URL is wrong.
 */
const DESTINATION_STATUS = new Map<number, string>([
  [401, 'check the credentials in headers'],
  [403, 'check the credentials in headers and what they are allowed'],
  [407, 'check the proxy credentials'],
  [404, 'check the path of endpoint / logs_endpoint'],
  [405, 'check the path of endpoint / logs_endpoint'],
  [410, 'check endpoint / logs_endpoint'],
  [411, 'a proxy on the way refuses the request'],
  [414, 'check endpoint / logs_endpoint'],
  [415, 'check encoding: the backend does not take this content type'],
  [421, 'check the host of endpoint / logs_endpoint'],
  [426, 'check the endpoint scheme (http/https)'],
  [431, 'check headers: they are too large'],
  [501, 'the endpoint does not implement OTLP/HTTP logs; check endpoint / logs_endpoint'],
  [505, 'the endpoint does not speak HTTP/1.1'],
  [511, 'a proxy on the way asks for authentication'],
]);
/** DNS failures: the host name is wrong or cannot be resolved. */
const DNS_ERROR = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
/** TLS failures (certificate, protocol, alert), by the error codes Node and OpenSSL give them. */
const TLS_ERROR = /^(ERR_TLS_|ERR_SSL_|EPROTO$)|CERT|UNABLE_TO_|_SIGNED_|HOSTNAME_MISMATCH/;
/** Error bodies are read for their message only; never buffer a huge one. */
const MAX_ERROR_BODY = 64 * 1024;

export class HttpTransport implements OtlpTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly baseHeaders: Record<string, string>;

  /** Reads the TLS files now, so a wrong path fails at start with the file named. */
  constructor(private readonly options: TransportOptions) {
    this.url = new URL(options.url);
    const secure = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    if (secure) {
      const { tls } = options;
      this.agent = new https.Agent({
        ...agentOptions,
        ca: tls.ca_file === undefined ? undefined : readPem(tls.ca_file, `${options.configPath}.tls.ca_file`),
        cert: tls.cert_file === undefined ? undefined : readPem(tls.cert_file, `${options.configPath}.tls.cert_file`),
        key: tls.key_file === undefined ? undefined : readPem(tls.key_file, `${options.configPath}.tls.key_file`),
        rejectUnauthorized: !tls.insecure_skip_verify,
      });
      this.request = https.request;
    } else {
      this.agent = new http.Agent(agentOptions);
      this.request = http.request;
    }
    this.baseHeaders = { 'User-Agent': `teleport-otel/${VERSION}`, ...options.headers };
  }

  get target(): string {
    return this.url.href;
  }

  send(batch: RequestBody): Promise<SendOutcome> {
    const headers: Record<string, string | number> = {
      ...this.baseHeaders,
      'Content-Type': CONTENT_TYPE[batch.encoding],
      'Content-Length': batch.body.byteLength,
    };
    if (batch.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SendOutcome) => { if (!settled) { settled = true; resolve(outcome); } };
      const req = this.request(this.url, { method: 'POST', headers, agent: this.agent, timeout: this.options.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ERROR_BODY || isSuccess(res.statusCode)) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => finish(classify(this.url, res, Buffer.concat(chunks), batch.encoding)));
        res.on('error', (err) => finish({ kind: 'retryable', message: `response from ${this.url.href} broke off: ${err.message}` }));
      });
      // A whole-request deadline: `timeout` above only covers socket inactivity.
      const deadline = setTimeout(() => req.destroy(new Error(`no response within ${this.options.timeoutMs}ms`)), this.options.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.options.timeoutMs}ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => finish(networkFailure(this.url, err)));
      req.on('close', () => clearTimeout(deadline));
      req.end(batch.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

function classify(url: URL, res: http.IncomingMessage, body: Buffer, encoding: 'proto' | 'json'): SendOutcome {
  const status = res.statusCode ?? 0;
  if (isSuccess(status)) return { kind: 'success', ...partialSuccess(body, res.headers['content-type'] ?? CONTENT_TYPE[encoding]) };
  const detail = `${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${errorText(body, res.headers['content-type'])}`;
  if (RETRYABLE_STATUS.has(status)) {
    return { kind: 'retryable', message: `backend answered ${detail}`, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  }
  const hint = DESTINATION_STATUS.get(status)
    ?? (status >= 300 && status < 400 ? `check endpoint / logs_endpoint: redirected${res.headers.location ? ` to ${res.headers.location}` : ''}` : undefined)
    ?? (status < 200 ? 'not an OTLP/HTTP endpoint' : undefined);
  if (hint !== undefined) return { kind: 'endpoint', status, message: `${url.href} answered ${detail} (${hint})` };
  return { kind: 'permanent', status, message: `backend answered ${detail}`, splittable: status >= 400 && status < 500 };
}

function networkFailure(url: URL, err: NodeJS.ErrnoException): SendOutcome {
  const message = `POST ${url.href} failed: ${err.code ?? err.message}${err.code ? ` (${err.message})` : ''}`;
  const code = err.code ?? '';
  if (DNS_ERROR.has(code)) return { kind: 'endpoint', status: 0, message: `${message} (check the host name of endpoint / logs_endpoint)` };
  if (TLS_ERROR.test(code)) return { kind: 'endpoint', status: 0, message: `${message} (check tls and the endpoint scheme)` };
  return { kind: 'retryable', message };
}

function partialSuccess(body: Buffer, contentType: string): { rejectedLogRecords: number; errorMessage: string } {
  const none = { rejectedLogRecords: 0, errorMessage: '' };
  if (body.length === 0) return none;
  try {
    const response = contentType.includes('json')
      ? (JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedLogRecords?: unknown; errorMessage?: unknown } })
      : otlpTransformer().ProtobufLogsSerializer.deserializeResponse(body);
    const p = response.partialSuccess;
    if (!p) return none;
    return { rejectedLogRecords: Number(p.rejectedLogRecords ?? 0) || 0, errorMessage: typeof p.errorMessage === 'string' ? p.errorMessage : '' };
  } catch {
    // The request was accepted; an unreadable response body changes nothing about that.
    return none;
  }
}

/** `: message` from an OTLP error body (google.rpc.Status, protobuf or JSON), or plain text. */
function errorText(body: Buffer, contentType: string | undefined): string {
  if (body.length === 0) return '';
  let message: string | undefined;
  try {
    if (contentType?.includes('protobuf')) message = statusMessage(body);
    else if (contentType?.includes('json')) message = (JSON.parse(body.toString('utf8')) as { message?: string }).message;
    else message = body.toString('utf8', 0, Math.min(body.length, 300));
  } catch {
    message = undefined;
  }
  if (!message) return '';
  const line = message.replace(/\s+/g, ' ').trim();
  return line === '' ? '' : `: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`;
}

/** google.rpc.Status.message (field 2). */
function statusMessage(body: Buffer): string | undefined {
  const reader = protobuf().Reader.create(body);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 2) return reader.string();
    reader.skipType(tag & 7);
  }
  return undefined;
}

// Protobuf readers, loaded at the first non-empty answer rather than at start: the SDK's transformer
// module pulls in its metrics SDK (~80 ms of CPU), which worker threads, pipelines without this
// exporter and backends that answer with empty bodies never need.
/* eslint-disable @typescript-eslint/no-require-imports */
const otlpTransformer = () => require('@opentelemetry/otlp-transformer') as typeof OtlpTransformer;
const protobuf = () => require('protobufjs') as typeof Protobuf;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function readPem(file: string, key: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
