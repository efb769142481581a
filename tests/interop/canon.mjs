// canon.mjs — the canonical JSON rendering of Arrow IPC contents that both
// sides of the interop tests produce: tests/interop/interop_canon.c renders
// what ArrowPhoenix wrote or read, this module renders what apache-arrow (JS)
// wrote or read, and deepCompare() says where they differ.
//
// A document:
//   { "schema":  [field, ...],
//     "batches": [ { "length": n, "columns": [[value, ...], ...] }, ... ] }
// field:
//   { "name": s, "type": T, "nullable": b, "children": [field...],
//     "dict": { "index": "int32", "ordered": b } }   // dict only when encoded
// T (value type of dictionary fields): null bool int8..int64 uint8..uint64
//   float16 float32 float64 decimal128(p,s) decimal256(p,s) date32 date64
//   time32[s|ms] time64[us|ns] timestamp[unit] timestamp[unit,TZ]
//   duration[unit] interval_months interval_day_time interval_month_day_nano
//   utf8 large_utf8 binary large_binary fixed_size_binary[w] list large_list
//   fixed_size_list[n] struct map map[sorted] sparse_union[c,..] dense_union[c,..]
// Values (null is JSON null everywhere):
//   bool -> true/false; 8..32-bit ints, date32, time32, interval_months -> number;
//   int64/uint64, date64, time64, timestamp, duration -> decimal string;
//   float16/32/64 -> lowercase hex of the IEEE bits ("3ff0000000000000"),
//   so NaN payloads and -0 compare exactly; decimal128/256 -> hex of the
//   little-endian bytes; interval_day_time -> [days, ms];
//   interval_month_day_nano -> [months, days, "nanos"]; utf8 -> string;
//   binary kinds -> hex string; lists -> array; struct -> array of child
//   values in field order; map -> array of [key, value]; union -> [type
//   code, child value]; dictionary-encoded -> the decoded value.
import * as A from 'apache-arrow';

const UNIT = ['s', 'ms', 'us', 'ns'];

export function typeString(type) {
  switch (type.typeId) {
    case A.Type.Null: return 'null';
    case A.Type.Bool: return 'bool';
    case A.Type.Int: return (type.isSigned ? 'int' : 'uint') + type.bitWidth;
    case A.Type.Float: return ['float16', 'float32', 'float64'][type.precision];
    case A.Type.Decimal: return `decimal${type.bitWidth}(${type.precision},${type.scale})`;
    case A.Type.Date: return type.unit === A.DateUnit.DAY ? 'date32' : 'date64';
    case A.Type.Time: return `time${type.bitWidth}[${UNIT[type.unit]}]`;
    case A.Type.Timestamp:
      return `timestamp[${UNIT[type.unit]}${type.timezone ? ',' + type.timezone : ''}]`;
    case A.Type.Duration: return `duration[${UNIT[type.unit]}]`;
    case A.Type.Interval:
      return ['interval_months', 'interval_day_time', 'interval_month_day_nano'][type.unit];
    case A.Type.Utf8: return 'utf8';
    case A.Type.LargeUtf8: return 'large_utf8';
    case A.Type.Binary: return 'binary';
    case A.Type.LargeBinary: return 'large_binary';
    case A.Type.FixedSizeBinary: return `fixed_size_binary[${type.byteWidth}]`;
    case A.Type.List: return 'list';
    case A.Type.FixedSizeList: return `fixed_size_list[${type.listSize}]`;
    case A.Type.Struct: return 'struct';
    case A.Type.Map: return type.keysSorted ? 'map[sorted]' : 'map';
    case A.Type.Union:
      return `${type.mode === A.UnionMode.Sparse ? 'sparse' : 'dense'}_union[${Array.from(type.typeIds).join(',')}]`;
    default: throw new Error(`canon: type ${type} (typeId ${type.typeId}) has no canonical form`);
  }
}

