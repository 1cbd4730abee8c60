import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadCategoryTable } from '../../processors/ecs/categories';
import { loadPantherSchema } from '../../core/panther/schema';
import YAML from 'yaml';
import { adoptYamlDocuments, parsedCopyPath, parsedCopyText, parsedYamlDocuments, readYamlFile, YamlFileError } from '../../core/yaml-file';
import { bundledYamlFiles } from '../../scripts/generate-docs';
import { tmpDir } from '../support/service';

describe('YAML data files', () => {
  it('are parsed once per process: a file changed since is not read again', () => {
    const file = path.join(tmpDir(), 'table.yaml');
    fs.writeFileSync(file, 'a: 1\n');
    assert.deepEqual(readYamlFile(file), { a: 1 });
    fs.writeFileSync(file, 'a: 2\n');
    assert.deepEqual(readYamlFile(file), { a: 1 });
    assert.ok(parsedYamlDocuments().some(([f, doc]) => f === file && (doc as { a: number }).a === 1));
  });

  it('adopted from the main thread serve the loaders without the file (how workers start)', () => {
    const dir = tmpDir();
    const schemaFile = path.join(dir, 'gone.schema.yml');
    const tableFile = path.join(dir, 'gone-categories.yaml');
    adoptYamlDocuments([
      [schemaFile, { schema: 'Custom.Adopted', fields: [{ name: 'time', type: 'timestamp', timeFormats: ['rfc3339'], isEventTime: true, required: true }] }],
      [tableFile, { types: { 'user.login': { category: ['authentication'], type: ['start'] } } }],
    ]);
    assert.equal(fs.existsSync(schemaFile), false);
    assert.equal(loadPantherSchema(schemaFile).logType, 'Custom.Adopted');
    assert.deepEqual([...loadCategoryTable(tableFile).types.get('user.login')!.category], ['authentication']);
  });

  it('say whether the file could not be read or is not YAML, and are not remembered then', () => {
    const dir = tmpDir();
    const missing = path.join(dir, 'missing.yaml');
    assert.throws(() => readYamlFile(missing), (e: unknown) => e instanceof YamlFileError && e.stage === 'read' && e.message === 'ENOENT');
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'a: [1, 2\n');
    assert.throws(() => readYamlFile(broken), (e: unknown) => e instanceof YamlFileError && e.stage === 'parse' && !e.message.includes('\n'));
    fs.writeFileSync(broken, 'a: [1, 2]\n');
    assert.deepEqual(readYamlFile(broken), { a: [1, 2] });
    assert.throws(() => loadPantherSchema(missing), /missing\.yaml: cannot read the Panther schema: ENOENT$/);
    const notYaml = path.join(dir, 'not-yaml.yml');
    fs.writeFileSync(notYaml, 'schema: [\n');
    assert.throws(() => loadPantherSchema(notYaml), /not-yaml\.yml: not valid YAML: [^\n]+$/);
    assert.throws(() => loadCategoryTable(notYaml), /cannot read ECS categories from .*not-yaml\.yml: [^\n]+$/);
  });

  it('use a parsed copy only while it was made from the file as it is; the bundled copies are current', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'copy.yaml');
    fs.writeFileSync(file, 'a: 1\n');
    // A copy of other text (the file was edited since): ignored, the YAML is parsed.
    fs.writeFileSync(parsedCopyPath(file), parsedCopyText('a: 2\n'));
    assert.deepEqual(readYamlFile(file), { a: 1 });
    const edited = path.join(dir, 'copy2.yaml');
    fs.writeFileSync(edited, 'a: 1\n');
    // A copy of this very text is used (its document marked so the test can tell).
    const copy = JSON.parse(parsedCopyText('a: 1\n')) as { sha256: string; document: unknown };
    fs.writeFileSync(parsedCopyPath(edited), JSON.stringify({ ...copy, document: { a: 1, fromCopy: true } }));
    assert.deepEqual(readYamlFile(edited), { a: 1, fromCopy: true });
    const junk = path.join(dir, 'copy3.yaml');
    fs.writeFileSync(junk, 'b: [x]\n');
    fs.writeFileSync(parsedCopyPath(junk), '{not json');
    assert.deepEqual(readYamlFile(junk), { b: ['x'] });

    const bundled = bundledYamlFiles();
    assert.ok(bundled.length >= 2);
    for (const yamlFile of bundled) {
      const text = fs.readFileSync(yamlFile, 'utf8');
      assert.equal(fs.readFileSync(parsedCopyPath(yamlFile), 'utf8'), parsedCopyText(text), `${yamlFile}: parsed copy is stale; run npm run docs`);
      assert.deepEqual(JSON.parse(parsedCopyText(text)).document, YAML.parse(text));
    }
  });
});
