/** `awss3 -> file` pipeline configs for the awss3 benches, against the emulators of test/support. */
import fs from 'node:fs';
import path from 'node:path';

export interface AwsEndpoints { readonly s3Endpoint: string; readonly sqsEndpoint: string }

/**
 * The receiver settings: notification mode on `queue`, or a backfill of `bucket` under `prefix`.
 * A backfill gets checkpoints of its own under `dir`, emptied: in the data directory, a backfill of
 * another bucket or prefix (an earlier bench) would be refused, and one of the same would read nothing.
 */
export function awss3Receivers(aws: AwsEndpoints, queue: string, bucket: string, dir: string) {
  const s3 = `s3: {endpoint: ${JSON.stringify(aws.s3Endpoint)}, force_path_style: true`;
  return {
    // wait_time 1s: the run ends after one empty long poll, which adds up to 1 s of wall time (not CPU).
    sqs: `{sqs: {queue_url: ${JSON.stringify(queue)}, endpoint: ${JSON.stringify(aws.sqsEndpoint)}, wait_time: 1s, workers: 4}, ${s3}}}`,
    backfill: (prefix: string) => {
      const storage = path.join(dir, `awss3-backfill-${prefix.replace(/[^a-z0-9]+/gi, '-')}checkpoints`);
      fs.rmSync(storage, { recursive: true, force: true });
      return `{${s3}, bucket: ${bucket}, prefix: ${prefix}}, storage: ${JSON.stringify(storage)}}`;
    },
  };
}

/** Writes `<dir>/<name>.yaml`: `awss3` with `receiver` into a file exporter (and a dead letter); returns its path. */
export function awss3FileConfig(dir: string, name: string, receiver: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `
receivers:
  awss3: ${receiver}
exporters:
  file: {path: ${JSON.stringify(path.join(dir, `${name}.otlp.jsonl`))}}
  file/dead-letter: {path: ${JSON.stringify(path.join(dir, 'dead-letter.jsonl'))}}
service:
  pipelines:
    logs: {receivers: [awss3], exporters: [file], dead_letter: [file/dead-letter]}
`);
  return file;
}
