import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeKubectl, synthToDir } from './fake-kubectl';
import { errorLines, runCli } from './run';

describe('continuous-load CLI: arguments, errors and the safety switch', () => {
  test('a usage error is one line and exit code 2, before any kubectl call', async () => {
    // GIVEN a typo WHEN run
    const r = await runCli(['deploi']);
    // THEN one error line, exit 2, kubectl never ran
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'deploi'; expected one of synth, deploy, diff, status, open, delete\n");
    expect(r.kubectl.calls).toHaveLength(0);
  });

  test('--help prints the usage on stdout, and <command> --help that command\'s', async () => {
    const r = await runCli(['--help']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^usage: continuous-load <command>/);
    expect(r.stdout).toMatch(/^  deploy +apply dist\//m);
    const d = await runCli(['diff', '--help', '--no-such-flag']);
    expect([d.code, d.stderr]).toEqual([0, '']);
    expect(d.stdout).toMatch(/^usage: continuous-load diff \[options\]/);
    expect(d.kubectl.calls).toHaveLength(0);
  });

  test('a bad flag names the flag and what the command takes; diff exits 2 as for its other errors', async () => {
    const r = await runCli(['diff', '--prune']);
    expect([r.code, r.stderr]).toEqual([2, "error: unknown option '--prune' for diff; diff takes --config, --dist, --context, --kubeconfig, --namespace, --verbose, --kubectl, --force-conflicts (diff --help)\n"]);
    const p = await runCli(['open', 'grafana', '--port', 'http']);
    expect([p.code, p.stderr]).toEqual([2, "error: --port 'http' must be a port number from 1 to 65535\n"]);
    expect([...r.kubectl.calls, ...p.kubectl.calls]).toHaveLength(0);
  });

  test('synth runs through the same entry: the committed dist/ from the defaults, usage errors exit 2', async () => {
    // GIVEN an empty output directory WHEN `continuous-load synth --out DIR` runs through main()
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-main-synth-'));
    const r = await runCli(['synth', '--out', out]);
    // THEN it writes what `npm run synth` wrote into dist/, and says so on stdout
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(out);
    const dist = path.join(__dirname, '..', '..', 'dist');
    for (const f of fs.readdirSync(dist)) expect([f, fs.readFileSync(path.join(out, f), 'utf8')]).toEqual([f, fs.readFileSync(path.join(dist, f), 'utf8')]);
    fs.rmSync(out, { recursive: true, force: true });
    // AND a bad synth flag is a usage error
    const bad = await runCli(['synth', '--format', 'json']);
    expect([bad.code, bad.stderr]).toEqual([2, "error: --format 'json' is not supported; expected one of plain, helm\n"]);
  });

  test('an invalid config names the field, the value and what is allowed', async () => {
    // GIVEN a config with a bad namespace
    const { dist } = synthToDir();
    const bad = path.join(path.dirname(dist), 'bad.yaml');
    fs.writeFileSync(bad, 'namespace: Not_A_Label\n');
    // WHEN deploying with it
    const r = await runCli(['deploy', '--config', bad, '--dist', dist]);
    // THEN one error line per problem, naming the field
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^error: invalid config: .*bad\.yaml: namespace \(got "Not_A_Label"\): namespace must be a DNS-1123 label/)]);
    expect(r.kubectl.calls).toHaveLength(0);
  });

  test('a missing dist/ says to synthesize first', async () => {
    const { config } = synthToDir();
    const r = await runCli(['deploy', '--config', config, '--dist', '/nonexistent/dist']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot read /nonexistent/dist/: no such directory; run `npm run synth` first\n');
  });

  test('a dist/ synthesized from another config (other instance name) is refused', async () => {
    // GIVEN dist/ of instance "other" and the default config (instance "continuous-load")
    const { dist } = synthToDir({ name: 'other' });
    const { config } = synthToDir();
    // WHEN deploying
    const r = await runCli(['deploy', '--config', config, '--dist', dist]);
    // THEN the first foreign object is named, and nothing was applied
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `error: ${dist}/00-namespace.k8s.yaml: Namespace continuous-load is not labelled app.kubernetes.io/part-of=continuous-load,app.kubernetes.io/instance=continuous-load; was ${dist}/ synthesized from another config? run \`npm run synth\` with the same --config`,
    ]);
    expect(r.kubectl.commands().filter((c) => c.startsWith('apply'))).toEqual([]);
  });

  test('-n must match the namespace the manifests carry', async () => {
    const { dist, config } = synthToDir();
    const r = await runCli(['status', '--config', config, '--dist', dist, '-n', 'elsewhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: -n elsewhere does not match namespace 'continuous-load' that ${dist}/ is synthesized for (config field namespace in ${config}); set namespace in the config and run \`npm run synth\`\n`,
    );
  });

  describe('config deploy.requireContext', () => {
    const strict = (): { dist: string; config: string } => synthToDir({ deploy: { requireContext: 'prod-eu' } });

    test.each([
      [[], "error: refusing to deploy: config deploy.requireContext is 'prod-eu', so --context prod-eu must be given (the current context is 'dev')"],
      [['--context', 'dev'], "error: refusing to deploy: --context 'dev' is not the context 'prod-eu' that config deploy.requireContext demands"],
    ])('deploy %j is refused and applies nothing', async (flags, message) => {
      // GIVEN a config that demands the context prod-eu, and the current context dev
      const { dist, config } = strict();
      // WHEN deploying without naming prod-eu
      const r = await runCli(['deploy', '--config', config, '--dist', dist, ...flags]);
      // THEN refused in one line, nothing applied
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`${message}\n`);
      expect(r.kubectl.commands().filter((c) => !c.includes('config current-context'))).toEqual([]);
    });

    test('delete is guarded the same way', async () => {
      const { dist, config } = strict();
      const r = await runCli(['delete', '--config', config, '--dist', dist]);
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toEqual(["error: refusing to delete: config deploy.requireContext is 'prod-eu', so --context prod-eu must be given (the current context is 'dev')"]);
    });

    test('deploy --context prod-eu goes ahead, and every kubectl call carries --context=prod-eu', async () => {
      const { dist, config } = strict();
      const r = await runCli(['deploy', '--config', config, '--dist', dist, '--context', 'prod-eu', '--no-wait']);
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      expect(r.kubectl.calls.every((c) => c.args.includes('--context=prod-eu'))).toBe(true);
    });
  });

  test('--verbose shows every kubectl command run, with the global flags', async () => {
    // GIVEN the default config
    const { dist, config } = synthToDir();
    // WHEN deploying verbosely with an explicit kubeconfig
    const r = await runCli(['deploy', '--config', config, '--dist', dist, '--kubeconfig', '/tmp/kc', '--no-wait', '--verbose']);
    // THEN each command appears once, as it was run
    expect(r.code).toBe(0);
    const traced = r.stderr.split('\n').filter((l) => l.startsWith('+ '));
    expect(traced).toHaveLength(r.kubectl.calls.length);
    expect(traced[0]).toBe('+ kubectl --kubeconfig=/tmp/kc config current-context');
    expect(traced).toContain('+ kubectl --kubeconfig=/tmp/kc apply --server-side --field-manager=continuous-load -f - -o \'jsonpath={.metadata.resourceVersion}\' <<manifest');
  });

  test('without --verbose no command is shown', async () => {
    const { dist, config } = synthToDir();
    const r = await runCli(['deploy', '--config', config, '--dist', dist, '--no-wait']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('+ '))).toEqual([]);
  });

  test('--kubectl picks the binary', async () => {
    const { dist, config } = synthToDir();
    const kubectl = new FakeKubectl();
    const seen: string[] = [];
    const run = kubectl.run.bind(kubectl);
    kubectl.run = (cmd, args, opts) => {
      seen.push(cmd);
      return run('kubectl', args, opts);
    };
    await runCli(['status', '--config', config, '--dist', dist, '--kubectl', '/opt/k8s/kubectl'], kubectl).catch(() => undefined);
    expect(new Set(seen)).toEqual(new Set(['/opt/k8s/kubectl']));
  });
});
