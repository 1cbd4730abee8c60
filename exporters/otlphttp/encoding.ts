/**
 * Records → request body with the shared OTLP mapping: protobuf (core/otlp/proto.ts) or OTLP/JSON
 * (core/otlp/json.ts, the file exporter's encoding), then gzip on libuv's thread pool so
 * compression never blocks the event loop.
 */
import zlib from 'node:zlib';
import { encodeExportLogsServiceRequest, type ResourceOptions } from '../../core/otlp/json';
import { OtlpProtoEncoder } from '../../core/otlp/proto';
import type { LogRecord } from '../../core/record';

export type Encoding = 'proto' | 'json';
export type Compression = 'gzip' | 'none';

export const CONTENT_TYPE: Record<Encoding, string> = { proto: 'application/x-protobuf', json: 'application/json' };

/** A request body ready to send (or to store in the on-disk queue). */
export interface EncodedBatch {
  readonly body: Uint8Array;
  readonly encoding: Encoding;
  readonly compression: Compression;
  /** Log records in the body. */
  readonly count: number;
}

export class BatchEncoder {
  private readonly proto: OtlpProtoEncoder;

  constructor(
    private readonly resource: ResourceOptions,
    readonly encoding: Encoding,
    readonly compression: Compression,
    private readonly level: number,
  ) {
    this.proto = new OtlpProtoEncoder(resource);
  }

  /** Serializes synchronously (CPU on the caller's thread), compresses off-thread. */
  async encode(records: readonly LogRecord[]): Promise<EncodedBatch> {
    const plain = this.encoding === 'proto'
      ? this.proto.encode(records)
      : Buffer.from(encodeExportLogsServiceRequest(records, this.resource), 'utf8');
    const body = this.compression === 'gzip' ? await gzip(plain, this.level) : plain;
    return { body, encoding: this.encoding, compression: this.compression, count: records.length };
  }
}

function gzip(data: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gzip(data, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
