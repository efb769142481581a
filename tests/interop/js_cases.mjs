// js_cases.mjs — the IPC files apache-arrow (JS) writes for ArrowPhoenix's
// reader to read (interop direction 2): every type apache-arrow supports,
// with nulls, dictionaries (shared, delta, replacement), empty batches, zero
// batches, a 1M-row batch and sliced arrays; each as a stream and a file,
// some with LZ4_FRAME / ZSTD body compression. Data is deterministic (a
// seeded xorshift generator), so a failure reproduces.
import * as A from 'apache-arrow';

// ---------------------------------------------------------------- data
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function bitmapFor(n, isNull) {
  const bm = new Uint8Array(((n + 63) & ~63) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(i)) nulls++;
    else bm[i >> 3] |= 1 << (i & 7);
  }
  return { bm, nulls };
}

const everyN = (k) => (i) => i % k === k - 1;

// A fixed-width column of random bytes; nulls where isNull(i).
function fixedData(type, n, next, isNull = everyN(7), mask = null) {
  const w = byteWidth(type);
  const raw = new Uint8Array(n * w);
  for (let i = 0; i < raw.length; i++) raw[i] = next() & 0xff;
  if (mask) mask(raw, w, n);
  const { bm, nulls } = bitmapFor(n, isNull);
  const values = new type.ArrayType(raw.buffer);
  return A.makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls ? bm : null, data: values });
}

function byteWidth(type) {
  switch (type.typeId) {
    case A.Type.Int: return type.bitWidth / 8;
    case A.Type.Float: return [2, 4, 8][type.precision];
    case A.Type.Decimal: return type.bitWidth / 8;
    case A.Type.Date: return type.unit === A.DateUnit.DAY ? 4 : 8;
    case A.Type.Time: return type.bitWidth / 8;
    case A.Type.Timestamp: case A.Type.Duration: return 8;
    case A.Type.Interval: return [4, 8, 16][type.unit];
    case A.Type.FixedSizeBinary: return type.byteWidth;
    default: throw new Error(`no byte width for ${type}`);
  }
}

function boolData(n, next, isNull = everyN(5)) {
  const vals = new Uint8Array(((n + 63) & ~63) >> 3);
  for (let i = 0; i < n; i++) if (next() & 1) vals[i >> 3] |= 1 << (i & 7);
  const { bm, nulls } = bitmapFor(n, isNull);
  return A.makeData({ type: new A.Bool(), length: n, nullCount: nulls, nullBitmap: nulls ? bm : null, data: vals });
}

const WORDS = ['', 'a', 'phoenix', 'arrow', 'zookeeper', 'é', '日本語', 'tab\there', 'quote"back\\slash',
  'emoji 🚀', 'x'.repeat(100), 'nul\u0000inside', 'line\nbreak'];

function stringList(n, next, nullEvery = 6) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(i % nullEvery === nullEvery - 1 ? null : WORDS[next() % WORDS.length] + (i % 3 === 0 ? String(i) : ''));
  return out;
}

function binaryList(n, next) {
  const out = [];
  for (let i = 0; i < n; i++) {
    if (i % 6 === 5) { out.push(null); continue; }
    const b = new Uint8Array(next() % 9);
    for (let j = 0; j < b.length; j++) b[j] = next() & 0xff;
    out.push(b);
  }
  return out;
}

const f = (name, type, nullable = true) => new A.Field(name, type, nullable);

function batchOf(fields, datas, length) {
  const schema = new A.Schema(fields);
  const data = A.makeData({ type: new A.Struct(fields), length, nullCount: 0, children: datas });
  return new A.RecordBatch(schema, data);
}

