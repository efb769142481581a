#!/usr/bin/env node
// gold_js.mjs — the gold files through our writer, judged by apache-arrow
// (JS): test_arrow_gold --write-ipc OUTDIR leaves, for every gold case, the
// batches our JSON reader built, written by our IPC writer as
// CASEDIR__NAME.{none.stream,lz4.stream,zstd.arrow_file}. apache-arrow reads
// each of ours and the original NAME.arrow_file written by Arrow C++; the two
// canonical renderings (tests/interop/canon.mjs) must be equal.
//
//   node gold_js.mjs --gold CORPORA/arrow-testing --ours OUTDIR
//
// One line per file: PASS, FAIL (reason) or NOREF (apache-arrow cannot read
// the original gold file itself, so it cannot judge ours; named, counted and
// printed, never silent). Last line: "arrow-gold-js: N passed, N failed,
// N without reference". Exit 1 on any failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIpcJson, deepCompare } from '../interop/canon.mjs';
import { registerCodecs } from '../interop/codecs.mjs';

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node gold_js.mjs --gold DIR --ours DIR (missing --${name})`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const goldRoot = arg('gold');
const oursDir = arg('ours');
await registerCodecs();

let passed = 0, failed = 0, noref = 0;
const refCache = new Map();
for (const file of fs.readdirSync(oursDir).sort()) {
  const m = /^(.+?)__(.+)\.(none|lz4|zstd)\.(stream|arrow_file)$/.exec(file);
  if (!m) continue;
  const [, caseDir, name, , ext] = m;
  const label = `${caseDir}/${name} ${file.slice(caseDir.length + name.length + 3)}`;
  const refPath = path.join(goldRoot, caseDir, `${name}.arrow_file`);
  let ref = refCache.get(refPath);
  if (!ref) {
    try {
      ref = { doc: readIpcJson(fs.readFileSync(refPath)).doc };
    } catch (e) {
      ref = { error: String(e && e.message || e).split('\n')[0] };
    }
    refCache.set(refPath, ref);
  }
  if (ref.error) {
    noref++;
    console.log(`NOREF ${label}: apache-arrow cannot read the gold file itself: ${ref.error}`);
    continue;
  }
  let ours;
  try {
    ours = readIpcJson(fs.readFileSync(path.join(oursDir, file)));
  } catch (e) {
    failed++;
    console.log(`FAIL ${label}: apache-arrow cannot read our file: ${String(e && e.message || e).split('\n')[0]}`);
    continue;
  }
  let diff = deepCompare(ref.doc, ours.doc);
  if (!diff && ours.isFile !== (ext === 'arrow_file')) diff = `read as ${ours.isFile ? 'file' : 'stream'}`;
  if (diff) {
    failed++;
    console.log(`FAIL ${label}: ${diff}`);
  } else {
    passed++;
    console.log(`PASS ${label}`);
  }
}
console.log(`arrow-gold-js: ${passed} passed, ${failed} failed, ${noref} without reference`);
process.exit(failed ? 1 : (passed ? 0 : 1));
