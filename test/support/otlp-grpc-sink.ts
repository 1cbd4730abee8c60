/**
 * A test OTLP/gRPC logs backend: a @grpc/grpc-js server serving LogsService/Export as the official
 * definitions in proto/ declare it, decoding each request with protobufjs from those same files
 * (not from the exporter's encoder, nor from the HTTP sink's flattened subset) into the record
 * shape the OTLP/HTTP sink gives. Plaintext, TLS or mutual TLS; it can be told to misbehave:
 * answer a status (with RetryInfo) a number of times, refuse requests holding a marked record,
 * demand a header, report a partial success, or answer late.
 */
import type http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { otlpProtos } from './otlp-protos';
import { flattenRequest, repoRoot, type DecodedLogRecord, type Obj } from './otlp-sink';

export interface GrpcSinkRequest {
  readonly at: number;
  /** The call's metadata (custom headers, user-agent), as the server's handler saw it. */
  readonly metadata: Record<string, string>;
  /** Status code answered (grpc.status.OK = 0). */
  readonly code: number;
  /** Records decoded (only for accepted requests). */
  readonly records: number;
  /** Size of the (decompressed) request message. */
  readonly bytes: number;
}

/** What the HTTP/2 layer saw of a call, before grpc-js consumed its headers. */
export interface GrpcSinkStream {
  readonly path: string;
  /** `grpc-encoding` request header ('' when absent: identity). */
  readonly encoding: string;
  readonly userAgent: string;
}

export interface GrpcFault {
  code: grpc.status;
  /** Answer this many calls so, then recover (default: until cleared). */
  times?: number;
  /** RetryInfo.retry_delay to put in the grpc-status-details-bin trailer. */
  retryDelayMs?: number;
  message?: string;
}

export interface GrpcSinkOptions {
  /** PEM contents; with `clientCa`, clients must present a certificate it signed. */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** The server's limit on a decompressed request (grpc-js's default: 4 MiB). */
  maxReceiveMessageLength?: number;
  /** Listen on this port (default: any free one), e.g. to come back where a stopped sink was. */
  port?: number;
}


function protos() {
  return otlpProtos(repoRoot());
}

export class OtlpGrpcSink {
  readonly records: DecodedLogRecord[] = [];
  readonly requests: GrpcSinkRequest[] = [];
  readonly streams: GrpcSinkStream[] = [];
  /** Delay before answering each call. */
  delayMs = 0;
  /** Refuse with INVALID_ARGUMENT every request holding a record that `matches`. */
  refuse: ((record: DecodedLogRecord) => boolean) | undefined;
  /** Answer UNAUTHENTICATED unless this metadata entry is present with this value. */
  requireHeader: { name: string; value: string } | undefined;
  /** Partial success to report on accepted requests. */
  partialSuccess: { rejectedLogRecords: number; errorMessage: string } | undefined;
  private fault: (GrpcFault & { left?: number }) | undefined;
  private breakLeft = 0;
  private breakHow: 'rst' | 'goaway' = 'rst';

  private constructor(private readonly server: grpc.Server, private port = 0) {}

