/**
 * One OTLP/gRPC Export call and the classification of its outcome: the gRPC counterpart of
 * otlphttp's HttpTransport (same `send` → outcome shape, `close`, `target`), so the shared
 * exporter machinery (batcher, split-send, queues) can drive either.
 *
 * Design:
 * - The request arrives already encoded (core/otlp's protobuf encoder, as for OTLP/HTTP). The
 *   call goes through `Client.makeUnaryRequest` with identity (de)serializers: the bytes are sent
 *   as they are, never decoded and encoded a second time, and the answer is read lazily
 *   (grpc-status.ts) only when it carries something.
 * - Compression is gRPC's own, per message (`grpc-encoding: gzip`), chosen with the channel option
 *   `grpc.default_compression_algorithm`: a gRPC frame carries a compressed flag that only
 *   grpc-js sets, so a body gzipped beforehand could not be sent as such. grpc-js gzips with
 *   node:zlib's asynchronous API, off the main thread, but at zlib's default level (6), which it
 *   offers no setting for: more CPU than otlphttp's level 1 (README, bench/otlp-transport.ts).
 * - One channel (HTTP/2 connection) per transport, multiplexing the concurrent calls, as the OTLP
 *   spec recommends keeping the connection for the life of the exporter.
 * - A partial success is a success: the OTLP spec forbids re-sending the rejected part (the server
 *   has already dropped it for good), so the outcome only reports how many and why.
 * - Outcomes are the shared ones (core/otlp/export/transport.ts), those of HttpTransport: an
 *   `endpoint` refusal no record causes (wrong credentials, wrong address or service, an
 *   untrusted server certificate) is retried loudly, never narrowed down to records nor
 *   dead-lettered.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { OtlpTransport, SendOutcome } from '../../core/otlp/export/transport';
import { VERSION } from '../../core/version';
import { parseGrpcEndpoint } from './grpc-endpoint';

export { DEFAULT_GRPC_PORT, parseGrpcEndpoint } from './grpc-endpoint';
import { partialSuccess, retryDelayMs } from './grpc-status';

/** The shared outcome; `status` is a gRPC code. */
export type GrpcSendOutcome = SendOutcome;

export interface GrpcTransportOptions {
  /**
   * `host:port` as the Collector's otlp exporter takes it (port 4317 when absent). A scheme,
   * as OTEL_EXPORTER_OTLP_ENDPOINT allows, decides the security: `http://` plaintext,
   * `https://` TLS; without one, TLS unless `insecure`.
   */
  readonly endpoint: string;
  /** Plaintext HTTP/2 (h2c): the Collector's `tls.insecure`. */
  readonly insecure: boolean;
  readonly headers: Record<string, string>;
  readonly compression: 'gzip' | 'none';
  /** Deadline of one call. */
  readonly timeoutMs: number;
  readonly tls: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify: boolean };
  /** Config path of this exporter (`exporters.otlp`), to name a bad setting in errors. */
  readonly configPath: string;
}

/** What `send` takes: protobuf (a RequestBody of the shared encoder fits). */
export interface GrpcRequest {
  readonly body: Uint8Array;
  readonly encoding?: 'proto' | 'json';
  readonly compression?: 'gzip' | 'none';
}

const gunzip = promisify(zlib.gunzip);
const EXPORT_METHOD = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const { status: Status } = grpc;

/**
 * The OTLP spec's retryable codes. RESOURCE_EXHAUSTED is among them only when the server says
 * recovery is possible by sending RetryInfo; without it, it is most often a message over the
 * server's size limit (gRPC's own answer to that, 4 MiB by default in grpc-go and grpc-js), which
 * a smaller request cures: hence permanent, which makes the exporter split.
 */
const RETRYABLE = new Set<number>([Status.CANCELLED, Status.DEADLINE_EXCEEDED, Status.ABORTED, Status.OUT_OF_RANGE, Status.UNAVAILABLE, Status.DATA_LOSS]);
/** Refusals of the request as a whole: a credential, an address or a service, not a record. */
const ENDPOINT = new Set<number>([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED, Status.UNIMPLEMENTED, Status.NOT_FOUND]);
/**
 * Connection failures grpc-js reports as UNAVAILABLE that are a setup problem, not an outage:
 * certificate verification (OpenSSL's wording, via node:tls) and name resolution.
 */
