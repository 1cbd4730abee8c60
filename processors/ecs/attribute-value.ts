/**
 * Teleport JSON values as OTLP attribute values. OTLP has no null, so nulls are dropped; objects
 * and arrays without nulls are shared with the decoded event (read-only), never copied.
 */
import type { AttributeValue } from '../../core/record';

/** The value as an attribute: scalars as they are, objects/arrays shared unless they hold nulls. */
export function toAttribute(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object':
      if (value === null) return undefined;
      return hasNull(value) ? withoutNulls(value) : (value as AttributeValue);
    default:
      return undefined;
  }
}

function hasNull(v: object): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (x === null || (typeof x === 'object' && hasNull(x))) return true;
    return false;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x === null || (typeof x === 'object' && hasNull(x as object))) return true;
  }
  return false;
}

function withoutNulls(v: object): AttributeValue {
  if (Array.isArray(v)) {
    const out: AttributeValue[] = [];
    for (const x of v) { const y = toAttribute(x); if (y !== undefined) out.push(y); }
    return out;
  }
  const out: Record<string, AttributeValue> = {};
  for (const k in v) { const y = toAttribute((v as Record<string, unknown>)[k]); if (y !== undefined) out[k] = y; }
  return out;
}