  /** Listens on 127.0.0.1. */
  static async start(options: GrpcSinkOptions = {}): Promise<OtlpGrpcSink> {
    const server = new grpc.Server(options.maxReceiveMessageLength === undefined ? {} : { 'grpc.max_receive_message_length': options.maxReceiveMessageLength });
    const sink = new OtlpGrpcSink(server);
    const { exportPath, response } = protos();
    const identity = (b: Buffer) => b;
    server.addService({
      Export: {
        path: exportPath, requestStream: false, responseStream: false, originalName: 'export',
        // Raw bytes in and out: decoding is done in `handle`, with the official definitions.
        requestDeserialize: identity, requestSerialize: identity,
        responseSerialize: (o: Obj) => Buffer.from(response.encode(response.fromObject(o)).finish()),
        responseDeserialize: identity,
      },
    }, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Obj>, callback: grpc.sendUnaryData<Obj>) => { void sink.handle(call, callback); },
    });
    const { tls } = options;
    const credentials = tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
    sink.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${options.port ?? 0}`, credentials, (err, port) => (err ? reject(err) : resolve(port))));
    sink.watchStreams();
    return sink;
  }

  /** `127.0.0.1:PORT`, for the transport's `endpoint`. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  reset(): void {
    this.records.length = 0;
    this.requests.length = 0;
    this.streams.length = 0;
    this.delayMs = 0;
    this.refuse = undefined;
    this.requireHeader = undefined;
    this.partialSuccess = undefined;
    this.fault = undefined;
    this.breakLeft = 0;
  }

  setFault(fault: GrpcFault): void {
    this.fault = { ...fault, left: fault.times };
  }

  /**
   * Break the next `n` calls at the HTTP/2 layer before grpc-js sees them, as a proxy or a server
   * going away would: `rst` resets the stream (INTERNAL_ERROR), `goaway` also ends the connection
   * (GOAWAY with INTERNAL_ERROR).
   */
  breakStreams(n: number, how: 'rst' | 'goaway'): void {
    this.breakLeft = n;
    this.breakHow = how;
  }

  async close(): Promise<void> {
    this.server.forceShutdown();
  }

  private activeFault(): GrpcFault | undefined {
    const f = this.fault;
    if (f === undefined) return undefined;
    if (f.left !== undefined) {
      if (f.left <= 0) return (this.fault = undefined);
      f.left--;
    }
    return f;
  }

  private async handle(call: grpc.ServerUnaryCall<Buffer, Obj>, callback: grpc.sendUnaryData<Obj>): Promise<void> {
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = Buffer.isBuffer(v) ? v.toString('base64') : v;
    const bytes = call.request.length;
    const answer = (code: grpc.status, message: string, retryDelayMs?: number) => {
      this.requests.push({ at: Date.now(), metadata, code, records: 0, bytes });
      callback({ code, details: message, metadata: retryDelayMs === undefined ? undefined : statusDetails(code, message, retryDelayMs) });
    };
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const required = this.requireHeader;
    if (required !== undefined && metadata[required.name] !== required.value) return answer(grpc.status.UNAUTHENTICATED, `missing or wrong ${required.name}`);
    const fault = this.activeFault();
    if (fault) return answer(fault.code, fault.message ?? `injected ${grpc.status[fault.code]}`, fault.retryDelayMs);
    let decoded: DecodedLogRecord[];
    try {
      const { request } = protos();
      decoded = flattenRequest(request.toObject(request.decode(call.request), { longs: String, enums: Number, bytes: String, defaults: false, arrays: true }) as Obj);
    } catch (err) {
      return answer(grpc.status.INVALID_ARGUMENT, `cannot decode request: ${(err as Error).message}`);
    }
    if (this.refuse !== undefined && decoded.some(this.refuse)) return answer(grpc.status.INVALID_ARGUMENT, 'request holds a refused record');
    this.records.push(...decoded);
    this.requests.push({ at: Date.now(), metadata, code: grpc.status.OK, records: decoded.length, bytes });
    callback(null, this.partialSuccess ? { partialSuccess: this.partialSuccess } : {});
  }

  /**
   * grpc-js takes `grpc-encoding` out of the metadata its handlers see, so the only place to check
   * what compression was on the wire is the HTTP/2 stream. grpc-js keeps its HTTP/2 servers in a
   * private field; if a release renames it, this says so rather than letting gzip tests pass blind.
   */
  private watchStreams(): void {
    const servers = (this.server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
    if (!(servers instanceof Map) || servers.size === 0) throw new Error('otlp-grpc-sink: cannot reach grpc-js\'s HTTP/2 servers (private field http2Servers changed?)');
    for (const h2 of servers.keys()) {
      h2.prependListener('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
        this.streams.push({ path: String(headers[':path'] ?? ''), encoding: String(headers['grpc-encoding'] ?? ''), userAgent: String(headers['user-agent'] ?? '') });
        if (this.breakLeft > 0) {
          this.breakLeft--;
          if (this.breakHow === 'rst') stream.close(2 /* INTERNAL_ERROR */);
          else { stream.session?.goaway(2); stream.close(2); }
        }
      });
    }
  }
}

/** The grpc-status-details-bin trailer: a google.rpc.Status with a RetryInfo in its details. */
function statusDetails(code: grpc.status, message: string, retryDelayMs: number): grpc.Metadata {
  const { status, retryInfo } = protos();
  const retry = retryInfo.encode(retryInfo.fromObject({
    retryDelay: { seconds: Math.floor(retryDelayMs / 1000), nanos: (retryDelayMs % 1000) * 1e6 },
  })).finish();
  const bytes = status.encode(status.fromObject({
    code, message, details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retry }],
  })).finish();
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(bytes));
  return metadata;
}