const SETUP_FAILURE = /certificate|self[- ]signed|unable to (get|verify)|CERT_|SSL routines|handshake|tlsv1 alert|Name resolution failed|ENOTFOUND|EAI_AGAIN|does not speak HTTP\/2/i;
/**
 * A stream or connection broken mid-call (RST_STREAM, GOAWAY: a proxy or a server going away),
 * which grpc-js reports as INTERNAL, a code the OTLP spec calls permanent. No record causes that,
 * and OTLP/HTTP retries a connection reset, so these are retried.
 */
const BROKEN_STREAM = /^Received RST_STREAM|Session closed with error/;
/**
 * Permanent codes about the request's content, which parts of it may not share: splitting narrows
 * the refusal down to records (RESOURCE_EXHAUSTED without RetryInfo: a part fits under the size
 * limit). UNKNOWN and INTERNAL say nothing about the content, like HTTP's 500: not split.
 */
const SPLITTABLE = new Set<number>([Status.INVALID_ARGUMENT, Status.RESOURCE_EXHAUSTED, Status.FAILED_PRECONDITION, Status.ALREADY_EXISTS]);

export class GrpcTransport implements OtlpTransport {
  private readonly client: grpc.Client;
  private readonly metadata: grpc.Metadata;
  private readonly address: string;
  private readonly secure: boolean;

  /** Reads the TLS files and checks endpoint and headers now, so a mistake fails at start with its config path. */
  constructor(private readonly options: GrpcTransportOptions) {
    const { address, secure } = parseGrpcEndpoint(options.endpoint, options.insecure, `${options.configPath}.endpoint`);
    this.address = address;
    this.secure = secure;
    const files = (['ca_file', 'cert_file', 'key_file'] as const).filter((k) => options.tls[k] !== undefined);
    if (!secure && files.length > 0) {
      // Certificates the connection would not use: the user meant TLS, or left them by mistake.
      throw new Error(`${options.configPath}.tls.${files[0]}: set, but the connection is plaintext (insecure: true or an http:// endpoint)`);
    }
    this.metadata = toMetadata(options.headers, `${options.configPath}.headers`);
    const channelOptions: grpc.ChannelOptions = {
      'grpc.primary_user_agent': `teleport-otel/${VERSION}`,
      // grpc-js's reconnect backoff reaches 120 s; the exporter's own retry schedule must decide
      // how soon a recovered backend is tried again, not a connection left idle for minutes.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5_000,
      // No service config from DNS TXT records: retries are the exporter's, and a lookup the
      // user did not ask for should not delay the first call.
      'grpc.service_config_disable_resolution': 1,
    };
    if (options.compression === 'gzip') channelOptions['grpc.default_compression_algorithm'] = grpc.compressionAlgorithms.gzip;
    this.client = new grpc.Client(address, secure ? this.tlsCredentials() : grpc.credentials.createInsecure(), channelOptions);
  }

  /** `host:port`, with the scheme that says whether TLS is used. */
  get target(): string {
    return `${this.secure ? 'https' : 'http'}://${this.address}`;
  }

