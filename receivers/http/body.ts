/**
 * A request body into event texts. The Event Handler sends one compact JSON object per request;
 * other senders (Fluent Bit, curl, scripts) batch, so a JSON array and a stream of JSON values
 * (newline-delimited or not) are taken too. Each event keeps its exact bytes as `raw`: the
 * split scans structure without parsing, and the core's decoder judges each piece alone, so one
 * bad event in a batch is dead-lettered alone.
 */
import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';

export type BodyOutcome =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'too_large' }
  /** The client went away before the body ended: nobody to answer. */
  | { readonly kind: 'aborted' }
  /** The body cannot be read as text (corrupt gzip, unknown encoding): kept as base64 for the dead letter. */
  | { readonly kind: 'unreadable'; readonly base64: string; readonly reason: string };

/**
 * Reads the whole body, inflating `Content-Encoding: gzip`, and stops at `limit` bytes (before or
 * after inflation): a huge body is never buffered. Resolves once the body ended or was refused.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const done = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limit) return done({ kind: 'too_large' });
      chunks.push(chunk);
    });
    req.on('error', () => done({ kind: 'aborted' }));
    req.on('close', () => { if (!req.complete) done({ kind: 'aborted' }); });
    req.on('end', () => {
      const body = Buffer.concat(chunks, received);
      if (encoding === 'identity' || encoding === '') return done({ kind: 'ok', text: body.toString('utf8') });
      if (encoding !== 'gzip' && encoding !== 'x-gzip') {
        return done({ kind: 'unreadable', base64: body.toString('base64'), reason: `Content-Encoding ${encoding} is not supported (gzip or none)` });
      }
      // maxOutputLength bounds the inflated size: a small gzip bomb cannot exhaust memory.
      zlib.gunzip(body, { maxOutputLength: limit }, (err, inflated) => {
        if (err === null) return done({ kind: 'ok', text: inflated.toString('utf8') });
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return done({ kind: 'too_large' });
        done({ kind: 'unreadable', base64: body.toString('base64'), reason: `gzip body cannot be inflated: ${err.message}` });
      });
    });
  });
}

/**
 * The event texts of a body: the elements of a top-level array, else each top-level value of a
 * stream of values. A piece that is not valid JSON stays one piece (up to the end of its line
 * when it does not start like JSON), so the decoder dead-letters exactly it.
 */
export function splitEvents(text: string): string[] {
  let i = skipSpace(text, 0);
  if (i === text.length) return [];
  if (text.charCodeAt(i) === 0x5b /* [ */) {
    const end = valueEnd(text, i);
    // One array and nothing after it: its elements are the events.
    if (end !== undefined && skipSpace(text, end) === text.length) return arrayElements(text, i, end);
  }
  const out: string[] = [];
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let end = c === 0x7b || c === 0x5b || c === 0x22 ? valueEnd(text, i) : undefined;
    if (end === undefined) {
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? text.length : nl;
    }
    const piece = text.slice(i, end).trimEnd();
    if (piece !== '') out.push(piece);
    i = skipSpace(text, end);
  }
  return out;
}

/** Elements of the array spanning [start, end), each trimmed. */
function arrayElements(text: string, start: number, end: number): string[] {
  const out: string[] = [];
  let i = skipSpace(text, start + 1);
  const close = end - 1;
  while (i < close) {
    const elementEnd = scanTo(text, i, close);
    const piece = text.slice(i, elementEnd).trim();
    if (piece !== '') out.push(piece);
    i = skipSpace(text, elementEnd + 1);
  }
  return out;
}

/** Position of the next top-level `,` (or `limit`) from `i`, skipping nested values and strings. */
function scanTo(text: string, i: number, limit: number): number {
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 0x2c /* , */) return i;
    if (c === 0x7b || c === 0x5b || c === 0x22) {
      const end = valueEnd(text, i);
      if (end === undefined || end > limit) return limit;
      i = end;
    } else {
      i++;
    }
  }
  return limit;
}

/**
 * End (exclusive) of the object, array or string starting at `i`, by bracket depth outside
 * strings; undefined when it is not closed. A raw newline inside a string is not JSON: the value
 * is cut there, so a broken line does not swallow the lines after it.
 */
function valueEnd(text: string, i: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (inString) {
      if (c === 0x5c /* \ */) j++;
      else if (c === 0x22) {
        inString = false;
        if (depth === 0) return j + 1;
      } else if (c === 0x0a) return j;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth <= 0) return j + 1;
    }
  }
  return undefined;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}
