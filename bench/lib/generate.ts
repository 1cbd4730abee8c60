/**
 * Realistic Teleport audit lines in any number: the well-formed sample events bundled in
 * examples/teleport-log, cycled, each with a fresh uid, session id and an advancing time, so
 * nothing downstream can cache by content.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The bundled sample events that parse as JSON objects. */
export function sampleEvents(): Record<string, unknown>[] {
  const root = path.join(repoRoot(), 'examples', 'teleport-log');
  const out: Record<string, unknown>[] = [];
  for (const dir of fs.readdirSync(root)) {
    const sub = path.join(root, dir);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const file of fs.readdirSync(sub).sort()) {
      for (const line of fs.readFileSync(path.join(sub, file), 'utf8').split('\n')) {
        try {
          const v = JSON.parse(line);
          if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v);
        } catch { /* the samples hold a few malformed lines on purpose */ }
      }
    }
  }
  return out;
}

/**
 * Writes `count` lines to `file` (reused when it already holds that many) and reads it through
 * once, so that the first measured job (the floor) does not pay for the disk while later ones
 * find the file cached. Returns its size.
 */
export function generateFile(file: string, count: number): number {
  const marker = `${file}.count`;
  if (!(fs.existsSync(file) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === String(count))) write(file, count);
  warmPageCache(file);
  return fs.statSync(file).size;
}

function warmPageCache(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  fs.closeSync(fd);
}

function write(file: string, count: number): void {
  const marker = `${file}.count`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const events = sampleEvents();
  const fd = fs.openSync(file, 'w');
  let t = Date.parse('2024-02-23T00:00:00Z');
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const e = { ...events[i % events.length] };
    t += 37;
    e.time = new Date(t).toISOString().replace('Z', `${String(i % 1000).padStart(3, '0')}Z`).replace(/\.(\d{3})(\d{3})Z$/, '.$1$2Z');
    e.uid = crypto.randomUUID();
    if ('sid' in e) e.sid = crypto.randomUUID();
    chunk.push(JSON.stringify(e));
    if (chunk.length === 10_000) { fs.writeSync(fd, chunk.join('\n') + '\n'); chunk = []; }
  }
  if (chunk.length > 0) fs.writeSync(fd, chunk.join('\n') + '\n');
  fs.closeSync(fd);
  fs.writeFileSync(marker, String(count));
}
