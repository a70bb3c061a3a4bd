/**
 * The fault-injection infrastructure, checked at the socket level with Node clients on loopback:
 * CoreDNS (e2e/lib/coredns.ts) answers and breaks name resolution, toxiproxy (e2e/lib/toxiproxy.ts)
 * breaks TCP paths. Each fault is shown to do what the fault matrix relies on. Every wait is bounded.
 */
import { Resolver } from 'node:dns/promises';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { renderCorefile, renderZone, startCoreDNS, type CoreDNS } from './lib/coredns';
import { assertLoopbackIPv4, freePortOn, parseLoopbackHostPort, podAddress } from './lib/loopback';
import { startPodinfo, stopAll } from './lib/processes';
import { freeDnsAddress, renderResolvConf, withResolvConf } from './lib/resolv';
import { startToxiproxy, type Toxiproxy } from './lib/toxiproxy';
import { ensureTools } from './lib/tools';

const SVC = 'podinfo.cl-targets.svc.cluster.local';
const HEADLESS = 'podinfo-headless.cl-targets.svc.cluster.local';
const BACKEND = 'backend.cl-targets.svc.cluster.local';
const PODS = [podAddress(0), podAddress(1), podAddress(2)]; // 127.0.0.2..4
const VIP = '127.0.0.100';

/** What one lookup gave: the sorted addresses or the error code, and how long it took. */
async function lookup(server: string, name: string, timeoutMs: number): Promise<{ ms: number; addresses?: string[]; code?: string }> {
  // tries: 1 so a lost reply costs exactly one timeout (c-ares would otherwise retry 4 times).
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([server]);
  const start = performance.now();
  try {
    const addresses = (await r.resolve4(name)).sort();
    return { ms: performance.now() - start, addresses };
  } catch (err) {
    return { ms: performance.now() - start, code: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/** An HTTP/1.1 upstream on a loopback address that counts the bytes it receives. */
async function startUpstream(host: string): Promise<{ server: http.Server; port: number; address: string; bytesIn: () => number }> {
  assertLoopbackIPv4('upstream host', host);
  let bytes = 0;
  const server = http.createServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size') ?? '2');
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(size) });
    res.end('x'.repeat(size));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (sock) => sock.on('data', (d: Buffer) => (bytes += d.length)));
  const port = await freePortOn(host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, port, address: `${host}:${port}`, bytesIn: () => bytes };
}

interface Exchange {
  ms: number;
  /** Bytes of the reply received before the end (or the wait ran out). */
  bytes: number;
  status?: number;
  /** Error code (ECONNRESET, ECONNREFUSED, ...) or 'timeout' when the bounded wait ran out. */
  error?: string;
  connectMs?: number;
}

/**
 * Sends one HTTP/1.1 GET on `sock` (or a new connection to `target`) and waits, at most `waitMs`,
 * for a complete reply (Content-Length known). Raw sockets, so what comes back is what toxiproxy let through.
 */
function exchange(
  target: { host: string; port: number } | net.Socket,
  opts: { path?: string; waitMs: number },
): Promise<Exchange & { socket: net.Socket }> {
  const start = performance.now();
  const sock = target instanceof net.Socket ? target : net.connect({ host: target.host, port: target.port });
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let connectMs: number | undefined = target instanceof net.Socket ? 0 : undefined;
    let settled = false;
    const finish = (extra: Partial<Exchange>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('error', onError);
      sock.off('close', onClose);
      const head = buf.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      resolve({ socket: sock, ms: performance.now() - start, bytes: buf.length, connectMs, ...(m ? { status: Number(m[1]) } : {}), ...extra });
    };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text);
      if (end >= 0 && len && buf.length >= end + 4 + Number(len[1])) finish({});
    };
    const onError = (err: NodeJS.ErrnoException): void => finish({ error: err.code ?? err.message });
    const onClose = (): void => finish({ error: 'closed' });
    const timer = setTimeout(() => finish({ error: 'timeout' }), opts.waitMs);
    sock.on('data', onData);
    sock.on('error', onError);
    sock.on('close', onClose);
    const send = (): void => {
      sock.write(`GET ${opts.path ?? '/'} HTTP/1.1\r\nHost: cl\r\nConnection: keep-alive\r\n\r\n`);
    };
    if (target instanceof net.Socket) send();
    else
      sock.once('connect', () => {
        connectMs = performance.now() - start;
        send();
      });
  });
}

/** Measurements printed at the end, for e2e/README.md. */
const measured: Record<string, string> = {};

