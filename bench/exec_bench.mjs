#!/usr/bin/env node
// exec_bench.mjs — the DuckDB side of the executor benchmark: the same
// data (same formulas as bench/exec_bench.c, generated inside DuckDB) and
// the same six queries, single-threaded (threads=1). Prints "key value"
// lines like exec_bench: <query>_ms (median wall), <query>_cpu_ms (process
// CPU, median) and <query>_result (the checksum exec_bench prints, so the
// two engines are checked against each other). Asserts nothing.
//
//   node bench/exec_bench.mjs [ROWS] [RUNS]
//
// @duckdb/node-api comes from tests/interop/node_modules
// (scripts/install-deps.sh --test).
import { performance } from 'node:perf_hooks';

const here = new URL('.', import.meta.url);
const { DuckDBInstance } = await import(
  new URL('../tests/interop/node_modules/@duckdb/node-api/lib/index.js', here));

const rows = Number(process.argv[2] || 10000000);
const runs = Math.max(1, Number(process.argv[3] || 3));

const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
const t0 = performance.now();
await con.run(`CREATE TABLE t AS
  SELECT i, h % 1000000 AS v, h % 1000 AS g, 'k' || ((h // 128) % 100000) AS s,
         (i * 7919) % 10007 AS x, (i * 31337) % 100000 AS fk
  FROM (SELECT i, (i * 2654435761) % 4294967296 AS h FROM range(${rows}) r(i))`);
await con.run(`CREATE TABLE dim AS SELECT k AS key, (k * 3) % 1000 AS val FROM range(100000) r(k)`);
console.error(`exec_bench.mjs: generated ${rows} rows in ${(performance.now() - t0).toFixed(0)} ms`);

const queries = {
  sum: ['SELECT SUM(v) FROM t', (r) => `${r[0][0]}`],
  filter: ['SELECT COUNT(*), SUM(v) FROM t WHERE x < 100', (r) => `${r[0][0]}/${r[0][1]}`],
  group_int: ['SELECT g, SUM(v) FROM t GROUP BY g',
    (r) => `${r.length}/${r.reduce((a, x) => a + BigInt(x[1]), 0n)}`],
  group_str: ['SELECT s, COUNT(*) FROM t GROUP BY s',
    (r) => `${r.length}/${r.reduce((a, x) => (BigInt(x[1]) > a ? BigInt(x[1]) : a), 0n)}`],
  join: ['SELECT COUNT(*), SUM(d.val) FROM t JOIN dim d ON t.fk = d.key', (r) => `${r[0][0]}/${r[0][1]}`],
  topn: ['SELECT i, v FROM t ORDER BY v DESC, i LIMIT 100',
    (r) => `${r.length}/${r.reduce((a, x) => a + BigInt(x[0]), 0n)}`],
};

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`rows ${rows}`);
for (const [name, [sql, check]] of Object.entries(queries)) {
  const wall = [], cpu = [];
  let result = '';
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    const reader = await con.runAndReadAll(sql);
    const r = reader.getRows();
    const w1 = performance.now(), c1 = process.cpuUsage(c0);
    wall.push(w1 - w0);
    cpu.push((c1.user + c1.system) / 1000);
    result = check(r);
  }
  console.log(`${name}_ms ${median(wall).toFixed(3)}`);
  console.log(`${name}_cpu_ms ${median(cpu).toFixed(3)}`);
  console.log(`${name}_result ${result}`);
}
con.closeSync?.();
