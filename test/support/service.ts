/** Runs a pipeline config in-process with the test registry. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../core/config/load';
import { Service } from '../../core/pipeline/service';
import { createLogger, silentLogger } from '../../core/telemetry/logger';
import { testRegistry } from './test-registry';

export async function startService(yaml: string, options: { once?: boolean; dataDir?: string; onceFailingTimeoutMs?: number } = {}): Promise<Service> {
  const config = parseConfig(yaml, 'test.yaml', testRegistry, {});
  const logger = process.env.TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger;
  const service = new Service(config, {
    logger, dataDir: options.dataDir ?? tmpDir(), once: options.once ?? true,
    registry: testRegistry,
    logLevel: process.env.TEST_LOG ? 'debug' : 'error',
    onceFailingTimeoutMs: options.onceFailingTimeoutMs,
  });
  await service.start();
  return service;
}

const created: string[] = [];

/** A fresh scratch directory, removed when the test run ends (see hooks.ts). */
export function tmpDir(prefix = 'teleport-otel-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** KEEP_TMP=1 leaves them for a look after a failure. */
export function removeTmpDirs(): void {
  if (process.env.KEEP_TMP) return;
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Resolves after `ms`; for observing that something has NOT happened yet. */
export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