// ---------------------------------------------------------------- cases
function primitiveColumns(n, seed) {
  const next = rng(seed);
  const cols = [];
  const add = (name, type, data, nullable = true) => cols.push([f(name, type, nullable), data]);
  add('null', new A.Null(), A.makeData({ type: new A.Null(), length: n }));
  add('bool', new A.Bool(), boolData(n, next));
  for (const t of [new A.Int8(), new A.Int16(), new A.Int32(), new A.Int64(),
    new A.Uint8(), new A.Uint16(), new A.Uint32(), new A.Uint64(),
    new A.Float16(), new A.Float32(), new A.Float64()]) {
    add(String(t).toLowerCase(), t, fixedData(t, n, next));
  }
  add('int32_not_null', new A.Int32(), fixedData(new A.Int32(), n, next, () => false), false);
  const dec128 = new A.Decimal(2, 10, 128), dec256 = new A.Decimal(5, 40, 256);
  add('decimal128', dec128, fixedData(dec128, n, next));
  add('decimal256', dec256, fixedData(dec256, n, next));
  add('date32', new A.DateDay(), fixedData(new A.DateDay(), n, next));
  add('date64', new A.DateMillisecond(), fixedData(new A.DateMillisecond(), n, next));
  add('time32_s', new A.TimeSecond(), fixedData(new A.TimeSecond(), n, next));
  add('time32_ms', new A.TimeMillisecond(), fixedData(new A.TimeMillisecond(), n, next));
  add('time64_us', new A.TimeMicrosecond(), fixedData(new A.TimeMicrosecond(), n, next));
  add('time64_ns', new A.TimeNanosecond(), fixedData(new A.TimeNanosecond(), n, next));
  add('ts_s', new A.TimestampSecond(), fixedData(new A.TimestampSecond(), n, next));
  add('ts_ms_utc', new A.TimestampMillisecond('UTC'), fixedData(new A.TimestampMillisecond('UTC'), n, next));
  add('ts_us_tz', new A.TimestampMicrosecond('Europe/Paris'), fixedData(new A.TimestampMicrosecond('Europe/Paris'), n, next));
  add('ts_ns', new A.TimestampNanosecond(), fixedData(new A.TimestampNanosecond(), n, next));
  for (const t of [new A.DurationSecond(), new A.DurationMillisecond(), new A.DurationMicrosecond(), new A.DurationNanosecond()]) {
    add('duration_' + ['s', 'ms', 'us', 'ns'][t.unit], t, fixedData(t, n, next));
  }
  add('interval_ym', new A.IntervalYearMonth(), fixedData(new A.IntervalYearMonth(), n, next));
  add('interval_dt', new A.IntervalDayTime(), fixedData(new A.IntervalDayTime(), n, next));
  add('interval_mdn', new A.IntervalMonthDayNano(), fixedData(new A.IntervalMonthDayNano(), n, next));
  add('fsb3', new A.FixedSizeBinary(3), fixedData(new A.FixedSizeBinary(3), n, next));
  add('utf8', new A.Utf8(), A.vectorFromArray(stringList(n, next), new A.Utf8()).data[0]);
  add('large_utf8', new A.LargeUtf8(), A.vectorFromArray(stringList(n, next), new A.LargeUtf8()).data[0]);
  add('binary', new A.Binary(), A.vectorFromArray(binaryList(n, next), new A.Binary()).data[0]);
  add('large_binary', new A.LargeBinary(), A.vectorFromArray(binaryList(n, next), new A.LargeBinary()).data[0]);
  return cols;
}

