/**
 * Loopback addressing for the fault-injection tests. Linux routes all of 127.0.0.0/8 to `lo` (the
 * kernel's "local 127.0.0.0/8 dev lo" route), so any 127.x.y.z can be bound and reached without
 * configuring an interface: distinct addresses stand for pods on different nodes. Everything a
 * fault test starts or points at is checked here, so no address outside 127.0.0.0/8 is ever used.
 */
import * as net from 'node:net';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for a dotted-quad IPv4 address in 127.0.0.0/8. */
export function isLoopbackIPv4(value: string): boolean {
  const m = IPV4.exec(value);
  if (!m) return false;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) && octets[0] === 127;
}

/** Throws unless `value` is an IPv4 address in 127.0.0.0/8, naming the field and the value. */
export function assertLoopbackIPv4(field: string, value: string): void {
  if (!isLoopbackIPv4(value)) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not allowed: want an IPv4 address in 127.0.0.0/8 (e.g. 127.0.0.2)`);
  }
}

/** Parses "127.x.y.z:port"; throws naming the field unless the host is loopback and the port 0..65535. */
export function parseLoopbackHostPort(field: string, value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i > 0 ? value.slice(0, i) : '';
  const portText = i > 0 ? value.slice(i + 1) : '';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!isLoopbackIPv4(host) || !(port >= 0 && port <= 65535)) {
    throw new Error(
      `${field}: ${JSON.stringify(value)} is not allowed: want "<IPv4 in 127.0.0.0/8>:<port 0-65535>" (e.g. "127.0.0.2:8080")`,
    );
  }
  return { host, port };
}

/**
 * The loopback address standing for pod/node number `index` (0-based): 127.0.0.2, 127.0.0.3, ...
 * 127.0.0.1 is left to the programs that listen on the default loopback address.
 */
export function podAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 252) {
    throw new Error(`podAddress: index ${index} is not allowed: want an integer 0..252 (127.0.0.2..127.0.0.254)`);
  }
  return `127.0.0.${index + 2}`;
}

/** A TCP port that was free on `host` (loopback) a moment ago. */
export async function freePortOn(host: string): Promise<number> {
  assertLoopbackIPv4('freePortOn host', host);
  return new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}
