/**
 * The ECS field mapping of one Teleport event, written into a record's attributes under dotted
 * keys. The event type is read first and picks its plan (type-plan.ts: the categorization and
 * the key moves, compiled once per type). Then one pass over the event's keys: a field with an ECS
 * home is captured, everything else goes to `<audit prefix>.<key>` as it is (objects as maps,
 * arrays as arrays, nulls dropped). Fields whose ECS home depends on the type or on each other
 * (`path`, `method`, addresses, Kubernetes resources...) are captured and placed after the pass,
 * where their precedence does not depend on their order in the line.
 * Never writes to the event: nested objects are shared with it read-only, or copied when they
 * hold nulls (which OTLP attributes cannot carry).
 */
import type { Attributes } from '../../core/record';
import { splitAddress, type Endpoint } from './address';
import { toAttribute } from './attribute-value';
import type { Categorization } from './categories';
import type { EcsOutcome } from './ecs-values';
import { F, SLOT_COUNT, type KeyPlan } from './fields';
import { rel, related } from './related';
import { MAX_SHAPE, TypePlans, type TypePlan } from './type-plan';

export interface EcsMapResult {
  /** The categorization, or undefined when the type is unknown (missing, empty, not in the table). */
  readonly categorization: Categorization | undefined;
  /** The Teleport type as read ('' when absent). */
  readonly type: string;
}

type Resolve = (type: string) => Categorization | undefined;

/**
 * Maps events to ECS attributes. One instance per processor; `map` reuses internal scratch space,
 * so it is not reentrant (processors run one batch at a time per instance).
 */
export class EcsMapper {
  // Scratch slots for the fields placed after the pass, preallocated (no array per event); only
  // the ids listed in `deferred` hold values, and they are cleared after each event.
  private readonly slots: unknown[] = new Array<unknown>(SLOT_COUNT).fill(undefined);
  private readonly keys: string[] = new Array<string>(SLOT_COUNT).fill('');
  private readonly deferred: number[] = [];
  private readonly plans: TypePlans;

  /** `knownTypes`: the types whose plans are compiled now (the table's names); others on first sight. */
  constructor(resolve: Resolve, auditPrefix: string, knownTypes: Iterable<string> = []) {
    this.plans = new TypePlans(resolve, auditPrefix, knownTypes);
  }

  /** The value under `<prefix>.<key>`, where a field without (usable) ECS home goes. */
  private putAudit(attrs: Attributes, key: string, value: unknown): void {
    const v = toAttribute(value);
    if (v === undefined) return;
    attrs[this.plans.auditKey(key)] = v;
  }