function nestedColumns(n, seed) {
  const next = rng(seed);
  const cols = [];
  const add = (name, type, data) => cols.push([f(name, type), data]);
  const listT = new A.List(f('item', new A.Int32()));
  const lists = [];
  for (let i = 0; i < n; i++) {
    if (i % 5 === 4) { lists.push(null); continue; }
    const k = next() % 4, l = [];
    for (let j = 0; j < k; j++) l.push(j === 1 && i % 3 === 0 ? null : (next() | 0));
    lists.push(l);
  }
  add('list_int32', listT, A.vectorFromArray(lists, listT).data[0]);
  const fslT = new A.FixedSizeList(2, f('item', new A.Float64()));
  const fsl = [];
  for (let i = 0; i < n; i++) fsl.push(i % 4 === 3 ? null : [i * 0.5, i % 3 === 0 ? null : -i]);
  add('fsl_f64', fslT, A.vectorFromArray(fsl, fslT).data[0]);
  const structT = new A.Struct([f('a', new A.Int32()), f('b', new A.Utf8())]);
  const structs = [];
  for (let i = 0; i < n; i++) structs.push(i % 6 === 5 ? null : { a: i % 4 === 0 ? null : i, b: WORDS[i % WORDS.length] });
  add('struct', structT, A.vectorFromArray(structs, structT).data[0]);
  const mapT = new A.Map_(f('entries', new A.Struct([f('key', new A.Utf8(), false), f('value', new A.Int32())]), false));
  const maps = [];
  for (let i = 0; i < n; i++) {
    if (i % 7 === 6) { maps.push(null); continue; }
    const m = new Map();
    for (let j = 0; j < i % 3; j++) m.set('k' + j, j === 1 ? null : i * 10 + j);
    maps.push(m);
  }
  add('map', mapT, A.vectorFromArray(maps, mapT).data[0]);
  const listStructT = new A.List(f('item', structT));
  const ls = [];
  for (let i = 0; i < n; i++) ls.push(i % 5 === 2 ? null : Array.from({ length: i % 3 }, (_, j) => ({ a: j, b: j ? 'x' + i : null })));
  add('list_struct', listStructT, A.vectorFromArray(ls, listStructT).data[0]);
  // unions, built from raw parts: codes 5 (int32) and 9 (utf8)
  const kids = [f('i', new A.Int32()), f('s', new A.Utf8())];
  const sparseT = new A.SparseUnion([5, 9], kids);
  const denseT = new A.DenseUnion([5, 9], kids);
  const typeIds = new Int8Array(n);
  for (let i = 0; i < n; i++) typeIds[i] = (next() & 1) ? 5 : 9;
  const ints = fixedData(new A.Int32(), n, next, everyN(4));
  const strs = A.vectorFromArray(stringList(n, next, 5), new A.Utf8()).data[0];
  add('sparse_union', sparseT, A.makeData({ type: sparseT, length: n, nullCount: 0, typeIds, children: [ints, strs] }));
  const offs = new Int32Array(n);
  const intVals = [], strVals = [];
  for (let i = 0; i < n; i++) {
    if (typeIds[i] === 5) { offs[i] = intVals.length; intVals.push(i % 4 === 1 ? null : i * 3); }
    else { offs[i] = strVals.length; strVals.push(i % 5 === 1 ? null : 's' + i); }
  }
  add('dense_union', denseT, A.makeData({
    type: denseT, length: n, nullCount: 0, typeIds, valueOffsets: offs,
    children: [A.vectorFromArray(intVals, new A.Int32()).data[0], A.vectorFromArray(strVals, new A.Utf8()).data[0]],
  }));
  return cols;
}

function dictData(type, dictVector, n, next, isNull = everyN(6)) {
  const idx = new type.indices.ArrayType(n);
  const m = dictVector.length;
  for (let i = 0; i < n; i++) idx[i] = typeof idx[0] === 'bigint' ? BigInt(next() % m) : next() % m;
  const { bm, nulls } = bitmapFor(n, isNull);
  return A.makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls ? bm : null, data: idx, dictionary: dictVector });
}

