/*
 * test_types.c — every Arrow type through builder -> validate -> format
 * (JSON and human) -> equal, plus slices of each (including bool and nested
 * slices), dictionary deduplication, builder fault injection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
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

static void child_init(arrow_field *f, int i, const char *name, arrow_type_id id)
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
};

static int64_t expected_rows(const tcase *tc)
{
    int64_t n = 0;
    while (n < 8 && tc->json[n]) n++;
    return n;
}

static arrow_array *build(const tcase *tc, const arrow_field *f)
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

static void check_json(const tcase *tc, const arrow_field *f, const arrow_array *a,
                       int64_t first_row)
{
    aphx_buf out;
    aphx_buf_init(&out);
    for (int64_t i = 0; i < a->length; i++) {
        aphx_buf_reset(&out);
        arrow_array_format_json(f, a, i, &out);
        const char *want = tc->json[first_row + i];
        if (!want || strcmp(out.data, want) != 0)
            fail_msg("%s row %lld: got %s, want %s", tc->name, (long long)(first_row + i),
                     out.data, want ? want : "(nothing)");
    }
    aphx_buf_free(&out);
}

static void test_all_types(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        arrow_field f;
        tc->setup(&f);
        aphx_buf tb;
        aphx_buf_init(&tb);
        arrow_field_format_type(&f, &tb);
        if (strcmp(tb.data, tc->type) != 0) fail_msg("%s: type %s, want %s", tc->name, tb.data, tc->type);
        aphx_buf_free(&tb);

        arrow_array *a = build(tc, &f);
        int64_t n = expected_rows(tc);
        if (tc->fill == f_bool) n = 13;
        assert_int_equal(a->length, n);
        aphx_error err = {0};
        if (arrow_array_validate(&f, a, true, &err)) fail_msg("%s: %s", tc->name, err.msg);
        if (tc->fill != f_bool) check_json(tc, &f, a, 0);

        /* equal to a second build; slices equal and render as the original */
        arrow_array *a2 = build(tc, &f);
        aphx_buf msg;
        aphx_buf_init(&msg);
        if (!arrow_array_equal(&f, a, a2, &msg)) fail_msg("%s: not equal: %s", tc->name, msg.data);
        for (int64_t off = 0; off <= n; off++) {
            for (int64_t len = 0; off + len <= n; len++) {
                arrow_array *s = arrow_array_slice(a, off, len);
                arrow_array *s2 = arrow_array_slice(a2, off, len);
                assert_non_null(s);
                if (arrow_array_validate(&f, s, true, &err)) fail_msg("%s slice: %s", tc->name, err.msg);
                if (tc->fill != f_bool) check_json(tc, &f, s, off);
                assert_true(arrow_array_equal(&f, s, s2, NULL));
                for (int64_t i = 0; i < len; i++)
                    assert_int_equal(arrow_array_is_null(&f, s, i), arrow_array_is_null(&f, a, off + i));
                /* a slice of a slice */
                if (len > 1) {
                    arrow_array *ss = arrow_array_slice(s, 1, len - 1);
                    arrow_array *direct = arrow_array_slice(a, off + 1, len - 1);
                    assert_true(arrow_array_equal(&f, ss, direct, NULL));
                    arrow_array_unref(ss);
                    arrow_array_unref(direct);
                }
                /* shifted slices differ unless the values happen to repeat */
                arrow_array_unref(s);
                arrow_array_unref(s2);
            }
        }
        /* human rendering never crashes and names nulls */
        for (int64_t i = 0; i < n; i++) {
            aphx_buf_reset(&msg);
            arrow_array_format_value(&f, a, i, false, &msg);
            assert_true(msg.len > 0 || tc->fill == f_strings || tc->fill == f_bin || tc->fill == f_dict);
        }
        aphx_buf_free(&msg);
        arrow_array_unref(a2);
        arrow_array_unref(a);
        arrow_field_free(&f);
    }
}

