/**
 * A counting OTLP/gRPC logs sink for benchmarks, in its own process so its CPU is not charged to
 * the measured sender: a grpc-js server for LogsService/Export that counts log records with a light
 * protobuf walk (grpc-js has already undone any gzip) and answers an empty response. Its count is
 * read, and zeroed, over HTTP: `GET /count`, `POST /reset`, like bench/otlphttp-sink.ts, on the
 * port it prints as `PORT <http> GRPC <grpc>`.
 */
import http from 'node:http';
import type http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { countLogRecords } from './lib/otlp-count';

let count = 0;
let requests = 0;
let plainBytes = 0;

const identity = (b: Buffer) => b;
const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20 });
server.addService({
  Export: {
    path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export', requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
  },
}, {
  Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    count += countLogRecords(call.request);
    requests++;
    plainBytes += call.request.length;
    callback(null, Buffer.alloc(0));
  },
});

const control = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') return void res.end(JSON.stringify({ count, requests, plainBytes }));
  if (req.method === 'POST' && req.url === '/reset') { count = 0; requests = 0; plainBytes = 0; return void res.end('{}'); }
  res.statusCode = 404;
  res.end();
});

/**
 * grpc-js serves with HTTP/2's initial 64 KiB flow-control windows, so a 1 MB request waits for
 * a dozen WINDOW_UPDATE round trips; grpc-go, the Collector's server, grows its windows with the
 * bandwidth-delay product. Large windows here make the sink behave like a Collector rather than
 * charge grpc-js's server default to the client. (grpc-js keeps its HTTP/2 servers in a private field.)
 */
function widenWindows(): void {
  const servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) throw new Error('otlp-grpc-sink: cannot reach grpc-js\'s HTTP/2 servers');
  for (const h2 of servers.keys()) {
    h2.on('session', (session: http2.ServerHttp2Session) => {
      session.setLocalWindowSize(64 << 20);
      session.settings({ initialWindowSize: 16 << 20 });
    });
  }
}

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, grpcPort) => {
  if (err) throw err;
  if (process.env.BENCH_GRPC_DEFAULT_WINDOWS !== '1') widenWindows();
  control.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(control.address() as AddressInfo).port} GRPC ${grpcPort}\n`));
});
