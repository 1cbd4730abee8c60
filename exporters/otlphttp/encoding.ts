/**
 * Records → request body: the SDK's own OTLP serializers (protobuf or JSON) over records built
 * directly from the shared mapping (core/otlp/sdk-record.ts), then gzip on libuv's thread pool
 * so compression never blocks the event loop.
 */
import zlib from 'node:zlib';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ResourceOptions } from '../../core/otlp/json';
import { SdkRecordBuilder } from '../../core/otlp/sdk-record';
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
  private readonly builder: SdkRecordBuilder;

  constructor(
    resource: ResourceOptions,
    readonly encoding: Encoding,
    readonly compression: Compression,
    private readonly level: number,
  ) {
    this.builder = new SdkRecordBuilder(resource);
  }

  /** Serializes synchronously (CPU on the caller's thread), compresses off-thread. */
  async encode(records: readonly LogRecord[]): Promise<EncodedBatch> {
    const sdkRecords = this.builder.build(records);
    const serializer = this.encoding === 'proto' ? ProtobufLogsSerializer : JsonLogsSerializer;
    const plain = serializer.serializeRequest(sdkRecords);
    if (plain === undefined) throw new Error('OTLP serializer returned nothing');
    const body = this.compression === 'gzip' ? await gzip(plain, this.level) : plain;
    return { body, encoding: this.encoding, compression: this.compression, count: records.length };
  }
}

function gzip(data: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gzip(data, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