static void test_bool_slices(void **state)
{
    (void)state;
    arrow_field f;
    OK(arrow_field_init(&f, "b", ARROW_BOOL, true));
    arrow_builder *b = arrow_builder_new(&f);
    bool vals[70];
    for (int i = 0; i < 70; i++) {
        vals[i] = (i * 7) % 5 < 2;
        if (i % 11 == 4) OK(arrow_builder_append_null(b));
        else OK(arrow_builder_append_bool(b, vals[i]));
    }
    arrow_array *a = arrow_builder_finish(b, NULL);
    assert_int_equal(a->null_count, 6);
    aphx_buf out;
    aphx_buf_init(&out);
    for (int off = 0; off < 70; off += 3) {
        arrow_array *s = arrow_array_slice(a, off, 70 - off);
        int64_t nulls = 0;
        for (int i = off; i < 70; i++) nulls += i % 11 == 4;
        assert_int_equal(arrow_array_null_count(s), nulls);
        for (int i = off; i < 70; i++) {
            aphx_buf_reset(&out);
            arrow_array_format_json(&f, s, i - off, &out);
            assert_string_equal(out.data, i % 11 == 4 ? "null" : vals[i] ? "true" : "false");
        }
        arrow_array_unref(s);
    }
    aphx_buf_free(&out);
    arrow_array_unref(a);
    arrow_builder_free(b);
    arrow_field_free(&f);
}

static void test_human_format(void **state)
{
    (void)state;
    struct { size_t k; int64_t row; const char *want; } spots[] = {
        {14, 0, "2024-02-29"}, {14, 2, "1969-12-31"}, {15, 0, "2024-02-29"},
        {16, 0, "13:45:00.500"}, {17, 0, "13:45:00.000000001"},
        {18, 0, "2024-02-29 13:45:00.123456 UTC"}, {18, 2, "1969-12-31 23:59:59.999999 UTC"},
        {19, 0, "15ms"}, {20, 0, "3M"}, {21, 0, "2d 15ms"}, {22, 0, "1M 2d 3ns"},
        {23, 0, "a\"b"}, {25, 0, "DEAD"}, {28, 3, "[null, 3]"}, {31, 0, "{a: 1, b: \"x\"}"},
        {32, 0, "{\"k\": 1, \"j\": null}"}, {12, 0, "-123.45"}, {35, 1, "b"},
    };
    for (size_t s = 0; s < APHX_ARRAY_LEN(spots); s++) {
        const tcase *tc = &cases[spots[s].k];
        arrow_field f;
        tc->setup(&f);
        arrow_array *a = build(tc, &f);
        aphx_buf out;
        aphx_buf_init(&out);
        arrow_array_format_value(&f, a, spots[s].row, false, &out);
        if (strcmp(out.data, spots[s].want) != 0)
            fail_msg("%s row %lld: got '%s', want '%s'", tc->name, (long long)spots[s].row, out.data,
                     spots[s].want);
        aphx_buf_free(&out);
        arrow_array_unref(a);
        arrow_field_free(&f);
    }
}

static void test_inequality_messages(void **state)
{
    (void)state;
    arrow_field f;
    s_struct(&f);
    arrow_builder *b = arrow_builder_new(&f);
    f_struct(b);
    arrow_array *a = arrow_builder_finish(b, NULL);
    OK(arrow_builder_append_int(arrow_builder_child(b, 0), 1));
    OK(arrow_builder_append_bytes(arrow_builder_child(b, 1), "x", 1));
    OK(arrow_builder_append_valid(b));
    OK(arrow_builder_append_null(b));
    OK(arrow_builder_append_int(arrow_builder_child(b, 0), 9));
    OK(arrow_builder_append_bytes(arrow_builder_child(b, 1), "y", 1));
    OK(arrow_builder_append_valid(b));
    arrow_array *c = arrow_builder_finish(b, NULL);
    aphx_buf msg;
    aphx_buf_init(&msg);
    assert_false(arrow_array_equal(&f, a, c, &msg));
    assert_string_equal(msg.data, "index 2: {a: null, b: \"y\"} vs {a: 9, b: \"y\"}");
    aphx_buf_free(&msg);
    /* the dictionary of different arrays compares decoded values */
    arrow_array_unref(a);
    arrow_array_unref(c);
    arrow_builder_free(b);
    arrow_field_free(&f);

    arrow_field d;
    s_dict(&d);
    arrow_builder *db = arrow_builder_new(&d);
    OK(arrow_builder_append_bytes(db, "b", 1)); OK(arrow_builder_append_bytes(db, "a", 1));
    arrow_array *x = arrow_builder_finish(db, NULL);
    OK(arrow_builder_append_bytes(db, "a", 1)); OK(arrow_builder_append_bytes(db, "b", 1));
    arrow_array *y = arrow_builder_finish(db, NULL);
    arrow_array *ys = arrow_array_slice(y, 1, 1);
    arrow_array *xs = arrow_array_slice(x, 0, 1);
    assert_true(arrow_array_equal(&d, xs, ys, NULL));
    assert_int_equal(x->dictionary->length, 2);
    assert_false(arrow_array_equal(&d, x, y, NULL));
    arrow_array_unref(xs);
    arrow_array_unref(ys);
    arrow_array_unref(x);
    arrow_array_unref(y);
    arrow_builder_free(db);
    arrow_field_free(&d);
}

