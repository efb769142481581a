#!/usr/bin/env python3
"""gen_cases.py — writes the synthetic integration-JSON cases in this
directory: types and shapes the arrow-testing gold files do not cover
(float16, MONTH_DAY_NANO intervals, decimal256 edges, large lists of
structs, fixed-size lists of dictionaries, unions holding nested types,
dictionaries with 64-bit indices and inside maps, empty and all-null
batches). test_arrow_gold --synthetic runs each through our IPC writer
(stream/file x none/lz4/zstd), slicing and the C Data Interface.
Deterministic: re-running produces the same files."""
import json, random, struct, os

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261125)

def field(name, typ, children=(), nullable=True, dictionary=None, metadata=None):
    f = {"name": name, "nullable": nullable, "type": typ, "children": list(children)}
    if dictionary is not None: f["dictionary"] = dictionary
    if metadata is not None: f["metadata"] = metadata
    return f

def int_t(bits, signed=True): return {"name": "int", "isSigned": signed, "bitWidth": bits}
def dict_enc(i, bits=32, signed=True, ordered=False):
    return {"id": i, "indexType": int_t(bits, signed), "isOrdered": ordered}

def validity(n, nullable, p=0.3):
    return [1 if (not nullable or rng.random() > p) else 0 for _ in range(n)]

# ---- column generators: return the FieldData for n values of field f ----
def gen(f, n, name=None):
    t = f["type"]; tn = t["name"]; nm = name if name is not None else f["name"]
    if "dictionary" in f:
        size = DICT_SIZES[f["dictionary"]["id"]]
        v = validity(n, f["nullable"])
        return {"name": nm, "count": n, "VALIDITY": v,
                "DATA": [rng.randrange(size) if ok or size else 0 for ok in v] if size else [0] * n}
    if tn == "null":
        return {"name": nm, "count": n}
    v = validity(n, f["nullable"])
    col = {"name": nm, "count": n, "VALIDITY": v}
    if tn == "bool":
        col["DATA"] = [rng.randrange(2) for _ in range(n)]
    elif tn == "int":
        b, s = t["bitWidth"], t["isSigned"]
        lo, hi = (-(1 << (b - 1)), (1 << (b - 1)) - 1) if s else (0, (1 << b) - 1)
        vals = [rng.choice([lo, hi, 0, rng.randint(lo, hi)]) for _ in range(n)]
        col["DATA"] = [str(x) for x in vals] if b == 64 else vals
    elif tn == "floatingpoint":
        if t["precision"] == "HALF":
            col["DATA"] = [rng.choice([0.0, -0.0, 1.0, -2.5, 65504.0, 0.000061035, rng.randint(-2048, 2048) / 4]) for _ in range(n)]
        else:
            col["DATA"] = [round(rng.uniform(-1e6, 1e6), 3) for _ in range(n)]
    elif tn == "decimal":
        bw = t.get("bitWidth", 128)
        lim = (1 << (bw - 1))
        col["DATA"] = [str(rng.choice([-lim, lim - 1, 0, -1, rng.randint(-lim, lim - 1)])) for _ in range(n)]
    elif tn in ("date", "time", "timestamp", "duration"):
        wide = (tn == "date" and t["unit"] == "MILLISECOND") or (tn == "time" and t["bitWidth"] == 64) or tn in ("timestamp", "duration")
        if wide: col["DATA"] = [str(rng.randint(-(1 << 62), 1 << 62)) for _ in range(n)]
        elif tn == "time": col["DATA"] = [rng.randint(0, 86399) for _ in range(n)]
        else: col["DATA"] = [rng.randint(-(1 << 31), (1 << 31) - 1) for _ in range(n)]
    elif tn == "interval":
        u = t["unit"]
        if u == "YEAR_MONTH": col["DATA"] = [rng.randint(-1000, 1000) for _ in range(n)]
        elif u == "DAY_TIME": col["DATA"] = [{"days": rng.randint(-(1 << 31), (1 << 31) - 1), "milliseconds": rng.randint(-86400000, 86400000)} for _ in range(n)]
        else: col["DATA"] = [{"months": rng.randint(-(1 << 31), (1 << 31) - 1), "days": rng.randint(-1000, 1000), "nanoseconds": str(rng.randint(-(1 << 63), (1 << 63) - 1))} for _ in range(n)]
    elif tn in ("utf8", "largeutf8", "binary", "largebinary"):
        alphabet = "ab\u00e9\u20ac\U0001F600\n\"\\"
        vals, offs = [], [0]
        for ok in v:
            if tn.endswith("utf8"):
                s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(6))) if ok else ""
                vals.append(s); offs.append(offs[-1] + len(s.encode("utf-8")))
            else:
                bs = bytes(rng.randrange(256) for _ in range(rng.randrange(5))) if ok else b""
                vals.append(bs.hex().upper()); offs.append(offs[-1] + len(bs))
        col["OFFSET"] = [str(o) for o in offs] if tn.startswith("large") else offs
        col["DATA"] = vals
    elif tn == "fixedsizebinary":
        col["DATA"] = [bytes(rng.randrange(256) for _ in range(t["byteWidth"])).hex().upper() for _ in range(n)]
    elif tn in ("list", "largelist", "map"):
        offs = [0]
        for ok in v: offs.append(offs[-1] + (rng.randrange(4) if ok else 0))
        col["OFFSET"] = [str(o) for o in offs] if tn == "largelist" else offs
        col["children"] = [gen(f["children"][0], offs[-1])]
    elif tn == "fixedsizelist":
        col["children"] = [gen(f["children"][0], n * t["listSize"])]
    elif tn == "struct":
        col["children"] = [gen(c, n) for c in f["children"]]
    elif tn == "union":
        del col["VALIDITY"]
        ids = t["typeIds"]
        col["TYPE_ID"] = [rng.choice(ids) for _ in range(n)]
        if t["mode"] == "SPARSE":
            col["children"] = [gen(c, n) for c in f["children"]]
        else:
            counts = [0] * len(ids); offs = []
            for tid in col["TYPE_ID"]:
                k = ids.index(tid); offs.append(counts[k]); counts[k] += 1
            col["OFFSET"] = offs
            col["children"] = [gen(c, counts[k]) for k, c in enumerate(f["children"])]
    else:
        raise ValueError(tn)
    return col

