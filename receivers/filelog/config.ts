import { maxBytesInFlightField } from '../../core/in-flight-bytes';
import { duration, int, list, oneOf, optional, size, str, type Infer, localPath } from '../../core/config/schema';

/** Teleport keeps session recordings beside its audit log; they are not audit events. */
export const TELEPORT_NON_AUDIT_DIRS = ['**/playbacks/**', '**/upload/**', '**/records/**'];

export const filelogReceiverConfig = {
  include: list(localPath({ use: 'read-glob', doc: 'a glob' }), {
    doc: 'Globs of the files to read, e.g. `/var/lib/teleport/log/**/*.log`. Relative globs are relative to the working directory. Files that appear later (a new day, a new auth server) are picked up without restart.',
    minItems: 1,
  }),
  exclude: list(str({ doc: 'a glob' }), {
    doc: 'Globs of files never to read. The default skips the session-recording folders Teleport keeps under its `log/` directory; setting this list replaces the default.',
    default: TELEPORT_NON_AUDIT_DIRS,
  }),
  start_at: oneOf(['beginning', 'end'] as const, {
    doc: 'Where to start in a file seen for the first time when the receiver starts and has no checkpoint for it. Files that appear while running are always read from their beginning (they are new), and a checkpoint always wins.',
    default: 'beginning',
  }),
  storage: optional(localPath({ use: 'write-dir',
    doc: 'Directory for checkpoints (per file: offset of the last acknowledged line and a fingerprint of its first bytes). Default: `<data-dir>/<receiver id>/` (`--data-dir`; `/` in the id becomes `-`, e.g. `filelog-teleport`), so a restart resumes where the last acknowledged line ended; `start_at` applies only to files without a checkpoint.',
  })),
  max_log_size: size({
    doc: 'Longest line accepted. A longer line is dead-lettered with its position (only a bounded prefix of it is kept) and reading goes on after it.',
    default: '1MiB',
    min: 1,
  }),
  max_batch_size: int({ doc: 'Most lines in one batch handed to the pipeline.', default: 1000, min: 1 }),
  poll_interval: duration({ doc: 'How often to look for new files and for lines appended to known ones.', default: '200ms', min: 1 }),
  fingerprint_size: size({
    doc: 'How many first bytes of a file identify it across renames, copies, restarts and compression (the OpenTelemetry Collector\'s fingerprint). Files are matched by these bytes, not by name.',
    default: '1KiB',
    min: 16,
  }),
  max_concurrent_files: int({
    doc: 'Most files read, and kept open, at once. More matching files are read in turns.',
    default: 64,
    min: 1,
  }),
  max_batches_in_flight: int({
    doc: 'Most batches of one file awaiting acknowledgement at once; reading that file pauses until one is acknowledged (backpressure). Enough to keep a pipeline\'s workers and exporters busy while earlier batches are written.',
    default: 2,
    min: 1,
  }),
  max_bytes_in_flight: maxBytesInFlightField('files', 'a file hands over what it has read and waits before reading more', '4MiB'),
};

export type FilelogReceiverConfig = Infer<typeof filelogReceiverConfig>;
