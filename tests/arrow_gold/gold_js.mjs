#!/usr/bin/env node
// gold_js.mjs — the gold files through our writer, judged by apache-arrow
// (JS): test_arrow_gold --write-ipc OUTDIR leaves, for every gold case, the
// batches our JSON reader built, written by our IPC writer as
// CASEDIR__NAME.{none.stream,lz4.stream,zstd.arrow_file}. apache-arrow reads
// each of ours and the original NAME.arrow_file written by Arrow C++; the two
// canonical renderings (tests/interop/canon.mjs) must be equal.
//
//   node gold_js.mjs --gold CORPORA/arrow-testing --ours OUTDIR [--cases DIR] [--dump BIN]
//   node gold_js.mjs --gold CORPORA/arrow-testing --write-js OUTDIR
//
// Files named synthetic__NAME.* come from tests/arrow_gold/cases (types the
// gold files lack); no other implementation wrote a file for them, so with
// --cases DIR the reference is apache-arrow's own reading of DIR/NAME.json
// (it reads the integration JSON too): apache-arrow's reading of our file,
// and with --dump BIN (tests/interop's interop_dump) our reader's rendering
// of it, must both equal that.
//
// One line per file: PASS, FAIL (reason) or NOREF (apache-arrow cannot read
// the original gold file itself, so it cannot judge ours; named, counted and
// printed, never silent). Last line: "arrow-gold-js: N passed, N failed,
// N without reference". Exit 1 on any failure.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIpcJson, batchesJson, deepCompare } from '../interop/canon.mjs';
import { registerCodecs } from '../interop/codecs.mjs';

function arg(name, optional = false) {
  const i = process.argv.indexOf(`--${name}`);
  if (optional && i < 0) return null;
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node gold_js.mjs --gold DIR --ours DIR (missing --${name})`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const firstLine = (e) => String(e && e.message || e).split('\n')[0];
const goldRoot = arg('gold');
await registerCodecs();
const writeJs = arg('write-js', true);
if (writeJs) process.exit(await writeJsCopies(writeJs));
const oursDir = arg('ours');
const dumpBin = arg('dump', true);
const casesDir = arg('cases', true);

// Reference rendering for a file of ours: apache-arrow's reading of the
// original gold file, or for synthetic cases of the case's JSON.
async function reference(caseDir, name) {
  if (caseDir !== 'synthetic') {
    return readIpcJson(fs.readFileSync(path.join(goldRoot, caseDir, `${name}.arrow_file`))).doc;
  }
  if (!casesDir) throw new Error('no --cases DIR given for synthetic cases');
  const A = await arrowModule();
  const reader = A.RecordBatchReader.from(JSON.parse(fs.readFileSync(path.join(casesDir, `${name}.json`), 'utf8')));
  reader.open();
  const schema = reader.schema;
  return batchesJson(schema, [...reader]);
}

// Our reader's rendering of one of our files (interop_dump), or null.
function ourDump(file) {
  if (!dumpBin) return null;
  const r = spawnSync(dumpBin, [path.join(oursDir, file)], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`our reader (${dumpBin}) failed: ${(r.stderr || '').trim()}`);
  return JSON.parse(r.stdout);
}

// The apache-arrow module instance canon.mjs uses (same file, same instance).
async function arrowModule() {
  const here = path.dirname(new URL(import.meta.url).pathname);
  return import(new URL(`file://${path.join(here, '../interop/node_modules/apache-arrow/Arrow.node.mjs')}`).href);
}

// --write-js OUTDIR: apache-arrow reads every gold .arrow_file and writes it
// again as CASEDIR__NAME.js.stream and .js.arrow_file, for test_arrow_gold
// --js-dir: our reader against a second writer. A copy is kept only when
// apache-arrow reads it back exactly as it read the original, so that what
// test_arrow_gold sees is apache-arrow's faithful output, not one of its own
// bugs. Both copies are uncompressed: apache-arrow 21's writer puts the
// compressed length where the spec wants the uncompressed one (the int64
// prefix of each compressed buffer), which conforming readers refuse.
async function writeJsCopies(outDir) {
  const A = await arrowModule();
  fs.mkdirSync(outDir, { recursive: true });
  let written = 0, skipped = 0;
  for (const caseDir of ['1.0.0-littleendian', '2.0.0-compression', '4.0.0-shareddict']) {
    for (const f of fs.readdirSync(path.join(goldRoot, caseDir)).sort()) {
      if (!f.endsWith('.arrow_file')) continue;
      const name = f.slice(0, -'.arrow_file'.length);
      const bytes = fs.readFileSync(path.join(goldRoot, caseDir, f));
      let table, orig;
      try {
        table = A.tableFromIPC(bytes);
        orig = readIpcJson(bytes).doc;
      } catch (e) {
        skipped++;
        console.log(`NOJS ${caseDir}/${name}: apache-arrow cannot read the gold file: ${firstLine(e)}`);
        continue;
      }
      for (const [suffix, Writer] of [['js.stream', A.RecordBatchStreamWriter],
                                      ['js.arrow_file', A.RecordBatchFileWriter]]) {
        const w = new Writer();
        w.reset(undefined, table.schema);
        for (const b of table.batches) w.write(b);
        w.finish();
        const copy = w.toUint8Array(true);
        let diff;
        try {
          diff = deepCompare(orig, readIpcJson(copy).doc);
        } catch (e) {
          diff = `apache-arrow cannot read its own copy: ${firstLine(e)}`;
        }
        if (diff) {
          skipped++;
          console.log(`NOJS ${caseDir}/${name} ${suffix}: apache-arrow's copy is not faithful: ${diff}`);
          continue;
        }
        fs.writeFileSync(path.join(outDir, `${caseDir}__${name}.${suffix}`), copy);
        written++;
      }
    }
  }
  console.log(`apache-arrow copies: ${written} written, ${skipped} left out`);
  return written ? 0 : 1;
}

