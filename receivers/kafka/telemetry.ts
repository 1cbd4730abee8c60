/**
 * The kafka receiver's metrics: its counters, and the gauges read from its partitions at each
 * scrape (lag, bytes in flight).
 */
import type { InFlightBytes } from '../../core/in-flight-bytes';
import type { ComponentTelemetry } from '../../core/telemetry/metrics';
import type { PartitionStream } from './partition';

export type KafkaCounters = ReturnType<typeof kafkaTelemetry>;

export function kafkaTelemetry(t: ComponentTelemetry, streams: ReadonlyMap<string, PartitionStream>, bytesInFlight: InFlightBytes) {
  const byPartition = ['topic', 'partition'] as const;
  t.gauge('kafka_bytes_in_flight', 'Bytes of event text handed to the pipeline and not yet acknowledged, across partitions (bounded by max_bytes_in_flight).', () => bytesInFlight.bytes);
  t.labelledGauge('kafka_consumer_lag', 'Messages between the last acknowledged offset and the high watermark of the last fetch, per assigned partition.', byPartition, () => {
    const out = [];
    for (const s of streams.values()) {
      const at = s.acked ?? s.sent;
      if (s.highWatermark !== undefined && at !== undefined) {
        out.push({ labels: { topic: s.topic, partition: String(s.partition) }, value: Number(s.highWatermark > at ? s.highWatermark - at : 0n) });
      }
    }
    return out;
  });
  return {
    records: t.labelledCounter('kafka_records_total', 'Records read from Kafka and handed to the pipeline, per topic and partition.', byPartition),
    commits: t.counter('kafka_commits_total', 'Offset commits (each may cover several partitions).'),
    committedPartitions: t.counter('kafka_partition_commits_total', 'Partition offsets committed.'),
    rebalances: t.counter('kafka_rebalances_total', 'Group joins after the first (rebalances this member took part in).'),
    revoked: t.counter('kafka_partitions_revoked_total', 'Partitions this member lost in a rebalance.'),
    abandoned: t.counter('kafka_batches_abandoned_total', 'Batches still in flight when their partition was revoked: not committed, read again by the new owner.'),
    paused: t.counter('kafka_partition_pauses_total', 'Times a partition was paused because max_batches_in_flight batches awaited acknowledgement, max_bytes_in_flight was reached, or a batch failed.'),
    restarts: t.counter('kafka_consumer_restarts_total', 'Times the consumer was created again after kafkajs gave up on a non-retriable error.'),
    crashes: t.counter('kafka_consumer_crashes_total', 'Times kafkajs reported the consumer crashed (it restarts it itself after a retriable error; the receiver does after the others).'),
    connectFailures: t.counter('kafka_connect_failures_total', 'Failed attempts to connect to the brokers (unreachable, TLS refused, SASL authentication failed); retried with backoff.'),
    undecodable: t.counter('kafka_undecodable_batches_total', 'Compressed record batches that could not be decompressed; their messages were dead-lettered with their offsets.'),
    rewinds: t.counter('kafka_partition_rewinds_total', 'Times a partition was read again from its last acknowledged offset after a batch was not acknowledged.'),
  };
}
