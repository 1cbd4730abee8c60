/**
 * A one-million-row Parquet object through the real CLI in a child process, RSS sampled from
 * /proc: memory is bounded by a page (here a row group: DuckDB writes one page per column chunk,
 * where Teleport's writer cuts 256 KiB pages), not by the object, and the message stays hidden the whole read (visibility heartbeat), so with two workers
 * and a 1 s visibility timeout no second worker reads it: every row is read exactly once.
 * AWSS3_PARQUET_ROWS changes the size.
 */
import fs from 'node:fs';
import { readBigObjectOnce, RSS_LIMIT_MB } from './big-object';
import { rowOf, sampleLines, writeRepeatedAuditParquet } from './parquet-fixtures';

const ROWS = Number(process.env.AWSS3_PARQUET_ROWS ?? 1_000_000);
/**
 * About 1.6 MB of event_data per row group, in one page: still bigger than the 256 KiB pages of
 * Teleport's writer (parquet-go's default), which is what bounds memory.
 */
const ROW_GROUP = 4096;

describe('awss3 receiver: a big Parquet object', function () {
  this.timeout(300_000);

  it(`streams ${ROWS.toLocaleString('en-US')} rows with RSS under ${RSS_LIMIT_MB} MB, its visibility extended so no second worker reads it`, async function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    const r = await readBigObjectOnce({
      write: async (file) => { await writeRepeatedAuditParquet(file, sampleLines().map(rowOf), ROWS, ROW_GROUP); return ROWS; },
      bucketPrefix: 'teleport-longterm',
      key: 'events/2026-03-01/019ca945-0a00-7b4b-afae-eef88e82ab65.parquet',
      deadlineMs: 180_000,
    });
    process.stdout.write(`      ${ROWS} rows (${r.megabytes.toFixed(0)} MB of Parquet) in ${r.seconds}s, peak RSS ${r.peakMb.toFixed(0)} MB\n`);
  });
});