  map(event: Readonly<Record<string, unknown>>, attrs: Attributes): EcsMapResult {
    // Setting an array's length calls into the runtime even when it is already 0.
    if (rel.ips.length !== 0) rel.ips.length = 0;
    if (rel.users.length !== 0) rel.users.length = 0;
    if (rel.hosts.length !== 0) rel.hosts.length = 0;
    const typeValue = event.event;
    const plan = this.plans.forType(typeof typeValue === 'string' ? typeValue : '');
    const shape = plan.shape;
    const moves = plan.moves;
    let position = 0;
    let code: unknown;
    let success: unknown;
    let status: unknown;

    for (const key in event) {
      const value = event[key];
      let id: KeyPlan;
      if (position < shape.length && shape[position] === key) id = moves[position];
      else {
        id = this.plans.key(key);
        if (position < MAX_SHAPE) { shape[position] = key; moves[position] = id; }
      }
      position++;
      if (typeof id === 'string') {
        const v = toAttribute(value);
        if (v !== undefined) attrs[id] = v;
        continue;
      }
      switch (id) {
        case F.event:
          // A string is the type, already read; anything else has no ECS home.
          if (typeof value !== 'string') this.putAudit(attrs, key, value);
          break;
        case F.code: code = value; if (!putString(attrs, 'event.code', value)) this.putAudit(attrs, key, value); break;
        case F.uid: if (!putString(attrs, 'event.id', value)) this.putAudit(attrs, key, value); break;
        case F.ei: if (!putNumber(attrs, 'event.sequence', value)) this.putAudit(attrs, key, value); break;
        case F.time: if (!putString(attrs, '@timestamp', value)) this.putAudit(attrs, key, value); break;
        case F.success: success = value; this.putAudit(attrs, key, value); break;
        case F.status: status = value; this.putAudit(attrs, key, value); break;
        case F.tx: if (!putNumber(attrs, 'source.bytes', value)) this.putAudit(attrs, key, value); break;
        case F.rx: if (!putNumber(attrs, 'destination.bytes', value)) this.putAudit(attrs, key, value); break;
        case F.proto:
          if (typeof value === 'string' && value !== '') attrs['network.protocol'] = value.toLowerCase();
          else this.putAudit(attrs, key, value);
          break;
        case F.serverHostname:
          if (!putString(attrs, 'host.hostname', value)) this.putAudit(attrs, key, value);
          else if (value !== '') rel.hosts.push(value as string);
          break;
        case F.serverId: if (!putString(attrs, 'host.id', value)) this.putAudit(attrs, key, value); break;
        case F.userAgent: if (!putString(attrs, 'user_agent.original', value)) this.putAudit(attrs, key, value); break;
        case F.error: if (!putString(attrs, 'error.message', value)) this.putAudit(attrs, key, value); break;
        case F.login:
          if (!putString(attrs, 'process.user.name', value)) this.putAudit(attrs, key, value);
          else if (value !== '') rel.users.push(value as string);
          break;
        case F.pid: if (!putNumber(attrs, 'process.pid', value)) this.putAudit(attrs, key, value); break;
        case F.ppid: if (!putNumber(attrs, 'process.parent.pid', value)) this.putAudit(attrs, key, value); break;
        case F.program: if (!putString(attrs, 'process.name', value)) this.putAudit(attrs, key, value); break;
        case F.command: if (!putString(attrs, 'process.command_line', value)) this.putAudit(attrs, key, value); break;
        case F.exitCode: if (!putNumber(attrs, 'process.exit_code', value)) this.putAudit(attrs, key, value); break;
        case F.argv:
          if (isStringArray(value)) attrs['process.args'] = value;
          else this.putAudit(attrs, key, value);
          break;
        case F.containerName: if (!putString(attrs, 'container.name', value)) this.putAudit(attrs, key, value); break;
        case F.containerImage: if (!putString(attrs, 'container.image.name', value)) this.putAudit(attrs, key, value); break;
        case F.verb: if (!putString(attrs, 'http.request.method', value)) this.putAudit(attrs, key, value); break;
        case F.requestPath: if (!putString(attrs, 'url.path', value)) this.putAudit(attrs, key, value); break;
        case F.responseCode: if (!putNumber(attrs, 'http.response.status_code', value)) this.putAudit(attrs, key, value); break;
        case F.user:
          if (typeof value === 'string') putUser(attrs, value);
          else this.putAudit(attrs, key, value);
          break;
        default:
          // Placed after the pass (addresses, context-dependent fields).
          this.slots[id] = value;
          this.keys[id] = key;
          this.defer(id);
      }
    }

    if (this.deferred.length > 0) this.place(attrs, plan);

    const categorization = plan.categorization;
    attrs['event.kind'] = 'event';
    if (categorization !== undefined) {
      attrs['event.category'] = categorization.category;
      attrs['event.type'] = categorization.type;
    }
    if (plan.type !== '') attrs['event.action'] = plan.type;
    attrs['event.outcome'] = outcomeOf(success, status, code);
    related(attrs);
    return plan;
  }

  /** Notes a filled slot, keeping `deferred` in id order (a few ids: insertion, no sort call). */
  private defer(id: number): void {
    const deferred = this.deferred;
    let j = deferred.length;
    deferred.push(id);
    for (; j > 0 && deferred[j - 1] > id; j--) deferred[j] = deferred[j - 1];
    deferred[j] = id;
  }

