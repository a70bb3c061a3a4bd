/**
 * CoreDNS on loopback as the cluster DNS of the fault tests: it serves Service names -> loopback
 * A records, and injects DNS faults (dropped queries, delayed answers, SERVFAIL, NXDOMAIN) that can be
 * switched while it runs. The binary is the wrapper in e2e/tools/coredns (see its main.go for the
 * plugins compiled in). Nothing is forwarded: names not listed get NXDOMAIN from the file plugin.
 *
 * Switching faults: the Corefile is rewritten and CoreDNS gets SIGUSR1, on which it re-reads the
 * Corefile and restarts its servers gracefully on the same sockets (coredns/caddy sigtrap_posix.go).
 * The switch is done when the log says "Reloading complete" (caddy.go Instance.Restart), measured in
 * tens of milliseconds here. The `reload` plugin was not used: it polls the Corefile (every 2 s at
 * least, plugin/reload/setup.go minInterval), so a switch would take up to 2 s more and its moment
 * would be unknown. A restart of the process was not used either: between stop and start the port is
 * closed, and a client gets ICMP port-unreachable (ECONNREFUSED), a fault of its own.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { assertLoopbackIPv4 } from './loopback';
import { defaultLogDir, freePort, makeTempDir, sleep, startProcess, type ManagedProcess } from './processes';
import { toolPath } from './tools';

/**
 * One DNS fault. `names` limits it to those names (and names below them); without `names` it hits
 * every query.
 * - drop: no reply at all (erratic "drop 1"), as when UDP/53 and TCP/53 are blocked.
 * - delay: the real answer, `ms` late (cl_delay, then file), as in the conntrack race behind the
 *   5-second DNS delays in Kubernetes.
 * - servfail / nxdomain: that rcode with no answer (template "rcode").
 */
export type DnsFault =
  | { kind: 'drop'; names?: string[] }
  | { kind: 'delay'; ms: number; names?: string[] }
  | { kind: 'servfail'; names?: string[] }
  | { kind: 'nxdomain'; names?: string[] };

export const DNS_FAULT_KINDS = ['drop', 'delay', 'servfail', 'nxdomain'] as const;

export interface CoreDNSOptions {
  /** Name -> IPv4 addresses in 127.0.0.0/8. Several addresses make a headless-style name. */
  records: Record<string, string[]>;
  /** Faults active from the start (default none). */
  faults?: DnsFault[];
  /** TTL of the answers and of negative answers, in seconds (default 5; 0 tells resolvers not to cache). */
  ttl?: number;
  /** Log one line per query (default true): the log file is kept for failure messages. */
  queryLog?: boolean;
  /**
   * Loopback address to listen on (default 127.0.0.1). With port 53 (see freeDnsAddress), programs
   * whose resolver reads /etc/resolv.conf can be pointed at it (e2e/lib/resolv.ts).
   */
  host?: string;
  /** UDP+TCP port (default: a free one on 127.0.0.1; required with `host`). */
  port?: number;
  binary?: string;
  name?: string;
  logFile?: string;
}

export interface CoreDNS extends ManagedProcess {
  host: string;
  port: number;
  /** "<host>:<port>", for dns.Resolver#setServers. */
  server: string;
  corefile: string;
  /** The faults in force. */
  faults(): readonly DnsFault[];
  /**
   * Replaces the faults in force (an empty list heals), waits until CoreDNS has reloaded, and
   * returns how long the reload took (from the signal to "Reloading complete").
   */
  setFaults(faults: DnsFault[]): Promise<{ reloadMs: number }>;
}

const NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function normalizeName(field: string, raw: string): string {
  const name = raw.toLowerCase().replace(/\.$/, '');
  if (!NAME.test(name)) {
    throw new Error(
      `${field}: ${JSON.stringify(raw)} is not allowed: want a DNS name of letters, digits, '-' and '.' (e.g. "podinfo.cl.svc.cluster.local")`,
    );
  }
  return name;
}