def strip_dict(f):
    g = dict(f); g.pop("dictionary", None); return g

def find_dict_fields(fields, out):
    for f in fields:
        if "dictionary" in f: out.setdefault(f["dictionary"]["id"], f)
        find_dict_fields(f["children"], out)
    return out

DICT_SIZES = {}

def case(name, fields, batch_sizes, dict_sizes=None, schema_md=None):
    global DICT_SIZES
    DICT_SIZES = dict(dict_sizes or {})
    doc = {"schema": {"fields": fields}}
    if schema_md: doc["schema"]["metadata"] = schema_md
    dfs = find_dict_fields(fields, {})
    if dfs:
        # Dictionaries are generated in id order; a dictionary whose values
        # are themselves encoded refers to a lower id.
        doc["dictionaries"] = [{"id": i, "data": {"count": DICT_SIZES[i],
                                "columns": [gen(strip_dict(dfs[i]), DICT_SIZES[i], "DICT%d" % i)]}}
                               for i in sorted(dfs)]
    doc["batches"] = [{"count": n, "columns": [gen(f, n) for f in fields]} for n in batch_sizes]
    with open(os.path.join(HERE, name + ".json"), "w") as fp:
        json.dump(doc, fp, separators=(",", ":"))
        fp.write("\n")

# Float16 and decimal256 on their own: apache-arrow's JSON reader takes
# float16 numbers as raw bits and ignores a decimal's bitWidth, so
# gold_js.mjs judges this case against our reader instead.
case("synthetic_float16_decimal256", [
    field("f16", {"name": "floatingpoint", "precision": "HALF"}),
    field("f16_list", {"name": "list"}, [field("item", {"name": "floatingpoint", "precision": "HALF"}, nullable=False)]),
    field("d256", {"name": "decimal", "precision": 76, "scale": -3, "bitWidth": 256}),
], [0, 1, 17])

