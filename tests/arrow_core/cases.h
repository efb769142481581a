/*
 * cases.h — one case per Arrow type (field setup, builder fill, expected
 * JSON rows, expected type rendering), shared by the arrow_core tests.
 */
#ifndef ARROW_CORE_TEST_CASES_H
#define ARROW_CORE_TEST_CASES_H

#include <math.h>
#include <string.h>

#include "arrow/arrow.h"

#define OK(x) assert_int_equal((x), APHX_OK)

typedef struct tcase {
    const char *name;
    void (*setup)(arrow_field *f);
    void (*fill)(arrow_builder *b);
    const char *json[8];     /* expected JSON per row, NULL-terminated */
    const char *type;        /* expected arrow_field_format_type */
} tcase;

static inline void child_init(arrow_field *f, int i, const char *name, arrow_type_id id)
{
    OK(arrow_field_init(&f->children[i], name, id, true));
}

/* ---- setups ---- */
#define SIMPLE_SETUP(fn, ID) static void fn(arrow_field *f) { OK(arrow_field_init(f, "c", ID, true)); }
SIMPLE_SETUP(s_bool, ARROW_BOOL)
SIMPLE_SETUP(s_i8, ARROW_INT8)
SIMPLE_SETUP(s_i16, ARROW_INT16)
SIMPLE_SETUP(s_i32, ARROW_INT32)
SIMPLE_SETUP(s_i64, ARROW_INT64)
SIMPLE_SETUP(s_u8, ARROW_UINT8)
SIMPLE_SETUP(s_u16, ARROW_UINT16)
SIMPLE_SETUP(s_u32, ARROW_UINT32)
SIMPLE_SETUP(s_u64, ARROW_UINT64)
SIMPLE_SETUP(s_f16, ARROW_FLOAT16)
SIMPLE_SETUP(s_f32, ARROW_FLOAT32)
SIMPLE_SETUP(s_f64, ARROW_FLOAT64)
SIMPLE_SETUP(s_date32, ARROW_DATE32)
SIMPLE_SETUP(s_date64, ARROW_DATE64)
SIMPLE_SETUP(s_im, ARROW_INTERVAL_MONTHS)
SIMPLE_SETUP(s_idt, ARROW_INTERVAL_DAY_TIME)
SIMPLE_SETUP(s_imdn, ARROW_INTERVAL_MONTH_DAY_NANO)
SIMPLE_SETUP(s_utf8, ARROW_UTF8)
SIMPLE_SETUP(s_lutf8, ARROW_LARGE_UTF8)
SIMPLE_SETUP(s_bin, ARROW_BINARY)
SIMPLE_SETUP(s_lbin, ARROW_LARGE_BINARY)
SIMPLE_SETUP(s_null, ARROW_NA)

static void s_dec128(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_DECIMAL128, true)); f->type.precision = 10; f->type.scale = 2; }
static void s_dec256(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_DECIMAL256, true)); f->type.precision = 76; f->type.scale = 0; }
static void s_time32(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_TIME32, true)); f->type.unit = ARROW_MILLI; }
static void s_time64(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_TIME64, true)); f->type.unit = ARROW_NANO; }
static void s_ts(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_TIMESTAMP, true)); f->type.unit = ARROW_MICRO; OK(arrow_field_set_timezone(f, "UTC")); }
static void s_dur(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_DURATION, true)); f->type.unit = ARROW_MILLI; }
static void s_fsb(arrow_field *f) { OK(arrow_field_init(f, "c", ARROW_FIXED_SIZE_BINARY, true)); f->type.byte_width = 2; }
static void s_list(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_LIST, true));
    OK(arrow_field_set_children(f, 1));
    child_init(f, 0, "item", ARROW_INT32);
}
static void s_llist(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_LARGE_LIST, true));
    OK(arrow_field_set_children(f, 1));
    child_init(f, 0, "item", ARROW_UTF8);
}
static void s_fsl(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_FIXED_SIZE_LIST, true));
    f->type.list_size = 2;
    OK(arrow_field_set_children(f, 1));
    child_init(f, 0, "item", ARROW_INT16);
}
static void s_struct(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_STRUCT, true));
    OK(arrow_field_set_children(f, 2));
    child_init(f, 0, "a", ARROW_INT32);
    child_init(f, 1, "b", ARROW_UTF8);
}
static void s_map(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_MAP, true));
    OK(arrow_field_set_children(f, 1));
    OK(arrow_field_init(&f->children[0], "entries", ARROW_STRUCT, false));
    OK(arrow_field_set_children(&f->children[0], 2));
    OK(arrow_field_init(&f->children[0].children[0], "key", ARROW_UTF8, false));
    child_init(&f->children[0], 1, "value", ARROW_INT32);
}
static void s_union(arrow_field *f, arrow_type_id id)
{
    OK(arrow_field_init(f, "c", id, true));
    OK(arrow_field_set_children(f, 2));
    f->type.type_codes[0] = 5;
    f->type.type_codes[1] = 7;
    child_init(f, 0, "i", ARROW_INT32);
    child_init(f, 1, "s", ARROW_UTF8);
}
static void s_sunion(arrow_field *f) { s_union(f, ARROW_SPARSE_UNION); }
static void s_dunion(arrow_field *f) { s_union(f, ARROW_DENSE_UNION); }
static void s_dict(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_UTF8, true));
    f->dict = aphx_calloc(1, sizeof *f->dict);
    f->dict->index_type = ARROW_INT16;
}
static void s_dict_i64(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_INT64, true));
    f->dict = aphx_calloc(1, sizeof *f->dict);
    f->dict->index_type = ARROW_UINT8;
}