/** Checks the records and faults; returns them normalized (lower-case names, no trailing dot). */
export function validateDns(
  records: Record<string, string[]>,
  faults: DnsFault[],
): { records: Map<string, string[]>; faults: DnsFault[] } {
  const out = new Map<string, string[]>();
  const entries = Object.entries(records);
  if (entries.length === 0) throw new Error('records: {} is not allowed: want at least one name -> [loopback IPv4 ...]');
  for (const [raw, ips] of entries) {
    const name = normalizeName(`records[${JSON.stringify(raw)}]`, raw);
    if (!Array.isArray(ips) || ips.length === 0) {
      throw new Error(`records[${JSON.stringify(raw)}]: ${JSON.stringify(ips)} is not allowed: want a non-empty list of IPv4 addresses in 127.0.0.0/8`);
    }
    ips.forEach((ip, i) => assertLoopbackIPv4(`records[${JSON.stringify(raw)}][${i}]`, ip));
    if (out.has(name)) throw new Error(`records: ${JSON.stringify(raw)} is listed twice (names are case-insensitive, trailing dot ignored)`);
    out.set(name, [...ips]);
  }
  const seen = new Set<string>();
  const norm = faults.map((f, i) => {
    const field = `faults[${i}]`;
    if (!f || !(DNS_FAULT_KINDS as readonly string[]).includes((f as { kind: string }).kind)) {
      throw new Error(`${field}.kind: ${JSON.stringify((f as { kind?: unknown })?.kind)} is not allowed: want one of ${DNS_FAULT_KINDS.join(', ')}`);
    }
    if (f.kind === 'delay' && !(Number.isInteger(f.ms) && f.ms > 0 && f.ms <= 60_000)) {
      throw new Error(`${field}.ms: ${JSON.stringify(f.ms)} is not allowed: want an integer number of milliseconds 1..60000`);
    }
    const names = f.names?.map((n, j) => normalizeName(`${field}.names[${j}]`, n));
    if (names !== undefined && names.length === 0) {
      throw new Error(`${field}.names: [] is not allowed: leave it out to hit every name, or list names`);
    }
    for (const n of names ?? ['.']) {
      if (seen.has(n)) {
        throw new Error(`${field}: a second fault for ${n === '.' ? 'every name' : JSON.stringify(n)} is not allowed: one fault per name`);
      }
      seen.add(n);
    }
    return names ? { ...f, names } : { ...f };
  });
  return { records: out, faults: norm };
}

function faultPlugin(f: DnsFault): string[] {
  switch (f.kind) {
    case 'drop':
      return ['erratic {', '    drop 1', '}'];
    case 'delay':
      return [`cl_delay ${f.ms}ms`];
    case 'servfail':
      return ['template ANY ANY {', '    rcode SERVFAIL', '}'];
    case 'nxdomain':
      return ['template ANY ANY {', '    rcode NXDOMAIN', '}'];
  }
}

function checkTtl(ttl: number | undefined): number {
  const t = ttl ?? 5;
  if (!Number.isInteger(t) || t < 0 || t > 86_400) {
    throw new Error(`ttl: ${JSON.stringify(ttl)} is not allowed: want an integer number of seconds 0..86400`);
  }
  return t;
}

/**
 * The zone file for the root zone: an SOA (so an unknown name gets NXDOMAIN with the SOA for
 * negative caching, and a known name asked for AAAA gets NODATA) and one A record per address.
 * The SOA's minimum field, the negative-answer TTL, is `ttl` too.
 */
export function renderZone(records: Record<string, string[]>, ttl?: number): string {
  const t = checkTtl(ttl);
  const { records: recs } = validateDns(records, []);
  return [
    '; written by e2e/lib/coredns.ts',
    '$ORIGIN .',
    `. ${t} IN SOA ns.dns.cl.test. hostmaster.cl.test. 1 7200 1800 86400 ${t}`,
    ...[...recs].flatMap(([name, ips]) => ips.map((ip) => `${name}. ${t} IN A ${ip}`)),
    '',
  ].join('\n');
}

/**
 * The Corefile: one server block for the whole tree ('.') plus one per faulted name. CoreDNS sends
 * a query to the block of the longest zone that contains its name, so a name-scoped fault takes
 * that name (and its subdomains) only. Every block binds the one loopback address and answers from the same
 * records, so a delayed answer is the real one.
 */
