#!/usr/bin/env node
// Generates imports/validators/: one self-contained ajv standalone validator per Kubernetes kind we
// synthesize, compiled at dev time (like `cdk8s import` generates imports/) so that synth needs neither
// ajv nor the schema sources at run time. Never edit the output by hand; run `npm run validators`.
//
// Sources, first match wins:
//   Kubernetes v1.27 definitions: $CL_K8S_DEFINITIONS, ../shared/schemas/kubernetes/v1.27.0-definitions.json,
//     else api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes@v1.27.0 (go mod download).
//   Operator CRDs: $CL_CRDS_DIR, ../shared/crds, else the operators' Go modules (go mod download).
//   CL_SCHEMA_SOURCES=go skips the local copies and always uses the Go modules (what a fresh clone gets).
// Both Kubernetes sources normalize to the same schemas (descriptions dropped, int-or-string and quantity
// made explicit), so the output does not depend on which one was found.
//
// Strictness follows server-side strict field validation: every schema with `properties` and no
// `additionalProperties` rejects unknown fields, unless it carries x-kubernetes-preserve-unknown-fields.
// Not checked: `format` (the apiserver ignores most formats) and x-kubernetes-validations (CEL).
//
// usage: node scripts/generate-validators.js [--out DIR]   (default imports/validators)
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..');
const shared = path.resolve(root, '..', 'shared');

const K8S = { version: 'v1.27.0', module: 'k8s.io/kubernetes', file: 'api/openapi-spec/swagger.json' };
const OPERATORS = {
  'monitoring.coreos.com': { name: 'prometheus-operator', version: 'v0.93.0', module: 'github.com/prometheus-operator/prometheus-operator', dir: 'example/prometheus-operator-crd' },
  'grafana.integreatly.org': { name: 'grafana-operator', version: 'v5.24.0', module: 'github.com/grafana/grafana-operator/v5', dir: 'config/crd/bases' },
  'gateway.networking.k8s.io': { name: 'gateway-api', version: 'v1.3.0', module: 'sigs.k8s.io/gateway-api', dir: 'config/crd/standard' },
};

