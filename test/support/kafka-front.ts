/**
 * A test-only Kafka front on loopback, for what librdkafka's mock cluster cannot speak: it
 * terminates TLS (optionally asking for a client certificate), answers SaslHandshake and
 * SaslAuthenticate itself (PLAIN checked against the user table; SCRAM-SHA-256/512 as a real
 * exchange against a salted password, RFC 5802 / 7677), and forwards every other request to the
 * mock cluster on a connection of its own. ApiVersions answers gain the two SASL APIs, and the
 * broker addresses in Metadata and FindCoordinator answers are rewritten to the front's own, so
 * the client never goes around it. Until a SASL front saw a successful authentication, any other
 * request closes the connection, as a broker does.
 *
 * `stop()` closes the listener and every connection (the brokers "go away"); `start()` again
 * listens on the same port.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface FrontOptions {
  /** `host:port` of the mock cluster's (single) broker. */
  upstream: string;
  /** TLS material (PEM); absent: plaintext. */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
  /** SASL mechanisms offered, and the users (name → password); absent: no SASL. */
  sasl?: { mechanisms: SaslMechanism[]; users: Record<string, string> };
  /** Host put in Metadata/FindCoordinator answers (must match the certificate). */
  advertisedHost?: string;
}

const API = { Metadata: 3, FindCoordinator: 10, SyncGroup: 14, SaslHandshake: 17, ApiVersions: 18, SaslAuthenticate: 36 } as const;
const ERR = { UNSUPPORTED_SASL_MECHANISM: 33, ILLEGAL_SASL_STATE: 34, SASL_AUTHENTICATION_FAILED: 58 } as const;
const SCRAM_ITERATIONS = 4096;

export class KafkaFront {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** Authentications that succeeded / failed, per mechanism. */
  readonly authenticated: string[] = [];
  readonly refused: string[] = [];
  /** Connections whose TLS handshake failed, with the reason. */
  readonly tlsErrors: string[] = [];
  /** Error codes the next SyncGroup requests are answered with, by the front itself. */
  private readonly syncGroupErrors: number[] = [];

  constructor(private readonly options: FrontOptions) {}

  get address(): string {
    return `${this.options.advertisedHost ?? '127.0.0.1'}:${this.port}`;
  }

