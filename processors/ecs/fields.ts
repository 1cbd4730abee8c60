/**
 * The Teleport fields with an ECS home, by id. The id orders the fields placed after the pass
 * (addresses, type-dependent fields) and the leftovers written under the audit prefix.
 */
export const F = {
  event: 1, code: 2, uid: 3, ei: 4, time: 5, success: 6, status: 7,
  addrRemote: 10, addrLocal: 11, serverAddr: 12, desktopAddr: 13, srcAddr: 14, dstAddr: 15, dstPort: 16,
  tx: 17, rx: 18, proto: 19,
  user: 20, login: 21, serverHostname: 22, serverId: 23, userAgent: 24, error: 25,
  clusterName: 30, kubeCluster: 31, podName: 32, podNamespace: 33, containerName: 34, containerImage: 35,
  resourceName: 36, resourceKind: 37, resourceNamespace: 38, verb: 39, requestPath: 40, responseCode: 41,
  method: 50, path: 51, rawQuery: 52, statusCode: 53,
  pid: 60, ppid: 61, program: 62, argv: 63, command: 64, exitCode: 65, returnCode: 66,
} as const;

/** Highest field id + 1: the size of the scratch slots. */
export const SLOT_COUNT = 67;

export const FIELDS: ReadonlyMap<string, number> = new Map<string, number>([
  ['event', F.event], ['code', F.code], ['uid', F.uid], ['ei', F.ei], ['time', F.time],
  ['success', F.success], ['status', F.status],
  ['addr.remote', F.addrRemote], ['addr.local', F.addrLocal], ['server_addr', F.serverAddr],
  ['desktop_addr', F.desktopAddr], ['src_addr', F.srcAddr], ['dst_addr', F.dstAddr], ['dst_port', F.dstPort],
  ['tx', F.tx], ['rx', F.rx], ['proto', F.proto],
  ['user', F.user], ['login', F.login], ['server_hostname', F.serverHostname], ['server_id', F.serverId],
  ['user_agent', F.userAgent], ['error', F.error],
  ['cluster_name', F.clusterName], ['kubernetes_cluster', F.kubeCluster], ['kubernetes_pod_name', F.podName],
  ['kubernetes_pod_namespace', F.podNamespace], ['kubernetes_container_name', F.containerName],
  ['kubernetes_container_image', F.containerImage], ['resource_name', F.resourceName],
  ['resource_kind', F.resourceKind], ['resource_namespace', F.resourceNamespace], ['verb', F.verb],
  ['request_path', F.requestPath], ['response_code', F.responseCode],
  ['method', F.method], ['path', F.path], ['raw_query', F.rawQuery], ['status_code', F.statusCode],
  ['pid', F.pid], ['ppid', F.ppid], ['program', F.program], ['argv', F.argv], ['command', F.command],
  ['exitCode', F.exitCode], ['exit_code', F.exitCode], ['return_code', F.returnCode],
]);

/** What to do with a Teleport key: an ECS field id, or the full `<prefix>.<key>` to write it under. */
export type KeyPlan = number | string;