// Where apache-arrow's integration-JSON reader is not a usable reference: a
// synthetic case with these types is judged by comparing apache-arrow's
// reading of our file with our own reader's (tests/interop/interop_dump).
const JS_JSON_QUIRKS = [
  { test: (t) => t.name === 'floatingpoint' && t.precision === 'HALF',
    why: 'apache-arrow takes JSON float16 numbers as raw bits (1.0 becomes 0x0001)' },
  { test: (t) => t.name === 'decimal' && t.bitWidth === 256,
    why: "apache-arrow's JSON reader ignores a decimal's bitWidth (reads decimal256 as 128)" },
];
function anyField(fields, test) {
  return fields.some((f) => test(f.type) || anyField(f.children || [], test));
}

let passed = 0, failed = 0, noref = 0;
const refCache = new Map();
for (const file of fs.readdirSync(oursDir).sort()) {
  const m = /^(.+?)__(.+)\.(none|lz4|zstd)\.(stream|arrow_file)$/.exec(file);
  if (!m) continue;
  const [, caseDir, name, , ext] = m;
  const label = `${caseDir}/${name} ${file.slice(caseDir.length + name.length + 3)}`;
  const refKey = `${caseDir}/${name}`;
  let ref = refCache.get(refKey);
  if (!ref) {
    try {
      ref = { doc: await reference(caseDir, name) };
    } catch (e) {
      ref = { error: firstLine(e) };
    }
    refCache.set(refKey, ref);
  }
  if (!ref.error && caseDir === 'synthetic' && !ref.checked) {
    ref.checked = true;
    const fields = JSON.parse(fs.readFileSync(path.join(casesDir, `${name}.json`), 'utf8')).schema.fields;
    const quirks = JS_JSON_QUIRKS.filter((q) => anyField(fields, q.test));
    if (quirks.length) {
      ref.note = quirks.map((q) => q.why).join('; ');
      ref.doc = null;   /* judged against our reader's rendering instead */
    }
  }
  if (ref.note && !ref.doc) {
    try {
      const dump = ourDump(file);
      if (!dump) throw new Error('no --dump BIN given');
      ref.fileDoc = dump;
    } catch (e) {
      ref.error = firstLine(e);
    }
  }
  if (ref.error) {
    noref++;
    console.log(`NOREF ${label}: apache-arrow cannot read the reference: ${ref.error}`);
    continue;
  }
  let ours;
  try {
    ours = readIpcJson(fs.readFileSync(path.join(oursDir, file)));
  } catch (e) {
    failed++;
    console.log(`FAIL ${label}: apache-arrow cannot read our file: ${firstLine(e)}`);
    continue;
  }
  let diff = deepCompare(ref.doc || ref.fileDoc, ours.doc);
  if (!diff && ours.isFile !== (ext === 'arrow_file')) diff = `read as ${ours.isFile ? 'file' : 'stream'}`;
  if (!diff && caseDir === 'synthetic' && ref.doc) {
    try {
      const dump = ourDump(file);
      if (dump) {
        const d = deepCompare(ref.doc, dump);
        if (d) diff = `our reader: ${d}`;
      }
    } catch (e) {
      diff = firstLine(e);
    }
  }
  if (diff) {
    failed++;
    console.log(`FAIL ${label}: ${diff}`);
  } else {
    passed++;
    console.log(`PASS ${label}${ref.note ? ` (against our reader: ${ref.note})` : ''}`);
  }
}
console.log(`arrow-gold-js: ${passed} passed, ${failed} failed, ${noref} without reference`);
process.exit(failed ? 1 : (passed ? 0 : 1));