/* ---- fills ---- */
static void f_bool(arrow_builder *b)
{
    OK(arrow_builder_append_bool(b, true)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_bool(b, false));
    for (int i = 0; i < 10; i++) OK(arrow_builder_append_bool(b, i % 3 == 0));
}
static void f_i8(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, -128)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(b, 127));
    assert_int_equal(arrow_builder_append_int(b, 128), APHX_RANGE);
}
static void f_ints(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, -5)); OK(arrow_builder_append_null(b)); OK(arrow_builder_append_int(b, 30000));
}
static void f_i64(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, -9007199254740993LL)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(b, 9007199254740992LL));
}
static void f_uints(arrow_builder *b)
{
    OK(arrow_builder_append_uint(b, 200)); OK(arrow_builder_append_null(b)); OK(arrow_builder_append_uint(b, 0));
}
static void f_u64(arrow_builder *b)
{
    OK(arrow_builder_append_uint(b, UINT64_MAX)); OK(arrow_builder_append_null(b)); OK(arrow_builder_append_uint(b, 7));
}
static void f_floats(arrow_builder *b)
{
    OK(arrow_builder_append_double(b, 1.5)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_double(b, -0.25)); OK(arrow_builder_append_double(b, 0.1));
    OK(arrow_builder_append_double(b, NAN));
}
static void f_dec128(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, -12345)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(b, 5));
    uint8_t raw[16];
    memset(raw, 0xff, 16);
    raw[15] = 0x7f;   /* 2^127 - 1 */
    OK(arrow_builder_append_bytes(b, raw, 16));
}
static void f_dec256(arrow_builder *b)
{
    uint8_t raw[32];
    memset(raw, 0, 32);
    raw[16] = 1;      /* 2^128 */
    OK(arrow_builder_append_bytes(b, raw, 32)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(b, -1));
}
static void f_date(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 19782)); OK(arrow_builder_append_null(b)); OK(arrow_builder_append_int(b, -1));
}
static void f_date64(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 19782LL * 86400000)); OK(arrow_builder_append_null(b));
}
static void f_time(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 49500500)); OK(arrow_builder_append_null(b));
}
static void f_time64(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 49500000000001LL)); OK(arrow_builder_append_null(b));
}
static void f_ts(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 1709214300123456LL)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(b, -1));
}
static void f_dur(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 15)); OK(arrow_builder_append_null(b));
}
static void f_im(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 3)); OK(arrow_builder_append_null(b));
}
static void f_idt(arrow_builder *b)
{
    int32_t v[2] = {2, 15};
    OK(arrow_builder_append_bytes(b, v, 8)); OK(arrow_builder_append_null(b));
    assert_int_equal(arrow_builder_append_bytes(b, v, 4), APHX_INVALID);
}
static void f_imdn(arrow_builder *b)
{
    uint8_t raw[16];
    int32_t md[2] = {1, 2};
    int64_t ns = 3;
    memcpy(raw, md, 8);
    memcpy(raw + 8, &ns, 8);
    OK(arrow_builder_append_bytes(b, raw, 16)); OK(arrow_builder_append_null(b));
}
static void f_strings(arrow_builder *b)
{
    OK(arrow_builder_append_bytes(b, "a\"b", 3)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_bytes(b, "\xc3\xa9", 2)); OK(arrow_builder_append_bytes(b, "", 0));
    OK(arrow_builder_append_bytes(b, "tab\there", 8));
}
static void f_bin(arrow_builder *b)
{
    OK(arrow_builder_append_bytes(b, "\xde\xad", 2)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_bytes(b, "", 0));
}
static void f_fsb(arrow_builder *b)
{
    OK(arrow_builder_append_bytes(b, "\x01\xff", 2)); OK(arrow_builder_append_null(b));
    assert_int_equal(arrow_builder_append_bytes(b, "abc", 3), APHX_INVALID);
    OK(arrow_builder_append_bytes(b, "AB", 2));
}
static void f_list(arrow_builder *b)
{
    arrow_builder *c = arrow_builder_child(b, 0);
    OK(arrow_builder_append_int(c, 1)); OK(arrow_builder_append_int(c, 2)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(c)); OK(arrow_builder_append_int(c, 3)); OK(arrow_builder_append_valid(b));
}
static void f_llist(arrow_builder *b)
{
    arrow_builder *c = arrow_builder_child(b, 0);
    OK(arrow_builder_append_bytes(c, "x", 1)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_bytes(c, "y", 1)); OK(arrow_builder_append_bytes(c, "z", 1)); OK(arrow_builder_append_valid(b));
}
static void f_fsl(arrow_builder *b)
{
    arrow_builder *c = arrow_builder_child(b, 0);
    OK(arrow_builder_append_int(c, 1)); OK(arrow_builder_append_int(c, 2)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_null(c)); OK(arrow_builder_append_int(c, 4)); OK(arrow_builder_append_valid(b));
}
static void f_struct(arrow_builder *b)
{
    OK(arrow_builder_append_int(arrow_builder_child(b, 0), 1));
    OK(arrow_builder_append_bytes(arrow_builder_child(b, 1), "x", 1));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_null(arrow_builder_child(b, 0)));
    OK(arrow_builder_append_bytes(arrow_builder_child(b, 1), "y", 1));
    OK(arrow_builder_append_valid(b));
}
static void f_map(arrow_builder *b)
{
    arrow_builder *e = arrow_builder_child(b, 0);
    OK(arrow_builder_append_bytes(arrow_builder_child(e, 0), "k", 1));
    OK(arrow_builder_append_int(arrow_builder_child(e, 1), 1));
    OK(arrow_builder_append_valid(e));
    OK(arrow_builder_append_bytes(arrow_builder_child(e, 0), "j", 1));
    OK(arrow_builder_append_null(arrow_builder_child(e, 1)));
    OK(arrow_builder_append_valid(e));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_valid(b));
}
static void f_union(arrow_builder *b)
{
    OK(arrow_builder_append_union(b, 5)); OK(arrow_builder_append_int(arrow_builder_child(b, 0), 1));
    OK(arrow_builder_append_union(b, 7)); OK(arrow_builder_append_bytes(arrow_builder_child(b, 1), "x", 1));
    OK(arrow_builder_append_null(b));
    assert_int_equal(arrow_builder_append_union(b, 6), APHX_INVALID);
    OK(arrow_builder_append_union(b, 7)); OK(arrow_builder_append_null(arrow_builder_child(b, 1)));
    OK(arrow_builder_append_union(b, 5)); OK(arrow_builder_append_int(arrow_builder_child(b, 0), 2));
}
static void f_dict(arrow_builder *b)
{
    OK(arrow_builder_append_bytes(b, "a", 1)); OK(arrow_builder_append_bytes(b, "b", 1));
    OK(arrow_builder_append_bytes(b, "a", 1)); OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_bytes(b, "", 0)); OK(arrow_builder_append_bytes(b, "b", 1));
}
static void f_dict_i64(arrow_builder *b)
{
    OK(arrow_builder_append_int(b, 10)); OK(arrow_builder_append_int(b, -3));
    OK(arrow_builder_append_int(b, 10)); OK(arrow_builder_append_null(b));
}
static void f_null(arrow_builder *b)
{
    OK(arrow_builder_append_null(b)); OK(arrow_builder_append_null(b)); OK(arrow_builder_append_null(b));
}

