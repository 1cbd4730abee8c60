/**
 * YAML data files (Panther schemas, the ECS categorization table) parsed at most once per process.
 * Worker threads adopt the documents the main thread parsed (plain data: cheap to clone) instead
 * of parsing them again, which for the two bundled files costs ~200 ms of CPU a thread.
 * Documents are shared: whoever reads one builds its own structures and never writes to it.
 *
 * A file may have a parsed copy beside it (`<file>.parsed.json`: the document and the SHA-256 of
 * the YAML text it came from; `npm run docs` writes them for the bundled files). It is used only
 * while the hash matches the file's text, so an edited YAML file is parsed again, never served
 * stale; reading it costs ~1 ms instead of the ~200 ms the YAML parser takes, at every start.
 */
import crypto from 'node:crypto';
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
  let doc = fromParsedCopy(abs, text);
  if (doc === undefined) {
    try {
      doc = YAML.parse(text);
    } catch (err) {
      throw new YamlFileError('parse', (err as Error).message.split('\n')[0]);
    }
  }
  documents.set(abs, doc);
  return doc;
}

export function parsedCopyPath(file: string): string {
  return `${file}.parsed.json`;
}

/** The text of `file`'s parsed copy, for its YAML `text` (throws as YAML.parse does). */
export function parsedCopyText(text: string): string {
  return JSON.stringify({ sha256: sha256(text), document: YAML.parse(text) }) + '\n';
}

/** The document of `file`'s parsed copy when there is one made from exactly `text`. */
function fromParsedCopy(file: string, text: string): unknown {
  let copy: { sha256?: unknown; document?: unknown };
  try {
    copy = JSON.parse(fs.readFileSync(parsedCopyPath(file), 'utf8')) as typeof copy;
  } catch {
    return undefined; // none, or unreadable: the YAML itself is the truth
  }
  return copy !== null && typeof copy === 'object' && copy.sha256 === sha256(text) ? copy.document : undefined;
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Every document parsed so far, by absolute path: what a worker thread is handed at start. */
export function parsedYamlDocuments(): [string, unknown][] {
  return [...documents];
}

export function adoptYamlDocuments(entries: readonly [string, unknown][]): void {
  for (const [file, doc] of entries) documents.set(file, doc);
}
