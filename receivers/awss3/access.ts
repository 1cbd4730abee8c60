/**
 * Credential and permission failures: no retry fixes them, so they are told apart from outages.
 * Under `--once` they end the run with one line; while running, they are retried with backoff (a
 * role can be granted, a secret rotated) and the receiver reports itself failing, with the line.
 */
import { LocatedError } from '../../core/errors';
import { awsMessage } from './object-reader';

/** Error names (the SDK's error types) that mean the credentials are missing, wrong or not allowed. */
const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const KEY_ERRORS = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidClientTokenId', 'UnrecognizedClientException',
  'ExpiredToken', 'ExpiredTokenException', 'InvalidToken', 'MissingAuthenticationToken', 'IncompleteSignature',
]);
const DENIED_ERRORS = new Set(['AccessDenied', 'AccessDeniedException', 'AllAccessDisabled', 'AuthorizationError', 'KMS.AccessDeniedException']);

type Kind = 'no-credentials' | 'bad-key' | 'denied';

function accessKind(err: unknown): Kind | undefined {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = e?.name ?? '';
  if (CREDENTIAL_ERRORS.has(name)) return 'no-credentials';
  if (KEY_ERRORS.has(name) || KEY_ERRORS.has(e?.Code ?? '')) return 'bad-key';
  if (DENIED_ERRORS.has(name) || e?.$metadata?.httpStatusCode === 403) return 'denied';
  return undefined;
}

/**
 * The one line for a credential or access error, naming the receiver's config key, the AWS call and
 * what to do; undefined when `err` is something else (an outage, throttling, a missing object).
 * `setting` is the config key of what was accessed (`receivers.awss3/x.s3.bucket`), `target` the
 * resource (`s3://bucket/prefix`), `call` the AWS action and `permission` the IAM action it needs.
 */
export function accessError(err: unknown, setting: string, target: string, call: string, permission: string): LocatedError | undefined {
  const kind = accessKind(err);
  if (kind === undefined) return undefined;
  const advice = {
    'no-credentials': 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the process a role (instance, task, web identity)',
    'bad-key': 'the AWS credentials were refused: check the access key, the secret and the session token (expired?)',
    denied: `access denied: allow ${permission} on ${target} to these credentials`,
  }[kind];
  return new LocatedError(`${setting}: ${call} ${target}: ${advice} (${awsMessage(err)})`, { cause: err });
}