case("synthetic_primitive_edges", [
    field("f32", {"name": "floatingpoint", "precision": "SINGLE"}, nullable=False),
    field("mdn", {"name": "interval", "unit": "MONTH_DAY_NANO"}),
    field("ym", {"name": "interval", "unit": "YEAR_MONTH"}),
    field("dt", {"name": "interval", "unit": "DAY_TIME"}),
    field("d128", {"name": "decimal", "precision": 38, "scale": 10, "bitWidth": 128}),
    field("date64", {"name": "date", "unit": "MILLISECOND"}),
    field("t64", {"name": "time", "unit": "NANOSECOND", "bitWidth": 64}),
    field("ts_tz", {"name": "timestamp", "unit": "MICROSECOND", "timezone": "+05:30"}),
    field("dur", {"name": "duration", "unit": "NANOSECOND"}),
    field("u64", int_t(64, False), nullable=False),
    field("fsb1", {"name": "fixedsizebinary", "byteWidth": 1}),
    field("nothing", {"name": "null"}),
], [0, 1, 9, 64, 65], schema_md=[{"key": "origin", "value": "gen_cases.py"}, {"key": "", "value": ""}])

case("synthetic_large_list", [
    field("ll_struct", {"name": "largelist"}, [
        field("item", {"name": "struct"}, [
            field("a", int_t(8)), field("b", {"name": "largeutf8"}), field("n", {"name": "null"})])]),
    field("ll_ll", {"name": "largelist"}, [field("item", {"name": "largelist"}, [field("item", {"name": "largebinary"})])]),
], [0, 4, 21])

case("synthetic_nested", [
    field("struct", {"name": "struct"}, [
        field("a", int_t(8)), field("b", {"name": "largeutf8"}), field("n", {"name": "null"})]),
    field("fsl_bool", {"name": "fixedsizelist", "listSize": 3}, [field("item", {"name": "bool"})]),
    field("fsl_zero", {"name": "fixedsizelist", "listSize": 0}, [field("item", int_t(32))]),
    field("map_sorted", {"name": "map", "keysSorted": True}, [
        field("entries", {"name": "struct"}, [
            field("key", int_t(16), nullable=False),
            field("value", {"name": "list"}, [field("item", {"name": "binary"})])], nullable=False)]),
    field("deep", {"name": "list"}, [field("item", {"name": "list"}, [field("item", {"name": "list"}, [field("item", {"name": "utf8"})])])]),
], [0, 5, 33])

case("synthetic_unions", [
    field("sparse", {"name": "union", "mode": "SPARSE", "typeIds": [3, 1, 127]}, [
        field("l", {"name": "list"}, [field("item", int_t(64))]),
        field("s", {"name": "struct"}, [field("x", {"name": "utf8"}), field("y", {"name": "floatingpoint", "precision": "DOUBLE"})]),
        field("n", {"name": "null"})]),
    field("dense", {"name": "union", "mode": "DENSE", "typeIds": [0, 9]}, [
        field("d", {"name": "decimal", "precision": 20, "scale": 2}),
        field("u", {"name": "union", "mode": "SPARSE", "typeIds": [1, 2]}, [
            field("b", {"name": "bool"}), field("i", int_t(8, False))])]),
], [0, 7, 40])

case("synthetic_dictionaries", [
    field("d_u64", {"name": "utf8"}, dictionary=dict_enc(0, 64, False, True)),
    field("d_i64_shared", {"name": "utf8"}, dictionary=dict_enc(0, 64, True)),
    field("map_dict_values", {"name": "map", "keysSorted": False}, [
        field("entries", {"name": "struct"}, [
            field("key", {"name": "utf8"}, nullable=False),
            field("value", {"name": "binary"}, dictionary=dict_enc(1, 8, False))], nullable=False)]),
    field("fsl_dict", {"name": "fixedsizelist", "listSize": 2}, [
        field("item", {"name": "int", "isSigned": True, "bitWidth": 32}, dictionary=dict_enc(2, 16))]),
    field("list_of_dict_struct", {"name": "list"}, [
        field("item", {"name": "struct"}, [field("k", {"name": "utf8"}, dictionary=dict_enc(0, 8))],
              dictionary=dict_enc(3, 32))]),
], [0, 6, 25], dict_sizes={0: 7, 1: 3, 2: 4, 3: 5})
