/**
 * The http receiver: takes Teleport events POSTed by the Event Handler plugin (Fluentd's HTTP
 * input protocol: the path is the tag, the body one JSON event) and answers 200 only once every
 * exporter accepted them, so the plugin's retries make delivery at-least-once end to end.
 *
 * Answers: 200 accepted (or dead-lettered: a malformed body is never worth a retry); 503 with
 * Retry-After when the pipeline failed retryably, did not acknowledge within `ack_timeout`, or
 * `max_in_flight` requests are already held; 401 on a wrong bearer token; 405 for anything but
 * POST; 413 for a body over `max_body_size`.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { CreateContext, Receiver, ReceiverHost } from '../../core/component';
import { RetryableError, errorMessage } from '../../core/errors';
import { newRecord, nowUnixNano, type LogRecord } from '../../core/record';
import { Batcher } from './batcher';
import { readBody, splitEvents } from './body';
import { parseEndpoint, type HttpReceiverConfig } from './config';
import { createServer, listen } from './server';

/** The record attribute that carries the Fluentd tag (the request path). */
export const TAG_ATTRIBUTE = 'http.tag';

type Status = 200 | 401 | 405 | 413 | 503;

export class HttpReceiver implements Receiver {
  private server: http.Server | undefined;
  private batcher: Batcher | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** Resolves on the server's 'close': not listening and every connection gone. */
  private closed: Promise<void> = Promise.resolve();
  /** Handlers not yet answered. */
  private readonly active = new Set<Promise<void>>();
  /** Requests whose events are not yet acknowledged or failed (answered or not): what max_in_flight bounds. */
  private held = 0;
  private requests = 0;
  private events = 0;
  private readonly token: Buffer | undefined;
  private readonly configPath: string;
  private readonly counters;
  /** The port listened on (the configured one, or the one picked for port 0). */
  port = 0;

  constructor(private readonly config: HttpReceiverConfig, private readonly ctx: CreateContext) {
    this.configPath = `receivers.${ctx.id}`;
    this.token = config.auth === undefined ? undefined : digest(config.auth.bearer_token);
    const t = ctx.telemetry;
    const c = (status: string, help: string) => t.counter(`http_requests_${status}_total`, help);
    this.counters = {
      200: c('accepted', 'Requests answered 200: their events were acknowledged by every exporter, or dead-lettered.'),
      401: c('unauthorized', 'Requests answered 401: missing or wrong bearer token.'),
      405: c('method_not_allowed', 'Requests answered 405: not a POST.'),
      413: c('too_large', 'Requests answered 413: body over max_body_size.'),
      503: c('unavailable', 'Requests answered 503 with Retry-After: pipeline failing, slow or full; the sender retries.'),
      handshakes: t.counter('http_handshakes_refused_total', 'TLS handshakes refused: no client certificate, one not signed by client_ca_file, or not TLS at all.'),
      unreadable: t.counter('http_bodies_invalid_total', 'Bodies empty or not readable as text (dead-lettered whole).'),
    };
    t.gauge('http_requests_held', 'Requests whose events await acknowledgement (bounded by max_in_flight).', () => this.held);
    ctx.stopping?.addEventListener('abort', () => this.stopAccepting(), { once: true });
  }

  async start(host: ReceiverHost): Promise<void> {
    if (this.server !== undefined || this.stopping) return;
    const endpoint = parseEndpoint(this.config.endpoint);
    if (endpoint === undefined) throw new Error(`${this.configPath}.endpoint: must be host:port`);
    this.batcher = new Batcher(host.consumer, this.config.max_batch_size, this.config.max_batches_in_flight);
    const server = createServer(this.config, this.configPath, (req, res) => this.track(req, res), () => this.counters.handshakes.inc());
    this.server = server;
    this.closed = new Promise((resolve) => server.once('close', () => resolve()));
    this.port = await listen(server, endpoint, this.configPath);
    const scheme = this.config.tls === undefined ? 'http' : 'https';
    const mtls = this.config.tls?.client_ca_file !== undefined ? ', client certificates required' : '';
    this.ctx.logger.info(`listening on ${scheme}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${this.port}${mtls}`);
  }

  progress(): string {
    return `${this.requests.toLocaleString('en-US')} requests, ${this.events.toLocaleString('en-US')} events`;
  }

  /** Stops accepting, answers what is under way once its events are settled, then closes. Idempotent. */
  shutdown(): Promise<void> {
    this.stopped ??= this.drain();
    return this.stopped;
  }

  private async drain(): Promise<void> {
    this.stopAccepting();
    const server = this.server;
    if (server === undefined) return;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    await this.batcher?.settled();
    // Answers given during the drain closed their connections; any left are idle.
    server.closeAllConnections();
    await this.closed;
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.server?.close();
    this.server?.closeIdleConnections();
  }

