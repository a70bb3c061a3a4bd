import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDashboard } from '../../../lib/dashboard/dashboard';
import { DASHBOARD_SVG_FILE, renderLayoutSvg } from '../../../scripts/generators/layout-svg';
import { model } from '../../helpers';
import { TWO_FLOWS } from '../../dashboard/fixtures';

describe('dashboard layout picture', () => {
  test(`${DASHBOARD_SVG_FILE} is current (regenerate with npm run docs:dashboard)`, () => {
    // GIVEN the picture in docs WHEN rendering the default config's dashboard again THEN they are identical
    const onDisk = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', DASHBOARD_SVG_FILE), 'utf8');
    expect(onDisk).toBe(renderLayoutSvg(buildDashboard(model())));
  });

  test('draws every panel at its grid position with its title', () => {
    // GIVEN a two-flow dashboard
    const d = buildDashboard(model(TWO_FLOWS));
    const svg = renderLayoutSvg(d);
    // THEN each non-row panel is a group named after its id, and each title appears (escaped, maybe shortened)
    const drawn = [...svg.matchAll(/<g id="panel-(\d+)">/g)].map((x) => Number(x[1]));
    expect(drawn).toEqual((d.panels ?? []).filter((p) => p.type !== 'row').map((p) => ('id' in p ? p.id : -1)));
    for (const p of d.panels ?? []) expect(svg).toContain((p.title ?? '').slice(0, 10).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    // AND the canvas is as tall as the grid
    const bottom = Math.max(...(d.panels ?? []).map((p) => p.gridPos!.y + p.gridPos!.h));
    expect(svg).toContain(`height="${40 + 12 + bottom * 26 + 12}"`);
  });

  test('shows the overview row first and a change annotation on every time-based panel, naming the toggles', () => {
    // GIVEN the default dashboard WHEN it is drawn
    const d = buildDashboard(model());
    const svg = renderLayoutSvg(d);
    // THEN the first row drawn is the overview, its state timeline drawn as coloured bands
    expect(svg.indexOf('⌄ Overview: every flow')).toBeLessThan(svg.indexOf('⌄ Flow '));
    expect(svg.indexOf('⌄ Overview: every flow')).toBeGreaterThan(0);
    // AND every time-series, state-timeline and heatmap panel carries one dashed annotation line
    const timeBased = (d.panels ?? []).filter((p) => ['timeseries', 'state-timeline', 'heatmap'].includes(p.type));
    expect(svg.match(/stroke-dasharray="3 2"/g)?.length).toBe(timeBased.length);
    // AND the header names every annotation toggle
    for (const a of d.annotations?.list ?? []) expect(svg).toContain(a.name);
  });
});
