/**
 * The official OTLP logs protos (`proto/`, also what the `otlp` exporter's service path comes from),
 * loaded once for the test sinks: the HTTP sink decodes requests and encodes answers with them, the
 * gRPC sink serves the LogsService they define.
 */
import path from 'node:path';
import protobuf from 'protobufjs';

const SERVICE = 'opentelemetry.proto.collector.logs.v1.LogsService';

function load(root: string) {
  const dir = path.join(root, 'proto');
  const protos = new protobuf.Root();
  protos.resolvePath = (_origin, target) => path.join(dir, target);
  protos.loadSync([
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'google/rpc/status.proto',
    'google/rpc/error_details.proto',
  ]);
  const service = protos.lookupService(SERVICE);
  const method = service.methods.Export!;
  method.resolve();
  return {
    /** The method path, from the service definition. */
    exportPath: `/${SERVICE}/${method.name}`,
    request: method.resolvedRequestType!,
    response: method.resolvedResponseType!,
    status: protos.lookupType('google.rpc.Status'),
    retryInfo: protos.lookupType('google.rpc.RetryInfo'),
  };
}

let loaded: ReturnType<typeof load> | undefined;
/** `root`: the repository's root directory. */
export function otlpProtos(root: string): ReturnType<typeof load> {
  return (loaded ??= load(root));
}
