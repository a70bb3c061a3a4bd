// Writes docs/dashboard.svg, the layout of the default config's dashboard (npm run docs:dashboard);
// a test checks it is current.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../lib/config/load';
import { buildDashboard } from '../lib/dashboard/dashboard';
import { DASHBOARD_SVG_FILE, renderLayoutSvg } from './generators/layout-svg';
import { buildModel } from '../lib/model/model';

const file = path.resolve(__dirname, '..', DASHBOARD_SVG_FILE);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, renderLayoutSvg(buildDashboard(buildModel(parseConfig({}, 'embedded defaults')))));
console.log(`wrote ${DASHBOARD_SVG_FILE}`);
