import { startCoreDNS } from '../../e2e/lib/coredns';
import { startPodinfo } from '../../e2e/lib/processes';
import { PODINFO_PORTS } from '../../lib/model/model';

/**
 * Per-node podinfo "pods" of a node-mesh flow on loopback: one podinfo per node on its own 127.<block>.0.x
 * address, on podinfo's port (the plan's URLs carry it), answering /env with its NODE_NAME, behind the
 * headless name in a loopback CoreDNS (answers in a fixed order, ttl 0). `block` keeps the addresses apart
 * from other tests that bind the same port.
 */
export async function startMeshPods(opts: { name: string; headlessHost: string; podPrefix: string; nodes: readonly string[]; block: number }) {
  const pods = opts.nodes.map((node, i) => ({ node, ip: `127.${opts.block}.0.${i + 2}` }));
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    for (const p of pods) {
      const pi = await startPodinfo({ name: `${opts.name}-${p.node}`, host: p.ip, port: PODINFO_PORTS.http, args: [], env: { NODE_NAME: p.node, POD_NAME: `${opts.podPrefix}-${p.node}` } });
      closers.push(() => pi.stop());
    }
    const dns = await startCoreDNS({ name: `${opts.name}-coredns`, records: { [opts.headlessHost]: pods.map((p) => p.ip) }, ttl: 0, queryLog: false });
    closers.push(() => dns.stop());
    return { pods, dnsServer: dns.server, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