  /** Writes the endpoint of the address in slot `id` under `kind`; false when there is none. */
  private endpoint(attrs: Attributes, id: number, kind: EndpointKind): boolean {
    const v = this.slots[id];
    if (typeof v !== 'string') return false;
    const e = splitAddress(v);
    if (e === undefined) return false;
    putEndpoint(attrs, kind, e);
    this.slots[id] = undefined;
    return true;
  }

  /** Addresses and fields whose ECS home depends on the event type or on each other. */
  private place(attrs: Attributes, plan: TypePlan): void {
    const slots = this.slots;

    // Addresses: the explicit source/destination of a connection first, then the server the
    // client reached; addr.local goes to destination.* when server.* is already taken.
    this.endpoint(attrs, F.addrRemote, 'client');
    this.endpoint(attrs, F.srcAddr, 'source');
    const destinationTaken = this.endpoint(attrs, F.dstAddr, 'destination');
    const dstPort = slots[F.dstPort];
    if (dstPort !== undefined && attrs['destination.port'] === undefined) {
      const port = toInt(dstPort);
      if (port !== undefined) { attrs['destination.port'] = port; slots[F.dstPort] = undefined; }
    }
    const serverTaken = this.endpoint(attrs, F.serverAddr, 'server') || this.endpoint(attrs, F.desktopAddr, 'server');
    if (!serverTaken) this.endpoint(attrs, F.addrLocal, 'server');
    else if (!destinationTaken) this.endpoint(attrs, F.addrLocal, 'destination');

    // Kubernetes: the cluster the request went to is the orchestrator; Teleport's own cluster
    // name takes that place only when no Kubernetes cluster is named.
    const kube = slots[F.kubeCluster];
    const isKube = typeof kube === 'string' && kube !== '';
    if (isKube) {
      attrs['orchestrator.cluster.name'] = kube as string;
      attrs['orchestrator.type'] = 'kubernetes';
      slots[F.kubeCluster] = undefined;
      const ns = nonEmpty(slots[F.resourceNamespace]) ?? nonEmpty(slots[F.podNamespace]);
      if (ns !== undefined) attrs['orchestrator.namespace'] = ns;
      const resourceName = nonEmpty(slots[F.resourceName]);
      const podName = nonEmpty(slots[F.podName]);
      if (resourceName !== undefined) {
        attrs['orchestrator.resource.name'] = resourceName;
        const kind = nonEmpty(slots[F.resourceKind]);
        if (kind !== undefined) { attrs['orchestrator.resource.type'] = kind; slots[F.resourceKind] = undefined; }
        slots[F.resourceName] = undefined;
      } else if (podName !== undefined) {
        attrs['orchestrator.resource.name'] = podName;
        attrs['orchestrator.resource.type'] = 'pod';
        slots[F.podName] = undefined;
      }
      // A namespace went to ECS: keep the other one (if any, and different) under audit.
      if (ns !== undefined) {
        if (slots[F.resourceNamespace] === ns) slots[F.resourceNamespace] = undefined;
        else if (slots[F.podNamespace] === ns) slots[F.podNamespace] = undefined;
      }
    } else if (typeof slots[F.clusterName] === 'string' && slots[F.clusterName] !== '') {
      attrs['orchestrator.cluster.name'] = slots[F.clusterName] as string;
      slots[F.clusterName] = undefined;
    }

    // HTTP exchanges through application access; file paths of file transfers.
    if (plan.http) {
      if (typeof slots[F.method] === 'string' && slots[F.method] !== '') { attrs['http.request.method'] = slots[F.method] as string; slots[F.method] = undefined; }
      if (typeof slots[F.path] === 'string' && slots[F.path] !== '') { attrs['url.path'] = slots[F.path] as string; slots[F.path] = undefined; }
      if (typeof slots[F.rawQuery] === 'string') {
        if (slots[F.rawQuery] !== '') attrs['url.query'] = slots[F.rawQuery] as string;
        slots[F.rawQuery] = undefined;
      }
      const status = toInt(slots[F.statusCode]);
      if (status !== undefined) { attrs['http.response.status_code'] = status; slots[F.statusCode] = undefined; }
    } else if (plan.file && typeof slots[F.path] === 'string' && slots[F.path] !== '') {
      attrs['file.path'] = slots[F.path] as string;
      slots[F.path] = undefined;
    }
    // session.command's return_code is the program's exit status; elsewhere (session.disk) it
    // is a system call's result and stays under audit.
    if (plan.command && attrs['process.exit_code'] === undefined) {
      const rc = toInt(slots[F.returnCode]);
      if (rc !== undefined) { attrs['process.exit_code'] = rc; slots[F.returnCode] = undefined; }
    }

    // What found no ECS home goes under audit, in field id order; the slots are left empty.
    const deferred = this.deferred;
    for (let i = 0; i < deferred.length; i++) {
      const id = deferred[i];
      const v = slots[id];
      if (v !== undefined) {
        this.putAudit(attrs, this.keys[id], v);
        slots[id] = undefined;
      }
    }
    deferred.length = 0;
  }
}

