/**
 * Parquet objects shaped as Teleport's Athena backend writes them, made by an independent writer
 * (DuckDB, a dev dependency whose binary ships in its npm package), never by the reader under
 * test: Snappy, the six columns `event_type`, `event_time` (INT64 timestamp in milliseconds, UTC),
 * `uid`, `session_id`, `user`, `event_data`, and as many row groups as `rowGroupSize` makes.
 * DuckDB keeps small row-group sizes only with one thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** One audit row; `event_data` null writes a NULL. */
export interface AuditRow {
  readonly eventData: string | null;
  readonly eventType?: string;
  readonly eventTimeMs?: number;
  readonly uid?: string;
  readonly sessionId?: string;
  readonly user?: string;
}

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/panther');

/** Every sample event of test/fixtures (Teleport's, Elastic's), one line each. */
export function sampleLines(): string[] {
  return ['teleport-samples.jsonl', 'elastic-teleport-all-events.log', 'elastic-teleport-generated.log']
    .flatMap((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '');
}

/** The row Teleport would write for an event line. */
export function rowOf(line: string): AuditRow {
  const e = JSON.parse(line) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const time = Date.parse(text(e.time));
  return { eventData: line, eventType: text(e.event), eventTimeMs: Number.isNaN(time) ? 0 : time, uid: text(e.uid), sessionId: text(e.sid), user: text(e.user) };
}

async function withDuckDb<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function loadRows(c: DuckDBConnection, table: string, rows: readonly AuditRow[]): Promise<void> {
  await c.run(`CREATE TABLE ${table} (i BIGINT, event_type VARCHAR, event_time BIGINT, uid VARCHAR, session_id VARCHAR, "user" VARCHAR, event_data VARCHAR)`);
  const appender = await c.createAppender(table);
  rows.forEach((r, i) => {
    appender.appendBigInt(BigInt(i));
    appender.appendVarchar(r.eventType ?? '');
    appender.appendBigInt(BigInt(r.eventTimeMs ?? 0));
    appender.appendVarchar(r.uid ?? '');
    appender.appendVarchar(r.sessionId ?? '');
    appender.appendVarchar(r.user ?? '');
    if (r.eventData === null) appender.appendNull();
    else appender.appendVarchar(r.eventData);
    appender.endRow();
  });
  appender.closeSync();
}

function copyTo(select: string, file: string, rowGroupSize: number): string {
  return `COPY (${select}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${rowGroupSize})`;
}

const COLUMNS = 'event_type, epoch_ms(event_time)::TIMESTAMP_MS AS event_time, uid, session_id, "user", event_data';

/** Writes `rows` in order to `file`. */
export async function writeAuditParquet(file: string, rows: readonly AuditRow[], rowGroupSize: number): Promise<void> {
  await withDuckDb(async (c) => {
    await loadRows(c, 'rows', rows);
    await c.run(copyTo(`SELECT ${COLUMNS} FROM rows ORDER BY i`, file, rowGroupSize));
  });
}

/**
 * Writes `count` rows cycling through `rows`, each event made distinct by a leading `"seq":n`
 * field (row n holds seq n), for objects too big to build in JavaScript.
 */
export async function writeRepeatedAuditParquet(file: string, rows: readonly AuditRow[], count: number, rowGroupSize: number): Promise<void> {
  await withDuckDb(async (c) => {
    await loadRows(c, 'samples', rows);
    const select = `SELECT s.event_type, epoch_ms(s.event_time)::TIMESTAMP_MS AS event_time, s.uid, s.session_id, s."user",
      '{"seq":' || r.range || ',' || substr(s.event_data, 2) AS event_data
      FROM range(${count}) r JOIN samples s ON s.i = r.range % ${rows.length} ORDER BY r.range`;
    await c.run(copyTo(select, file, rowGroupSize));
  });
}

/** Parquet with arbitrary columns (no event_data, say), written by DuckDB from a SELECT. */
export async function writeParquetSelect(file: string, select: string, rowGroupSize = 2048): Promise<void> {
  await withDuckDb(async (c) => { await c.run(copyTo(select, file, rowGroupSize)); });
}
