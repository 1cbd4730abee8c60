/** Shared pieces of the otlp (gRPC) exporter tests. */
import type { OtlpGrpcSink } from '../../support/otlp-grpc-sink';

/** The `log.record.uid` of every record the gRPC sink accepted, in arrival order. */
export const grpcUids = (sink: OtlpGrpcSink): string[] => sink.records.map((r) => r.attributes['log.record.uid'] as string);

/** `${tag}-0` … `${tag}-${n - 1}` but `except`, sorted: the uids of syntheticLines(n, tag). */
export function expectedUids(n: number, tag: string, except: string[] = []): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}-${i}`).filter((u) => !except.includes(u)).sort();
}