/* Nested combinations: list<struct<d: dictionary<utf8, int8>, f: fsl<bool>[2]>> */
static void s_nest1(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_LIST, true));
    OK(arrow_field_set_children(f, 1));
    arrow_field *st = &f->children[0];
    OK(arrow_field_init(st, "item", ARROW_STRUCT, true));
    OK(arrow_field_set_children(st, 2));
    child_init(st, 0, "d", ARROW_UTF8);
    st->children[0].dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    st->children[0].dict->index_type = ARROW_INT8;
    child_init(st, 1, "f", ARROW_FIXED_SIZE_LIST);
    st->children[1].type.list_size = 2;
    OK(arrow_field_set_children(&st->children[1], 1));
    child_init(&st->children[1], 0, "item", ARROW_BOOL);
}
static void f_nest1(arrow_builder *b)
{
    arrow_builder *st = arrow_builder_child(b, 0);
    arrow_builder *d = arrow_builder_child(st, 0), *fl = arrow_builder_child(st, 1);
    arrow_builder *bits = arrow_builder_child(fl, 0);
    /* [{d: "x", f: [true, false]}, null] */
    OK(arrow_builder_append_bytes(d, "x", 1));
    OK(arrow_builder_append_bool(bits, true)); OK(arrow_builder_append_bool(bits, false));
    OK(arrow_builder_append_valid(fl)); OK(arrow_builder_append_valid(st));
    OK(arrow_builder_append_null(st));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    /* [{d: "y", f: null}, {d: "x", f: [null, true]}] */
    OK(arrow_builder_append_bytes(d, "y", 1)); OK(arrow_builder_append_null(fl)); OK(arrow_builder_append_valid(st));
    OK(arrow_builder_append_bytes(d, "x", 1));
    OK(arrow_builder_append_null(bits)); OK(arrow_builder_append_bool(bits, true));
    OK(arrow_builder_append_valid(fl)); OK(arrow_builder_append_valid(st));
    OK(arrow_builder_append_valid(b));
}
/* dense_union<l: list<int8>=3, s: struct<x: int32>=1> */
static void s_nest2(arrow_field *f)
{
    OK(arrow_field_init(f, "c", ARROW_DENSE_UNION, true));
    OK(arrow_field_set_children(f, 2));
    f->type.type_codes[0] = 3;
    f->type.type_codes[1] = 1;
    child_init(f, 0, "l", ARROW_LIST);
    OK(arrow_field_set_children(&f->children[0], 1));
    child_init(&f->children[0], 0, "item", ARROW_INT8);
    child_init(f, 1, "s", ARROW_STRUCT);
    OK(arrow_field_set_children(&f->children[1], 1));
    child_init(&f->children[1], 0, "x", ARROW_INT32);
}
static void f_nest2(arrow_builder *b)
{
    arrow_builder *l = arrow_builder_child(b, 0), *st = arrow_builder_child(b, 1);
    OK(arrow_builder_append_union(b, 1));
    OK(arrow_builder_append_int(arrow_builder_child(st, 0), 7)); OK(arrow_builder_append_valid(st));
    OK(arrow_builder_append_union(b, 3));
    OK(arrow_builder_append_int(arrow_builder_child(l, 0), -1)); OK(arrow_builder_append_valid(l));
    OK(arrow_builder_append_union(b, 1)); OK(arrow_builder_append_null(st));
    OK(arrow_builder_append_null(b));
}