// Batches that share dictionaries, grow them (delta) and, for streams,
// replace them.
function dictBatches(seed, withReplacement) {
  const next = rng(seed);
  const tUtf8 = new A.Dictionary(new A.Utf8(), new A.Int32(), 1, false);
  const tI64 = new A.Dictionary(new A.Int64(), new A.Int8(), 2, true);
  const tU16 = new A.Dictionary(new A.Utf8(), new A.Uint16(), 3, false);
  const fields = [f('dict_utf8', tUtf8), f('dict_int64', tI64), f('dict_u16', tU16)];
  const d1 = A.vectorFromArray(['red', 'green', 'blue', null, 'é'], new A.Utf8());
  const d1more = A.vectorFromArray(['cyan', 'magenta'], new A.Utf8());
  const d1grown = new A.Vector([...d1.data, ...d1more.data]);
  const d2 = A.vectorFromArray([10n, -20n, 9007199254740993n], new A.Int64());
  const d3 = A.vectorFromArray(['x', 'y'], new A.Utf8());
  const d3new = A.vectorFromArray(['p', 'q', 'r'], new A.Utf8());
  const b = (n, du, dd, d3v) => batchOf(fields, [dictData(tUtf8, du, n, next), dictData(tI64, dd, n, next), dictData(tU16, d3v, n, next)], n);
  const batches = [b(20, d1, d2, d3), b(0, d1, d2, d3), b(30, d1grown, d2, d3)];
  if (withReplacement) batches.push(b(10, d1grown, d2, d3new));
  return batches;
}

// Dictionaries nested in a list and a struct.
function nestedDictBatches() {
  const lt = new A.List(f('item', new A.Dictionary(new A.Utf8(), new A.Int32(), 7)));
  const st = new A.Struct([f('d', new A.Dictionary(new A.Int16(), new A.Uint8(), 8))]);
  const fields = [f('list_dict', lt), f('struct_dict', st)];
  const l = A.vectorFromArray([['a', 'b'], null, ['a', null, 'c'], [], ['é']], lt);
  const sv = A.vectorFromArray([{ d: 5 }, { d: null }, null, { d: 5 }, { d: -7 }], st);
  return [batchOf(fields, [l.data[0], sv.data[0]], 5)];
}

function tableBatches(cols, sizes, seedBase, make) {
  const batches = [];
  sizes.forEach((n, k) => {
    const c = make(n, seedBase + k);
    batches.push(batchOf(c.map((x) => x[0]), c.map((x) => x[1]), n));
  });
  return batches;
}

function slicedBatches() {
  // build 100 rows, write rows [13, 13+57) and [3, 3+1) of every column
  const out = [];
  for (const make of [primitiveColumns, nestedColumns]) {
    // apache-arrow 21.1.0 cannot write sliced large_utf8/large_binary
    // (rebaseValueOffsets mixes BigInt and Number): those are left out here
    // and the null column has its own case (see jsCases)
    const c = make(100, 77).filter(([fl]) => !fl.name.startsWith('large_') && fl.name !== 'null');
    for (const [off, len] of [[13, 57], [3, 1], [98, 2]]) {
      out.push(batchOf(c.map((x) => x[0]), c.map((x) => x[1].slice(off, len)), len));
    }
  }
  return out;
}

function bigBatch(n) {
  const next = rng(4242);
  const tDict = new A.Dictionary(new A.Utf8(), new A.Int32(), 0, false);
  const words = A.vectorFromArray(Array.from({ length: 1000 }, (_, i) => 'w' + i), new A.Utf8());
  const strs = [];
  for (let i = 0; i < n; i++) strs.push(i % 10 === 9 ? null : 's' + (next() % 100000));
  const cols = [
    [f('i64', new A.Int64(), false), fixedData(new A.Int64(), n, next, () => false)],
    [f('f64', new A.Float64()), fixedData(new A.Float64(), n, next, everyN(11))],
    [f('s', new A.Utf8()), A.vectorFromArray(strs, new A.Utf8()).data[0]],
    [f('d', tDict), dictData(tDict, words, n, next)],
    [f('i32', new A.Int32()), fixedData(new A.Int32(), n, next, everyN(3))],
    [f('b', new A.Bool()), boolData(n, next)],
  ];
  return batchOf(cols.map((x) => x[0]), cols.map((x) => x[1]), n);
}