static void test_builder_errors(void **state)
{
    (void)state;
    arrow_field f;
    s_struct(&f);
    arrow_builder *b = arrow_builder_new(&f);
    OK(arrow_builder_append_int(arrow_builder_child(b, 0), 1));
    OK(arrow_builder_append_valid(b));   /* child 'b' got nothing */
    aphx_error err = {0};
    assert_null(arrow_builder_finish(b, &err));
    assert_int_equal(err.code, APHX_INVALID);
    assert_non_null(strstr(err.msg, "child 'b'"));
    assert_int_equal(arrow_builder_append_bool(b, true), APHX_INVALID);
    arrow_builder_free(b);
    arrow_field_free(&f);

    /* dictionary index overflow: int8 indices hold 128 distinct values */
    arrow_field d;
    OK(arrow_field_init(&d, "d", ARROW_INT32, true));
    d.dict = aphx_calloc(1, sizeof *d.dict);
    d.dict->index_type = ARROW_INT8;
    arrow_builder *db = arrow_builder_new(&d);
    for (int i = 0; i < 128; i++) OK(arrow_builder_append_int(db, i));
    assert_int_equal(arrow_builder_append_int(db, 128), APHX_RANGE);
    OK(arrow_builder_append_int(db, 127));
    arrow_array *a = arrow_builder_finish(db, NULL);
    assert_int_equal(a->length, 129);
    assert_int_equal(a->dictionary->length, 128);
    OK(arrow_array_validate(&d, a, true, NULL));
    arrow_array_unref(a);
    arrow_builder_free(db);
    arrow_field_free(&d);
}

/* Every allocation during building and finishing fails in turn. */
static void test_builder_fault_injection(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        arrow_field f;
        tc->setup(&f);
        arrow_array *want = build(tc, &f);
        for (int64_t n = 1;; n++) {
            arrow_builder *b = arrow_builder_new(&f);
            assert_non_null(b);
            tc->fill(b);
            aphx_error err = {0};
            aphx_alloc_fail_countdown = n;
            arrow_array *a = arrow_builder_finish(b, &err);
            bool exhausted = aphx_alloc_fail_countdown > 0;
            aphx_alloc_fail_countdown = 0;
            if (a) {
                assert_true(exhausted);
                assert_true(arrow_array_equal(&f, a, want, NULL));
                arrow_array_unref(a);
                arrow_builder_free(b);
                break;
            }
            assert_int_equal(err.code, APHX_NOMEM);
            /* the builder is intact: finishing again works */
            a = arrow_builder_finish(b, NULL);
            assert_non_null(a);
            assert_true(arrow_array_equal(&f, a, want, NULL));
            arrow_array_unref(a);
            arrow_builder_free(b);
        }
        /* appends failing midway: the builder reports NOMEM, no leaks */
        for (int64_t n = 1; n < 40; n++) {
            aphx_alloc_fail_countdown = n;
            arrow_builder *b = arrow_builder_new(&f);
            if (b) {
                arrow_builder_append_null(b);
                arrow_builder_append_int(b, 1);
                arrow_builder_append_bytes(b, "ab", 2);
                arrow_builder_append_valid(b);
                arrow_array *a = arrow_builder_finish(b, NULL);
                arrow_array_unref(a);
            }
            aphx_alloc_fail_countdown = 0;
            arrow_builder_free(b);
        }
        arrow_array_unref(want);
        arrow_field_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_types),
        cmocka_unit_test(test_bool_slices),
        cmocka_unit_test(test_human_format),
        cmocka_unit_test(test_inequality_messages),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_builder_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