/** The kinds we synthesize (or may): apiVersion, kind, and where the schema comes from. */
const KINDS = [
  { apiVersion: 'v1', kind: 'Namespace', definition: 'io.k8s.api.core.v1.Namespace' },
  { apiVersion: 'v1', kind: 'ConfigMap', definition: 'io.k8s.api.core.v1.ConfigMap' },
  { apiVersion: 'v1', kind: 'Service', definition: 'io.k8s.api.core.v1.Service' },
  { apiVersion: 'v1', kind: 'ServiceAccount', definition: 'io.k8s.api.core.v1.ServiceAccount' },
  { apiVersion: 'apps/v1', kind: 'Deployment', definition: 'io.k8s.api.apps.v1.Deployment' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', definition: 'io.k8s.api.apps.v1.DaemonSet' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', definition: 'io.k8s.api.policy.v1.PodDisruptionBudget' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', definition: 'io.k8s.api.rbac.v1.Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', definition: 'io.k8s.api.rbac.v1.RoleBinding' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', definition: 'io.k8s.api.networking.v1.NetworkPolicy' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', definition: 'io.k8s.api.networking.v1.Ingress' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', crd: 'monitoring.coreos.com_prometheuses.yaml' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', crd: 'monitoring.coreos.com_podmonitors.yaml' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', crd: 'monitoring.coreos.com_servicemonitors.yaml' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', crd: 'monitoring.coreos.com_prometheusrules.yaml' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'Grafana', crd: 'grafana.integreatly.org_grafanas.yaml' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaDashboard', crd: 'grafana.integreatly.org_grafanadashboards.yaml' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaDatasource', crd: 'grafana.integreatly.org_grafanadatasources.yaml' },
  { apiVersion: 'grafana.integreatly.org/v1beta1', kind: 'GrafanaFolder', crd: 'grafana.integreatly.org_grafanafolders.yaml' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', crd: 'gateway.networking.k8s.io_httproutes.yaml' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', crd: 'gateway.networking.k8s.io_grpcroutes.yaml' },
  { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', crd: 'gateway.networking.k8s.io_referencegrants.yaml' },
];

const GO_ONLY = process.env.CL_SCHEMA_SOURCES === 'go';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function goModDir(module, version) {
  let out;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', cwd: require('node:os').tmpdir() });
  } catch (e) {
    throw new Error(`cannot fetch ${module}@${version} with 'go mod download' (install Go: 'sudo apt-get install -y golang-go', or put the schemas in ../shared): ${e.message}`);
  }
  return JSON.parse(out).Dir;
}

function k8sDefinitions() {
  const candidates = [process.env.CL_K8S_DEFINITIONS, path.join(shared, 'schemas', 'kubernetes', `${K8S.version}-definitions.json`)].filter(Boolean);
  let file = GO_ONLY ? undefined : candidates.find((f) => fs.existsSync(f));
  if (!file) file = path.join(goModDir(K8S.module, K8S.version), K8S.file);
  return { source: `Kubernetes ${K8S.version}`, definitions: JSON.parse(fs.readFileSync(file, 'utf8')).definitions };
}

function crdFile(group, file) {
  const op = OPERATORS[group];
  const local = `${op.name}-${op.version}`;
  for (const c of GO_ONLY ? [] : [process.env.CL_CRDS_DIR, path.join(shared, 'crds')].filter(Boolean)) {
    const f = path.join(c, local, file);
    if (fs.existsSync(f)) return f;
  }
  return path.join(goModDir(op.module, op.version), op.dir, file);
}

/** Kubernetes definition → JSON Schema for ajv: no descriptions, explicit int-or-string/quantity, strict objects. */
function normalizeK8s(schema) {
  if (Array.isArray(schema)) return schema.map(normalizeK8s);
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref) return { $ref: schema.$ref };
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' || k.startsWith('x-kubernetes-') || k === 'format') continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, normalizeK8s(s)]));
    else out[k] = normalizeK8s(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Exactly the definitions reachable from `name`, normalized. */
function reachable(defs, name) {
  const used = {};
  const visit = (n) => {
    if (used[n]) return;
    const d = defs[n];
    if (!d) throw new Error(`missing definition ${n}`);
    used[n] = normalizeDefinition(n, d);
    JSON.stringify(d, (k, v) => {
      if (k === '$ref') visit(v.replace('#/definitions/', ''));
      return v;
    });
  };
  visit(name);
  return used;
}

function k8sSchemaFor(defs, name, kind) {
  const used = reachable(defs, name);
  used[name] = withKind(used[name], kind);
  return { definitions: sortKeys(used), $ref: `#/definitions/${name}` };
}

function normalizeDefinition(name, d) {
  // Both sources agree once these two are explicit: the apiserver accepts both JSON types for them.
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') return { anyOf: [{ type: 'number' }, { type: 'string' }] };
  return normalizeK8s(d);
}

function withKind(schema, { apiVersion, kind }) {
  return {
    ...schema,
    required: [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])].sort(),
    properties: { ...schema.properties, apiVersion: { const: apiVersion }, kind: { const: kind } },
  };
}

/** CRD openAPIV3Schema → JSON Schema for ajv, with the apiserver's structural-schema semantics. */
function normalizeCrd(schema) {
  if (Array.isArray(schema)) return schema.map(normalizeCrd);
  if (!schema || typeof schema !== 'object') return schema;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' || k.startsWith('x-kubernetes-') || k === 'format') continue;
    if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, normalizeCrd(s)]));
    else if (k === 'nullable') continue;
    else if (k === 'pattern') out[k] = jsPattern(v);
    else out[k] = normalizeCrd(v);
  }
  if (schema['x-kubernetes-int-or-string'] === true && !out.anyOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}

/**
 * Go RE2 → JavaScript: the CRDs use the inline flag `(?i)`, which Node 20 lacks; spell it out with
 * `[xX]` classes. Any other pattern JavaScript cannot compile fails the generation loudly.
 */
function jsPattern(pattern) {
  let p = pattern;
  const m = /^(\^?)\(\?i\)(.*)$/.exec(p);
  if (m) {
    if (/[[\\]/.test(m[2])) throw new Error(`cannot translate case-insensitive pattern ${pattern}`);
    p = m[1] + m[2].replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
  }
  new RegExp(p, 'u');
  return p;
}

function crdSchemaFor(entry, defs) {
  const [group, version] = entry.apiVersion.split('/');
  const file = crdFile(group, entry.crd);
  const crd = YAML.parse(fs.readFileSync(file, 'utf8'));
  if (crd.spec.names.kind !== entry.kind) throw new Error(`${file} defines ${crd.spec.names.kind}, not ${entry.kind}`);
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`${file} has no version ${version}`);
  const schema = normalizeCrd(v.schema.openAPIV3Schema);
  // The apiserver validates a CR's metadata as ObjectMeta, whatever the CRD says.
  const meta = { definitions: reachable(defs, OBJECT_META) };
  const hoisted = {};
  const top = withKind(dedupe(schema, hoisted), entry);
  const withMeta = { ...top, properties: { ...top.properties, metadata: { $ref: `#/definitions/${OBJECT_META}` } } };
  return { definitions: sortKeys({ ...meta.definitions, ...hoisted }), ...withMeta, source: `${OPERATORS[group].name} ${OPERATORS[group].version}` };
}

