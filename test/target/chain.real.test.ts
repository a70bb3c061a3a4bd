import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HttpRequestPlan, PODINFO_PORTS } from '../../lib/model/model';
import { podinfoArgs } from '../../lib/target/podinfo';
import { model } from '../helpers';
import { requireBinary } from '../tools/binaries';
import { freePort } from '../../e2e/lib/processes';

interface Podinfo {
  readonly proc: ChildProcess;
  readonly http: number;
  readonly log: () => string;
}

/** Starts the real podinfo with the flags we render, moved to free loopback ports (the machine is shared). */
async function startPodinfo(dir: string, name: string, backendUrl?: string): Promise<Podinfo> {
  const [http, metrics, grpc] = [await freePort(), await freePort(), await freePort()];
  const data = path.join(dir, name);
  fs.mkdirSync(data);
  const args = podinfoArgs(backendUrl).map((a) =>
    a
      .replace(`--port=${PODINFO_PORTS.http}`, `--port=${http}`)
      .replace(`--port-metrics=${PODINFO_PORTS.metrics}`, `--port-metrics=${metrics}`)
      .replace(`--grpc-port=${PODINFO_PORTS.grpc}`, `--grpc-port=${grpc}`)
      .replace('--data-path=/data', `--data-path=${data}`),
  );
  const proc = spawn(requireBinary('podinfo'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NAME: `node-of-${name}` } });
  let log = '';
  proc.stdout?.on('data', (d) => (log += String(d)));
  proc.stderr?.on('data', (d) => (log += String(d)));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${http}/readyz`)).ok) break;
    } catch {
      if (i > 200 || proc.exitCode !== null) throw new Error(`podinfo ${name} did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, http, log: () => log };
}

describe('the chain, on real podinfo processes (the flags we render, loopback ports)', () => {
  const chain = model().flows.find((f) => f.type === 'chain')!.request as HttpRequestPlan;
  let dir = '';
  let backend: Podinfo;
  let frontend: Podinfo;

  beforeAll(async () => {
    // GIVEN a backend podinfo and a frontend whose --backend-url is the backend's /echo, as we render it
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-chain-'));
    backend = await startPodinfo(dir, 'backend');
    const backendUrl = new URL(model().target.backendUrl!);
    frontend = await startPodinfo(dir, 'frontend', `http://127.0.0.1:${backend.http}${backendUrl.pathname}`);
  });

  afterAll(() => {
    // SIGKILL: podinfo's graceful shutdown (SIGTERM) waits seconds for in-flight requests; none are left here.
    for (const p of [frontend, backend]) p?.proc.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = () =>
    fetch(`http://127.0.0.1:${frontend.http}${new URL(chain.url).pathname}`, { method: chain.method, headers: chain.headers, body: chain.body ?? undefined });

  test('the probe comes back through both hops, with the status the flow expects', async () => {
    // WHEN the chain flow's request is sent to the frontend
    const res = await send();
    const body = await res.text();
    // THEN it has an expected status and the echoed probe
    expect(chain.expectedStatuses).toContain(res.status);
    expect(body).toContain(chain.expectBody);
  });

  test('both hops show in the server-side metrics', async () => {
    const metricsOf = async (p: Podinfo) => {
      const port = Number(/--port-metrics=(\d+)/.exec((p.proc.spawnargs ?? []).join(' '))![1]);
      return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    };
    expect(await metricsOf(frontend)).toMatch(/http_request_duration_seconds_count\{method="POST",path="api_echo",status="200"\} [1-9]/);
    expect(await metricsOf(backend)).toMatch(/http_request_duration_seconds_count\{method="POST",path="echo",status="202"\} [1-9]/);
  });

  test('/env tells which node served (NODE_NAME from the downward API)', async () => {
    const env = (await (await fetch(`http://127.0.0.1:${backend.http}/env`)).json()) as string[];
    expect(env).toContain('NODE_NAME=node-of-backend');
  });

  test('with the backend gone the frontend still answers 200, but without the probe: only the body check sees the broken hop', async () => {
    // GIVEN the backend is gone (killed: a graceful SIGTERM shutdown only adds seconds of waiting)
    backend.proc.kill('SIGKILL');
    await new Promise<void>((r) => (backend.proc.exitCode !== null ? r() : backend.proc.once('exit', () => r())));
    // WHEN the chain request is sent
    const res = await send();
    const body = await res.text();
    // THEN the status alone would call it a success; the expected body does not
    expect(chain.expectedStatuses).toContain(res.status);
    expect(body).not.toContain(chain.expectBody);
    expect(body).toMatch(/backend .* call failed/);
  });
});
