/**
 * Redaction of a line that is not JSON (a truncated or corrupt event on its way to the dead
 * letter), best effort: a listed field's key followed by a value is found in the text, and the
 * value replaced as the action says. A value that opens an object or array, whose end cannot be
 * trusted in a broken line, ends the line there: what follows is cut rather than risked.
 */
import type { ActionSpec } from './actions';
import type { ClearValues } from './redactor';

export const CUT_MARK = '…[cut by redact: unparsed value]';

export interface TextRule {
  readonly key: RegExp;
  readonly spec: ActionSpec;
}

/** Key patterns for a path: its whole text (`addr.remote`, a key holding dots) or its last segment. */
export function textRule(pathText: string, spec: ActionSpec): TextRule {
  const segments = pathText.split('.');
  const names = [pathText, segments[segments.length - 1]].map(keySource);
  return { key: new RegExp(`"(?:${names.join('|')})"\\s*:\\s*`, 'g'), spec };
}

/** A key name with globs as RegExp source that stays inside the quoted key. */
function keySource(name: string): string {
  let src = '';
  for (const ch of name) src += ch === '*' ? '[^"]*' : ch === '?' ? '[^"]' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  return src;
}

/** The line with the listed fields' values replaced; `clear` gets the values found. */
export function redactUnparsed(line: string, rules: readonly TextRule[], replace: (spec: ActionSpec, text: string) => string | undefined, clear: ClearValues): string {
  let out = line;
  for (const rule of rules) {
    let result = '';
    let last = 0;
    rule.key.lastIndex = 0;
    for (let m = rule.key.exec(out); m !== null; m = rule.key.exec(out)) {
      const start = m.index + m[0].length;
      const value = scanValue(out, start);
      result += out.slice(last, start);
      if (value === undefined) {
        result += JSON.stringify(CUT_MARK);
        last = out.length;
        break;
      }
      const replacement = replace(rule.spec, value.text);
      if (value.text !== '') clear.set(value.text, { spec: rule.spec, replacement });
      result += replacement === undefined ? 'null' : JSON.stringify(replacement);
      last = value.end;
      rule.key.lastIndex = value.end;
    }
    out = result + out.slice(last);
  }
  return out;
}

/** The scalar at `start`: its text (strings unescaped where possible) and where it ends; undefined for `{`/`[`. */
function scanValue(line: string, start: number): { text: string; end: number } | undefined {
  if (line[start] === '"') {
    let i = start + 1;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    const literal = line.slice(start, Math.min(i + 1, line.length));
    let text: string;
    try {
      text = JSON.parse(literal) as string;
    } catch {
      text = literal.slice(1);
    }
    return { text, end: Math.min(i + 1, line.length) };
  }
  const scalar = /^[^,}\]\s]*/.exec(line.slice(start))![0];
  if (line[start] === '{' || line[start] === '[') return undefined;
  return { text: scalar, end: start + scalar.length };
}