/**
 * Hoists every object subschema that occurs more than once (a CRD inlines Container, Volume, Affinity…
 * many times) into `definitions`, so ajv generates its code once: smaller files, faster loads.
 */
function dedupe(schema, definitions) {
  const canon = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? sortKeys(x) : x));
  const counts = new Map();
  const count = (node, top) => {
    if (Array.isArray(node)) return node.forEach((n) => count(n, false));
    if (!node || typeof node !== 'object') return;
    if (!top && node.properties) {
      const key = canon(node);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' || k === 'patternProperties') Object.values(v).forEach((x) => count(x, false));
      else if (k !== 'definitions' && k !== 'enum' && k !== 'const' && k !== 'required') count(v, false);
    }
  };
  count(schema, true);
  const names = new Map();
  const rewrite = (node, top) => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, false));
    if (!node || typeof node !== 'object') return node;
    const key = node.properties && !top ? canon(node) : undefined;
    if (key) {
      let name = names.get(key);
      if (!name) {
        name = `shared.${require('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
        names.set(key, name);
        definitions[name] = rewriteChildren(node);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return rewriteChildren(node);
  };
  const rewriteChildren = (node) => {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, rewrite(x, false)]));
      else if (k !== 'definitions' && k !== 'enum' && k !== 'const' && k !== 'required') out[k] = rewrite(v, false);
      else out[k] = v;
    }
    return out;
  };
  return rewrite(schema, true);
}

function sortKeys(o) {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** File name of a kind's validator: `apps_v1_Deployment.js`. */
function fileName({ apiVersion, kind }) {
  return `${apiVersion.replace(/[./]/g, '_')}_${kind}.js`;
}

function generate(outDir) {
  const Ajv = require('ajv').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  const esbuild = require('esbuild');
  const { source: k8sSource, definitions } = k8sDefinitions();
  fs.mkdirSync(outDir, { recursive: true });
  const index = [];
  for (const entry of KINDS) {
    let schema;
    let source;
    if (entry.definition) {
      schema = k8sSchemaFor(definitions, entry.definition, entry);
      source = k8sSource;
    } else {
      const s = crdSchemaFor(entry, definitions);
      source = s.source;
      delete s.source;
      schema = s;
    }
    const ajv = new Ajv({ code: { source: true, lines: false, optimize: true }, strict: false, allErrors: true, validateFormats: false, messages: false, inlineRefs: false });
    const validate = ajv.compile(schema);
    const code = standaloneCode(ajv, validate);
    // Inline ajv's small runtime helpers (ucs2length, equal): the output needs no package at run time.
    const bundled = esbuild.buildSync({
      stdin: { contents: code, resolveDir: root, sourcefile: fileName(entry) },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: process.env.CL_VALIDATORS_PRETTY !== "1",
      legalComments: 'none',
    }).outputFiles[0].text;
    const header = `// Generated by scripts/generate-validators.js from ${source}: ${entry.apiVersion} ${entry.kind}. Do not edit.\n`;
    fs.writeFileSync(path.join(outDir, fileName(entry)), header + bundled);
    index.push({ apiVersion: entry.apiVersion, kind: entry.kind, file: fileName(entry), source });
  }
  const ts = [
    '// Generated by scripts/generate-validators.js. Do not edit; run `npm run validators`.',
    '',
    '/** The kinds with a generated validator: apiVersion, kind, validator file in this directory, schema source. */',
    `export const VALIDATORS: readonly { readonly apiVersion: string; readonly kind: string; readonly file: string; readonly source: string }[] = ${JSON.stringify(index, null, 2)};`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outDir, 'index.ts'), ts);
  return index;
}

module.exports = { generate, KINDS, fileName };

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const out = path.resolve(i >= 0 ? process.argv[i + 1] : path.join(root, 'imports', 'validators'));
  const index = generate(out);
  console.log(`generated ${index.length} validators into ${path.relative(process.cwd(), out) || '.'}`);
}
