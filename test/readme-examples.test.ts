/**
 * Examples that keep the promise: every ```yaml block of every README that is a pipeline config
 * passes the same validation as `teleport-otel validate` (syntax, every component's settings,
 * pipeline references), and none truncates a `file` exporter's output on restart while a receiver
 * resumes after its checkpoint. A block that is deliberately a fragment is preceded by
 * `<!-- example: fragment (why) -->`, and the test counts such blocks so they stay few and visible.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../core/config/load';
import { UserError } from '../core/errors';
import { registry } from '../components';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.build', '.git', 'data', 'out', 'bench']);
const FRAGMENT = '<!-- example: fragment';
const SECTIONS = /^(receivers|processors|exporters|service):/m;

function readmes(dir = '.'): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) out.push(...readmes(path.join(dir, entry.name)));
    else if (entry.isFile() && entry.name.endsWith('.md')) out.push(path.join(dir, entry.name));
  }
  return out;
}

interface Example { file: string; line: number; text: string; fragment: boolean }

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of readmes()) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== '```yaml') continue;
      const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
      const text = lines.slice(i + 1, end).join('\n');
      const fragment = lines.slice(Math.max(0, i - 2), i).some((l) => l.includes(FRAGMENT));
      if (SECTIONS.test(text)) out.push({ file, line: i + 2, text, fragment });
      i = end;
    }
  }
  return out;
}

/** Values for the `${env:...}` references without a default, as a user would have set them. */
function envFor(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [, name] of text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)) env[name] = /ENDPOINT|URL/.test(name) ? 'https://otlp.example.com:4318' : /KEY|SECRET|TOKEN|PASSWORD/.test(name) ? 'example-secret-of-32-characters!' : 'example-value';
  return env;
}

describe('README examples', () => {
  const all = examples();

  it('are found in the top README and the component READMEs', () => {
    const files = new Set(all.map((e) => e.file));
    assert.ok(files.has('README.md'), [...files].join(', '));
    for (const dir of ['receivers/filelog', 'receivers/http', 'receivers/awss3', 'receivers/kafka', 'exporters/file', 'exporters/otlphttp']) {
      assert.ok(files.has(path.join(dir, 'README.md')), `${dir}/README.md has no pipeline example`);
    }
  });

  it('are few fragments, each marked', () => {
    const fragments = all.filter((e) => e.fragment).map((e) => `${e.file}:${e.line}`);
    assert.ok(fragments.length <= 3, `too many fragments: ${fragments.join(', ')}`);
  });

  for (const e of examples().filter((x) => !x.fragment)) {
    it(`${e.file}:${e.line} passes validate`, () => {
      try {
        parseConfig(e.text, `${e.file}:${e.line}`, registry, envFor(e.text));
      } catch (err) {
        if (err instanceof UserError) assert.fail(`${e.file}:${e.line}:\n${err.lines.join('\n')}`);
        throw err;
      }
    });

    it(`${e.file}:${e.line} appends to its file outputs (a restart resumes after the checkpoint)`, () => {
      const config = parseConfig(e.text, e.file, registry, envFor(e.text));
      for (const [id, c] of config.exporters) {
        if (c.factory.type !== 'file') continue;
        assert.equal((c.config as { append: boolean }).append, true, `${e.file}:${e.line}: exporters.${id} truncates its file at each start; set append: true`);
      }
    });
  }
});
