/**
 * Audit lines of every Teleport event type in the catalogue (test/fixtures/ecs/teleport-event-codes.tsv),
 * in the shapes Teleport writes: a type with a sample event (Teleport's and Elastic's test events in
 * test/fixtures) takes that sample's fields; a type without one takes the fields of a sample of its
 * family (the type's first dotted word, e.g. `db.`, `app.`), else a common session/user shape.
 * Every line gets a fresh uid (and sid when it has one) and an advancing time with 0 to 9 fraction
 * digits, so nothing downstream can cache by content. Codes are cycled in catalogue order.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './generate';

type Event = Record<string, unknown>;

function fixture(name: string): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'ecs', name);
}

function samples(): Event[] {
  const out: Event[] = [];
  for (const name of ['teleport-samples.jsonl', 'elastic-teleport-all-events.log', 'elastic-teleport-generated.log']) {
    for (const line of fs.readFileSync(fixture(name), 'utf8').split('\n')) {
      try {
        const v = JSON.parse(line) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Event).event === 'string') out.push(v as Event);
      } catch { /* not an event line */ }
    }
  }
  return out;
}

/** One template per catalogue code: [code, type, template]. */
export function catalogueTemplates(): [string, string, Event][] {
  const rows = fs.readFileSync(fixture('teleport-event-codes.tsv'), 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
  const all = samples();
  const byType = new Map<string, Event>();
  const byFamily = new Map<string, Event>();
  for (const e of all) {
    const type = e.event as string;
    if (!byType.has(type)) byType.set(type, e);
    const family = type.split('.')[0];
    if (!byFamily.has(family)) byFamily.set(family, e);
  }
  const common: Event = {
    cluster_name: 'root', user: 'alice@example.com', login: 'root', namespace: 'default',
    server_id: 'b331fb4e-7b04-4b4a-9c5e-1c1b1a1b2c3d', server_hostname: 'node-1.example.com',
    'addr.remote': '10.0.12.7:51234', 'addr.local': '10.0.0.5:3022', sid: '', ei: 0, success: true,
  };
  return rows.map((row) => {
    const [code, type] = row.split('\t');
    const base = byType.get(type) ?? byFamily.get(type.split('.')[0]) ?? common;
    return [code, type, base];
  });
}

function timeText(ms: number, i: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const digits = i % 10; // 0..9 fraction digits, as Teleport's writers vary
  const fraction = (iso.slice(20, 23) + String(i % 1_000_000).padStart(6, '0')).slice(0, digits);
  return iso.slice(0, 19) + (digits === 0 ? '' : '.' + fraction) + 'Z';
}

/** Writes `count` lines to `file` unless it already holds them; returns its size in bytes. */
export function generateCatalogueFile(file: string, count: number): number {
  const marker = `${file}.count`;
  if (!(fs.existsSync(file) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === String(count))) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const templates = catalogueTemplates();
    const fd = fs.openSync(file, 'w');
    let t = Date.parse('2024-02-23T00:00:00Z');
    let chunk: string[] = [];
    for (let i = 0; i < count; i++) {
      const [code, type, base] = templates[i % templates.length];
      const e: Event = { ...base, event: type, code };
      t += 37;
      e.time = timeText(t, i);
      e.uid = crypto.randomUUID();
      if ('sid' in e) e.sid = crypto.randomUUID();
      chunk.push(JSON.stringify(e));
      if (chunk.length === 10_000) { fs.writeSync(fd, chunk.join('\n') + '\n'); chunk = []; }
    }
    if (chunk.length > 0) fs.writeSync(fd, chunk.join('\n') + '\n');
    fs.closeSync(fd);
    fs.writeFileSync(marker, String(count));
  }
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}
