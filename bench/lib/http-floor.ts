/**
 * The floor of a one-request-per-event server: bare node:http(s) with the receiver's TLS setup,
 * reading each body, JSON.parse + JSON.stringify of it, and answering 200 at once (nothing
 * written, nothing waited for). Usage: node http-floor.js <port> [cert key ca]
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [port, cert, key, ca] = process.argv.slice(2);
let events = 0;
let bytes = 0;
const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const v: unknown = JSON.parse(text);
    for (const e of Array.isArray(v) ? v : [v]) {
      bytes += JSON.stringify(e).length;
      events++;
    }
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  });
};
const server = cert === undefined
  ? http.createServer({ keepAliveTimeout: 65_000 }, handler)
  : https.createServer({ keepAliveTimeout: 65_000, cert: fs.readFileSync(cert), key: fs.readFileSync(key), ca: fs.readFileSync(ca), requestCert: true, rejectUnauthorized: true }, handler);
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.stderr.write(`exported ${events} (${bytes} bytes)\n`);
  process.exit(0);
});
