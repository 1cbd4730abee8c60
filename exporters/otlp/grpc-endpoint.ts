/** The `otlp` exporter's endpoint, read apart from the transport so config validation needs no gRPC library. */

export const DEFAULT_GRPC_PORT = 4317;

/**
 * `host:port` for grpc-js and whether to use TLS. The OTLP exporter spec lets a gRPC endpoint
 * carry an http/https scheme that decides security; a path has no meaning in gRPC (the method
 * path is fixed), so one is refused rather than silently ignored.
 */
export function parseGrpcEndpoint(endpoint: string, insecure: boolean, key: string): { address: string; secure: boolean } {
  const text = endpoint.trim();
  const scheme = /^(https?):\/\//i.exec(text)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? text : text.slice(scheme.length + 3);
  const hostPort = rest.replace(/\/+$/, '');
  if (hostPort.includes('/') || hostPort === '' || /\s/.test(hostPort)) {
    throw new Error(`${key}: expected host:port (e.g. collector:4317), got ${JSON.stringify(endpoint)}`);
  }
  if (scheme === 'https' && insecure) throw new Error(`${key}: an https:// endpoint contradicts insecure: true`);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(hostPort);
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
    throw new Error(`${key}: expected host:port (e.g. collector:4317), got ${JSON.stringify(endpoint)}`);
  }
  return { address: `${m[1]}:${m[2] ?? DEFAULT_GRPC_PORT}`, secure: scheme === undefined ? !insecure : scheme === 'https' };
}
