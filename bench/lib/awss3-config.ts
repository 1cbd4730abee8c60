/** `awss3 -> file` pipeline configs for the awss3 benches, against the emulators of test/support. */
import fs from 'node:fs';
import path from 'node:path';

export interface AwsEndpoints { readonly s3Endpoint: string; readonly sqsEndpoint: string }

/** The receiver settings: notification mode on `queue`, or a backfill of `bucket` under `prefix`. */
export function awss3Receivers(aws: AwsEndpoints, queue: string, bucket: string) {
  const s3 = `s3: {endpoint: ${JSON.stringify(aws.s3Endpoint)}, force_path_style: true`;
  return {
    // wait_time 1s: the run ends after one empty long poll, which adds up to 1 s of wall time (not CPU).
    sqs: `{sqs: {queue_url: ${JSON.stringify(queue)}, endpoint: ${JSON.stringify(aws.sqsEndpoint)}, wait_time: 1s, workers: 4}, ${s3}}}`,
    backfill: (prefix: string) => `{${s3}, bucket: ${bucket}, prefix: ${prefix}}}`,
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
