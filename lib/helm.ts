import { ManifestFile } from './app';

/**
 * Helm renders every file under `templates/` with Go text/template before parsing it as YAML, so literal
 * `{{` and `}}` in our objects (Prometheus alert annotations such as `{{ $value | humanizePercentage }}`,
 * Grafana legends) must reach Helm as template actions that print them. Each delimiter becomes an action
 * printing a Go string literal, so the rendered chart is byte-identical to the plain manifests.
 * Values are not templated: the chart carries one config, fixed at synth time.
 */
export function escapeForHelm(yaml: string): string {
  return yaml.replace(/\{\{|\}\}/g, (d) => `{{ ${JSON.stringify(d)} }}`);
}

/** The chart's templates: the plain manifests with template delimiters escaped, same file names. */
export function helmTemplates(files: readonly ManifestFile[]): ManifestFile[] {
  return files.map((f) => ({ file: f.file, content: escapeForHelm(f.content) }));
}
