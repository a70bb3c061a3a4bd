/**
 * Starting, watching and stopping real programs on loopback for the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertLoopbackIPv4, freePortOn } from './loopback';
import { toolPath } from './tools';

export interface ReadyCheck {
  /** URL polled until it answers with `status` (default: any 2xx). */
  url: string;
  status?: number;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Extra fetch options, e.g. a custom dispatcher; rarely needed. */
  init?: RequestInit;
}

export interface StartOptions {
  /** Short name used in messages and the log file name. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where stdout and stderr go (appended). Default: <tmpdir>/continuous-load-e2e-logs/<name>-<pid>.log */
  logFile?: string | undefined;
  /** How to know it is ready: an HTTP check, or a function that resolves true when ready. */
  ready?: ReadyCheck | (() => Promise<boolean>);
  /** For a function `ready`; default 60 s. */
  readyTimeoutMs?: number;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  command: string;
  args: string[];
  logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** True while the process runs. */
  running(): boolean;
  /** The last `lines` lines of its log. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();
const livePids = new Set<number>();
let exitHookInstalled = false;

/** If the test process ends without teardown (crash, timeout, Ctrl-C), take the programs with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of livePids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** A fresh temporary directory under os.tmpdir(). */
export function makeTempDir(prefix = 'continuous-load-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Where logs go unless a caller names a file (CL_E2E_LOG_DIR, default <tmpdir>/continuous-load-e2e-logs). */
export function defaultLogDir(): string {
  const dir = process.env['CL_E2E_LOG_DIR'] ?? path.join(os.tmpdir(), 'continuous-load-e2e-logs');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. With `udp`, the same number is also free for UDP. */
export async function freePort(opts: { udp?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address() as net.AddressInfo;
        srv.close(() => resolve(addr.port));
      });
    });
    if (!opts.udp) return port;
    const udpFree = await new Promise<boolean>((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('freePort: no free port found in 50 attempts');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Thrown from a waitFor callback to stop waiting at once (other errors are retried). */
export class FatalWaitError extends Error {}

/** Polls `fn` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      if (err instanceof FatalWaitError) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

function tailFile(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

/** Spawns a program, sends its output to a log file and waits until it is ready. */
export async function startProcess(opts: StartOptions): Promise<ManagedProcess> {
  const logFile = opts.logFile ?? path.join(defaultLogDir(), `${opts.name}-${process.pid}-${Date.now()}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `# ${new Date().toISOString()} ${opts.command} ${opts.args.join(' ')}\n`);
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: { ...process.env, ...(opts.env ?? {}) },
      stdio: ['ignore', fd, fd],
      detached: false,
    });
  } finally {
    fs.closeSync(fd);
  }
  let exitValue: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitValue = code ?? signal ?? 'unknown';
      resolve(exitValue);
    });
    child.once('error', (err) => {
      exitValue = `spawn error: ${err.message}`;
      resolve(exitValue);
    });
  });
  const proc: ManagedProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    command: opts.command,
    args: opts.args,
    logFile,
    exited,
    running: () => exitValue === undefined,
    tail: (lines = 30) => tailFile(logFile, lines),
    stop: async (graceMs = 5000) => {
      live.delete(proc);
      if (exitValue !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (exitValue === undefined) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(proc);
  if (child.pid !== undefined) {
    const pid = child.pid;
    livePids.add(pid);
    void exited.then(() => livePids.delete(pid));
    installExitHook();
  }

  if (opts.ready) {
    const ready = opts.ready;
    const timeoutMs = typeof ready === 'function' ? (opts.readyTimeoutMs ?? 60_000) : (ready.timeoutMs ?? 60_000);
    const check =
      typeof ready === 'function'
        ? ready
        : async () => {
            const res = await fetch(ready.url, { ...(ready.init ?? {}), signal: AbortSignal.timeout(2000) });
            await res.arrayBuffer();
            return ready.status !== undefined ? res.status === ready.status : res.ok;
          };
    const what = typeof ready === 'function' ? `${opts.name} to be ready` : `${opts.name} at ${ready.url}`;
    try {
      await waitFor(
        what,
        async () => {
          if (exitValue !== undefined) {
            throw new FatalWaitError(`${opts.name} exited (${exitValue}) before it was ready`);
          }
          return check();
        },
        { timeoutMs },
      );
    } catch (err) {
      await proc.stop(1000);
      throw new Error(
        `${opts.name} did not become ready: ${(err as Error).message}\n` +
          `command: ${opts.command} ${opts.args.join(' ')}\nlog ${logFile}:\n${proc.tail(40)}`,
      );
    }
  }
  return proc;
}

/** Stops every process started by this module that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/* ---------------------------------------------------------------- podinfo */

export interface PodinfoOptions {
  /** Extra podinfo flags, e.g. the args of a Deployment in dist/ (port flags are set here). */
  args?: string[];
  port?: number;
  /**
   * Loopback address of the HTTP port (default 127.0.0.1): distinct 127.x.y.z addresses stand for pods
   * on different nodes. podinfo binds --host for HTTP only: its metrics and gRPC servers listen on
   * ":<port>" (pkg/api/http/server.go, pkg/api/grpc/server.go), every address, so those ports are
   * reachable as <host>:<port> too but cannot repeat across instances.
   */
  host?: string;
  /** Also expose --port-metrics on its own port. */
  metricsPort?: boolean;
  /** Also serve gRPC (--grpc-port) on a loopback port. */
  grpcPort?: boolean;
  binary?: string;
  name?: string;
  logFile?: string;
  /** Extra environment (e.g. NODE_NAME/POD_NAME, which the Deployment sets from the downward API). */
  env?: NodeJS.ProcessEnv;
  /** Runs podinfo through another program, e.g. e2e/lib/resolv.ts withResolvConf. */
  wrap?: (command: string, args: string[]) => { command: string; args: string[] };
}

export interface Podinfo extends ManagedProcess {
  host: string;
  port: number;
  url: string;
  metricsUrl?: string | undefined;
  grpcPort?: number | undefined;
}

/** Drops `--flag value` / `--flag=value` pairs for the given flags from an argument list. */
export function withoutFlags(args: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const flag = flags.find((f) => a === `--${f}` || a.startsWith(`--${f}=`));
    if (!flag) {
      out.push(a);
      continue;
    }
    if (a === `--${flag}` && i + 1 < args.length && !(args[i + 1] ?? '').startsWith('-')) i++;
  }
  return out;
}

