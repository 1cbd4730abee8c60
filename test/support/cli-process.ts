/**
 * The real `teleport-otel` CLI (bin/teleport-otel.js, the distribution's components) in a child
 * process, with its stderr collected: for tests of what a user sees when a destination is wrong.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const BIN = path.resolve('bin', 'teleport-otel.js');

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number) and how long the process ran. */
  readonly exit: Promise<{ code: number; ms: number }>;
}

/** `fileSizeLimitKb`: run under `ulimit -f` (writes past it are cut short, then fail with EFBIG). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string, fileSizeLimitKb?: number): CliProcess {
  const started = Date.now();
  const options = { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
  const child = fileSizeLimitKb === undefined
    ? spawn(process.execPath, [BIN, ...args], options)
    : spawn('bash', ['-c', `ulimit -f ${fileSizeLimitKb} && exec "$0" "$@"`, process.execPath, BIN, ...args], options);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; if (process.env.TEST_LOG) process.stderr.write(d); });
  child.stdout!.resume();
  const exit = new Promise<{ code: number; ms: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), ms: Date.now() - started }));
  });
  return { child, stderr: () => err, exit };
}

/** A port free a moment ago, for --metrics-port. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function healthz(port: number): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
