/**
 * Pointing a program's system resolver at the test's CoreDNS. Go's resolver (our tools build with
 * CGO_ENABLED=0, so the pure-Go one), glibc and most others read /etc/resolv.conf, whose nameserver
 * lines carry no port: the server must listen on port 53 of a loopback address. This machine's own
 * /etc/resolv.conf names a nameserver outside loopback, so a cluster name looked up the normal way
 * would be sent there. A program started through `withResolvConf` runs in its own mount namespace
 * (`unshare --mount`, private propagation, so nothing leaks to the host) with a resolv.conf of ours
 * bind-mounted over /etc/resolv.conf. Needs root (or CAP_SYS_ADMIN), as CI and the sessions have.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { assertLoopbackIPv4 } from './loopback';
import { makeTempDir } from './processes';

export interface ResolvConf {
  /** Loopback address of the DNS server on port 53. */
  nameserver: string;
  /** Search domains, e.g. a Pod's: ["ns.svc.cluster.local", "svc.cluster.local", "cluster.local"]. */
  search?: string[];
  /** options ndots:N (Kubernetes Pods get 5). */
  ndots?: number;
  /** options timeout:N seconds per try (glibc default 5). */
  timeoutSeconds?: number;
  /** options attempts:N (glibc default 2). */
  attempts?: number;
}

/** The text of a resolv.conf; every value checked, the nameserver loopback only. */
export function renderResolvConf(c: ResolvConf): string {
  assertLoopbackIPv4('resolv.nameserver', c.nameserver);
  const lines = [`# written by e2e/lib/resolv.ts`, `nameserver ${c.nameserver}`];
  if (c.search && c.search.length > 0) {
    c.search.forEach((d, i) => {
      if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(d)) {
        throw new Error(`resolv.search[${i}]: ${JSON.stringify(d)} is not allowed: want a domain name (e.g. "svc.cluster.local")`);
      }
    });
    lines.push(`search ${c.search.join(' ')}`);
  }
  const opts: string[] = [];
  const int = (field: string, v: number | undefined, min: number, max: number, name: string): void => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`resolv.${field}: ${JSON.stringify(v)} is not allowed: want an integer ${min}..${max}`);
    }
    opts.push(`${name}:${v}`);
  };
  int('ndots', c.ndots, 0, 15, 'ndots');
  int('timeoutSeconds', c.timeoutSeconds, 1, 30, 'timeout');
  int('attempts', c.attempts, 1, 5, 'attempts');
  if (opts.length > 0) lines.push(`options ${opts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `command args` wrapped so that it sees `conf` as /etc/resolv.conf, for startProcess. unshare(1)
 * execs without forking and sh execs the program, so the pid startProcess gets is the program's.
 */
export function withResolvConf(conf: ResolvConf, command: string, args: string[]): { command: string; args: string[]; file: string } {
  const file = path.join(makeTempDir('continuous-load-resolv-'), 'resolv.conf');
  fs.writeFileSync(file, renderResolvConf(conf));
  return {
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', file, command, ...args],
    file,
  };
}

function bindable(host: string): Promise<boolean> {
  const tcp = new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(53, host, () => srv.close(() => resolve(true)));
  });
  return tcp.then(
    (ok) =>
      ok &&
      new Promise<boolean>((resolve) => {
        const sock = dgram.createSocket('udp4');
        sock.once('error', () => resolve(false));
        sock.bind(53, host, () => sock.close(() => resolve(true)));
      }),
  );
}

/**
 * A loopback address in 127.0.53.0/24 whose port 53 was free for TCP and UDP a moment ago, for a
 * CoreDNS that resolv.conf can name. Random, so that parallel test runs rarely collide.
 */
export async function freeDnsAddress(): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const host = `127.0.53.${2 + Math.floor(Math.random() * 250)}`;
    if (await bindable(host)) return host;
  }
  throw new Error('freeDnsAddress: no address in 127.0.53.0/24 with port 53 free for TCP and UDP in 50 tries');
}
