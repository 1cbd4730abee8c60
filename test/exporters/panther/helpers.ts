/** Reading what the panther exporter wrote: files under a directory, gunzipped into lines. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    // A file may be renamed away by a running writer between readdir and stat.
    .filter((f) => fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile() === true)
    .sort();
}

export function published(dir: string): string[] {
  return listFiles(dir).filter((f) => f.startsWith(`logs${path.sep}`));
}

export function linesOf(file: string): string[] {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter((l) => l !== '');
}

export const FILE_NAME = /^logs\/([a-z0-9_]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/(\d{8}T\d{2}0000Z)-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json\.gz$/;
