import { ALERT_CATALOG, AlertSpec, runbookAnchor } from '../../lib/monitoring/alerts';

/** The index of docs/runbooks.md sits between these markers; the rest of the file is written by hand. */
const BEGIN = '<!-- alert index: generated from lib/monitoring/alerts.ts by `npm run docs` -->';
const END = '<!-- end of alert index -->';

/** The alert index: one row per catalog entry, linking to its section. */
export function alertIndex(): string {
  const rows = Object.values(ALERT_CATALOG).map((a: AlertSpec) => `| [${a.name}](#${runbookAnchor(a.name)}) | ${a.severity} | ${a.summary} |`);
  return [BEGIN, '', '| Alert | Severity | What it means |', '| --- | --- | --- |', ...rows, '', END].join('\n');
}

/** docs/runbooks.md with its alert index replaced by the catalog's; fails when the markers are missing. */
export function runbooksDoc(current: string): string {
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/runbooks.md: the alert index markers are missing; expected '${BEGIN}' and then '${END}'`);
  return current.slice(0, begin) + alertIndex() + current.slice(end + END.length);
}