function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/**
 * `success` wins (a boolean, or its string form); then `status.success` (device trust events
 * carry their result there); then the code's severity letter: I -> success, W/E -> failure.
 * Anything else (no code, the rare S/L letters) is unknown.
 */
export function outcomeOf(success: unknown, status: unknown, code: unknown): EcsOutcome {
  const s = boolOf(success);
  if (s !== undefined) return s ? 'success' : 'failure';
  if (typeof status === 'object' && status !== null) {
    const st = boolOf((status as Record<string, unknown>).success);
    if (st !== undefined) return st ? 'success' : 'failure';
  }
  if (typeof code === 'string' && code.length > 0) {
    const letter = code.charCodeAt(code.length - 1);
    if (letter === 73 /* I */) return 'success';
    if (letter === 87 /* W */ || letter === 69 /* E */) return 'failure';
  }
  return 'unknown';
}

function boolOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/** Writes a string to its ECS field ('' is absent); false when the value is not a string. */
function putString(attrs: Attributes, ecs: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value !== '') attrs[ecs] = value;
  return true;
}

/** Writes an integer (or its decimal string) to its ECS field; false when it is neither. */
function putNumber(attrs: Attributes, ecs: string, value: unknown): boolean {
  const n = toInt(value);
  if (n === undefined) return false;
  attrs[ecs] = n;
  return true;
}

type EndpointKind = 'client' | 'server' | 'source' | 'destination';
const ENDPOINT_KEYS = Object.fromEntries((['client', 'server', 'source', 'destination'] as const).map((k) =>
  [k, { address: `${k}.address`, ip: `${k}.ip`, domain: `${k}.domain`, port: `${k}.port` }])) as Record<EndpointKind, Record<'address' | 'ip' | 'domain' | 'port', string>>;

function putEndpoint(attrs: Attributes, kind: EndpointKind, e: Endpoint): void {
  const keys = ENDPOINT_KEYS[kind];
  attrs[keys.address] = e.address;
  if (e.ip !== undefined) { attrs[keys.ip] = e.ip; rel.ips.push(e.ip); }
  else if (e.domain !== undefined) { attrs[keys.domain] = e.domain; rel.hosts.push(e.domain); }
  if (e.port !== undefined) attrs[keys.port] = e.port;
}

/**
 * `user.name` is the Teleport user name as written (detections and related.user match on it,
 * so it is not cut at the `@` as Elastic does); a name that is an e-mail address also fills
 * `user.email` and, with the part after the `@`, `user.domain`.
 */
function putUser(attrs: Attributes, user: string): void {
  if (user === '') return;
  attrs['user.name'] = user;
  rel.users.push(user);
  const at = user.lastIndexOf('@');
  if (at > 0 && at < user.length - 1 && user.indexOf(' ') < 0) {
    attrs['user.email'] = user;
    attrs['user.domain'] = user.slice(at + 1);
  }
}
