/**
 * YAML data files (Panther schemas, the ECS categorization table) parsed at most once per process.
 * Worker threads adopt the documents the main thread parsed (plain data: cheap to clone) instead
 * of parsing them again, which for the two bundled files costs ~200 ms of CPU a thread.
 * Documents are shared: whoever reads one builds its own structures and never writes to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const documents = new Map<string, unknown>();

/** Why a YAML file could not be read: `read` (message: the errno code) or `parse` (first line of the YAML error). */
export class YamlFileError extends Error {
  constructor(readonly stage: 'read' | 'parse', message: string) {
    super(message);
  }
}

export function readYamlFile(file: string): unknown {
  const abs = path.resolve(file);
  if (documents.has(abs)) return documents.get(abs);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new YamlFileError('read', (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new YamlFileError('parse', (err as Error).message.split('\n')[0]);
  }
  documents.set(abs, doc);
  return doc;
}

/** Every document parsed so far, by absolute path: what a worker thread is handed at start. */
export function parsedYamlDocuments(): [string, unknown][] {
  return [...documents];
}

export function adoptYamlDocuments(entries: readonly [string, unknown][]): void {
  for (const [file, doc] of entries) documents.set(file, doc);
}
