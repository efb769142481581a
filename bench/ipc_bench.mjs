#!/usr/bin/env node
// ipc_bench.mjs — the apache-arrow (JS) side of the IPC benchmark: reads and
// writes the SAME data that bench/ipc_bench.c generated and saved (an
// uncompressed and a ZSTD stream), so the numbers compare like for like.
//
//   node bench/ipc_bench.mjs DATA.stream DATA_ZSTD.stream [RUNS]
//
// Measured (median of RUNS): read = open + iterate every batch (apache-arrow
// builds typed-array views over the input, its zero-copy path); write =
// tableToIPC of the table read once (stream format), uncompressed and ZSTD
// (zstd-codec, libzstd built with Emscripten; fzstd decompresses).
// Prints "key value" lines (ms; *_cpu_ms = process CPU time, which also
// counts V8's GC threads). Asserts nothing. apache-arrow comes from
// tests/interop/node_modules (scripts/install-deps.sh --test).
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const here = new URL('.', import.meta.url);
const A = await import(new URL('../tests/interop/node_modules/apache-arrow/Arrow.node.mjs', here));
const { registerCodecs } = await import(new URL('../tests/interop/codecs.mjs', here));

const [dataPath, zstdPath, runsArg] = process.argv.slice(2);
if (!dataPath || !zstdPath) {
  console.error('usage: ipc_bench.mjs DATA.stream DATA_ZSTD.stream [RUNS]');
  process.exit(2);
}
const runs = Math.max(1, Number(runsArg || 5));
await registerCodecs();

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeIt(fn) {
  const wall = [], cpu = [];
  let result;
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    result = fn();
    const t1 = performance.now(), c1 = process.cpuUsage(c0);
    wall.push(t1 - t0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu), result };
}

function readAll(bytes) {
  let rows = 0;
  const batches = [];
  for (const b of A.RecordBatchReader.from(bytes)) {
    rows += b.numRows;
    batches.push(b);
  }
  return { rows, batches };
}

function print(key, t) {
  console.log(`${key}_ms ${t.wall.toFixed(3)}`);
  console.log(`${key}_cpu_ms ${t.cpu.toFixed(3)}`);
}

const plain = fs.readFileSync(dataPath);
const zstd = fs.readFileSync(zstdPath);

const rNone = timeIt(() => readAll(plain));
print('js_read_none', rNone);
const table = new A.Table(rNone.result.batches);
console.log(`js_rows ${table.numRows}`);

const wNone = timeIt(() => A.tableToIPC(table, 'stream'));
print('js_write_none', wNone);
console.log(`js_none_bytes ${wNone.result.byteLength}`);

try {
  const rZstd = timeIt(() => readAll(zstd));
  if (rZstd.result.rows !== table.numRows) throw new Error(`read ${rZstd.result.rows} rows`);
  print('js_read_zstd', rZstd);
} catch (e) {
  console.log(`js_read_zstd_error ${String(e).split('\n')[0]}`);
}

try {
  const wZstd = timeIt(() => {
    const w = new A.RecordBatchStreamWriter({ compressionType: A.CompressionType.ZSTD });
    w.writeAll(table);
    return w.toUint8Array(true);
  });
  print('js_write_zstd', wZstd);
  console.log(`js_zstd_bytes ${wZstd.result.byteLength}`);
} catch (e) {
  console.log(`js_write_zstd_error ${String(e).split('\n')[0]}`);
}

const mc = timeIt(() => {
  const dst = new Uint8Array(plain.byteLength);
  dst.set(plain);
  return dst;
});
print('js_memcpy_fresh', mc);
