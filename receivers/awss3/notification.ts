/**
 * S3 event notifications as SQS delivers them: the S3 event JSON (eventVersion 2.x) as the body,
 * or wrapped by SNS (`Type: Notification`, the event as a string in `Message`), as AWS documents
 * them. Pure: no I/O, so every shape is testable on its own.
 */

/** One object a notification announces. */
export interface ObjectRef {
  readonly bucket: string;
  /** Decoded: the key as stored, not as the notification spells it. */
  readonly key: string;
  readonly size?: number;
}

export type Notification =
  /** `s3:TestEvent`, sent by S3 when a notification configuration is saved: nothing to read. */
  | { readonly kind: 'test' }
  /** `ignored`: records of other event types (removals, restores...), counted and skipped. */
  | { readonly kind: 'objects'; readonly objects: ObjectRef[]; readonly ignored: number }
  /** Not a notification at all: dead-lettered with `reason`, and deleted. */
  | { readonly kind: 'invalid'; readonly reason: string };

export function parseNotification(body: string): Notification {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return invalid(`not JSON: ${(err as Error).message}`);
  }
  if (isObject(value) && value.Type === 'Notification' && typeof value.Message === 'string') {
    try {
      value = JSON.parse(value.Message);
    } catch (err) {
      return invalid(`an SNS notification whose Message is not JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(value)) return invalid('not a JSON object');
  if (value.Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(value.Records)) return invalid('no Records list: not an S3 event notification');
  const objects: ObjectRef[] = [];
  let ignored = 0;
  for (const [i, r] of value.Records.entries()) {
    const parsed = parseRecord(r, i);
    if (typeof parsed === 'string') return invalid(parsed);
    if (parsed === undefined) ignored++;
    else objects.push(parsed);
  }
  return { kind: 'objects', objects, ignored };
}

/** An object to read; undefined for another event type; a string says why the record is malformed. */
function parseRecord(r: unknown, i: number): ObjectRef | undefined | string {
  const where = `Records[${i}]`;
  if (!isObject(r)) return `${where} is not an object`;
  if (typeof r.eventVersion !== 'string' || !/^2\./.test(r.eventVersion)) return `${where}.eventVersion is ${JSON.stringify(r.eventVersion)}, not 2.x`;
  if (typeof r.eventName !== 'string') return `${where}.eventName is missing`;
  if (!r.eventName.startsWith('ObjectCreated:')) return undefined;
  const s3 = isObject(r.s3) ? r.s3 : undefined;
  const bucket = isObject(s3?.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3?.object) ? s3.object : undefined;
  if (typeof bucket !== 'string' || bucket === '') return `${where}.s3.bucket.name is missing`;
  if (typeof object?.key !== 'string' || object.key === '') return `${where}.s3.object.key is missing`;
  const key = decodeKey(object.key);
  if (key === undefined) return `${where}.s3.object.key ${JSON.stringify(object.key)} is not form-encoded`;
  return { bucket, key, size: typeof object.size === 'number' ? object.size : undefined };
}

/**
 * Teleport Cloud's bucket holds session recordings beside the audit log: `sessions/<id>.tar`,
 * binary archives, never audit rows. Read as lines they would only fill the dead letter.
 */
export function isSessionRecording(key: string): boolean {
  return key.startsWith('sessions/') || key.endsWith('.tar');
}

/** S3 form-encodes keys in notifications: `+` is a space, then percent-decoding (so `%2B` is `+`). */
export function decodeKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function invalid(reason: string): Notification {
  return { kind: 'invalid', reason };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