  /**
   * Takes uncompressed protobuf, which the exporter's encoder gives it. A gzipped body (an on-disk
   * queue batch written by `otlphttp`, whose directory was handed over) is unzipped first, since
   * gRPC frames compress per message; an OTLP/JSON one cannot go over gRPC at all: refused, not
   * retried, so a queue moves it to `rejected/` rather than trying it forever.
   */
  async send(request: GrpcRequest | Uint8Array): Promise<GrpcSendOutcome> {
    const r = request instanceof Uint8Array ? { body: request } : request;
    if (r.encoding === 'json') {
      return { kind: 'permanent', status: Status.INVALID_ARGUMENT, splittable: false, message: `${this.target}: an OTLP/JSON request cannot be sent over gRPC (queued by otlphttp with encoding: json?)` };
    }
    const plain = r.compression === 'gzip' ? await gunzip(r.body) : r.body;
    return this.call(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength));
  }

  private call(body: Buffer): Promise<GrpcSendOutcome> {
    return new Promise<GrpcSendOutcome>((resolve) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        EXPORT_METHOD,
        (b) => b,
        (b) => b,
        body,
        this.metadata.clone(),
        { deadline: Date.now() + this.options.timeoutMs },
        (err, response) => resolve(err ? this.classify(err) : { kind: 'success', ...readPartialSuccess(response) }),
      );
    });
  }

  close(): void {
    this.client.close();
  }

  private classify(err: grpc.ServiceError): GrpcSendOutcome {
    const code = err.code;
    const retryAfterMs = retryInfo(err.metadata);
    const details = detailText(err.details);
    // A failure to connect comes from grpc-js, not from the server: say so rather than name a code.
    const message = details.startsWith('cannot connect:') ? `${this.target}: ${details}` : `${this.target}: ${Status[code] ?? code}${details === '' ? '' : `: ${details}`}`;
    if (ENDPOINT.has(code)) return { kind: 'endpoint', status: code, message, retryAfterMs };
    if (code === Status.UNAVAILABLE && (SETUP_FAILURE.test(err.details ?? '') || SETUP_FAILURE.test(details))) return { kind: 'endpoint', status: code, message, retryAfterMs };
    if (RETRYABLE.has(code) || (code === Status.RESOURCE_EXHAUSTED && retryAfterMs !== undefined) || (code === Status.INTERNAL && BROKEN_STREAM.test(details))) {
      return { kind: 'retryable', message, retryAfterMs };
    }
    // INVALID_ARGUMENT, RESOURCE_EXHAUSTED without RetryInfo, and the codes the OTLP spec calls
    // not retryable (UNKNOWN, ALREADY_EXISTS, FAILED_PRECONDITION, INTERNAL), like OTLP/HTTP's 400 and 500.
    return { kind: 'permanent', status: code, message, splittable: SPLITTABLE.has(code) };
  }

  private tlsCredentials(): grpc.ChannelCredentials {
    const { tls, configPath } = this.options;
    const read = (file: string | undefined, key: string) => (file === undefined ? null : readPem(file, `${configPath}.tls.${key}`));
    const ca = read(tls.ca_file, 'ca_file');
    const cert = read(tls.cert_file, 'cert_file');
    const key = read(tls.key_file, 'key_file');
    if ((cert === null) !== (key === null)) {
      throw new Error(`${configPath}.tls.${cert === null ? 'cert_file' : 'key_file'}: required when tls.${cert === null ? 'key_file' : 'cert_file'} is set`);
    }
    try {
      return grpc.credentials.createSsl(ca, key, cert, tls.insecure_skip_verify ? { rejectUnauthorized: false } : {});
    } catch (err) {
      throw new Error(`${configPath}.tls: ${oneLine((err as Error).message)}`);
    }
  }
}

function toMetadata(headers: Record<string, string>, key: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) {
    // Binary (-bin) metadata takes bytes, which a YAML string is not.
    if (name.toLowerCase().endsWith('-bin')) throw new Error(`${key}.${name}: binary (-bin) metadata is not supported`);
    try {
      metadata.add(name, value);
    } catch (err) {
      throw new Error(`${key}.${name}: ${oneLine((err as Error).message)}`);
    }
  }
  return metadata;
}

function readPartialSuccess(response: Buffer | undefined): { rejectedLogRecords: number; errorMessage: string } {
  if (response === undefined || response.length === 0) return { rejectedLogRecords: 0, errorMessage: '' };
  try {
    return partialSuccess(response);
  } catch {
    // The request was accepted; an unreadable answer changes nothing about that.
    return { rejectedLogRecords: 0, errorMessage: '' };
  }
}

/** RetryInfo.retry_delay from the `grpc-status-details-bin` trailer, where the OTLP spec puts it. */
function retryInfo(trailers: grpc.Metadata | undefined): number | undefined {
  const details = trailers?.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(details)) return undefined;
  try {
    return retryDelayMs(details);
  } catch {
    return undefined;
  }
}

function detailText(details: string | undefined): string {
  const line = oneLine(readableDetails(details ?? ''));
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * grpc-js's connection failures read `No connection established. Last error: Error: <OpenSSL's
 * error queue line> (<timestamp>). Resolution note: `: keep what a user can act on.
 */
function readableDetails(details: string): string {
  return details
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .replace(/^No connection established\. Last error: (Error: )?/, 'cannot connect: ')
    // <hex>:error:<code>:SSL routines:<function>:<reason>:<source file>:<line>:<extra>
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):\S*/g, 'TLS: $1')
    .replace(/\s*(SSL )?alert number \d+/g, '')
    .replace(/[\s:.]+$/, '')
    // What grpc-js says when the peer closed the connection during setup, with no reason given.
    .replace(/^cannot connect: Failed to connect$/, 'cannot connect: the server closed the connection during setup (plaintext to a TLS port, or a client certificate it refused?)')
    .replace(/^cannot connect: Protocol error$/, 'cannot connect: the server does not speak HTTP/2 (an HTTP/1.1 port, such as OTLP/HTTP\'s 4318?)');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function readPem(file: string, key: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
