#!/usr/bin/env node
// Regenerates imports/ from the pinned operator and Gateway API CRDs with `cdk8s import`.
// CRD source, first match wins: $CL_CRDS_DIR, ../shared/crds, the operators' Go modules (go mod download).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PINS = {
  prometheusOperator: { version: 'v0.93.0', module: 'github.com/prometheus-operator/prometheus-operator', dir: 'example/prometheus-operator-crd' },
  grafanaOperator: { version: 'v5.24.0', module: 'github.com/grafana/grafana-operator/v5', dir: 'config/crd/bases' },
  // Standard channel only: the experimental channel's CRDs carry fields no conformant Gateway must serve.
  gatewayApi: { version: 'v1.3.0', module: 'sigs.k8s.io/gateway-api', dir: 'config/crd/standard' },
};
const LOCAL_NAMES = { prometheusOperator: 'prometheus-operator', grafanaOperator: 'grafana-operator', gatewayApi: 'gateway-api' };
// One generated module per API group; each group's CRDs are concatenated so that none overwrites another.
const GROUPS = [
  {
    name: 'monitoring.coreos.com',
    pin: 'prometheusOperator',
    files: ['servicemonitors', 'podmonitors', 'prometheusrules', 'prometheuses', 'alertmanagers'].map((k) => `monitoring.coreos.com_${k}.yaml`),
  },
  {
    name: 'grafana.integreatly.org',
    pin: 'grafanaOperator',
    files: ['grafanadashboards', 'grafanas', 'grafanadatasources', 'grafanafolders'].map((k) => `grafana.integreatly.org_${k}.yaml`),
  },
  {
    name: 'gateway.networking.k8s.io',
    pin: 'gatewayApi',
    files: ['httproutes', 'grpcroutes', 'referencegrants', 'gateways', 'gatewayclasses'].map((k) => `gateway.networking.k8s.io_${k}.yaml`),
  },
];

function crdDir(pinKey) {
  const pin = PINS[pinKey];
  const local = `${LOCAL_NAMES[pinKey]}-${pin.version}`;
  const candidates = [process.env.CL_CRDS_DIR, path.resolve(__dirname, '..', '..', 'shared', 'crds')].filter(Boolean);
  for (const c of candidates) {
    const d = path.join(c, local);
    if (fs.existsSync(d)) return d;
  }
  const out = execFileSync('go', ['mod', 'download', '-json', `${pin.module}@${pin.version}`], { encoding: 'utf8' });
  return path.join(JSON.parse(out).Dir, pin.dir);
}

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-import-'));
// cdk8s-cli 2.x records every `import` in cdk8s.yaml (with our temp file's path) and names the module
// `<name>-<name>.ts`; we keep the project file as written and the one module per group as `<name>.ts`.
const projectFile = path.join(root, 'cdk8s.yaml');
const project = fs.readFileSync(projectFile, 'utf8');
try {
  for (const g of GROUPS) {
    const dir = crdDir(g.pin);
    const docs = g.files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').replace(/^---\n/, ''));
    const file = path.join(tmp, `${g.name}.yaml`);
    fs.writeFileSync(file, docs.join('\n---\n'));
    console.log(`import ${g.name} from ${dir}`);
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--language', 'typescript', '--output', 'imports', `${g.name}:=${file}`], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
    const doubled = path.join(root, 'imports', `${g.name}-${g.name}.ts`);
    if (fs.existsSync(doubled)) fs.renameSync(doubled, path.join(root, 'imports', `${g.name}.ts`));
  }
} finally {
  fs.writeFileSync(projectFile, project);
  fs.rmSync(tmp, { recursive: true, force: true });
}
