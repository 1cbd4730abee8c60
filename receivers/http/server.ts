/**
 * The listening socket: HTTP or HTTPS, with client certificates checked during the handshake.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HttpReceiverConfig, Endpoint } from './config';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Reads the TLS files now, so a wrong path fails at start with its config key named. */
export function createServer(config: HttpReceiverConfig, configPath: string, handler: Handler, onRefused: () => void): http.Server {
  const common = {
    // The Event Handler keeps its connection; timeouts only bound clients that stall.
    keepAliveTimeout: 65_000,
    requestTimeout: 60_000,
    headersTimeout: 20_000,
  };
  const { tls } = config;
  if (tls === undefined) return http.createServer(common, handler);
  const mutual = tls.client_ca_file !== undefined;
  const options: https.ServerOptions = {
    ...common,
    cert: readPem(tls.cert_file, `${configPath}.tls.cert_file`),
    key: readPem(tls.key_file, `${configPath}.tls.key_file`),
    passphrase: tls.key_passphrase,
    ca: mutual ? readPem(tls.client_ca_file!, `${configPath}.tls.client_ca_file`) : undefined,
    // Both, so the handshake itself fails: no request from an unknown client is ever read.
    requestCert: mutual,
    rejectUnauthorized: mutual,
    minVersion: 'TLSv1.2',
  };
  let server: https.Server;
  try {
    server = https.createServer(options, handler);
  } catch (err) {
    // A wrong passphrase, a key that does not match the certificate, a file that is not PEM.
    throw new Error(`${configPath}.tls: cannot use ${tls.cert_file} and ${tls.key_file}: ${reasonOf(err)}`);
  }
  server.on('tlsClientError', onRefused);
  return server;
}

export async function listen(server: http.Server, endpoint: Endpoint, configPath: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new Error(`${configPath}.endpoint: cannot listen on ${endpoint.host}:${endpoint.port}: ${err.code ?? err.message}`));
    };
    server.once('error', onError);
    server.listen(endpoint.port, endpoint.host, () => { server.off('error', onError); resolve(); });
  });
  return (server.address() as AddressInfo).port;
}

function reasonOf(err: unknown): string {
  const e = err as { reason?: string; message?: string };
  return e.reason ?? e.message ?? String(err);
}

function readPem(file: string, key: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
