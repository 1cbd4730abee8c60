/**
 * `validate` checks the files and directories a config names, once in the core, for every field
 * declared with `localPath`: errors when the config cannot work, warnings when a path may still
 * appear before the start. Through the real CLI, as a user runs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../support/service';

const BIN = path.resolve('bin', 'teleport-otel.js');

function validate(config: string, asNobody = false) {
  const user = asNobody && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return spawnSync(process.execPath, [BIN, 'validate', '-c', config], { encoding: 'utf8', cwd: path.dirname(config), ...user });
}

describe('validate: files and directories the config names', function () {
  this.timeout(30_000);

  it('reports every path that cannot work, each with its config key and the OS error', () => {
    const dir = tmpDir();
    const aFile = path.join(dir, 'a-file');
    fs.writeFileSync(aFile, '');
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  http:
    endpoint: 127.0.0.1:0
    tls:
      cert_file: ${path.join(dir, 'missing.crt')}
      key_file: ${dir}
  filelog:
    include: [${path.join(dir, '*.log')}, ${path.join(aFile, '**', '*.log')}]
    storage: ${path.join(aFile, 'state')}
exporters:
  panther:
    directory: ${aFile}
  file/out:
    path: ${dir}
    append: true
service:
  pipelines:
    logs:
      receivers: [http, filelog]
      exporters: [panther, file/out]
`);
    const r = validate(config);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n').sort(), [
      `exporters.file/out.path: ${dir} is a directory, not a file`,
      `exporters.panther.directory: ${aFile} is not a directory`,
      `receivers.filelog.include[1]: ${JSON.stringify(path.join(aFile, '**', '*.log'))}: ${aFile} is not a directory`,
      `receivers.filelog.storage: cannot create ${path.join(aFile, 'state')}: ${aFile} is not a directory`,
      `receivers.http.tls.cert_file: cannot read ${path.join(dir, 'missing.crt')}: ENOENT: no such file or directory`,
      `receivers.http.tls.key_file: ${dir} is not a file`,
    ]);
  });

  it('passes paths that work, and warns about a directory this user cannot create yet', () => {
    const dir = tmpDir();
    fs.chmodSync(dir, 0o755);
    const cert = path.join(dir, 'server.crt');
    fs.writeFileSync(cert, 'not checked here: only that it can be read\n', { mode: 0o644 });
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o755 });
    if (process.getuid?.() !== 0) fs.chmodSync(locked, 0o555);
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  http:
    endpoint: 127.0.0.1:0
    tls: {cert_file: ${cert}, key_file: ${cert}}
  filelog:
    include: [${path.join(dir, 'not-yet', '**', '*.log')}, ${path.join(dir, '*.crt')}]
exporters:
  panther:
    directory: ${path.join(locked, 'panther')}
service:
  pipelines:
    logs: {receivers: [http, filelog], exporters: [panther]}
`, { mode: 0o644 });
    const r = validate(config, true);
    fs.chmodSync(locked, 0o755);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, [
      `warning: receivers.filelog.include[0]: ${JSON.stringify(path.join(dir, 'not-yet', '**', '*.log'))} matches nothing yet: ${path.join(dir, 'not-yet')}: ENOENT: no such file or directory`,
      `warning: exporters.panther.directory: ${path.join(locked, 'panther')} does not exist, and this user cannot create it in ${locked}; create it (or mount a volume there) before the start`,
      '',
    ].join('\n'));
    assert.match(r.stdout, /valid \(1 pipeline\)/);
  });

  it('a glob whose directory this user may not list is an error for validate', () => {
    const dir = tmpDir();
    fs.chmodSync(dir, 0o755);
    const locked = path.join(dir, 'log');
    fs.mkdirSync(locked);
    fs.chmodSync(locked, process.getuid?.() === 0 ? 0o700 : 0o000);
    const config = path.join(dir, 'pipeline.yaml');
    fs.writeFileSync(config, `
receivers:
  filelog:
    include: [${path.join(locked, '**', '*.log')}]
exporters:
  debug: {}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [debug]}
`, { mode: 0o644 });
    const r = validate(config, true);
    fs.chmodSync(locked, 0o755);
    assert.equal(r.status, 1, r.stdout);
    assert.equal(r.stderr, `receivers.filelog.include[0]: ${JSON.stringify(path.join(locked, '**', '*.log'))}: cannot list ${locked}: this user may not (EACCES: permission denied)\n`);
  });
});
