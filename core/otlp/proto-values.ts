/**
 * OTLP attribute values (KeyValue, AnyValue) in protobuf, for the LogRecord encoder (proto.ts).
 *
 * Short ASCII keys with short ASCII strings, or with lists of them, the common attributes, are
 * written in one go with every length known to fit one byte; anything else is written through
 * reserved and patched lengths (proto-writer.ts), nested containers down to the process's depth
 * limit, deeper ones as their JSON text.
 *
 * Integers: safe integers and bigints within int64 as `int_value`; a bigint beyond int64 as its
 * decimal string (nothing else could hold it); other numbers as `double_value`.
 */
import { jsonText } from '../nesting';
import type { AttributeValue, Attributes } from '../record';
import { otlpValueDepth } from './log-record';
import { copyAscii, ProtoWriter } from './proto-writer';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Longest key + string value written by flatKeyValue: its KeyValue length (k + v + 6) stays under 128. */
const MAX_FLAT = 121;

export class OtlpValueWriter extends ProtoWriter {
  /** A KeyValue in repeated field `field`; `depth`: container levels left before JSON text. */
  protected keyValue(field: number, key: string, value: AttributeValue, depth = otlpValueDepth()): void {
    if (typeof value === 'string') {
      if (key.length + value.length <= MAX_FLAT && this.flatKeyValue(field, key, value)) return;
    } else if (Array.isArray(value) && depth > 0 && this.flatListKeyValue(field, key, value as readonly AttributeValue[])) {
      return;
    }
    const kv = this.begin(field, 1);
    this.string(1, key);
    const any = this.begin(2, 1);
    this.anyValue(value, depth);
    this.end(any, 1);
    this.end(kv, 1);
  }

  /**
   * The common attribute, a short ASCII key with a short ASCII string value, written in one go:
   * every length is then known to fit one byte, so nothing is reserved or patched. False (and
   * nothing written) when either string is not ASCII. The hottest path of the encoder: it writes
   * its key header itself, as keyHeader would (through keyHeader, encoding took 2-3% longer).
   */
  private flatKeyValue(field: number, key: string, value: string): boolean {
    const k = key.length;
    const v = value.length;
    this.ensure(k + v + 8);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = (field << 3) | 2;
    buf[p++] = k + v + 6; // KeyValue: key (2 + k), value (2 + AnyValue: 2 + v)
    buf[p++] = 0x0a; // key (1)
    buf[p++] = k;
    p = copyAscii(buf, p, key);
    if (p < 0) return false;
    buf[p++] = 0x12; // value (2)
    buf[p++] = v + 2;
    buf[p++] = 0x0a; // string_value (1)
    buf[p++] = v;
    p = copyAscii(buf, p, value);
    if (p < 0) return false;
    this.pos = p;
    return true;
  }

  /**
   * The common list attribute (`event.category`, `related.ip`, `p_any_*`): a short ASCII key and
   * a few short ASCII strings, written in one go with every length known to fit one byte. False
   * (and nothing written) for anything else: a non-string item, a non-ASCII one, a longer list.
   */
  private flatListKeyValue(field: number, key: string, list: readonly AttributeValue[]): boolean {
    // value: AnyValue { array_value (2 + ArrayValue: per item 2 + (2 + length)) }
    let items = 0;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (typeof item !== 'string') return false;
      items += 4 + item.length;
    }
    if (key.length + 6 + items > 127) return false;
    this.ensure(key.length + items + 8);
    let p = keyHeader(this.buf, this.pos, field, key, items + 2);
    if (p < 0) return false;
    const buf = this.buf;
    buf[p++] = 0x2a; // array_value (5)
    buf[p++] = items;
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as string;
      buf[p++] = 0x0a; // values (1): AnyValue
      buf[p++] = item.length + 2;
      buf[p++] = 0x0a; // string_value (1)
      buf[p++] = item.length;
      p = copyAscii(buf, p, item);
      if (p < 0) return false;
    }
    this.pos = p;
    return true;
  }

  /** AnyValue content (the caller wrote the tag and patches the length). */
  private anyValue(v: AttributeValue, depth: number): void {
    switch (typeof v) {
      case 'string': this.string(1, v); return;
      case 'boolean':
        this.ensure(2);
        this.buf[this.pos++] = 0x10; // bool_value (2)
        this.buf[this.pos++] = v ? 1 : 0;
        return;
      case 'number':
        this.ensure(11);
        if (v >= 0 && v <= 0xfffffff && Number.isInteger(v)) {
          this.buf[this.pos++] = 0x18; // int_value (3)
          this.varint(v);
        } else if (Number.isSafeInteger(v)) {
          this.buf[this.pos++] = 0x18;
          this.int64(BigInt(v));
        } else {
          this.buf[this.pos++] = 0x21; // double_value (4), fixed64
          this.buf.writeDoubleLE(v, this.pos);
          this.pos += 8;
        }
        return;
      case 'bigint':
        if (v >= INT64_MIN && v <= INT64_MAX) {
          this.ensure(11);
          this.buf[this.pos++] = 0x18;
          this.int64(v);
        } else {
          this.string(1, v.toString());
        }
        return;
      default:
        if (depth === 0) {
          this.string(1, jsonText(v));
        } else if (Array.isArray(v)) {
          const arr = this.begin(5, 1); // array_value: ArrayValue { repeated AnyValue values = 1 }
          for (let i = 0; i < v.length; i++) {
            const item = this.begin(1, 1);
            this.anyValue((v as AttributeValue[])[i], depth - 1);
            this.end(item, 1);
          }
          this.end(arr, 1);
        } else {
          const list = this.begin(6, 1); // kvlist_value: KeyValueList { repeated KeyValue values = 1 }
          const map = v as Attributes;
          for (const key in map) this.keyValue(1, key, map[key], depth - 1);
          this.end(list, 1);
        }
    }
  }
}

/**
 * At `p`, a KeyValue's tag and one-byte length, its ASCII key, and the tag and one-byte length of
 * its value, whose AnyValue takes `value` bytes; returns where the AnyValue's content starts, or
 * -1 when the key is not ASCII. The caller ensured the room.
 */
function keyHeader(buf: Buffer, p: number, field: number, key: string, value: number): number {
  const k = key.length;
  buf[p++] = (field << 3) | 2;
  buf[p++] = k + 4 + value; // key (2 + k), value (2 + value)
  buf[p++] = 0x0a; // key (1)
  buf[p++] = k;
  p = copyAscii(buf, p, key);
  if (p < 0) return -1;
  buf[p++] = 0x12; // value (2)
  buf[p++] = value;
  return p;
}
