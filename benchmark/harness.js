'use strict';
// The micro-benchmarks' measuring: rows of sync or async functions (ops/s) and Rust floors (ns/op),
// measured in interleaved rounds (round 1 of every row, then round 2, ...), each row's median kept,
// so that load from other processes on a shared machine falls on all rows alike.

const ROUND_MS = Number(process.env.BENCH_ROUND_MS) || 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;

/** Runs `fn` in batches for ROUND_MS; returns ops/s. */
function measureSync(fn) {
  let ops = 0;
  let batch = 256;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1000000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) fn(i);
    ops += batch;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

async function measureAsync(fn) {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1000000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 64; i++) await fn(i);
    ops += 64;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

const median = values => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A row measured by `run`: ops/s of `fn` called in a loop. */
const bench = (name, fn, { async = false } = {}) => ({ name, fn, async, runs: [] });

/** A row measured by `run`: `nsPerOp()` returns nanoseconds per operation (a Rust loop). */
const floor = (name, nsPerOp) => ({ name, nsPerOp, runs: [] });

/** Warms every row up, then measures ROUNDS interleaved rounds; sets each row's median `ops`. */
async function run(rows) {
  for (const row of rows) {
    if (row.nsPerOp) row.nsPerOp();
    else for (let i = 0; i < 2000; i++) await (row.async ? row.fn(i) : row.fn(i));
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of rows) {
      if (row.nsPerOp) row.runs.push(1e9 / row.nsPerOp());
      else row.runs.push(row.async ? await measureAsync(row.fn) : measureSync(row.fn));
    }
  }
  for (const row of rows) row.ops = median(row.runs);
}

/** Prints rows with ops/s, ns/op and the ratio to `base` (a row with a `name` for the column). */
function table(title, rows, base) {
  console.log(`\n${title}`);
  console.log(`${'library'.padEnd(52)} ${'ops/s'.padStart(11)} ${'ns/op'.padStart(8)} ${`x ${base.name}`.padStart(8)}`);
  for (const row of rows) {
    const ratio = row.ops / base.ops;
    console.log(`${row.name.padEnd(52)} ${Math.round(row.ops).toLocaleString('en-US').padStart(11)} ${Math.round(1e9 / row.ops).toString().padStart(8)} ${ratio.toFixed(2).padStart(8)}`);
  }
}

/**
 * Prints targets `[label, value, bound, kind]` (kind 'max': value <= bound, else value >= bound) as
 * PASS or MISS, labels indented by two spaces as info only; sets the exit code to 1 on a miss.
 */
function report(targets, started) {
  console.log('\ntargets');
  let missed = 0;
  for (const [label, value, bound, kind] of targets) {
    const ok = kind === 'max' ? value <= bound : value >= bound;
    const informational = label.startsWith('  '); // not one of the issue's targets
    if (!ok && !informational) missed++;
    console.log(`${informational ? 'info' : ok ? 'PASS' : 'MISS'}  ${label.padEnd(54)} ${value.toFixed(2)}`);
  }
  console.log(`\n${missed ? `${missed} target(s) missed` : 'all targets met'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = missed ? 1 : 0;
}

module.exports = { bench, floor, run, table, report };
