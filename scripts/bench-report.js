// Preloaded by scripts/bench.js into every node process of a measured command (NODE_OPTIONS=--require):
// at exit, writes this process's CPU time and peak RSS (process.resourceUsage()) to $CL_BENCH_REPORT_DIR.
'use strict';
const dir = process.env.CL_BENCH_REPORT_DIR;
if (dir) {
  process.on('exit', () => {
    const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
    const report = { pid: process.pid, argv: process.argv.slice(1), userCPUTime, systemCPUTime, maxRSS };
    require('node:fs').writeFileSync(require('node:path').join(dir, `${process.pid}.json`), JSON.stringify(report));
  });
}