export function renderCorefile(opts: {
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  port: number;
  records: Record<string, string[]>;
  faults?: DnsFault[];
  queryLog?: boolean;
  /** Path of the zone file (see renderZone) that the Corefile names. */
  zoneFile: string;
}): string {
  const { faults } = validateDns(opts.records, opts.faults ?? []);
  const host = opts.host ?? '127.0.0.1';
  assertLoopbackIPv4('host', host);
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new Error(`port: ${JSON.stringify(opts.port)} is not allowed: want an integer 1..65535`);
  }
  // Every block serves the same zone file for the root zone, so a name-scoped block (whose server
  // zone is that name) answers from the same records.
  const file = [`file ${opts.zoneFile} . {`, '    reload 0', '}'];
  const block = (zone: string, fault: DnsFault | undefined): string =>
    [
      `${zone}:${opts.port} {`,
      ...[
        `bind ${host}`,
        'errors',
        ...(opts.queryLog === false ? [] : ['log']),
        ...(fault ? faultPlugin(fault) : []),
        // erratic runs after file in the handler chain (upstream's directive order), so a block that
        // drops must not have file, which would answer first.
        ...(fault?.kind === 'drop' ? [] : file),
      ].map((l) => `    ${l}`),
      '}',
    ].join('\n');
  const global = faults.find((f) => !f.names);
  const blocks = [block('.', global)];
  for (const f of faults) for (const n of f.names ?? []) blocks.push(block(n, f));
  return `# written by e2e/lib/coredns.ts\n${blocks.join('\n\n')}\n`;
}

function countInLog(file: string, needle: string): number {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  return text.split(needle).length - 1;
}

/** True once something accepts TCP connections on host:port. */
function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Starts CoreDNS on a loopback address (UDP and TCP) serving `records` with `faults`, and waits until it listens. */
export async function startCoreDNS(opts: CoreDNSOptions): Promise<CoreDNS> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopbackIPv4('host', host);
  if (host !== '127.0.0.1' && opts.port === undefined) {
    throw new Error(`port: undefined is not allowed with host ${JSON.stringify(host)}: give the port (e.g. 53 from freeDnsAddress())`);
  }
  const port = opts.port ?? (await freePort({ udp: true }));
  const dir = makeTempDir('continuous-load-coredns-');
  const zoneFile = path.join(dir, 'db.root');
  fs.writeFileSync(zoneFile, renderZone(opts.records, opts.ttl));
  const corefile = path.join(dir, 'Corefile');
  const render = (faults: DnsFault[]): string =>
    renderCorefile({ host, port, records: opts.records, faults, queryLog: opts.queryLog, zoneFile });
  let current = validateDns(opts.records, opts.faults ?? []).faults;
  fs.writeFileSync(corefile, render(current));
  const name = opts.name ?? 'coredns';
  const logFile = opts.logFile ?? path.join(defaultLogDir(), `${name}-${process.pid}-${Date.now()}.log`);
  const proc = await startProcess({
    name,
    command: opts.binary ?? toolPath('coredns'),
    args: ['-conf', corefile],
    cwd: dir,
    logFile,
    // coremain prints "CoreDNS-<version>" once every server listens; TCP shows it is on this port.
    ready: async () => countInLog(logFile, 'CoreDNS-') > 0 && tcpOpen(host, port),
    readyTimeoutMs: 30_000,
  });

  let switching: Promise<unknown> = Promise.resolve();
  const setFaults = (faults: DnsFault[]): Promise<{ reloadMs: number }> => {
    const run = async (): Promise<{ reloadMs: number }> => {
      const next = validateDns(opts.records, faults).faults;
      if (!proc.running()) throw new Error(`coredns is not running (log ${proc.logFile}):\n${proc.tail(20)}`);
      const okBefore = countInLog(proc.logFile, 'Reloading complete');
      // caddy logs a failed reload as "[ERROR] SIGUSR1: ..." (sigtrap_posix.go); other [ERROR] lines
      // come from the errors plugin about single queries.
      const errBefore = countInLog(proc.logFile, '[ERROR] SIGUSR1');
      fs.writeFileSync(corefile, render(next));
      const start = performance.now();
      process.kill(proc.pid, 'SIGUSR1');
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (countInLog(proc.logFile, 'Reloading complete') > okBefore) break;
        if (countInLog(proc.logFile, '[ERROR] SIGUSR1') > errBefore || !proc.running() || Date.now() > deadline) {
          throw new Error(
            `coredns did not reload ${corefile} for faults ${JSON.stringify(faults)} (log ${proc.logFile}):\n${proc.tail(20)}`,
          );
        }
        await sleep(5);
      }
      current = next;
      return { reloadMs: performance.now() - start };
    };
    // One switch at a time: each waits for its own "Reloading complete".
    const p = switching.then(run, run);
    switching = p.catch(() => undefined);
    return p;
  };

  return Object.assign(proc, {
    host,
    port,
    server: `${host}:${port}`,
    corefile,
    faults: () => current,
    setFaults,
  });
}
