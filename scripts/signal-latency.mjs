// How fast raphe answers SIGINT and SIGTERM during long work (issue 24, defect 5): each job (`run`,
// `experiment belmer2018 --quick`, `sweep` of a small file) is started on N cells with --out into a fresh
// folder, sent a signal at each moment after its start, and timed from the signal to its exit. Printed
// per case: the seconds to exit, the exit code (130 for SIGINT, 143 for SIGTERM; 0 when it finished
// first) and what stayed on disk: a run or experiment leaves no output folder, no staging folder, or a
// complete one (exit 0); a sweep leaves a journal whose every line is a whole JSON point.
//
//   node scripts/signal-latency.mjs [--jobs run,experiment,sweep] [--neurons 1000000,3000000]
//        [--at 0.5,1,2,4,8,write,nwb] [--signals SIGINT,SIGTERM] [--duration 0.2] [--limit 20] [--stalls]
//
// --at: seconds after the start; `write`: when the first file appears in the output's staging folder
// (the write has begun); `nwb`: when the first NWB file appears there (it is being written); `stalls`:
// the middle of each stall over 0.5 s of a first whole run (see --stalls).
// --stalls: each job is run once to its end instead, with a probe on its main thread that prints every
// stretch over 0.3 s without a turn of the event loop (a signal waits that long), to find them cheaply.
// A measurement: run it alone on the machine, one size at a time (at 10^7 cells a run holds several GB).
import { buildScript } from '../esbuild.config.mjs';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    jobs: { type: 'string', default: 'run,experiment,sweep' },
    neurons: { type: 'string', default: '1000000,3000000' },
    at: { type: 'string', default: '0.5,1,2,4,8,write,nwb' },
    signals: { type: 'string', default: 'SIGINT,SIGTERM' },
    duration: { type: 'string', default: '0.2' },
    limit: { type: 'string', default: '20' },
    stalls: { type: 'boolean', default: false },
  },
});

// the names raphe writes into an output folder, from the sources
const lib = await buildScript('signal-latency', `export { OUTPUT_FILE_NAMES } from './src/report/write.js';`);
const OUTPUT_NAMES = new Set(lib.OUTPUT_FILE_NAMES);

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(ROOT, 'bin', 'raphe.mjs');
const limitS = Number(v.limit);

/** The main thread's stalls over 0.3 s, printed to stderr as `[stall] FROM TO SECONDS` (s from start). */
const PROBE = `
import { isMainThread } from 'node:worker_threads';
if (isMainThread) {
  const t0 = performance.now();
  let last = t0;
  setInterval(() => {
    const now = performance.now();
    if (now - last > 300) process.stderr.write('[stall] ' + [last - t0, now - t0, now - last].map((x) => (x / 1000).toFixed(2)).join(' ') + '\\n');
    last = now;
  }, 50).unref();
}`;

/** A small sweep (two points) of `neurons` cells, written into `dir`. */
function sweepFile(dir, neurons) {
  const file = path.join(dir, 'small-sweep.json');
  const base = { genotype: 'wt', neurons, seed: 1, duration: Number(v.duration), recording: { spikes: true, sampleSteps: 10 } };
  const spec = { name: 'small', base, axes: [{ axis: 'fluoxetine', values: [0, 10] }], readout: 'steady' };
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** The command line of `job` on `neurons` cells writing into `out`. */
function jobArgs(job, neurons, out, dir) {
  const n = String(neurons);
  if (job === 'run') return ['run', '--neurons', n, '--duration', v.duration, '--out', out, '--force'];
  if (job === 'experiment') return ['experiment', 'belmer2018', '--quick', '--neurons', n, '--out', out, '--force'];
  if (job === 'sweep') return ['sweep', sweepFile(dir, neurons), '--out', out, '--force'];
  throw new Error(`unknown job ${job}`);
}

/** The raphe started last: stopped with this script (Ctrl-C, a timeout), never left running. */
let child;
/** The folder it writes into, removed with it. */
let folder;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    child?.kill('SIGKILL');
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/** A fresh folder for one start (the job's --out is `out` in it). */
function freshFolder() {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-siglat-'));
  return folder;
}

/** The files being written into a staging folder in `dir` (relative paths; none before the write starts). */
function stagedFiles(dir) {
  const staging = fs.readdirSync(dir).filter((n) => n.includes('.raphe-staging-') && !n.endsWith('-old'));
  try {
    return staging.flatMap((n) => fs.readdirSync(path.join(dir, n), { recursive: true }).map(String));
  } catch {
    return []; // renamed into place meanwhile
  }
}

/** When a moment of --at has come: a number of seconds after the start, or a stage of the write (see the header). */
function momentCame(at, dir, elapsedS) {
  if (typeof at === 'number') return elapsedS >= at;
  const files = stagedFiles(dir);
  return at === 'write' ? files.some((f) => f !== '.write-test') : files.some((f) => f.endsWith('.nwb'));
}

/**
 * Start `args` (writing into a folder in `dir`); send `sig` at the moment `at` (none: never). Resolves
 * with the exit code, stderr, when the signal was sent and the seconds from it to the exit (or from the start).
 */
function start(args, dir, { sig, at, probe = false }) {
  return new Promise((resolve) => {
    const node = probe ? ['--import', `data:text/javascript,${encodeURIComponent(PROBE)}`] : [];
    const ch = spawn(process.execPath, [...node, BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RAPHE_CACHE: '0' },
    });
    child = ch;
    const t0 = performance.now();
    let sentAt = 0;
    let killed = false;
    let stderr = '';
    ch.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    let guard;
    const watch = sig
      ? setInterval(() => {
          if (!momentCame(at, dir, (performance.now() - t0) / 1000)) return;
          clearInterval(watch);
          sentAt = performance.now();
          ch.kill(sig);
          guard = setTimeout(() => {
            killed = true;
            ch.kill('SIGKILL');
          }, limitS * 1000);
        }, 10)
      : undefined;
    ch.on('close', (code) => {
      clearInterval(watch);
      clearTimeout(guard);
      const now = performance.now();
      resolve({ code, stderr, killed, sentS: (sentAt - t0) / 1000, sent: sentAt > 0, seconds: (now - (sentAt || t0)) / 1000 });
    });
  });
}