// Every case: { name, batches, schema (when there are no batches),
// file: bool, compression: null | 'lz4' | 'zstd', maybeInvalid: reason
// apache-arrow's output breaks the spec (then a clean refusal passes) }.
export function jsCases({ bigRows = 1000000 } = {}) {
  const cases = [];
  const both = (name, batches, extra = {}) => {
    cases.push({ name: name + '.stream', batches, file: false, ...extra });
    cases.push({ name: name + '.arrow', batches, file: true, ...extra });
  };
  both('js_primitive', tableBatches(null, [100, 0, 37], 1, primitiveColumns));
  both('js_nested', tableBatches(null, [64, 0, 9], 11, nestedColumns));
  both('js_dictionary', dictBatches(5, false));
  both('js_nested_dictionary', nestedDictBatches());
  both('js_sliced_dictionary', dictBatches(7, false).filter((b) => b.numRows > 0).map((b) => b.slice(3, 11)));
  cases.push({ name: 'js_dictionary_replacement.stream', batches: dictBatches(6, true), file: false });
  both('js_sliced', [...slicedBatches().slice(0, 3)]);
  both('js_sliced_nested', [...slicedBatches().slice(3)]);
  const prim = primitiveColumns(3, 1);
  const schema = new A.Schema(prim.map((x) => x[0]));
  both('js_zero_batches', [], { schema });
  both('js_empty_batches', tableBatches(null, [0, 0], 21, primitiveColumns));
  // apache-arrow 21.1.0 writes the COMPRESSED size where the spec puts the
  // uncompressed length (ipc/writer.mjs _compressBodyBuffers), so these
  // files are not valid Arrow: our reader must either refuse them cleanly
  // (CORRUPT) or read the right values; never crash or return wrong data.
  const badPrefix = 'apache-arrow writes the compressed size as the uncompressed-length prefix';
  both('js_lz4', tableBatches(null, [200, 0, 50], 31, primitiveColumns), { compression: 'lz4', maybeInvalid: badPrefix });
  both('js_zstd', tableBatches(null, [200, 0, 50], 41, primitiveColumns), { compression: 'zstd', maybeInvalid: badPrefix });
  both('js_zstd_nested', tableBatches(null, [100], 51, nestedColumns), { compression: 'zstd', maybeInvalid: badPrefix });
  // apache-arrow 21.1.0 writes null_count -1 in the FieldNode of a sliced
  // Null column: refuse cleanly or read it as all nulls.
  const nullSlice = primitiveColumns(100, 78).filter(([fl]) => fl.name === 'null' || fl.name === 'int8');
  cases.push({ name: 'js_sliced_null.stream', file: false, maybeInvalid: 'apache-arrow writes null_count -1 for a sliced Null column',
    batches: [batchOf(nullSlice.map((x) => x[0]), nullSlice.map((x) => x[1].slice(10, 20)), 20)] });
  // apache-arrow 21.1.0 writes an EMPTY values buffer for an all-null
  // bool column (vectorassembler.mjs assembleBoolVector), shorter than the
  // spec requires.
  const allNull = A.makeData({ type: new A.Bool(), length: 9, nullCount: 9, nullBitmap: new Uint8Array(8), data: new Uint8Array(8) });
  cases.push({ name: 'js_all_null_bool.stream', file: false, maybeInvalid: 'apache-arrow writes an empty values buffer for an all-null bool column',
    batches: [batchOf([f('b', new A.Bool())], [allNull], 9)] });
  if (bigRows > 0) {
    both('js_1m', [bigBatch(bigRows)]);
  }
  return cases;
}

// Serialize one case with apache-arrow.
export function writeCase(c) {
  const opts = {};
  if (c.compression === 'lz4') opts.compressionType = A.CompressionType.LZ4_FRAME;
  if (c.compression === 'zstd') opts.compressionType = A.CompressionType.ZSTD;
  const w = c.file ? new A.RecordBatchFileWriter(opts) : new A.RecordBatchStreamWriter(opts);
  if (c.batches.length === 0) {
    w.reset(undefined, c.schema);   // writes the schema message only
  } else {
    for (const b of c.batches) w.write(b);
  }
  w.finish();
  return w.toUint8Array(true);
}