  private track(req: http.IncomingMessage, res: http.ServerResponse): void {
    const p = this.handle(req, res).catch((err: unknown) => {
      this.ctx.logger.rateLimited('handler', 'error', `request failed: ${errorMessage(err)}`);
      if (!res.headersSent) this.answer(res, 503, 'internal error');
    }).finally(() => { this.active.delete(p); });
    this.active.add(p);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return this.answer(res, 401, 'missing or wrong bearer token');
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.answer(res, 405, 'only POST is accepted');
    }
    if (this.stopping) return this.unavailable(res, 'shutting down');
    if (this.held >= this.config.max_in_flight) return this.unavailable(res, `${this.held} requests already held (max_in_flight)`);
    this.held++;
    let submittedAny = false;
    const release = () => { this.held--; };
    try {
      const body = await readBody(req, this.config.max_body_size);
      if (body.kind === 'aborted') return;
      if (body.kind === 'too_large') {
        res.setHeader('Connection', 'close');
        return this.answer(res, 413, `body over max_body_size (${this.config.max_body_size} bytes)`);
      }
      const records = this.toRecords(req, body.kind === 'ok' ? body.text : undefined, body.kind === 'unreadable' ? body : undefined);
      const submitted = this.batcher!.submit(records);
      submittedAny = true;
      submitted.then(release, release);
      const outcome = await settleWithin(submitted, this.config.ack_timeout);
      if (outcome.kind === 'ok') return this.answer(res, 200);
      if (outcome.kind === 'timeout') {
        this.ctx.logger.rateLimited('slow', 'warn', `answering 503: events not acknowledged within ack_timeout (${this.config.ack_timeout}ms); ${this.held} requests held`);
        return this.unavailable(res, `not acknowledged within ack_timeout (${this.config.ack_timeout}ms)`);
      }
      const retryAfterMs = outcome.error instanceof RetryableError ? outcome.error.retryAfterMs : undefined;
      this.ctx.logger.rateLimited('unavailable', 'warn', `answering 503: ${errorMessage(outcome.error)}`);
      return this.unavailable(res, 'the pipeline could not deliver the events; retry later', retryAfterMs);
    } finally {
      // Submitted events hold their slot until the pipeline settles them, answered or not.
      if (!submittedAny) release();
    }
  }

  /** One record per event; position: peer, tag and this process's request number (see README). */
  private toRecords(req: http.IncomingMessage, text: string | undefined, unreadable?: { base64: string; reason: string }): LogRecord[] {
    const n = ++this.requests;
    const tag = tagOf(req.url ?? '/');
    const peer = formatPeer(req.socket.remoteAddress, req.socket.remotePort);
    const source = `http ${peer} ${tag === '' ? '/' : tag} #${n}`;
    const now = nowUnixNano();
    const pieces = text === undefined ? [] : splitEvents(text);
    const make = (raw: string, line: number) => {
      const r = newRecord(raw, { source, line }, now);
      r.attributes[TAG_ATTRIBUTE] = tag;
      return r;
    };
    if (pieces.length === 0) {
      this.counters.unreadable.inc();
      const r = make(unreadable?.base64 ?? '', 1);
      r.refusal = { code: 'http_body_invalid', reason: unreadable?.reason ?? 'empty body: no event', component: this.ctx.id };
      return [r];
    }
    this.events += pieces.length;
    return pieces.map((raw, i) => make(raw, i + 1));
  }

  private authorized(req: http.IncomingMessage): boolean {
    if (this.token === undefined) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && crypto.timingSafeEqual(digest(m[1].trim()), this.token);
  }

  private unavailable(res: http.ServerResponse, why: string, retryAfterMs?: number): void {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil((retryAfterMs ?? this.config.retry_after) / 1000))));
    this.answer(res, 503, why);
  }

  private answer(res: http.ServerResponse, status: Status, message?: string): void {
    this.counters[status].inc();
    // During shutdown every answer closes its connection, so the drain ends.
    if (this.stopping) res.setHeader('Connection', 'close');
    const body = message === undefined ? '' : `${message}\n`;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** The Fluentd tag of a request path: `/events.log` → `events.log`, `/a/b` → `a.b`. */
export function tagOf(url: string): string {
  const path = url.split('?')[0].replace(/^\/+|\/+$/g, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  return decoded.split('/').filter((s) => s !== '').join('.');
}

function formatPeer(address: string | undefined, port: number | undefined): string {
  const a = (address ?? '?').replace(/^::ffff:/, '');
  return `${a.includes(':') ? `[${a}]` : a}:${port ?? '?'}`;
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

type Settled = { kind: 'ok' } | { kind: 'failed'; error: unknown } | { kind: 'timeout' };

function settleWithin(p: Promise<void>, ms: number): Promise<Settled> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    p.then(
      () => { clearTimeout(timer); resolve({ kind: 'ok' }); },
      (error: unknown) => { clearTimeout(timer); resolve({ kind: 'failed', error }); },
    );
  });
}