beforeAll(() => {
  ensureTools(['coredns', 'toxiproxy']);
}, 15 * 60 * 1000);

afterAll(async () => {
  if (Object.keys(measured).length > 0) console.log(`faults-infra measured:\n${Object.entries(measured).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  await stopAll();
});

describe('loopback addressing', () => {
  test('127.0.0.2..127.0.0.254 can each be bound and reached (Linux routes 127/8 to lo)', async () => {
    const bad: string[] = [];
    for (let i = 0; i <= 252; i++) {
      const host = podAddress(i);
      const srv = net.createServer((s) => s.end('ok'));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, host, resolve);
        });
        const port = (srv.address() as net.AddressInfo).port;
        const got = await new Promise<string>((resolve) => {
          const c = net.connect({ host, port });
          let data = '';
          c.setTimeout(2000, () => c.destroy(new Error('timeout')));
          c.on('data', (d: Buffer) => (data += d.toString()));
          c.on('close', () => resolve(data));
          c.on('error', (e) => resolve(`error ${e.message}`));
        });
        if (got !== 'ok') bad.push(`${host}: ${got}`);
      } catch (err) {
        bad.push(`${host}: ${(err as Error).message}`);
      } finally {
        await new Promise((r) => srv.close(r));
      }
    }
    expect(bad).toEqual([]);
  });

  test('addresses outside 127.0.0.0/8 are refused with the field and the value', () => {
    expect(() => assertLoopbackIPv4('records["x"][0]', '10.0.0.1')).toThrow(/records\["x"\]\[0\]: "10.0.0.1" is not allowed: want an IPv4 address in 127.0.0.0\/8/);
    expect(() => parseLoopbackHostPort('proxy.upstream', '192.168.1.1:80')).toThrow(/proxy.upstream: "192.168.1.1:80" is not allowed/);
    expect(() => parseLoopbackHostPort('proxy.listen', 'localhost:80')).toThrow(/proxy.listen: "localhost:80" is not allowed/);
    expect(parseLoopbackHostPort('proxy.listen', '127.0.0.9:0')).toEqual({ host: '127.0.0.9', port: 0 });
    expect(() => podAddress(253)).toThrow(/index 253 is not allowed: want an integer 0..252/);
  });
});

describe('CoreDNS: cluster names on loopback, DNS faults switched at run time', () => {
  let dns: CoreDNS;
  const reloads: number[] = [];
  const records = { [SVC]: [VIP], [HEADLESS]: PODS, [BACKEND]: [podAddress(3)] };

  beforeAll(async () => {
    dns = await startCoreDNS({ records, ttl: 5 });
  }, 60_000);

  afterAll(async () => {
    if (reloads.length > 0) {
      measured['coredns fault switch (SIGUSR1 -> "Reloading complete")'] = `${reloads.map((ms) => ms.toFixed(1)).join(', ')} ms`;
    }
    await dns?.stop();
  });

  const set = async (faults: Parameters<CoreDNS['setFaults']>[0]): Promise<void> => {
    const { reloadMs } = await dns.setFaults(faults);
    reloads.push(reloadMs);
    expect(reloadMs).toBeLessThan(2000);
  };

  test('answers A records: the Service VIP, one per pod for the headless name; NXDOMAIN and NODATA otherwise', async () => {
    expect(await lookup(dns.server, SVC, 1000)).toMatchObject({ addresses: [VIP] });
    expect(await lookup(dns.server, HEADLESS, 1000)).toMatchObject({ addresses: [...PODS].sort() });
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([dns.server]);
    expect(await r.resolve4(SVC, { ttl: true })).toEqual([{ address: VIP, ttl: 5 }]);
    expect(await lookup(dns.server, `nope.${SVC}`, 1000)).toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve6(SVC)).rejects.toMatchObject({ code: 'ENODATA' });
    // Our own UDP client (used below to time the 5 s delay) reads the same answers.
    expect(await udpQuery(dns.port, HEADLESS, 1000)).toMatchObject({ rcode: 0, addresses: [...PODS].sort() });
    expect(await udpQuery(dns.port, `nope.${SVC}`, 1000)).toMatchObject({ rcode: 3, addresses: [] });
  });

  test('drop: every query goes unanswered, so each lookup times out', async () => {
    await set([{ kind: 'drop' }]);
    const [svc, headless] = await Promise.all([lookup(dns.server, SVC, 400), lookup(dns.server, HEADLESS, 400)]);
    expect(svc).toMatchObject({ code: 'ETIMEOUT' });
    expect(headless).toMatchObject({ code: 'ETIMEOUT' });
    measured['dns drop, lookup with a 400 ms timeout failed after'] = `${svc.ms.toFixed(1)} ms`;
    expect(svc.ms).toBeGreaterThanOrEqual(350);
    // Over TCP too: the connection is accepted, no reply comes (resolvers fall back to TCP on truncation).
    const tcp = await tcpQuery(dns.port, SVC, 600);
    expect(tcp).toEqual({ reply: false });
  });

  test('delay 5 s: the real answer arrives 5 s late, and only for the delayed name', async () => {
    await set([{ kind: 'delay', ms: 5000, names: [SVC] }]);
    const [slow, other] = await Promise.all([udpQuery(dns.port, SVC, 8000), lookup(dns.server, HEADLESS, 1000)]);
    measured['dns delay 5000 ms, lookup took'] = `${slow.ms.toFixed(1)} ms`;
    expect(slow).toMatchObject({ rcode: 0, addresses: [VIP] });
    expect(slow.ms).toBeGreaterThanOrEqual(4990);
    expect(slow.ms).toBeLessThan(6500);
    expect(other.addresses).toEqual([...PODS].sort());
    expect(other.ms).toBeLessThan(1000);
    // A client whose timeout is shorter than the delay gets no answer at all.
    expect(await lookup(dns.server, SVC, 2000)).toMatchObject({ code: 'ETIMEOUT' });
  }, 30_000);

  test('SERVFAIL and NXDOMAIN rcodes, each on its own name, others unharmed', async () => {
    await set([
      { kind: 'servfail', names: [HEADLESS] },
      { kind: 'nxdomain', names: [BACKEND] },
    ]);
    expect(await lookup(dns.server, HEADLESS, 1000)).toMatchObject({ code: 'ESERVFAIL' });
    expect(await lookup(dns.server, BACKEND, 1000)).toMatchObject({ code: 'ENOTFOUND' });
    expect(await udpQuery(dns.port, HEADLESS, 1000)).toMatchObject({ rcode: 2, addresses: [] }); // SERVFAIL
    expect(await udpQuery(dns.port, BACKEND, 1000)).toMatchObject({ rcode: 3, addresses: [] }); // NXDOMAIN
    expect(await lookup(dns.server, SVC, 1000)).toMatchObject({ addresses: [VIP] });
    await set([{ kind: 'servfail' }]);
    expect(await lookup(dns.server, SVC, 1000)).toMatchObject({ code: 'ESERVFAIL' });
  });

  test('healing restores the answers at once', async () => {
    await set([]);
    expect(dns.faults()).toEqual([]);
    expect(await lookup(dns.server, SVC, 1000)).toMatchObject({ addresses: [VIP] });
    expect(await lookup(dns.server, HEADLESS, 1000)).toMatchObject({ addresses: [...PODS].sort() });
  });

  test('bad records and faults fail before CoreDNS sees them, naming the field and the value', async () => {
    const base = { port: 53000, zoneFile: '/nonexistent' };
    expect(() => renderZone({ [SVC]: ['10.96.0.1'] })).toThrow(/records\[".*"\]\[0\]: "10.96.0.1" is not allowed: want an IPv4 address in 127.0.0.0\/8/);
    expect(() => renderZone({ 'bad_name!': [VIP] })).toThrow(/records\["bad_name!"\]: "bad_name!" is not allowed: want a DNS name/);
    expect(() => renderZone({ [SVC]: [VIP] }, -1)).toThrow(/ttl: -1 is not allowed/);
    expect(() => renderCorefile({ ...base, records, faults: [{ kind: 'delay', ms: 0 }] })).toThrow(/faults\[0\].ms: 0 is not allowed: want an integer number of milliseconds 1..60000/);
    expect(() => renderCorefile({ ...base, records, faults: [{ kind: 'loss' } as never] })).toThrow(/faults\[0\].kind: "loss" is not allowed: want one of drop, delay, servfail, nxdomain/);
    expect(() => renderCorefile({ ...base, records, faults: [{ kind: 'drop' }, { kind: 'servfail' }] })).toThrow(/faults\[1\]: a second fault for every name is not allowed/);
    await expect(dns.setFaults([{ kind: 'delay', ms: 70_000 }])).rejects.toThrow(/faults\[0\].ms: 70000 is not allowed/);
    // The rejected switch left CoreDNS as it was.
    expect(await lookup(dns.server, SVC, 1000)).toMatchObject({ addresses: [VIP] });
  });
});

/** A DNS query for `name`, type A, recursion desired (RFC 1035 4.1). */
function aQuery(name: string, id: number): Buffer {
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]); // root, type A, class IN
}

/** Skips a (possibly compressed) name at `off`; returns the offset after it. */
function skipName(msg: Buffer, off: number): number {
  for (;;) {
    const len = msg[off] ?? 0;
    if ((len & 0xc0) === 0xc0) return off + 2;
    if (len === 0) return off + 1;
    off += len + 1;
  }
}

/**
 * One A query over UDP with our own client, waiting up to `waitMs` for the reply. Used to time long
 * delays: Node's resolver (c-ares 1.34) caps each try at 5 s whatever its `timeout` option
 * (ares_metrics.c MAX_TIMEOUT_MS), so an answer 5 s late races its give-up.
 */
function udpQuery(port: number, name: string, waitMs: number): Promise<{ ms: number; rcode?: number; addresses?: string[]; error?: string }> {
  const id = Math.floor(Math.random() * 0xffff);
  const start = performance.now();
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (r: { rcode?: number; addresses?: string[]; error?: string }): void => {
      clearTimeout(timer);
      sock.close();
      resolve({ ms: performance.now() - start, ...r });
    };
    const timer = setTimeout(() => done({ error: 'timeout' }), waitMs);
    sock.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    sock.on('message', (msg: Buffer) => {
      if (msg.readUInt16BE(0) !== id) return;
      const rcode = (msg[3] ?? 0) & 0x0f;
      const ancount = msg.readUInt16BE(6);
      let off = skipName(msg, 12) + 4;
      const addresses: string[] = [];
      for (let i = 0; i < ancount; i++) {
        off = skipName(msg, off);
        const type = msg.readUInt16BE(off);
        const rdlength = msg.readUInt16BE(off + 8);
        if (type === 1 && rdlength === 4) addresses.push([...msg.subarray(off + 10, off + 14)].join('.'));
        off += 10 + rdlength;
      }
      done({ rcode, addresses: addresses.sort() });
    });
    sock.send(aQuery(name, id), port, '127.0.0.1');
  });
}

/** One A query over TCP (RFC 1035 4.2.2 length prefix); whether any reply came within `waitMs`. */
function tcpQuery(port: number, name: string, waitMs: number): Promise<{ reply: boolean; error?: string }> {
  const q = aQuery(name, 0x1234);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.write(Buffer.concat([len, q])));
    const done = (r: { reply: boolean; error?: string }): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ reply: false }), waitMs);
    sock.once('data', () => done({ reply: true }));
    sock.once('error', (e: NodeJS.ErrnoException) => done({ reply: false, error: e.code }));
  });
}

describe('toxiproxy: TCP path faults between a client and a loopback target', () => {
  let toxi: Toxiproxy;
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let listen: { host: string; port: number };
  const proxyName = 'pod0';

  beforeAll(async () => {
    up = await startUpstream(PODS[0] ?? '127.0.0.2');
    toxi = await startToxiproxy();
    const p = await toxi.client.createProxy({ name: proxyName, listen: `${VIP}:0`, upstream: up.address });
    listen = parseLoopbackHostPort('listen', p.listen);
    expect(listen.host).toBe(VIP);
    expect(listen.port).toBeGreaterThan(0);
  }, 60_000);

  afterEach(async () => {
    await toxi.client.reset();
  });

  afterAll(async () => {
    await toxi?.stop();
    await new Promise((r) => up?.server.close(r));
  });

  test('API on 127.0.0.1 only; a proxy to a non-loopback upstream is refused before it is sent', async () => {
    expect(await toxi.client.version()).toMatch(/2\.5\.0/);
    expect(new URL(toxi.url).hostname).toBe('127.0.0.1');
    await expect(toxi.client.createProxy({ name: 'bad', listen: '127.0.0.9:0', upstream: '10.0.0.1:80' })).rejects.toThrow(
      /proxy.upstream: "10.0.0.1:80" is not allowed/,
    );
    await expect(toxi.client.getProxy('bad')).rejects.toThrow(/HTTP 404/);
    await expect(toxi.client.addToxic(proxyName, { type: 'latency', attributes: { latency: -5 } })).rejects.toThrow(
      /toxic.attributes.latency: -5 is not allowed: want an integer >= 0/,
    );
    const extra = await toxi.client.createProxy({ name: 'extra', listen: '127.0.0.9:0', upstream: up.address });
    expect(extra).toMatchObject({ name: 'extra', upstream: up.address, enabled: true, toxics: [] });
    await toxi.client.deleteProxy('extra');
    await expect(toxi.client.getProxy('extra')).rejects.toThrow(/HTTP 404/);
  });

  test('healthy: the request passes through to the target', async () => {
    const before = up.bytesIn();
    const r = await exchange(listen, { waitMs: 2000 });
    r.socket.destroy();
    expect(r).toMatchObject({ status: 200 });
    expect(r.error).toBeUndefined();
    expect(up.bytesIn()).toBeGreaterThan(before);
  });

  test('black-hole (timeout 0, upstream): connect succeeds, nothing reaches the target, nothing comes back', async () => {
    await toxi.client.blackHole(proxyName);
    const before = up.bytesIn();
    const r = await exchange(listen, { waitMs: 1500 });
    r.socket.destroy();
    expect(r.connectMs).toBeDefined();
    expect(r.connectMs ?? Infinity).toBeLessThan(500);
    expect(r).toMatchObject({ error: 'timeout', bytes: 0 });
    expect(r.ms).toBeGreaterThanOrEqual(1450);
    expect(up.bytesIn()).toBe(before);
    // Removed, the path heals for new connections.
    await toxi.client.removeToxic(proxyName, 'blackhole');
    expect((await toxi.client.getProxy(proxyName)).toxics).toEqual([]);
    const healed = await exchange(listen, { waitMs: 2000 });
    healed.socket.destroy();
    expect(healed).toMatchObject({ status: 200 });
  });

  test('reset_peer: a new connection gets ECONNRESET; an open keep-alive one is closed with a FIN, no reply', async () => {
    const first = await exchange(listen, { waitMs: 2000 });
    expect(first).toMatchObject({ status: 200 });
    await toxi.client.resetPeer(proxyName, 0);
    // toxiproxy sets SO_LINGER 0 only on connections that start with the toxic in place (link.go ToxicLink.Start).
    const again = await exchange(first.socket, { waitMs: 2000 });
    first.socket.destroy();
    expect(again).toMatchObject({ error: 'closed', bytes: 0 });
    const fresh = await exchange(listen, { waitMs: 2000 });
    fresh.socket.destroy();
    expect(fresh).toMatchObject({ error: 'ECONNRESET', bytes: 0 });
  });

  test('latency: +600 ms on each reply, measured against the healthy path', async () => {
    const base = await exchange(listen, { waitMs: 2000 });
    base.socket.destroy();
    await toxi.client.latency(proxyName, 600);
    const slow = await exchange(listen, { waitMs: 3000 });
    slow.socket.destroy();
    measured['toxiproxy latency 600 ms, added'] = `${(slow.ms - base.ms).toFixed(1)} ms (healthy ${base.ms.toFixed(1)} ms)`;
    expect(slow).toMatchObject({ status: 200 });
    // The toxic holds each reply chunk 600 ms, so the whole exchange takes at least that; the
    // difference to the healthy path is the added latency, give or take scheduling.
    expect(slow.ms).toBeGreaterThanOrEqual(598);
    expect(slow.ms - base.ms).toBeLessThan(1200);
  });

  test('bandwidth: a 100 KB reply at 50 KB/s takes about 2 s', async () => {
    await toxi.client.bandwidth(proxyName, 50);
    const r = await exchange(listen, { path: '/?size=102400', waitMs: 5000 });
    r.socket.destroy();
    measured['toxiproxy bandwidth 50 KB/s, 100 KB reply took'] = `${r.ms.toFixed(1)} ms`;
    expect(r).toMatchObject({ status: 200 });
    expect(r.ms).toBeGreaterThanOrEqual(1500);
    expect(r.ms).toBeLessThan(4000);
  });

  test('refused: a disabled proxy refuses connections; enabled again it serves on the same address', async () => {
    await toxi.client.setEnabled(proxyName, false);
    const r = await exchange(listen, { waitMs: 2000 });
    r.socket.destroy();
    measured['toxiproxy disabled, ECONNREFUSED after'] = `${r.ms.toFixed(1)} ms`;
    expect(r.error).toBe('ECONNREFUSED');
    expect(r.ms).toBeLessThan(500);
    const p = await toxi.client.setEnabled(proxyName, true);
    expect(p.listen).toBe(`${listen.host}:${listen.port}`);
    const ok = await exchange(listen, { waitMs: 2000 });
    ok.socket.destroy();
    expect(ok).toMatchObject({ status: 200 });
  });
});

describe('DNS + path together: a name resolved by CoreDNS leads through toxiproxy to podinfo on its own address', () => {
  test('podinfo on 127.0.0.5 behind a proxy on 127.0.0.101, reached by name; then the VIP black-holed', async () => {
    const pod = await startPodinfo({ host: podAddress(3), name: 'podinfo-pod3' });
    const toxi = await startToxiproxy({ name: 'toxiproxy-chain' });
    try {
      const vip = '127.0.0.101';
      const p = await toxi.client.createProxy({ name: 'svc', listen: `${vip}:0`, upstream: `${pod.host}:${pod.port}` });
      const port = parseLoopbackHostPort('listen', p.listen).port;
      const dns = await startCoreDNS({ records: { [SVC]: [vip] }, name: 'coredns-chain' });
      try {
        const res = await lookup(dns.server, SVC, 1000);
        expect(res.addresses).toEqual([vip]);
        const ok = await exchange({ host: res.addresses?.[0] ?? '', port }, { path: '/api/info', waitMs: 3000 });
        ok.socket.destroy();
        expect(ok).toMatchObject({ status: 200 });
        await toxi.client.blackHole('svc');
        const dead = await exchange({ host: vip, port }, { path: '/api/info', waitMs: 1000 });
        dead.socket.destroy();
        expect(dead).toMatchObject({ error: 'timeout', bytes: 0 });
      } finally {
        await dns.stop();
      }
    } finally {
      await toxi.stop();
      await pod.stop();
    }
  }, 15 * 60 * 1000);
});

describe('system resolvers through CoreDNS: resolv.conf of ours in a private mount namespace', () => {
  test('glibc (getent) and Go (podinfo calling its backend by name) resolve through CoreDNS on <loopback>:53; NXDOMAIN breaks the second hop once its connection is new', async () => {
    const hostResolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
    const dnsHost = await freeDnsAddress();
    let backend = await startPodinfo({ host: podAddress(4), name: 'podinfo-backend' });
    const dns = await startCoreDNS({ records: { [BACKEND]: [backend.host] }, host: dnsHost, port: 53, name: 'coredns-53' });
    // As a Pod in namespace cl-targets sees it.
    const conf = { nameserver: dnsHost, search: ['cl-targets.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5, timeoutSeconds: 1, attempts: 1 };
    try {
      const getent = withResolvConf(conf, 'getent', ['ahostsv4', BACKEND]);
      const g = spawnSync(getent.command, getent.args, { encoding: 'utf8', timeout: 10_000 });
      expect({ status: g.status, stderr: g.stderr }).toEqual({ status: 0, stderr: '' });
      expect(g.stdout).toContain(`${backend.host} `);

      const frontend = await startPodinfo({
        name: 'podinfo-frontend',
        args: [`--backend-url=http://${BACKEND}:${backend.port}/api/echo`],
        wrap: (command, args) => withResolvConf(conf, command, args),
      });
      // The frontend answers 200 either way, with one entry per backend: its reply or the error.
      const echo = async (): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`${frontend.url}/api/echo`, { method: 'POST', body: 'ping', signal: AbortSignal.timeout(10_000) });
        return { status: res.status, body: JSON.parse(await res.text()) as unknown };
      };
      expect(await echo()).toEqual({ status: 200, body: ['ping'] });
      await dns.setFaults([{ kind: 'nxdomain', names: [BACKEND] }]);
      // The frontend's keep-alive connection to the backend is open: no lookup, no harm.
      expect(await echo()).toEqual({ status: 200, body: ['ping'] });
      // The backend restarts on the same address, closing that connection: the next call must
      // resolve the name again, and fails.
      await backend.stop();
      backend = await startPodinfo({ host: backend.host, port: backend.port, name: 'podinfo-backend' });
      expect(await echo()).toEqual({ status: 200, body: [expect.stringMatching(/call failed.*no such host/)] });
      await dns.setFaults([]);
      expect(await echo()).toEqual({ status: 200, body: ['ping'] });
      await frontend.stop();
    } finally {
      await dns.stop();
      await backend.stop();
    }
    // The host's resolver configuration is untouched.
    expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).toBe(hostResolv);
    expect(() => renderResolvConf({ nameserver: '10.255.255.53' })).toThrow(/resolv.nameserver: "10.255.255.53" is not allowed/);
  }, 5 * 60 * 1000);
});
