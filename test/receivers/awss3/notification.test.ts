/** Notification parsing (every shape S3 and SNS send) and the config's cross-field rules, exact lines. */
import assert from 'node:assert/strict';
import { decodeKey, parseNotification } from '../../../receivers/awss3/notification';
import { receiverConfigErrors } from './helpers';

const record = (key: string, eventName = 'ObjectCreated:Put', eventVersion = '2.1') => ({
  eventVersion, eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'b' }, object: { key, size: 7 } },
});

describe('awss3 notifications', () => {
  it('reads bare and SNS-wrapped events, form-decoding keys; skips other event types; knows the TestEvent', () => {
    const event = { Records: [record('logs/a+b%2Bc%20d.log'), record('x.log', 'ObjectRemoved:Delete'), record('logs/%E2%82%AC.gz', 'ObjectCreated:CompleteMultipartUpload', '2.2')] };
    const want = { kind: 'objects', ignored: 1, objects: [{ bucket: 'b', key: 'logs/a b+c d.log', size: 7 }, { bucket: 'b', key: 'logs/€.gz', size: 7 }] };
    assert.deepEqual(parseNotification(JSON.stringify(event)), want);
    assert.deepEqual(parseNotification(JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify(event) })), want);
    assert.deepEqual(parseNotification(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' })), { kind: 'test' });
    assert.deepEqual(parseNotification(JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ Event: 's3:TestEvent' }) })), { kind: 'test' });
    assert.equal(decodeKey('a%ZZ'), undefined);
  });

  it('says why a message is not a notification', () => {
    const reasons = [
      'hello',
      '[1]',
      '{"Type":"Notification","Message":"{oops"}',
      '{"foo":1}',
      JSON.stringify({ Records: [record('k', 'ObjectCreated:Put', '1.0')] }),
      JSON.stringify({ Records: [{ ...record('k'), s3: { bucket: { name: 'b' }, object: {} } }] }),
      JSON.stringify({ Records: [record('bad%ZZ')] }),
    ].map((body) => { const n = parseNotification(body); return n.kind === 'invalid' ? n.reason.replace(/: .*position.*$/, ': …') : n.kind; });
    assert.deepEqual(reasons, [
      'not JSON: Unexpected token \'h\', "hello" is not valid JSON',
      'not a JSON object',
      'an SNS notification whose Message is not JSON: Expected property name or \'}\' in JSON at position 1',
      'no Records list: not an S3 event notification',
      'Records[0].eventVersion is "1.0", not 2.x',
      'Records[0].s3.object.key is missing',
      'Records[0].s3.object.key "bad%ZZ" is not form-encoded',
    ].map((r) => r.replace(/: .*position.*$/, ': …')));
  });
});

describe('awss3 config', () => {
  it('accepts each mode alone', () => {
    assert.deepEqual(receiverConfigErrors('{sqs: {queue_url: "https://sqs.eu-west-1.amazonaws.com/1/q"}}'), []);
    assert.deepEqual(receiverConfigErrors('{s3: {bucket: b, prefix: logs/}, storage: /tmp/x}'), []);
  });

  it('reports every mistake at once, each with its path', () => {
    assert.deepEqual(receiverConfigErrors('{s3: {}}'), ['receivers.awss3.sqs.queue_url: required unless s3.bucket is set (backfill mode)']);
    assert.deepEqual(receiverConfigErrors('{sqs: {queue_url: q, max_messages: 11, workers: 0}, s3: {force_path_style: maybe}}'), [
      'receivers.awss3.sqs.max_messages: must be at most 10',
      'receivers.awss3.sqs.workers: must be at least 1',
      'receivers.awss3.s3.force_path_style: must be true or false',
    ]);
    assert.deepEqual(receiverConfigErrors('{sqs: {queue_url: q, wait_time: 30s, visibility_timeout: 1500ms}, s3: {bucket: b}, storage: /x}'), [
      'receivers.awss3.s3.bucket: backfill mode cannot be combined with sqs; use two receivers',
      'receivers.awss3.sqs.wait_time: must be at most 20s (the SQS long-poll limit)',
      'receivers.awss3.sqs.visibility_timeout: must be whole seconds (SQS counts in seconds)',
      'receivers.awss3.storage: only used in backfill mode (s3.bucket); SQS keeps the state of notification mode',
    ]);
  });
});