/* dictionary<list<int32>, int8>: [1,2], null, [1,2], [], [null], [] */
static void s_dict_list(arrow_field *f)
{
    s_list(f);
    f->dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    f->dict->index_type = ARROW_INT8;
}
static void f_dict_list(arrow_builder *b)
{
    arrow_builder *item = arrow_builder_child(b, 0);
    assert_non_null(item);
    assert_int_equal(arrow_builder_append_int(b, 1), APHX_INVALID);   /* values go through the child */
    OK(arrow_builder_append_int(item, 1)); OK(arrow_builder_append_int(item, 2)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(item, 1)); OK(arrow_builder_append_int(item, 2)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(item)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_valid(b));
}
/* dictionary<struct<a: int32, b: utf8>, uint16> */
static void s_dict_struct(arrow_field *f)
{
    s_struct(f);
    f->dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    f->dict->index_type = ARROW_UINT16;
}
static void f_dict_struct(arrow_builder *b)
{
    arrow_builder *a = arrow_builder_child(b, 0), *s = arrow_builder_child(b, 1);
    OK(arrow_builder_append_int(a, 1)); OK(arrow_builder_append_bytes(s, "x", 1)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_int(a, 1)); OK(arrow_builder_append_bytes(s, "y", 1)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_int(a, 1)); OK(arrow_builder_append_bytes(s, "x", 1)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_null(a)); OK(arrow_builder_append_null(s)); OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(a)); OK(arrow_builder_append_null(s)); OK(arrow_builder_append_valid(b));
}

