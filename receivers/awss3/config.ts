import { maxBytesInFlightField } from '../../core/in-flight-bytes';
import { bool, duration, int, object, oneOf, optional, size, str, url, type Infer, localPath } from '../../core/config/schema';

/** SQS allows a long poll of at most 20 s and a visibility timeout of at most 12 h. */
const MAX_WAIT_MS = 20_000;
const MAX_VISIBILITY_MS = 12 * 3600_000;

export const sqsConfig = {
  queue_url: str({ doc: 'URL of the SQS queue that receives the bucket\'s S3 event notifications (directly, or through an SNS topic). Setting it selects notification mode.' }),
  region: optional(str({ doc: 'AWS region of the queue; default: the SDK\'s (`AWS_REGION`, the shared config file).' })),
  endpoint: optional(url({ doc: 'Send SQS requests to this URL instead of the region\'s endpoint (an emulator, a VPC endpoint). Queue URLs whose host does not resolve then still work.' })),
  wait_time: duration({ doc: 'Long-poll time of each ReceiveMessage (at most 20s).', default: '20s', min: 0 }),
  max_messages: int({ doc: 'Most messages asked for by one ReceiveMessage (1-10); never more than free `workers`.', default: 10, min: 1, max: 10 }),
  visibility_timeout: duration({
    doc: 'How long a received message stays hidden from other consumers. While its objects are read, a heartbeat (ChangeMessageVisibility every third of it) keeps it hidden, so a big object is never read twice at once; after a crash or a failure, the message comes back after this long.',
    default: '60s',
    min: 1000,
  }),
  workers: int({ doc: 'Most messages processed at once (each reads its objects one after another).', default: 4, min: 1 }),
};

export const s3Config = {
  region: optional(str({ doc: 'AWS region of the bucket; default: the SDK\'s (`AWS_REGION`, the shared config file).' })),
  endpoint: optional(url({ doc: 'Send S3 requests to this URL instead of the region\'s endpoint (an emulator, MinIO, a VPC endpoint).' })),
  force_path_style: bool({ doc: 'Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (emulators, MinIO).', default: false }),
  bucket: optional(str({ doc: 'Backfill mode (no `sqs`): the bucket whose objects under `prefix` are read once, in key order.' })),
  prefix: str({ doc: 'Backfill mode: only keys starting with this.', default: '', nonEmpty: false }),
  start_after: optional(str({ doc: 'Backfill mode: only keys after this one (in S3\'s UTF-8 byte order). A checkpoint further on wins.' })),
  max_concurrent_objects: int({ doc: 'Backfill mode: most objects read at once. The checkpoint still moves in key order.', default: 4, min: 1 }),
  poll_interval: duration({ doc: 'Backfill mode without `--once`: how often to list again for keys after the checkpoint.', default: '60s', min: 1 }),
};

export const awss3ReceiverConfig = {
  sqs: optional(object(sqsConfig, { doc: 'Notification mode.' })),
  s3: object(s3Config, { doc: 'How objects are fetched, and the bucket of backfill mode.' }),
  storage: optional(localPath({ use: 'write-dir',
    doc: 'Backfill mode: directory for the checkpoint (the last key read and acknowledged, with every key before it). Default: `<data-dir>/<receiver id>/` (`--data-dir`; `/` in the id becomes `-`, e.g. `awss3-backfill`), so a restart resumes. Notification mode needs none: SQS keeps the state.',
  })),
  format: oneOf(['auto', 'lines', 'parquet'] as const, {
    doc: 'How an object is read. `lines`: one JSON event per line (plain or gzip). `parquet`: the Parquet files of Teleport\'s Athena backend and External Audit Storage, one event per row from the `event_data` column. `auto`: Parquet when the object starts with the magic `PAR1`, lines otherwise.',
    default: 'auto',
  }),
  max_log_size: size({
    doc: 'Longest line accepted. A longer line is dead-lettered with its `s3://bucket/key:line` (only a bounded prefix of it is kept) and reading goes on after it.',
    default: '1MiB',
    min: 1,
  }),
  max_batch_size: int({ doc: 'Most lines in one batch handed to the pipeline.', default: 1000, min: 1 }),
  max_batches_in_flight: int({
    doc: 'Most batches of one object awaiting acknowledgement at once; reading pauses until one is acknowledged (backpressure).',
    default: 2,
    min: 1,
  }),
  max_bytes_in_flight: maxBytesInFlightField('objects', 'the next batch of an object waits its turn, in the order the objects came,', '4MiB'),
};

export type Awss3ReceiverConfig = Infer<typeof awss3ReceiverConfig>;
export type SqsConfig = Infer<typeof sqsConfig>;
export type S3Config = Infer<typeof s3Config>;

/** Cross-field rules: exactly one mode, and the limits SQS itself enforces. */
export function validateAwss3(config: Awss3ReceiverConfig): string[] {
  const errors: string[] = [];
  const { sqs, s3 } = config;
  if (sqs === undefined && s3.bucket === undefined) errors.push('sqs.queue_url: required unless s3.bucket is set (backfill mode)');
  if (sqs !== undefined && s3.bucket !== undefined) errors.push('s3.bucket: backfill mode cannot be combined with sqs; use two receivers');
  if (sqs !== undefined) {
    if (sqs.wait_time > MAX_WAIT_MS) errors.push('sqs.wait_time: must be at most 20s (the SQS long-poll limit)');
    if (sqs.visibility_timeout > MAX_VISIBILITY_MS) errors.push('sqs.visibility_timeout: must be at most 12h (the SQS limit)');
    if (sqs.visibility_timeout % 1000 !== 0) errors.push('sqs.visibility_timeout: must be whole seconds (SQS counts in seconds)');
    if (config.storage !== undefined) errors.push('storage: only used in backfill mode (s3.bucket); SQS keeps the state of notification mode');
  }
  return errors;
}
