import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ManifestFile } from './app';
import { ClusterConfig } from './config/fleet';
import { Config } from './config/schema';
import { KUSTOMIZATION_FILE } from './kustomize/kustomization';
import { buildModel } from './model/model';
import { nodeMeshWarnings } from './model/node-mesh';

/** What one output directory holds, for the summary printed after synth. */
interface DirectorySummary {
  /** Directory as the user would type it, e.g. `dist` or `dist/prod`. */
  readonly dir: string;
  readonly files: number;
  readonly objects: number;
  /** Object count by kind, kinds sorted by name. */
  readonly kinds: Readonly<Record<string, number>>;
  /** `name rate/s` per flow. */
  readonly flows: readonly string[];
  readonly warnings: readonly string[];
}

/** Warnings about a valid config that the user should still know about. */
function configWarnings(config: Config): string[] {
  const out: string[] = [];
  const model = buildModel(config);
  if (config.injector.output === 'statsd') {
    const v = model.injector.k6Version;
    out.push(
      `injector.output 'statsd' pins k6 ${v.major}.${v.minor}.${v.patch}: k6 removed its statsd output in v0.55.0, so this injector gets no newer k6 releases (see docs/upgrading.md: statsd → Prometheus remote-write)`,
    );
  }
  if (model.remoteNamespaces.length) {
    out.push(`cross-namespace targets (${model.remoteNamespaces.join(', ')}): do not override the namespace with kustomize (it would move them too); change namespace in the config`);
  }
  if (config.monitoring.mode === 'demo' && config.monitoring.demo.prometheus.replicas === 1) {
    out.push('monitoring.mode demo runs a single Prometheus replica with local storage: fine to try, not for alerting you depend on');
  }
  out.push(...nodeMeshWarnings(config));
  return out;
}

export function summarize(outdir: string, files: readonly ManifestFile[], clusters: readonly ClusterConfig[]): DirectorySummary[] {
  return clusters.map((c) => {
    const prefix = c.name ? `${c.name}/` : '';
    const own = files.filter((f) => (c.name ? f.file.startsWith(prefix) : !f.file.includes('/')));
    const kinds: Record<string, number> = {};
    let objects = 0;
    for (const f of own) {
      if (!/\.ya?ml$/.test(f.file)) continue;
      // The objects a rendered file was written from; parsing is for files from elsewhere.
      for (const d of f.objects ?? parseAllDocuments(f.content).map((x) => x.toJS())) {
        const kind = (d as { kind?: string } | null)?.kind;
        if (!kind) continue;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        objects++;
      }
    }
    const sorted = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b)));
    return {
      dir: c.name ? path.join(outdir, c.name) : outdir,
      files: own.length,
      objects,
      kinds: sorted,
      flows: c.config.flows.map((f) => `${f.name} ${f.rate}/s`),
      warnings: configWarnings(c.config),
    };
  });
}

/** The summary as printed: one block per directory, then warnings (once each), then what to run next. */
export function formatSummary(summaries: readonly DirectorySummary[], source: string): string {
  const lines: string[] = [];
  const total = summaries.reduce((n, s) => n + s.files, 0);
  lines.push(`synthesized ${total} files into ${summaries.length} director${summaries.length === 1 ? 'y' : 'ies'} from ${source}`);
  for (const s of summaries) {
    lines.push(`  ${s.dir}/: ${s.files} files, ${s.objects} objects (${Object.entries(s.kinds).map(([k, n]) => `${n} ${k}`).join(', ')})`);
    lines.push(`    flows: ${s.flows.join(', ')}`);
  }
  const warnings = [...new Set(summaries.flatMap((s) => s.warnings))];
  for (const w of warnings) lines.push(`warning: ${w}`);
  lines.push('next:');
  for (const s of summaries) lines.push(`  kubectl apply -f ${s.dir}/    (or: kubectl apply -k ${s.dir}/, which reads ${KUSTOMIZATION_FILE})`);
  return `${lines.join('\n')}\n`;
}
