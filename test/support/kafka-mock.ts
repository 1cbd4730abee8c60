/**
 * A Kafka-protocol broker on loopback for the kafka tests: librdkafka's mock cluster, hosted by
 * Debian's `kcat` (DESIGN §7), started once per test process on first use and stopped by the root
 * hook. kcat runs as a consumer of a keep-alive topic; its stderr names the bootstrap address.
 * Topics auto-create with 4 partitions; state lives in memory, so every test uses fresh topic and
 * group names (`unique`). Producing and reading committed offsets go through the real kafkajs
 * clients; `kcatProduce` produces with librdkafka itself, as a second, independent producer.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Admin, type Message, type Producer, CompressionTypes } from 'kafkajs';

export interface KafkaMock {
  /** `127.0.0.1:PORT` */
  readonly bootstrap: string;
  unique(prefix: string): string;
  /** Produces with kafkajs (gzip batches by default), waiting for the broker's acknowledgement. */
  produce(topic: string, messages: Message[], options?: { compression?: CompressionTypes }): Promise<void>;
  /** Produces one message per value with `kcat -P` (librdkafka's producer), batches compressed with `-z <compression>` when given. */
  kcatProduce(topic: string, values: string[], options?: { partition?: number; key?: string; compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' }): void;
  /** The group's committed offset per partition (-1 when none). */
  committed(groupId: string, topic: string): Promise<Map<number, number>>;
  /** The high watermark per partition. */
  highWatermarks(topic: string): Promise<Map<number, number>>;
  /** The low watermark per partition: above 0 once the mock cluster dropped old messages (it keeps about 5 MB per partition). */
  lowWatermarks(topic: string): Promise<Map<number, number>>;
}

const KCAT = process.env.KCAT ?? 'kcat';

let running: Promise<KafkaMock & { stop(): Promise<void> }> | undefined;

export function kafkaMock(): Promise<KafkaMock> {
  running ??= start();
  return running;
}

export async function stopKafkaMock(): Promise<void> {
  const r = running;
  running = undefined;
  if (r !== undefined) await (await r.catch(() => undefined))?.stop();
}

function startBroker(): Promise<{ child: ChildProcess; bootstrap: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, ['-C', '-q', '-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-t', 'teleport-otel-keepalive'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kcat mock cluster did not start within 10s: ${err}`)); }, 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${KCAT} (${e.message}): install it with \`apt-get install -y kcat\``));
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /Mock cluster enabled: .*replaced with (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, bootstrap: m[1].replace(/,$/, '') });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kcat exited (${code}) before the mock cluster started: ${err}`)); });
  });
}

async function start(): Promise<KafkaMock & { stop(): Promise<void> }> {
  const { child, bootstrap } = await startBroker();
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'teleport-otel-test', logLevel: logLevel.NOTHING });
  let producer: Promise<Producer> | undefined;
  let admin: Promise<Admin> | undefined;
  const getProducer = () => (producer ??= (async () => { const p = kafka.producer(); await p.connect(); return p; })());
  const getAdmin = () => (admin ??= (async () => { const a = kafka.admin(); await a.connect(); return a; })());
  let counter = 0;
  return {
    bootstrap,
    unique: (prefix) => `${prefix}-${process.pid}-${++counter}`,
    async produce(topic, messages, options = {}) {
      const p = await getProducer();
      await p.send({ topic, messages, compression: options.compression ?? CompressionTypes.GZIP, acks: -1 });
    },
    kcatProduce(topic, values, options = {}) {
      const args = ['-P', '-q', '-b', bootstrap, '-t', topic];
      if (options.partition !== undefined) args.push('-p', String(options.partition));
      if (options.key !== undefined) args.push('-K', '\t');
      if (options.compression !== undefined) args.push('-z', options.compression);
      const input = values.map((v) => (options.key !== undefined ? `${options.key}\t${v}` : v)).join('\n') + '\n';
      execFileSync(KCAT, args, { input, stdio: ['pipe', 'ignore', 'pipe'], timeout: 20_000 });
    },
    async committed(groupId, topic) {
      const out = await (await getAdmin()).fetchOffsets({ groupId, topics: [topic] });
      return new Map((out[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    },
    async highWatermarks(topic) {
      const out = await (await getAdmin()).fetchTopicOffsets(topic);
      return new Map(out.map((o) => [o.partition, Number(o.high)]));
    },
    async lowWatermarks(topic) {
      const out = await (await getAdmin()).fetchTopicOffsets(topic);
      return new Map(out.map((o) => [o.partition, Number(o.low)]));
    },
    async stop() {
      await Promise.all([
        producer?.then((p) => p.disconnect()).catch(() => undefined),
        admin?.then((a) => a.disconnect()).catch(() => undefined),
      ]);
      child.kill('SIGTERM');
    },
  };
}