/** What stayed in `dir` (the parent of the output folder `out`): 'nothing', 'complete' or what is wrong. */
function leftovers(dir, out, job, code) {
  const names = fs.readdirSync(dir);
  const staging = names.filter((n) => n.includes('.raphe-staging-'));
  const problems = staging.map((n) => `staging ${n}`);
  if (!fs.existsSync(out)) return problems.length ? problems.join(', ') : 'nothing';
  const inside = fs.readdirSync(out);
  const foreign = inside.filter((n) => !OUTPUT_NAMES.has(n));
  if (foreign.length) problems.push(`unexpected ${foreign.join(' ')}`);
  if (job === 'sweep') {
    const journal = path.join(out, 'points.jsonl');
    const lines = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean) : [];
    const torn = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    if (torn.length) problems.push(`${torn.length} torn journal line(s)`);
    if (!problems.length) return code === 0 ? 'complete' : `journal of ${lines.length} whole point(s)`;
  } else if (code !== 0) problems.push(`output folder after exit ${code}: ${inside.join(' ')}`);
  return problems.length ? problems.join(', ') : 'complete';
}

/** The stalls over 0.3 s of one whole run of `job` (from, to, seconds from its start). */
async function stallsOf(job, neurons) {
  const dir = freshFolder();
  try {
    const r = await start(jobArgs(job, neurons, path.join(dir, 'out'), dir), dir, { probe: true });
    return {
      r,
      left: leftovers(dir, path.join(dir, 'out'), job, r.code),
      stalls: (r.stderr.match(/^\[stall\] .*$/gm) ?? []).map((l) => l.slice(8).split(' ').map(Number)),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The moments of --at: seconds, stages of the write ('write', 'nwb'), and for `stalls` the middle of each stall over 0.5 s of a first whole run. */
async function momentsFor(job, neurons) {
  const at = v.at.split(',').map((a) => (a === 'write' || a === 'nwb' || a === 'stalls' ? a : Number(a)));
  if (v.stalls || !at.includes('stalls')) return at;
  const { stalls } = await stallsOf(job, neurons);
  const mids = stalls.filter(([, , s]) => s > 0.5).map(([a, b]) => Number(((a + b) / 2).toFixed(1)));
  console.log(`${job} ${neurons}: stalls over 0.5 s of a whole run at ${mids.map((m) => `${m} s`).join(', ') || 'none'}`);
  return [...at.filter((a) => a !== 'stalls'), ...mids];
}

const rows = [];
for (const job of v.jobs.split(',')) {
  for (const neurons of v.neurons.split(',').map(Number)) {
    const moments = await momentsFor(job, neurons);
    const cases = v.stalls ? [{}] : v.signals.split(',').flatMap((sig) => moments.map((at) => ({ sig, at })));
    const finished = new Set();
    for (const c of cases) {
      // later moments of the same job, size and signal would find it finished too
      if (finished.has(c.sig)) continue;
      if (v.stalls) {
        const { r, left, stalls } = await stallsOf(job, neurons);
        console.log(
          `${job} ${neurons}: exit ${r.code} after ${r.seconds.toFixed(1)} s, ${left}; main-thread stalls over 0.3 s (from, to, s):`,
        );
        for (const s of stalls) console.log(`  ${s.map((x) => x.toFixed(2)).join(' ')}`);
        continue;
      }
      const dir = freshFolder();
      const out = path.join(dir, 'out');
      try {
        const r = await start(jobArgs(job, neurons, out, dir), dir, c);
        const left = leftovers(dir, out, job, r.code);
        const answer = r.killed
          ? `> ${limitS} s (SIGKILL)`
          : r.sent
            ? `${r.seconds.toFixed(2)} s`
            : `finished first (${r.seconds.toFixed(1)} s)`;
        if (r.sent) rows.push(r.killed ? Infinity : r.seconds);
        const when = typeof c.at === 'number' ? `${c.at} s` : `${c.at}${r.sent ? ` (${r.sentS.toFixed(1)} s)` : ''}`;
        console.log(`${job}\t${neurons}\t${c.sig}\t${when}\t${answer}\texit ${r.code}\t${left}`);
        if (!r.sent) finished.add(c.sig);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
if (rows.length) console.log(`\n${rows.length} signal(s) sent; ${rows.filter((x) => x > 1.5).length} answered in over 1.5 s`);
