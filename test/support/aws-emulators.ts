/**
 * S3 and SQS on loopback for the awss3 tests, started once per test process (stopped by the root
 * hook): s3rver for S3 (fauxqs 1.9.2 drops Content-Encoding on GetObject) and fauxqs for SQS,
 * both in this process on ephemeral ports, so child processes under test reach them over TCP.
 * No emulator delivers S3 event notifications, so the harness plays AWS's part: after a PutObject
 * it sends the notification AWS would send (eventVersion 2.1, the key form-encoded), bare or
 * wrapped by SNS. The real AWS SDK clients talk to both, with the dummy credentials s3rver accepts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { tmpDir } from './service';

/** s3rver accepts only these; the receivers under test find them in the environment (the SDK's chain). */
export const AWS_TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

export interface ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

export interface AwsEmulators {
  readonly s3Endpoint: string;
  readonly sqsEndpoint: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** A name no other test of this run uses. */
  unique(prefix: string): string;
  createBucket(name: string): Promise<void>;
  /** Returns the queue URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** `body` as bytes, or `{ file }` streamed from disk (for objects too big to hold). */
  putObject(bucket: string, key: string, body: string | Buffer | { file: string }, meta?: { contentEncoding?: string; contentType?: string }): Promise<ObjectInfo>;
  /** The S3 event notification AWS would send for these objects, bare or SNS-wrapped. */
  notify(queueUrl: string, objects: ObjectInfo[], options?: { sns?: boolean; eventName?: string }): Promise<void>;
  sendTestEvent(queueUrl: string, bucket: string): Promise<void>;
  sendRaw(queueUrl: string, body: string): Promise<void>;
  /** Messages visible, in flight (received, not deleted) and delayed, as SQS counts them. */
  queueCounts(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }>;
}

let running: Promise<AwsEmulators & { stop(): Promise<void> }> | undefined;

/** The emulators of this test process, started on first use. */
export function awsEmulators(): Promise<AwsEmulators> {
  running ??= start();
  return running;
}

export async function stopAwsEmulators(): Promise<void> {
  const r = running;
  running = undefined;
  if (r !== undefined) await (await r).stop();
}

/** fauxqs is an ES module; TypeScript's CommonJS output would turn `import()` into `require`. */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

async function start(): Promise<AwsEmulators & { stop(): Promise<void> }> {
  Object.assign(process.env, AWS_TEST_ENV);
  const fauxqs = await importEsm('fauxqs') as { buildApp(o: { logger: boolean }): { listen(o: { port: number; host: string }): Promise<string>; close(): Promise<void> } };
  const sqsApp = fauxqs.buildApp({ logger: false });
  const sqsEndpoint = (await sqsApp.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };
  const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: tmpDir('teleport-otel-s3rver-') });
  const s3Endpoint = `http://127.0.0.1:${(await s3rver.run()).port}`;
  // s3rver predates aws-chunked uploads: checksums only where S3 requires them.
  const s3 = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsEndpoint });
  let counter = 0;
  const send = async (queueUrl: string, body: string) => { await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })); };
  return {
    s3Endpoint, sqsEndpoint, s3, sqs,
    unique: (prefix) => `${prefix}-${process.pid}-${++counter}`,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createQueue(name, attributes) {
      return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    },
    async putObject(bucket, key, body, meta = {}) {
      const isFile = typeof body === 'object' && !Buffer.isBuffer(body);
      const size = isFile ? fs.statSync(body.file).size : Buffer.byteLength(body);
      await s3.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: isFile ? fs.createReadStream(body.file) : body, ContentLength: size,
        ContentEncoding: meta.contentEncoding, ContentType: meta.contentType,
      }));
      return { bucket, key, size };
    },
    async notify(queueUrl, objects, options = {}) {
      const event = { Records: objects.map((o) => s3EventRecord(o, options.eventName ?? 'ObjectCreated:Put')) };
      await send(queueUrl, options.sns ? snsWrap(JSON.stringify(event)) : JSON.stringify(event));
    },
    async sendTestEvent(queueUrl, bucket) {
      const event = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: bucket, RequestId: hex(8), HostId: hex(32) };
      await send(queueUrl, JSON.stringify(event));
    },
    sendRaw: send,
    async queueCounts(queueUrl) {
      const out = await sqs.send(new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }));
      const a = out.Attributes ?? {};
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    async stop() {
      s3.destroy();
      sqs.destroy();
      await sqsApp.close();
      await s3rver.close();
    },
  };
}

/** One record of an S3 event notification, as AWS documents it (eventVersion 2.1). */
function s3EventRecord(o: ObjectInfo, eventName: string): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date().toISOString(),
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': hex(32) },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'teleport-audit',
      bucket: { name: o.bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${o.bucket}` },
      object: { key: formEncode(o.key), size: o.size, eTag: hex(16), sequencer: hex(9).toUpperCase() },
    },
  };
}

/** S3 form-encodes keys in notifications: a space is `+`, and `+` itself `%2B`. */
function formEncode(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function snsWrap(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:teleport-audit',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: Buffer.from(hex(64)).toString('base64'),
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  });
}

function hex(bytes: number): string {
  return crypto.randomBytes(bytes).toString('hex');
}