/** Starts podinfo on a loopback address (default 127.0.0.1) and waits for GET /readyz. */
export async function startPodinfo(opts: PodinfoOptions = {}): Promise<Podinfo> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopbackIPv4('podinfo host', host);
  const port = opts.port ?? (host === '127.0.0.1' ? await freePort() : await freePortOn(host));
  const metricsPort = opts.metricsPort ? await freePort() : undefined;
  const grpcPort = opts.grpcPort ? await freePort() : undefined;
  const dataDir = makeTempDir('continuous-load-podinfo-');
  const args = [
    ...withoutFlags(opts.args ?? [], ['port', 'port-metrics', 'host', 'data-path', 'grpc-port', 'secure-port']),
    `--host=${host}`,
    `--port=${port}`,
    `--data-path=${dataDir}`,
    ...(metricsPort ? [`--port-metrics=${metricsPort}`] : []),
    ...(grpcPort ? [`--grpc-port=${grpcPort}`] : []),
  ];
  const url = `http://${host}:${port}`;
  const launch = (opts.wrap ?? ((command: string, a: string[]) => ({ command, args: a })))(opts.binary ?? toolPath('podinfo'), args);
  const proc = await startProcess({
    name: opts.name ?? 'podinfo',
    command: launch.command,
    args: launch.args,
    env: opts.env,
    logFile: opts.logFile,
    ready: { url: `${url}/readyz` },
  });
  return Object.assign(proc, {
    port,
    url,
    host,
    metricsUrl: metricsPort ? `http://${host}:${metricsPort}` : undefined,
    grpcPort,
  });
}

/* -------------------------------------------------------- statsd_exporter */

export interface StatsdExporterOptions {
  /** Mapping config: YAML text (e.g. the data of the mapping ConfigMap in dist/) or a file path. */
  mapping?: string;
  /** Extra flags (e.g. the Deployment's args); listen flags in them are dropped, loopback ports are chosen here. */
  args?: string[];
  binary?: string;
  name?: string;
  logFile?: string;
}

export interface StatsdExporter extends ManagedProcess {
  /** http://127.0.0.1:<port>, serving /metrics. */
  url: string;
  webPort: number;
  /** UDP and TCP StatsD port on 127.0.0.1. */
  statsdPort: number;
  /** Sends raw StatsD/DogStatsD lines in one UDP datagram per line. */
  send(lines: string[]): Promise<void>;
}

