import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (the directory holding this package's package.json), from source or from a bundle. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'continuous-load') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the continuous-load package root above ${__dirname}`);
    dir = up;
  }
}