export function fieldJson(field) {
  let type = field.type;
  const out = { name: field.name, type: '', nullable: !!field.nullable, children: [] };
  if (type.typeId === A.Type.Dictionary) {
    out.dict = { index: typeString(type.indices), ordered: !!type.isOrdered };
    type = type.dictionary;
  }
  out.type = typeString(type);
  out.children = (type.children || []).map(fieldJson);
  return out;
}

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function bytesOf(ta) {
  return new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
}

// Byte width of one fixed-width value, 0 for others.
function fixedWidth(type) {
  switch (type.typeId) {
    case A.Type.Int: return type.bitWidth / 8;
    case A.Type.Float: return [2, 4, 8][type.precision];
    case A.Type.Decimal: return type.bitWidth / 8;
    case A.Type.Date: return type.unit === A.DateUnit.DAY ? 4 : 8;
    case A.Type.Time: return type.bitWidth / 8;
    case A.Type.Timestamp: case A.Type.Duration: return 8;
    case A.Type.Interval: return [4, 8, 16][type.unit];
    case A.Type.FixedSizeBinary: return type.byteWidth;
    default: return 0;
  }
}

// apache-arrow's Data convention: the validity bitmap (and bool values) are
// indexed with data.offset + i; other buffers were already sliced, so they
// are indexed with i.
function isValid(data, i) {
  const bm = data.nullBitmap;
  if (!bm || bm.length === 0 || data.nullCount === 0) return true;
  const pos = data.offset + i;
  return (bm[pos >> 3] >> (pos & 7)) & 1;
}

// One byte view and DataView per values buffer (rendering 1M rows must not
// allocate per element).
const views = new WeakMap();
function viewsOf(values) {
  let v = views.get(values);
  if (!v) {
    const b = bytesOf(values);
    v = { b, dv: new DataView(b.buffer, b.byteOffset, b.byteLength) };
    views.set(values, v);
  }
  return v;
}