static const tcase cases[] = {
    {"bool", s_bool, f_bool, {"true", "null", "false", "true", "false", "false", "true", NULL}, "bool"},
    {"int8", s_i8, f_i8, {"-128", "null", "127", NULL}, "int8"},
    {"int16", s_i16, f_ints, {"-5", "null", "30000", NULL}, "int16"},
    {"int32", s_i32, f_ints, {"-5", "null", "30000", NULL}, "int32"},
    {"int64", s_i64, f_i64, {"\"-9007199254740993\"", "null", "9007199254740992", NULL}, "int64"},
    {"uint8", s_u8, f_uints, {"200", "null", "0", NULL}, "uint8"},
    {"uint16", s_u16, f_uints, {"200", "null", "0", NULL}, "uint16"},
    {"uint32", s_u32, f_uints, {"200", "null", "0", NULL}, "uint32"},
    {"uint64", s_u64, f_u64, {"\"18446744073709551615\"", "null", "7", NULL}, "uint64"},
    {"float16", s_f16, f_floats, {"1.5", "null", "-0.25", "0.1", "\"NaN\"", NULL}, "float16"},
    {"float32", s_f32, f_floats, {"1.5", "null", "-0.25", "0.1", "\"NaN\"", NULL}, "float32"},
    {"float64", s_f64, f_floats, {"1.5", "null", "-0.25", "0.1", "\"NaN\"", NULL}, "float64"},
    {"decimal128", s_dec128, f_dec128, {"\"-123.45\"", "null", "\"0.05\"",
                                        "\"1701411834604692317316873037158841057.27\"", NULL}, "decimal128(10, 2)"},
    {"decimal256", s_dec256, f_dec256, {"\"340282366920938463463374607431768211456\"", "null", "\"-1\"", NULL},
     "decimal256(76, 0)"},
    {"date32", s_date32, f_date, {"19782", "null", "-1", NULL}, "date32"},
    {"date64", s_date64, f_date64, {"1709164800000", "null", NULL}, "date64"},
    {"time32", s_time32, f_time, {"49500500", "null", NULL}, "time32[ms]"},
    {"time64", s_time64, f_time64, {"49500000000001", "null", NULL}, "time64[ns]"},
    {"timestamp", s_ts, f_ts, {"1709214300123456", "null", "-1", NULL}, "timestamp[us, tz=UTC]"},
    {"duration", s_dur, f_dur, {"15", "null", NULL}, "duration[ms]"},
    {"interval_months", s_im, f_im, {"{\"months\":3}", "null", NULL}, "interval_months"},
    {"interval_day_time", s_idt, f_idt, {"{\"days\":2,\"milliseconds\":15}", "null", NULL}, "interval_day_time"},
    {"interval_mdn", s_imdn, f_imdn, {"{\"months\":1,\"days\":2,\"nanoseconds\":3}", "null", NULL},
     "interval_month_day_nano"},
    {"utf8", s_utf8, f_strings, {"\"a\\\"b\"", "null", "\"\xc3\xa9\"", "\"\"", "\"tab\\there\"", NULL}, "utf8"},
    {"large_utf8", s_lutf8, f_strings, {"\"a\\\"b\"", "null", "\"\xc3\xa9\"", "\"\"", "\"tab\\there\"", NULL},
     "large_utf8"},
    {"binary", s_bin, f_bin, {"\"DEAD\"", "null", "\"\"", NULL}, "binary"},
    {"large_binary", s_lbin, f_bin, {"\"DEAD\"", "null", "\"\"", NULL}, "large_binary"},
    {"fixed_size_binary", s_fsb, f_fsb, {"\"01FF\"", "null", "\"4142\"", NULL}, "fixed_size_binary[2]"},
    {"list", s_list, f_list, {"[1,2]", "null", "[]", "[null,3]", NULL}, "list<item: int32>"},
    {"large_list", s_llist, f_llist, {"[\"x\"]", "null", "[\"y\",\"z\"]", NULL}, "large_list<item: utf8>"},
    {"fixed_size_list", s_fsl, f_fsl, {"[1,2]", "null", "[null,4]", NULL}, "fixed_size_list<item: int16>[2]"},
    {"struct", s_struct, f_struct, {"{\"a\":1,\"b\":\"x\"}", "null", "{\"a\":null,\"b\":\"y\"}", NULL},
     "struct<a: int32, b: utf8>"},
    {"map", s_map, f_map, {"[[\"k\",1],[\"j\",null]]", "null", "[]", NULL},
     "map<entries: struct<key: utf8 not null, value: int32> not null>"},
    {"sparse_union", s_sunion, f_union, {"1", "\"x\"", "null", "null", "2", NULL},
     "sparse_union<i: int32=5, s: utf8=7>"},
    {"dense_union", s_dunion, f_union, {"1", "\"x\"", "null", "null", "2", NULL},
     "dense_union<i: int32=5, s: utf8=7>"},
    {"dictionary", s_dict, f_dict, {"\"a\"", "\"b\"", "\"a\"", "null", "\"\"", "\"b\"", NULL},
     "dictionary<values=utf8, indices=int16>"},
    {"dictionary_int64", s_dict_i64, f_dict_i64, {"10", "-3", "10", "null", NULL},
     "dictionary<values=int64, indices=uint8>"},
    {"null", s_null, f_null, {"null", "null", "null", NULL}, "null"},
    {"list_struct_dict_fsl", s_nest1, f_nest1,
     {"[{\"d\":\"x\",\"f\":[true,false]},null]", "null",
      "[{\"d\":\"y\",\"f\":null},{\"d\":\"x\",\"f\":[null,true]}]", NULL},
     "list<item: struct<d: dictionary<values=utf8, indices=int8>, f: fixed_size_list<item: bool>[2]>>"},
    {"dense_union_nested", s_nest2, f_nest2, {"{\"x\":7}", "[-1]", "null", "null", NULL},
     "dense_union<l: list<item: int8>=3, s: struct<x: int32>=1>"},
    {"dictionary_list", s_dict_list, f_dict_list, {"[1,2]", "null", "[1,2]", "[]", "[null]", "[]", NULL},
     "dictionary<values=list<item: int32>, indices=int8>"},
    {"dictionary_struct", s_dict_struct, f_dict_struct,
     {"{\"a\":1,\"b\":\"x\"}", "{\"a\":1,\"b\":\"y\"}", "{\"a\":1,\"b\":\"x\"}", "null",
      "{\"a\":null,\"b\":null}", "{\"a\":null,\"b\":null}", NULL},
     "dictionary<values=struct<a: int32, b: utf8>, indices=uint16>"},
};

static inline int64_t expected_rows(const tcase *tc)
{
    int64_t n = 0;
    while (n < 8 && tc->json[n]) n++;
    return n;
}


static inline arrow_array *build(const tcase *tc, const arrow_field *f)
{
    arrow_builder *b = arrow_builder_new(f);
    assert_non_null(b);
    tc->fill(b);
    aphx_error err = {0};
    arrow_array *a = arrow_builder_finish(b, &err);
    if (!a) fail_msg("%s: finish failed: %s", tc->name, err.msg);
    assert_int_equal(arrow_builder_length(b), 0);
    arrow_builder_free(b);
    return a;
}

#endif
