#!/usr/bin/env node
// interop.mjs — drives the apache-arrow (JS) <-> ArrowPhoenix IPC interop
// tests. Both directions compare canonical JSON documents (canon.mjs).
//
//   node interop.mjs js-to-ours --dump BIN --out DIR [--big-rows N]
//       apache-arrow writes every case of js_cases.mjs to DIR, reads each
//       back to get its canonical JSON, then BIN (interop_dump: our reader)
//       renders the same file; the two must be equal.
//   node interop.mjs ours-to-js --writer BIN --out DIR [--dump BIN] [--big-rows N]
//       BIN (interop_write: our writer) writes its cases to DIR, each with
//       NAME.json holding what it meant to write; apache-arrow reads each
//       file and must render exactly that. With --dump, our own reader must
//       render it too (a round trip through our writer and reader).
//
// Prints one line per case and "N passed, N failed" at the end; exits 1 on
// any failure, 2 on bad usage.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerCodecs } from './codecs.mjs';
import { jsCases, writeCase } from './js_cases.mjs';
import { readIpcJson, batchesJson, deepCompare } from './canon.mjs';

function parseArgs(argv) {
  const out = { cmd: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (!k.startsWith('--') || v === undefined) usage(`bad argument ${k}`);
    out[k.slice(2)] = v;
  }
  return out;
}

function usage(msg) {
  console.error(`interop.mjs: ${msg}\nusage: interop.mjs js-to-ours --dump BIN --out DIR | ours-to-js --writer BIN --out DIR [--big-rows N]`);
  process.exit(2);
}

function runTool(bin, args) {
  const r = spawnSync(bin, args, { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.error) return { ok: false, msg: `${bin}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, status: r.status, msg: `${path.basename(bin)} exited ${r.status}: ${(r.stderr || '').trim().slice(0, 600)}` };
  return { ok: true, stdout: r.stdout, stderr: r.stderr };
}

let passed = 0, failed = 0;
function report(name, err) {
  if (err) { failed++; console.log(`FAIL ${name}: ${err}`); } else { passed++; console.log(`ok   ${name}`); }
}

async function jsToOurs(opts) {
  if (!opts.dump || !opts.out) usage('js-to-ours needs --dump and --out');
  fs.mkdirSync(opts.out, { recursive: true });
  const bigRows = opts['big-rows'] !== undefined ? Number(opts['big-rows']) : 1000000;
  const rendered = new Map();   // stream and file cases share their batches
  for (const c of jsCases({ bigRows })) {
    const file = path.join(opts.out, c.name);
    let expected;
    try {
      // what apache-arrow meant to write: its in-memory batches
      expected = rendered.get(c.batches) || batchesJson(c.schema || c.batches[0].schema, c.batches);
      rendered.set(c.batches, expected);
      fs.writeFileSync(file, writeCase(c));
      fs.writeFileSync(file + '.json', JSON.stringify(expected));
    } catch (e) {
      report(c.name, `apache-arrow could not write its own case: ${e.stack || e}`);
      continue;
    }
    // apache-arrow reading its own file back is informative only (it has
    // bugs of its own there); skipped for the big case, to save time
    const rows = c.batches.reduce((n, b) => n + b.numRows, 0);
    if (rows <= 100000) try {
      const { doc } = readIpcJson(fs.readFileSync(file));
      const d = deepCompare(expected, doc);
      if (d) console.log(`note ${c.name}: apache-arrow misreads its own file: ${d}`);
    } catch (e) {
      console.log(`note ${c.name}: apache-arrow cannot read its own file: ${String(e).split('\n')[0]}`);
    }
    const r = runTool(opts.dump, [file]);
    if (!r.ok && c.maybeInvalid && /: CORRUPT: /.test(r.msg) && r.status === 1) {
      console.log(`note ${c.name}: refused cleanly (${c.maybeInvalid}): ${r.msg.split('\n')[0].slice(0, 200)}`);
      report(c.name, null);
      continue;
    }
    if (!r.ok) { report(c.name, `our reader: ${r.msg}`); continue; }
    let got;
    try { got = JSON.parse(r.stdout); } catch (e) { report(c.name, `our dump is not JSON: ${e.message}`); continue; }
    const diff = deepCompare(expected, got);
    report(c.name, diff ? `expected (apache-arrow) vs ours: ${diff}` : null);
  }
}

async function oursToJs(opts) {
  if (!opts.writer || !opts.out) usage('ours-to-js needs --writer and --out');
  fs.mkdirSync(opts.out, { recursive: true });
  const args = [opts.out];
  if (opts['big-rows'] !== undefined) args.push(String(opts['big-rows']));
  const r = runTool(opts.writer, args);
  if (!r.ok) { report('interop_write', r.msg); return; }
  const names = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) { report('interop_write', 'wrote no files'); return; }
  for (const name of names) {
    const file = path.join(opts.out, name);
    try {
      const expectedText = fs.readFileSync(file + '.json', 'utf8');
      const expected = JSON.parse(expectedText);
      if (opts.dump) {
        // our own reader must read our own file back first (same renderer:
        // identical text is equality, and skips parsing a big document)
        const d = runTool(opts.dump, [file]);
        const diff = !d.ok ? d.msg : d.stdout === expectedText ? null : deepCompare(expected, JSON.parse(d.stdout));
        if (diff) { report(name + ' (ours->ours)', diff); continue; }
      }
      if (JSON.stringify(expected.schema).includes('"large_list"')) {
        console.log(`skip ${name}: apache-arrow 21.1.0 has no LargeList type`);
        continue;
      }
      const { doc, isFile } = readIpcJson(fs.readFileSync(file));
      const wantFile = name.endsWith('.arrow');
      if (isFile !== wantFile) throw new Error(`apache-arrow sees isFile=${isFile}, expected ${wantFile}`);
      const diff = deepCompare(expected, doc);
      report(name, diff ? `meant (ours) vs apache-arrow: ${diff}` : null);
    } catch (e) {
      report(name, `apache-arrow failed: ${e.stack || e}`);
    }
  }
}

const opts = parseArgs(process.argv.slice(2));
await registerCodecs();
if (opts.cmd === 'js-to-ours') await jsToOurs(opts);
else if (opts.cmd === 'ours-to-js') await oursToJs(opts);
else usage(`unknown command ${opts.cmd}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
