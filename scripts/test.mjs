// `npm test`: build the Node bundle (the CLI tests and worker threads run it), run vitest, and close
// with one plain line "N passed, N failed, N skipped" read from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run(process.execPath, ['esbuild.config.mjs', '--node-only']) !== 0) process.exit(1);
const report = 'test-results/vitest.json';
rmSync(report, { force: true });
const vitest = 'node_modules/vitest/vitest.mjs';
const code = run(process.execPath, [
  vitest,
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
}
process.exit(code);