/** Starts statsd_exporter listening on 127.0.0.1 (UDP+TCP StatsD, HTTP /metrics) and waits for /metrics. */
export async function startStatsdExporter(opts: StatsdExporterOptions = {}): Promise<StatsdExporter> {
  const webPort = await freePort();
  const statsdPort = await freePort({ udp: true });
  const args = [
    `--web.listen-address=127.0.0.1:${webPort}`,
    `--statsd.listen-udp=127.0.0.1:${statsdPort}`,
    `--statsd.listen-tcp=127.0.0.1:${statsdPort}`,
  ];
  if (opts.mapping !== undefined) {
    let file = opts.mapping;
    if (opts.mapping.includes('\n') || !fs.existsSync(opts.mapping)) {
      file = path.join(makeTempDir('continuous-load-statsd-'), 'mapping.yaml');
      fs.writeFileSync(file, opts.mapping);
    }
    args.push(`--statsd.mapping-config=${file}`);
  }
  // Listen flags (e.g. from the Deployment in dist/) are replaced by the loopback ones above.
  const listenFlags = ['web.listen-address', 'statsd.listen-udp', 'statsd.listen-tcp', 'statsd.listen-unixgram'];
  args.push(...withoutFlags(opts.args ?? [], opts.mapping !== undefined ? [...listenFlags, 'statsd.mapping-config'] : listenFlags));
  const url = `http://127.0.0.1:${webPort}`;
  const proc = await startProcess({
    name: opts.name ?? 'statsd_exporter',
    command: opts.binary ?? toolPath('statsd_exporter'),
    args,
    logFile: opts.logFile,
    ready: { url: `${url}/metrics` },
  });
  const send = (lines: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      let pending = lines.length;
      if (pending === 0) {
        sock.close();
        resolve();
        return;
      }
      for (const line of lines) {
        sock.send(Buffer.from(line), statsdPort, '127.0.0.1', (err) => {
          if (err) {
            sock.close();
            reject(err);
            return;
          }
          if (--pending === 0) sock.close(() => resolve());
        });
      }
    });
  return Object.assign(proc, { url, webPort, statsdPort, send });
}

/* ------------------------------------------------------------- prometheus */

export interface PrometheusOptions {
  /** prometheus.yml text. `rule_files` may be relative to the temp dir that holds `ruleFiles`. */
  config: string;
  /** Extra files written next to the config, by file name (e.g. rules as YAML text). */
  files?: Record<string, string>;
  args?: string[];
  binary?: string;
  name?: string;
  logFile?: string;
}

export interface Prometheus extends ManagedProcess {
  url: string;
  port: number;
  /** Directory holding prometheus.yml and `files`. */
  configDir: string;
}

/**
 * Starts Prometheus on 127.0.0.1 with its TSDB in a temp dir, --web.enable-lifecycle, and waits
 * for /-/ready. The config is checked with `promtool check config` first so a bad config fails
 * with promtool's message.
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<Prometheus> {
  const port = await freePort();
  const configDir = makeTempDir('continuous-load-prometheus-');
  const configFile = path.join(configDir, 'prometheus.yml');
  fs.writeFileSync(configFile, opts.config);
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    fs.writeFileSync(path.join(configDir, name), text);
  }
  const promtool = opts.binary ? path.join(path.dirname(opts.binary), 'promtool') : toolPath('promtool');
  await checkWithPromtool(promtool, ['check', 'config', configFile], configDir);
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: opts.name ?? 'prometheus',
    command: opts.binary ?? toolPath('prometheus'),
    cwd: configDir,
    args: [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${path.join(configDir, 'data')}`,
      '--web.enable-lifecycle',
      ...withoutFlags(opts.args ?? [], ['config.file', 'web.listen-address', 'storage.tsdb.path', 'web.enable-lifecycle']),
    ],
    logFile: opts.logFile,
    ready: { url: `${url}/-/ready` },
  });
  return Object.assign(proc, { url, port, configDir });
}

/** Runs promtool with the given args; throws with its output when it fails. */
export function checkWithPromtool(promtool: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`promtool ${args.join(' ')} failed (exit ${code}):\n${out}`)),
    );
  });
}