function fixedValue(type, data, i) {
  const w = fixedWidth(type);
  const { b, dv } = viewsOf(data.values);
  const at = i * w;
  const h32 = (x) => x.toString(16).padStart(8, '0');
  switch (type.typeId) {
    case A.Type.Int:
      if (w === 8) return (type.isSigned ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true)).toString();
      if (w === 4) return type.isSigned ? dv.getInt32(at, true) : dv.getUint32(at, true);
      if (w === 2) return type.isSigned ? dv.getInt16(at, true) : dv.getUint16(at, true);
      return type.isSigned ? dv.getInt8(at) : dv.getUint8(at);
    case A.Type.Float: // bits, most significant nibble first
      if (w === 8) return h32(dv.getUint32(at + 4, true)) + h32(dv.getUint32(at, true));
      if (w === 4) return h32(dv.getUint32(at, true));
      return dv.getUint16(at, true).toString(16).padStart(4, '0');
    case A.Type.Decimal: case A.Type.FixedSizeBinary:
      return hex(b.subarray(at, at + w));
    case A.Type.Interval:
      if (w === 4) return dv.getInt32(at, true);
      if (w === 8) return [dv.getInt32(at, true), dv.getInt32(at + 4, true)];
      return [dv.getInt32(at, true), dv.getInt32(at + 4, true), dv.getBigInt64(at + 8, true).toString()];
    default:
      return w === 4 ? dv.getInt32(at, true) : dv.getBigInt64(at, true).toString();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Canonical value of element i of `data` (type = data.type, or for the
// values of a dictionary the dictionary's value type).
export function valueAt(data, i, dictCache) {
  const type = data.type;
  if (type.typeId === A.Type.Null) return null;
  if (type.typeId === A.Type.Union) return unionValue(data, i, dictCache);
  if (!isValid(data, i)) return null;
  switch (type.typeId) {
    case A.Type.Dictionary: {
      const idx = fixedValue(type.indices, data, i);
      const values = dictValues(data.dictionary, dictCache);
      const k = Number(idx);
      if (!(k >= 0 && k < values.length)) throw new Error(`canon: dictionary index ${idx} out of range (${values.length} values)`);
      return values[k];
    }
    case A.Type.Bool: {
      const pos = data.offset + i;
      return ((data.values[pos >> 3] >> (pos & 7)) & 1) === 1;
    }
    case A.Type.Utf8: case A.Type.LargeUtf8: case A.Type.Binary: case A.Type.LargeBinary: {
      const o = data.valueOffsets;
      const s = Number(o[i]), e = Number(o[i + 1]);
      const bytes = data.values.subarray(s, e);
      return (type.typeId === A.Type.Utf8 || type.typeId === A.Type.LargeUtf8) ? utf8.decode(bytes) : hex(bytes);
    }
    case A.Type.List: {
      const o = data.valueOffsets;
      const child = data.children[0];
      const out = [];
      for (let j = Number(o[i]); j < Number(o[i + 1]); j++) out.push(valueAt(child, j, dictCache));
      return out;
    }
    case A.Type.Map: {
      const o = data.valueOffsets;
      const entries = data.children[0];
      const out = [];
      for (let j = Number(o[i]); j < Number(o[i + 1]); j++) {
        out.push([valueAt(entries.children[0], j, dictCache), valueAt(entries.children[1], j, dictCache)]);
      }
      return out;
    }
    case A.Type.FixedSizeList: {
      const n = type.listSize;
      const out = [];
      for (let j = 0; j < n; j++) out.push(valueAt(data.children[0], i * n + j, dictCache));
      return out;
    }
    case A.Type.Struct:
      return data.children.map((c) => valueAt(c, i, dictCache));
    default:
      if (fixedWidth(type) === 0) throw new Error(`canon: no rendering for ${type}`);
      return fixedValue(type, data, i);
  }
}

function unionValue(data, i, dictCache) {
  const type = data.type;
  const code = data.typeIds[i];
  const child = type.typeIdToChildIndex[code];
  if (child === undefined) throw new Error(`canon: union type code ${code} is not declared`);
  const j = type.mode === A.UnionMode.Dense ? data.valueOffsets[i] : i;
  return [code, valueAt(data.children[child], j, dictCache)];
}

// All values of a dictionary Vector (possibly several chunks after deltas).
function dictValues(vec, dictCache) {
  let vals = dictCache.get(vec);
  if (!vals) {
    vals = [];
    for (const d of vec.data) for (let i = 0; i < d.length; i++) vals.push(valueAt(d, i, dictCache));
    dictCache.set(vec, vals);
  }
  return vals;
}

export function batchJson(batch) {
  const dictCache = new Map();
  const columns = [];
  for (const child of batch.data.children) {
    const col = [];
    for (let i = 0; i < batch.numRows; i++) col.push(valueAt(child, i, dictCache));
    columns.push(col);
  }
  return { length: batch.numRows, columns };
}

// Read a whole IPC stream or file with apache-arrow and render it.
export function readIpcJson(bytes) {
  const reader = A.RecordBatchReader.from(bytes).open();
  // (the reader forgets its schema once iteration closes it)
  const schema = reader.schema.fields.map(fieldJson);
  const isFile = reader.isFile();
  const batches = [];
  for (const b of reader) {
    // apache-arrow yields a placeholder batch for a stream with no batches
    if (b.constructor.name === '_InternalEmptyPlaceholderRecordBatch') continue;
    batches.push(batchJson(b));
  }
  return { doc: { schema, batches }, isFile };
}

// Render batches held in memory (what apache-arrow is about to write).
export function batchesJson(schema, batches) {
  return { schema: schema.fields.map(fieldJson), batches: batches.map(batchJson) };
}

// First difference between two canonical documents, or null when equal.
export function deepCompare(a, b, path = '$') {
  if (a === b) return null;
  if (a === null || b === null || typeof a !== typeof b) {
    return `${path}: ${short(a)} != ${short(b)}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: ${short(a)} != ${short(b)}`;
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = deepCompare(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'object') {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    if (ka.join(',') !== kb.join(',')) return `${path}: keys {${ka}} != {${kb}}`;
    for (const k of ka) {
      const d = deepCompare(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return `${path}: ${short(a)} != ${short(b)}`;
}

function short(v) {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : (s.length > 120 ? s.slice(0, 117) + '...' : s);
}
