/**
 * Elastic's Teleport integration (1.6.3) categorization, as test fixtures/ecs/ecs-categorization.md
 * describes it rule by rule, mistakes included. Used only to check which of our table's choices
 * differ from Elastic's, so each difference is a documented, deliberate fix.
 */
export interface ElasticCategorization {
  category?: string[];
  type?: string[];
}

interface Rule {
  match: (event: string) => boolean;
  category: string[] | undefined;
  /** Full event name -> event.type. */
  types: Record<string, string[]>;
}

const prefix = (p: string) => (e: string) => e.startsWith(p);
const exact = (x: string) => (e: string) => e === x;
const t = (...values: string[]) => values;

const RULES: Rule[] = [
  { match: prefix('access_list.'), category: ['configuration', 'iam'], types: {
    'access_list.create': t('creation'), 'access_list.delete': t('deletion'),
    'access_list.member.create': t('creation'), 'access_list.member.delete': t('deletion'),
    'access_list.member.delete_all_members': t('deletion'), 'access_list.member.update': t('change'),
    'access_list.review': t('info'), 'access_list.update': t('change') } },
  { match: prefix('access_request.'), category: ['session', 'iam'], types: {
    'access_request.create': t('creation'), 'access_request.delete': t('deletion'), 'access_request.review': t('info'),
    'access_request.search': t('info'), 'access_request.update': t('change') } },
  { match: (e) => e.startsWith('app.') && !e.startsWith('app.session.'), category: ['process', 'configuration'], types: {
    'app.create': t('creation'), 'app.delete': t('deletion'), 'app.update': t('change') } },
  { match: prefix('app.session.'), category: ['session'], types: {
    'app.session.chunk': t('info'), 'app.session.dynamodb.request': t('info'), 'app.session.end': t('end'), 'app.session.start': t('start') } },
  { match: prefix('auth'), category: ['authentication'], types: { auth: t('info'), 'auth_preference.update': t('change') } },
  { match: prefix('billing.'), category: ['configuration', 'iam'], types: {
    'billing.create_card': t('creation'), 'billing.delete_card': t('deletion'), 'billing.update_card': t('change'), 'billing.update_info': t('change') } },
  { match: prefix('bot.'), category: ['process', 'host'], types: {
    'bot.create': t('start'), 'bot.delete': t('end'), 'bot.join': t('info'), 'bot.update': t('info') } },
  { match: prefix('cert.'), category: ['configuration', 'iam'], types: { 'cert.create': t('creation') } },
  { match: prefix('client.'), category: ['network'], types: { 'client.disconnect': t('end') } },
  { match: prefix('cluster_networking_config.'), category: ['configuration'], types: { 'cluster_networking_config.update': t('change') } },
  { match: prefix('db.'), category: ['database'], types: {
    'db.create': t('change'), 'db.delete': t('change'), 'db.update': t('change'), 'db.session.end': t('info'),
    'db.session.malformed_packet': t('error'), 'db.session.query.failed': t('error'),
    ...Object.fromEntries(['cassandra.batch', 'cassandra.execute', 'cassandra.prepare', 'cassandra.register', 'dynamodb.request',
      'elasticsearch.request', 'opensearch.request', 'permissions.update', 'postgres.function', 'postgres.statements.bind',
      'postgres.statements.close', 'postgres.statements.execute', 'postgres.statements.parse', 'query', 'spanner.rpc',
      'sqlserver.rpc_request', 'start', 'user.create', 'user.deactivate'].map((a) => [`db.session.${a}`, t('info')])) } },
  { match: prefix('desktop.'), category: ['host', 'file'], types: {
    'desktop.clipboard.receive': t('change'), 'desktop.clipboard.send': t('change'), 'desktop.directory.read': t('access'),
    'desktop.directory.share': t('access'), 'desktop.directory.write': t('creation', 'deletion') } },
  { match: prefix('device.'), category: ['configuration', 'iam'], types: {
    'device.authenticate': t('info'), 'device.authenticate.confirm': t('info'), 'device.create': t('creation'),
    'device.token.create': t('creation'), 'device.webtoken.create': t('creation'), 'device.delete': t('deletion'),
    'device.enroll': t('change'), 'device.update': t('change'), 'device.token.spent': t('change') } },
  { match: prefix('exec'), category: ['process', 'host'], types: { exec: t('start') } },
  { match: prefix('external_audit_storage.'), category: ['configuration'], types: {
    'external_audit_storage.disable': t('change'), 'external_audit_storage.enable': t('change') } },
  { match: prefix('github.'), category: ['authentication', 'iam'], types: {
    'github.created': t('creation'), 'github.deleted': t('deletion'), 'github.updated': t('change') } },
  { match: prefix('instance.'), category: ['network', 'host'], types: { 'instance.join': t('start') } },
  { match: prefix('join_token.'), category: ['session', 'iam'], types: { 'join_token.create': t('creation') } },
  { match: prefix('kube.'), category: ['process', 'host'], types: {
    'kube.create': t('start'), 'kube.delete': t('end'), 'kube.request': t('info'), 'kube.update': t('change') } },
  { match: prefix('lock.'), category: ['configuration', 'iam'], types: { 'lock.created': t('creation'), 'lock.deleted': t('deletion') } },
  { match: prefix('login_rule.'), category: ['authentication', 'iam'], types: { 'login_rule.create': t('creation'), 'login_rule.delete': t('deletion') } },
  { match: prefix('mfa.'), category: ['authentication', 'iam'], types: { 'mfa.add': t('creation'), 'mfa.delete': t('deletion') } },
  { match: prefix('mfa_auth_challenge.'), category: undefined, types: {
    'mfa_auth_challenge.create': t('start'), 'mfa_auth_challenge.validate': t('end') } },
  { match: prefix('oidc.'), category: ['authentication', 'iam'], types: {
    'oidc.created': t('creation'), 'oidc.deleted': t('deletion'), 'oidc.updated': t('change') } },
  { match: prefix('okta.'), category: ['iam'], types: {} },
  { match: prefix('port'), category: ['network'], types: { port: t('start') } },
  { match: prefix('privilege_token.'), category: ['session', 'iam'], types: { 'privilege_token.create': t('creation') } },
  { match: (e) => e.startsWith('recovery_') || e.startsWith('reset_password_token.'), category: ['session', 'iam'], types: {
    'recovery_code.generated': t('creation'), 'recovery_token.create': t('creation'), 'reset_password_token.create': t('creation'),
    'recovery_code.used': t('change') } },
  { match: exact('resize'), category: ['process'], types: { resize: t('change') } },
  { match: prefix('role.'), category: ['iam'], types: { 'role.created': t('creation'), 'role.deleted': t('deletion'), 'role.updated': t('change') } },
  { match: prefix('saml.'), category: ['authentication', 'iam'], types: {
    'saml.created': t('creation'), 'saml.idp.service.provider.create': t('creation'), 'saml.deleted': t('deletion'),
    'saml.idp.service.provider.delete': t('deletion'), 'saml.idp.service.provider.delete_all': t('deletion'),
    'saml.updated': t('change'), 'saml.idp.service.provider.update': t('change'), 'saml.idp.auth': t('info') } },
  { match: prefix('scp.'), category: ['file'], types: {} },
  { match: prefix('secreports.'), category: ['threat'], types: {
    'secreports.audit.query.run': t('indicator'), 'secreports.report.run': t('indicator') } },
  { match: prefix('session.'), category: ['session'], types: {
    'session.start': t('start'), 'session.end': t('end'), 'session.rejected': t('denied'),
    ...Object.fromEntries(['connect', 'command', 'data', 'disk', 'join', 'network', 'leave', 'process_exit', 'recording.access', 'upload']
      .map((a) => [`session.${a}`, t('info')])) } },
  { match: prefix('session_recording_config.'), category: ['configuration'], types: { 'session_recording_config.update': t('change') } },
  { match: prefix('sftp'), category: ['file', 'network'], types: {} },
  { match: prefix('spiffe.'), category: ['iam', 'process'], types: { 'spiffe.svid.issued': t('creation') } },
  { match: prefix('ssm.'), category: ['process'], types: { 'ssm.run': t('start') } },
  { match: exact('subsystem'), category: ['process'], types: { subsystem: t('start') } },
  { match: prefix('trusted_cluster.'), category: ['network', 'host'], types: {
    'trusted_cluster.create': t('creation'), 'trusted_cluster.delete': t('deletion') } },
  // The type rule for trusted_cluster_token.create fires although the category prefix does not.
  { match: exact('trusted_cluster_token.create'), category: undefined, types: { 'trusted_cluster_token.create': t('creation') } },
  { match: (e) => e.startsWith('user.') && e !== 'user.login', category: ['iam'], types: {
    'user.create': t('creation', 'user'), 'user.delete': t('deletion', 'user'),
    'user.password_change': t('change', 'user'), 'user.update': t('change', 'user') } },
  { match: exact('user.login'), category: ['authentication'], types: { 'user.login': t('start') } },
  { match: prefix('windows.'), category: ['host', 'session'], types: {
    'windows.desktop.session.start': t('start'), 'windows.desktop.session.end': t('end') } },
  { match: exact('x11-forward'), category: ['network'], types: { 'x11-forward': t('start') } },
];

function oktaType(e: string): string[] | undefined {
  if (e.startsWith('okta.assignment') || (e.startsWith('okta.') && e.endsWith('.update'))) return ['change'];
  if (e === 'okta.sync' || e === 'okta.access_list.sync') return ['change'];
  return undefined;
}

/** What Elastic's rules give an event type; a later match overwrites an earlier one. */
export function elasticCategorization(event: string): ElasticCategorization {
  const out: ElasticCategorization = {};
  for (const rule of RULES) {
    if (!rule.match(event)) continue;
    if (rule.category !== undefined) out.category = rule.category;
    const type = rule.types[event] ?? (event.startsWith('okta.') ? oktaType(event) : undefined);
    if (type !== undefined) out.type = type;
  }
  return out;
}