  async start(): Promise<void> {
    const onConnection = (client: net.Socket) => this.connection(client);
    const o = this.options;
    const server = o.tls !== undefined
      ? tls.createServer({ cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, requestCert: o.tls.requestCert ?? false, rejectUnauthorized: o.tls.requestCert ?? false }, onConnection)
      : net.createServer(onConnection);
    server.on('tlsClientError', (err: Error, socket: net.Socket) => { this.tlsErrors.push(err.message); socket.destroy(); });
    server.on('connection', (s: net.Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Answers the next SyncGroup with `errorCode` (e.g. 42, INVALID_REQUEST, which kafkajs does not retry). */
  failNextSyncGroup(errorCode: number): void {
    this.syncGroupErrors.push(errorCode);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private connection(client: net.Socket): void {
    const [host, port] = splitHostPort(this.options.upstream);
    const upstream = net.connect(port, host);
    this.sockets.add(upstream);
    upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    const pending = new Map<number, { apiKey: number; version: number }>();
    const sasl = new SaslSession(this.options.sasl, this);
    frames(client, (frame) => {
      const apiKey = frame.readInt16BE(0);
      const version = frame.readInt16BE(2);
      const correlationId = frame.readInt32BE(4);
      const clientIdLength = frame.readInt16BE(8);
      const body = frame.subarray(10 + Math.max(0, clientIdLength));
      if (apiKey === API.SaslHandshake || apiKey === API.SaslAuthenticate) {
        const { reply, close } = apiKey === API.SaslHandshake ? sasl.handshake(body) : sasl.authenticate(body, version);
        client.write(respond(correlationId, reply));
        if (close) client.end();
        return;
      }
      if (apiKey === API.SyncGroup && this.syncGroupErrors.length > 0) {
        // v0: error, assignment; v1-v3: throttle time first.
        const error = this.syncGroupErrors.shift()!;
        client.write(respond(correlationId, Buffer.concat([...(version >= 1 ? [int32(0)] : []), int16(error), int32(0)])));
        return;
      }
      if (apiKey !== API.ApiVersions && !sasl.done) {
        client.destroy();
        return;
      }
      pending.set(correlationId, { apiKey, version });
      upstream.write(lengthPrefixed(frame));
    });
    frames(upstream, (frame) => {
      const correlationId = frame.readInt32BE(0);
      const request = pending.get(correlationId);
      pending.delete(correlationId);
      let body = frame.subarray(4);
      if (request?.apiKey === API.ApiVersions && this.options.sasl !== undefined) body = withSaslApis(body, request.version);
      if (request?.apiKey === API.Metadata) body = rewriteMetadata(body, request.version, this.options.advertisedHost ?? '127.0.0.1', this.port);
      if (request?.apiKey === API.FindCoordinator) body = rewriteCoordinator(body, request.version, this.options.advertisedHost ?? '127.0.0.1', this.port);
      client.write(respond(correlationId, body));
    });
  }
}

/** The SASL state of one connection. */
class SaslSession {
  done: boolean;
  private mechanism: SaslMechanism | undefined;
  private scram: { user: string; nonce: string; clientFirstBare: string; serverFirst: string; salt: Buffer } | undefined;

  constructor(private readonly sasl: FrontOptions['sasl'], private readonly front: KafkaFront) {
    this.done = sasl === undefined;
  }

  handshake(body: Buffer): { reply: Buffer; close: boolean } {
    const mechanism = readString(body, 0).value as SaslMechanism;
    const offered = this.sasl?.mechanisms ?? [];
    const list = Buffer.concat([int32(offered.length), ...offered.map(str16)]);
    if (!offered.includes(mechanism)) return { reply: Buffer.concat([int16(ERR.UNSUPPORTED_SASL_MECHANISM), list]), close: true };
    this.mechanism = mechanism;
    return { reply: Buffer.concat([int16(0), list]), close: false };
  }

  authenticate(body: Buffer, version: number): { reply: Buffer; close: boolean } {
    const length = body.readInt32BE(0);
    const bytes = body.subarray(4, 4 + length);
    const answer = (error: number, message: string | null, authBytes: Buffer) => Buffer.concat([
      int16(error), message === null ? int16(-1) : str16(message), int32(authBytes.length), authBytes, ...(version >= 1 ? [Buffer.alloc(8)] : []),
    ]);
    const refuse = (why: string) => {
      this.front.refused.push(`${this.mechanism}: ${why}`);
      return { reply: answer(ERR.SASL_AUTHENTICATION_FAILED, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`, Buffer.alloc(0)), close: true };
    };
    const users = this.sasl?.users ?? {};
    if (this.mechanism === undefined) return { reply: answer(ERR.ILLEGAL_SASL_STATE, 'SaslAuthenticate before SaslHandshake', Buffer.alloc(0)), close: true };
    if (this.mechanism === 'PLAIN') {
      const [, user, password] = bytes.toString('utf8').split('\0');
      if (users[user] === undefined || users[user] !== password) return refuse(`user ${user}`);
      this.succeed(user);
      return { reply: answer(0, null, Buffer.alloc(0)), close: false };
    }
    const hash = this.mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    const text = bytes.toString('utf8');
    if (this.scram === undefined) {
      // client-first: gs2 header "n,," then "n=user,r=nonce"
      const bare = text.replace(/^n,[^,]*,/, '');
      const attrs = scramAttributes(bare);
      const nonce = attrs.r + crypto.randomBytes(18).toString('base64');
      const salt = crypto.createHash('sha256').update(`salt:${attrs.n}`).digest().subarray(0, 16);
      const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
      this.scram = { user: attrs.n, nonce, clientFirstBare: bare, serverFirst, salt };
      return { reply: answer(0, null, Buffer.from(serverFirst)), close: false };
    }
    const s = this.scram;
    const attrs = scramAttributes(text);
    const withoutProof = text.slice(0, text.lastIndexOf(',p='));
    const password = users[s.user];
    if (attrs.r !== s.nonce || password === undefined) return refuse(`user ${s.user}`);
    const salted = crypto.pbkdf2Sync(password, s.salt, SCRAM_ITERATIONS, hash === 'sha256' ? 32 : 64, hash);
    const clientKey = hmac(hash, salted, 'Client Key');
    const storedKey = crypto.createHash(hash).update(clientKey).digest();
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, storedKey, authMessage);
    const proof = Buffer.from(attrs.p ?? '', 'base64');
    if (proof.length !== clientSignature.length) return refuse(`user ${s.user}: proof of the wrong length`);
    const recovered = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]));
    if (!crypto.timingSafeEqual(crypto.createHash(hash).update(recovered).digest(), storedKey)) return refuse(`user ${s.user}: wrong proof`);
    const serverSignature = hmac(hash, hmac(hash, salted, 'Server Key'), authMessage);
    this.succeed(s.user);
    return { reply: answer(0, null, Buffer.from(`v=${serverSignature.toString('base64')}`)), close: false };
  }

  private succeed(user: string): void {
    this.done = true;
    this.front.authenticated.push(`${this.mechanism}:${user}`);
  }
}

function scramAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return crypto.createHmac(hash, key).update(data).digest();
}

/** Calls `onFrame` with each size-prefixed frame's payload. */
function frames(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0);
      if (buffered.length < 4 + size) break;
      const frame = buffered.subarray(4, 4 + size);
      buffered = buffered.subarray(4 + size);
      onFrame(frame);
    }
  });
}

function respond(correlationId: number, body: Buffer): Buffer {
  return lengthPrefixed(Buffer.concat([int32(correlationId), body]));
}

function lengthPrefixed(payload: Buffer): Buffer {
  return Buffer.concat([int32(payload.length), payload]);
}

function int16(n: number): Buffer { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; }
function int32(n: number): Buffer { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }
function str16(s: string): Buffer { const v = Buffer.from(s); return Buffer.concat([int16(v.length), v]); }

function readString(buf: Buffer, at: number): { value: string; next: number } {
  const length = buf.readInt16BE(at);
  if (length < 0) return { value: '', next: at + 2 };
  return { value: buf.toString('utf8', at + 2, at + 2 + length), next: at + 2 + length };
}

/** ApiVersions v0-v2 answer (kafkajs's versions) with SaslHandshake v0-1 and SaslAuthenticate v0-1 added. */
function withSaslApis(body: Buffer, version: number): Buffer {
  if (version > 2) return body;
  const error = body.readInt16BE(0);
  const count = body.readInt32BE(2);
  const entries = body.subarray(6, 6 + count * 6);
  const rest = body.subarray(6 + count * 6);
  const keep: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const key = entries.readInt16BE(i * 6);
    if (key !== API.SaslHandshake && key !== API.SaslAuthenticate) keep.push(entries.subarray(i * 6, i * 6 + 6));
  }
  const added = [API.SaslHandshake, API.SaslAuthenticate].map((key) => Buffer.concat([int16(key), int16(0), int16(1)]));
  return Buffer.concat([int16(error), int32(keep.length + added.length), ...keep, ...added, rest]);
}

/** Metadata v0-v8 (not flexible): every broker's host and port replaced by the front's. */
function rewriteMetadata(body: Buffer, version: number, host: string, port: number): Buffer {
  if (version > 8) throw new Error(`kafka-front: Metadata v${version} not supported`);
  let at = version >= 3 ? 4 : 0;
  const head = body.subarray(0, at);
  const count = body.readInt32BE(at);
  at += 4;
  const brokers: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = body.readInt32BE(at);
    at = readString(body, at + 4).next + 4; // host, port
    let rack: Buffer = Buffer.alloc(0);
    if (version >= 1) {
      const next = readString(body, at).next;
      rack = Buffer.from(body.subarray(at, next));
      at = next;
    }
    brokers.push(Buffer.concat([int32(nodeId), str16(host), int32(port), rack]));
  }
  return Buffer.concat([head, int32(count), ...brokers, body.subarray(at)]);
}

/** FindCoordinator v0-v2: the coordinator's host and port replaced by the front's. */
function rewriteCoordinator(body: Buffer, version: number, host: string, port: number): Buffer {
  if (version > 2) throw new Error(`kafka-front: FindCoordinator v${version} not supported`);
  let at = version >= 1 ? 4 : 0;
  at += 2; // error code
  if (version >= 1) at = readString(body, at).next; // error message
  const nodeId = body.readInt32BE(at);
  const hostEnd = readString(body, at + 4).next;
  return Buffer.concat([body.subarray(0, at), int32(nodeId), str16(host), int32(port), body.subarray(hostEnd + 4)]);
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
