/*
 * test_json_integration.c — unit tests of arrow_json_read (the Arrow
 * integration-JSON reader, src/arrow/json_integration.c): the JSON grammar
 * it refuses, and the exact buffers it builds for each kind of column
 * (validity, 64-bit ints as strings, decimals, half floats, strings with
 * escapes, binary hex, intervals, unions, dictionaries), plus the errors
 * that name what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arrow/arrow.h"

#include <string.h>

/* A parsed document: schema, batches and the error of the last read. */
typedef struct doc {
    arrow_schema  schema;
    arrow_batch **batches;
    int64_t       n_batches;
    aphx_error    err;
} doc;

static aphx_rc doc_read(doc *d, const char *text)
{
    memset(d, 0, sizeof *d);
    return arrow_json_read(text, strlen(text), &d->schema, &d->batches, &d->n_batches, &d->err);
}

static void doc_free(doc *d)
{
    arrow_json_batches_free(d->batches, d->n_batches);
    arrow_schema_free(&d->schema);
}

/* One-column document: field JSON + column JSON (count is given). */
static aphx_rc doc_read1(doc *d, const char *field, int count, const char *column)
{
    char text[8192];
    snprintf(text, sizeof text,
             "{\"schema\":{\"fields\":[%s]},\"batches\":[{\"count\":%d,\"columns\":[%s]}]}",
             field, count, column);
    return doc_read(d, text);
}

static void test_json_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "{\"schema\":}",
        "{\"a\":1,}",
        "[1,2,]",
        "{\"a\":\"unterminated}",
        "{\"a\":\"bad \\q escape\"}",
        "{\"a\":\"lone \\ud800 surrogate\"}",
        "{\"a\":\"\xC3\x28 invalid utf8\"}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":tru}",
        "{} extra",
        "{\"a\":\"ctl\x01\"}",
    };
    for (size_t i = 0; i < APHX_ARRAY_LEN(bad); i++) {
        doc d;
        aphx_rc rc = doc_read(&d, bad[i]);
        assert_int_equal(rc, APHX_SYNTAX);
        assert_non_null(strstr(d.err.msg, "JSON"));
        assert_null(d.batches);
        assert_int_equal(d.schema.n_fields, 0);
    }
    /* Nesting deeper than the parser allows. */
    char deep[2000];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    deep[1200] = '\0';
    doc d;
    assert_int_equal(doc_read(&d, deep), APHX_SYNTAX);
    assert_non_null(strstr(d.err.msg, "deep"));
}

static void test_json_int_columns(void **state)
{
    (void)state;
    doc d;
    aphx_rc rc = doc_read(&d,
        "{\"schema\":{\"fields\":["
        "{\"name\":\"i32\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":32},\"children\":[]},"
        "{\"name\":\"u64\",\"nullable\":false,\"type\":{\"name\":\"int\",\"isSigned\":false,\"bitWidth\":64},\"children\":[]}],"
        "\"metadata\":[{\"key\":\"k\",\"value\":\"v\"}]},"
        "\"batches\":[{\"count\":3,\"columns\":["
        "{\"name\":\"i32\",\"count\":3,\"VALIDITY\":[1,0,1],\"DATA\":[-2147483648,7,2147483647]},"
        "{\"name\":\"u64\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"0\",\"1\",\"18446744073709551615\"]}]}]}");
    assert_int_equal(rc, APHX_OK);
    assert_int_equal(d.schema.n_fields, 2);
    assert_int_equal(d.schema.fields[0].type.id, ARROW_INT32);
    assert_int_equal(d.schema.fields[1].type.id, ARROW_UINT64);
    assert_false(d.schema.fields[1].nullable);
    assert_int_equal(d.schema.metadata.count, 1);
    assert_string_equal(d.schema.metadata.items[0].key, "k");
    assert_int_equal(d.n_batches, 1);
    arrow_array *a = d.batches[0]->columns[0];
    assert_int_equal(a->length, 3);
    assert_int_equal(a->null_count, 1);
    assert_non_null(a->buffers[0]);
    assert_false(arrow_bit_get(a->buffers[0]->data, 1));
    const int32_t *v = (const int32_t *)a->buffers[1]->data;
    assert_int_equal(v[0], INT32_MIN);
    assert_int_equal(v[2], INT32_MAX);
    arrow_array *u = d.batches[0]->columns[1];
    assert_int_equal(u->null_count, 0);
    assert_null(u->buffers[0]);   /* no nulls: no bitmap */
    assert_true(((const uint64_t *)u->buffers[1]->data)[2] == UINT64_MAX);
    aphx_error err = {0};
    assert_int_equal(arrow_batch_validate(d.batches[0], true, &err), APHX_OK);
    doc_free(&d);

    /* Out of range for the width, with the place named. */
    rc = doc_read1(&d,
        "{\"name\":\"x\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":8},\"children\":[]}",
        2, "{\"name\":\"x\",\"count\":2,\"VALIDITY\":[1,1],\"DATA\":[1,128]}");
    assert_int_equal(rc, APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "batch 0"));
    assert_non_null(strstr(d.err.msg, "DATA[1]"));

    /* DATA shorter than count. */
    rc = doc_read1(&d,
        "{\"name\":\"x\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":8},\"children\":[]}",
        2, "{\"name\":\"x\",\"count\":2,\"VALIDITY\":[1,1],\"DATA\":[1]}");
    assert_int_equal(rc, APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "'DATA' has 1 entries, expected 2"));
}

static void test_json_decimal_and_floats(void **state)
{
    (void)state;
    doc d;
    aphx_rc rc = doc_read(&d,
        "{\"schema\":{\"fields\":["
        "{\"name\":\"d\",\"nullable\":true,\"type\":{\"name\":\"decimal\",\"precision\":38,\"scale\":2},\"children\":[]},"
        "{\"name\":\"h\",\"nullable\":true,\"type\":{\"name\":\"floatingpoint\",\"precision\":\"HALF\"},\"children\":[]},"
        "{\"name\":\"f\",\"nullable\":true,\"type\":{\"name\":\"floatingpoint\",\"precision\":\"SINGLE\"},\"children\":[]}]},"
        "\"batches\":[{\"count\":3,\"columns\":["
        "{\"name\":\"d\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"-1\",\"170141183460469231731687303715884105727\",\"-170141183460469231731687303715884105728\"]},"
        "{\"name\":\"h\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[1.0,65504,-2.5]},"
        "{\"name\":\"f\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[1.5,-1187.264,1e10]}]}]}");
    assert_int_equal(rc, APHX_OK);
    assert_int_equal(d.schema.fields[0].type.id, ARROW_DECIMAL128);
    assert_int_equal(d.schema.fields[0].type.precision, 38);
    assert_int_equal(d.schema.fields[0].type.scale, 2);
    const uint8_t *dec = d.batches[0]->columns[0]->buffers[1]->data;
    for (int i = 0; i < 16; i++) assert_int_equal(dec[i], 0xFF);            /* -1 */
    for (int i = 0; i < 15; i++) assert_int_equal(dec[16 + i], 0xFF);       /* 2^127-1 */
    assert_int_equal(dec[31], 0x7F);
    for (int i = 0; i < 15; i++) assert_int_equal(dec[32 + i], 0x00);       /* -2^127 */
    assert_int_equal(dec[47], 0x80);
    const uint16_t *h = (const uint16_t *)d.batches[0]->columns[1]->buffers[1]->data;
    assert_int_equal(h[0], 0x3C00);
    assert_int_equal(h[1], 0x7BFF);
    assert_int_equal(h[2], 0xC100);
    const float *f = (const float *)d.batches[0]->columns[2]->buffers[1]->data;
    assert_true(f[0] == 1.5f);
    assert_true(f[1] == -1187.264f);
    assert_true(f[2] == 1e10f);
    doc_free(&d);

    /* 2^127 does not fit a decimal128. */
    rc = doc_read1(&d,
        "{\"name\":\"d\",\"nullable\":true,\"type\":{\"name\":\"decimal\",\"precision\":38,\"scale\":0},\"children\":[]}",
        1, "{\"name\":\"d\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[\"170141183460469231731687303715884105728\"]}");
    assert_int_equal(rc, APHX_CORRUPT);

    /* decimal256 via bitWidth. */
    rc = doc_read1(&d,
        "{\"name\":\"d\",\"nullable\":true,\"type\":{\"name\":\"decimal\",\"precision\":76,\"scale\":0,\"bitWidth\":256},\"children\":[]}",
        1, "{\"name\":\"d\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[\"-2\"]}");
    assert_int_equal(rc, APHX_OK);
    assert_int_equal(d.schema.fields[0].type.id, ARROW_DECIMAL256);
    const uint8_t *d256 = d.batches[0]->columns[0]->buffers[1]->data;
    assert_int_equal(d256[0], 0xFE);
    assert_int_equal(d256[31], 0xFF);
    doc_free(&d);
}

static void test_json_strings_and_binary(void **state)
{
    (void)state;
    doc d;
    aphx_rc rc = doc_read(&d,
        "{\"schema\":{\"fields\":["
        "{\"name\":\"s\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[]},"
        "{\"name\":\"b\",\"nullable\":true,\"type\":{\"name\":\"largebinary\"},\"children\":[]},"
        "{\"name\":\"fsb\",\"nullable\":true,\"type\":{\"name\":\"fixedsizebinary\",\"byteWidth\":2},\"children\":[]}]},"
        "\"batches\":[{\"count\":3,\"columns\":["
        "{\"name\":\"s\",\"count\":3,\"VALIDITY\":[1,0,1],\"OFFSET\":[0,3,3,10],\"DATA\":[\"a\\u00a3\",\"\",\"\\ud83d\\ude00\\n\\\"\\\\\"]},"
        "{\"name\":\"b\",\"count\":3,\"VALIDITY\":[1,1,1],\"OFFSET\":[\"0\",\"2\",\"2\",\"3\"],\"DATA\":[\"C12e\",\"\",\"00\"]},"
        "{\"name\":\"fsb\",\"count\":3,\"VALIDITY\":[1,1,0],\"DATA\":[\"ABCD\",\"0000\",\"FFFF\"]}]}]}");
    assert_int_equal(rc, APHX_OK);
    arrow_array *s = d.batches[0]->columns[0];
    const int32_t *so = (const int32_t *)s->buffers[1]->data;
    assert_int_equal(so[3], 10);
    assert_memory_equal(s->buffers[2]->data, "a\xC2\xA3\xF0\x9F\x98\x80\n\"\\", 10);
    arrow_array *b = d.batches[0]->columns[1];
    assert_int_equal(((const int64_t *)b->buffers[1]->data)[3], 3);
    assert_memory_equal(b->buffers[2]->data, "\xC1\x2E\x00", 3);
    arrow_array *fsb = d.batches[0]->columns[2];
    assert_memory_equal(fsb->buffers[1]->data, "\xAB\xCD\x00\x00\xFF\xFF", 6);
    assert_int_equal(fsb->null_count, 1);
    aphx_error err = {0};
    assert_int_equal(arrow_batch_validate(d.batches[0], true, &err), APHX_OK);
    doc_free(&d);

    /* Offsets need not start at zero (a sliced array): values are laid out
     * where the offsets say, the bytes before the first offset are zero. */
    rc = doc_read1(&d, "{\"name\":\"s\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[]}",
                   3, "{\"name\":\"s\",\"count\":3,\"VALIDITY\":[1,0,1],\"OFFSET\":[5,6,6,9],\"DATA\":[\"a\",\"\",\"b\\u00e9\"]}");
    assert_int_equal(rc, APHX_OK);
    s = d.batches[0]->columns[0];
    assert_int_equal(((const int32_t *)s->buffers[1]->data)[0], 5);
    assert_int_equal(s->buffers[2]->size, 9);
    assert_memory_equal(s->buffers[2]->data, "\0\0\0\0\0ab\xC3\xA9", 9);
    assert_int_equal(arrow_batch_validate(d.batches[0], true, &err), APHX_OK);
    doc_free(&d);

    /* A value whose length disagrees with its offsets. */
    rc = doc_read1(&d, "{\"name\":\"s\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[]}",
                   1, "{\"name\":\"s\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[0,2],\"DATA\":[\"abc\"]}");
    assert_int_equal(rc, APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "offsets"));

    /* Decreasing offsets. */
    rc = doc_read1(&d, "{\"name\":\"s\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[]}",
                   2, "{\"name\":\"s\",\"count\":2,\"VALIDITY\":[1,1],\"OFFSET\":[0,2,1],\"DATA\":[\"ab\",\"\"]}");
    assert_int_equal(rc, APHX_CORRUPT);

    /* An absurd offset does not make us allocate it. */
    rc = doc_read1(&d, "{\"name\":\"s\",\"nullable\":true,\"type\":{\"name\":\"binary\"},\"children\":[]}",
                   1, "{\"name\":\"s\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[2000000000,2000000000],\"DATA\":[\"\"]}");
    assert_int_equal(rc, APHX_CORRUPT);
}

static void test_json_intervals_and_time(void **state)
{
    (void)state;
    doc d;
    aphx_rc rc = doc_read(&d,
        "{\"schema\":{\"fields\":["
        "{\"name\":\"dt\",\"nullable\":true,\"type\":{\"name\":\"interval\",\"unit\":\"DAY_TIME\"},\"children\":[]},"
        "{\"name\":\"mdn\",\"nullable\":true,\"type\":{\"name\":\"interval\",\"unit\":\"MONTH_DAY_NANO\"},\"children\":[]},"
        "{\"name\":\"ts\",\"nullable\":true,\"type\":{\"name\":\"timestamp\",\"unit\":\"NANOSECOND\",\"timezone\":\"UTC\"},\"children\":[]},"
        "{\"name\":\"t\",\"nullable\":true,\"type\":{\"name\":\"time\",\"unit\":\"MILLISECOND\",\"bitWidth\":32},\"children\":[]}]},"
        "\"batches\":[{\"count\":1,\"columns\":["
        "{\"name\":\"dt\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[{\"days\":-3,\"milliseconds\":500}]},"
        "{\"name\":\"mdn\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[{\"months\":2,\"days\":-1,\"nanoseconds\":\"-9223372036854775808\"}]},"
        "{\"name\":\"ts\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[\"1700000000000000000\"]},"
        "{\"name\":\"t\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[86399999]}]}]}");
    assert_int_equal(rc, APHX_OK);
    assert_int_equal(d.schema.fields[2].type.id, ARROW_TIMESTAMP);
    assert_int_equal(d.schema.fields[2].type.unit, ARROW_NANO);
    assert_string_equal(d.schema.fields[2].type.timezone, "UTC");
    assert_int_equal(d.schema.fields[3].type.id, ARROW_TIME32);
    const int32_t *dt = (const int32_t *)d.batches[0]->columns[0]->buffers[1]->data;
    assert_int_equal(dt[0], -3);
    assert_int_equal(dt[1], 500);
    const uint8_t *mdn = d.batches[0]->columns[1]->buffers[1]->data;
    int32_t md[2];
    int64_t ns;
    memcpy(md, mdn, 8);
    memcpy(&ns, mdn + 8, 8);
    assert_int_equal(md[0], 2);
    assert_int_equal(md[1], -1);
    assert_true(ns == INT64_MIN);
    doc_free(&d);

    /* time32 with a 64-bit unit is refused. */
    rc = doc_read1(&d,
        "{\"name\":\"t\",\"nullable\":true,\"type\":{\"name\":\"time\",\"unit\":\"NANOSECOND\",\"bitWidth\":32},\"children\":[]}",
        0, "{\"name\":\"t\",\"count\":0,\"VALIDITY\":[],\"DATA\":[]}");
    assert_int_equal(rc, APHX_CORRUPT);
}

static void test_json_nested_and_union(void **state)
{
    (void)state;
    doc d;
    aphx_rc rc = doc_read(&d,
        "{\"schema\":{\"fields\":["
        "{\"name\":\"l\",\"nullable\":true,\"type\":{\"name\":\"list\"},\"children\":["
        "  {\"name\":\"item\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":16},\"children\":[]}]},"
        "{\"name\":\"u\",\"nullable\":true,\"type\":{\"name\":\"union\",\"mode\":\"DENSE\",\"typeIds\":[42,43]},\"children\":["
        "  {\"name\":\"a\",\"nullable\":true,\"type\":{\"name\":\"bool\"},\"children\":[]},"
        "  {\"name\":\"b\",\"nullable\":true,\"type\":{\"name\":\"null\"},\"children\":[]}]}]},"
        "\"batches\":[{\"count\":3,\"columns\":["
        "{\"name\":\"l\",\"count\":3,\"VALIDITY\":[1,0,1],\"OFFSET\":[0,2,2,3],\"children\":["
        "  {\"name\":\"item\",\"count\":3,\"VALIDITY\":[1,1,0],\"DATA\":[1,2,3]}]},"
        "{\"name\":\"u\",\"count\":3,\"TYPE_ID\":[42,43,42],\"OFFSET\":[0,0,1],\"children\":["
        "  {\"name\":\"a\",\"count\":2,\"VALIDITY\":[1,1],\"DATA\":[true,0]},"
        "  {\"name\":\"b\",\"count\":1}]}]}]}");
    assert_int_equal(rc, APHX_OK);
    const arrow_field *uf = &d.schema.fields[1];
    assert_int_equal(uf->type.id, ARROW_DENSE_UNION);
    assert_int_equal(uf->type.type_codes[0], 42);
    assert_int_equal(uf->type.type_codes[1], 43);
    arrow_array *l = d.batches[0]->columns[0];
    assert_int_equal(l->children[0]->length, 3);
    assert_int_equal(l->children[0]->null_count, 1);
    arrow_array *u = d.batches[0]->columns[1];
    assert_int_equal(((const int8_t *)u->buffers[0]->data)[1], 43);
    assert_int_equal(((const int32_t *)u->buffers[1]->data)[2], 1);
    assert_int_equal(u->children[1]->null_count, 1);
    assert_true(arrow_bit_get(u->children[0]->buffers[1]->data, 0));
    assert_false(arrow_bit_get(u->children[0]->buffers[1]->data, 1));
    aphx_error err = {0};
    assert_int_equal(arrow_batch_validate(d.batches[0], true, &err), APHX_OK);
    doc_free(&d);

    /* A union type id that is not one of the codes. */
    rc = doc_read1(&d,
        "{\"name\":\"u\",\"nullable\":true,\"type\":{\"name\":\"union\",\"mode\":\"SPARSE\",\"typeIds\":[5]},\"children\":["
        "  {\"name\":\"a\",\"nullable\":true,\"type\":{\"name\":\"null\"},\"children\":[]}]}",
        1, "{\"name\":\"u\",\"count\":1,\"TYPE_ID\":[6],\"children\":[{\"name\":\"a\",\"count\":1}]}");
    assert_int_equal(rc, APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "TYPE_ID[0]"));

    /* A list offset past the child. */
    rc = doc_read1(&d,
        "{\"name\":\"l\",\"nullable\":true,\"type\":{\"name\":\"list\"},\"children\":["
        "  {\"name\":\"item\",\"nullable\":true,\"type\":{\"name\":\"null\"},\"children\":[]}]}",
        1, "{\"name\":\"l\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[0,5],\"children\":[{\"name\":\"item\",\"count\":2}]}");
    assert_int_equal(rc, APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "past the child"));
}

static void test_json_dictionaries(void **state)
{
    (void)state;
    doc d;
    const char *fields =
        "{\"schema\":{\"fields\":["
        "{\"name\":\"c1\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[],"
        "  \"dictionary\":{\"id\":7,\"indexType\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":16},\"isOrdered\":true}},"
        "{\"name\":\"c2\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[],"
        "  \"dictionary\":{\"id\":7,\"indexType\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":16},\"isOrdered\":true}}]},";
    char text[4096];
    snprintf(text, sizeof text, "%s%s", fields,
             "\"dictionaries\":[{\"id\":7,\"data\":{\"count\":2,\"columns\":["
             "  {\"name\":\"DICT7\",\"count\":2,\"VALIDITY\":[1,1],\"OFFSET\":[0,3,6],\"DATA\":[\"foo\",\"bar\"]}]}}],"
             "\"batches\":[{\"count\":2,\"columns\":["
             "  {\"name\":\"c1\",\"count\":2,\"VALIDITY\":[1,1],\"DATA\":[0,1]},"
             "  {\"name\":\"c2\",\"count\":2,\"VALIDITY\":[0,1],\"DATA\":[99,1]}]}]}");
    aphx_rc rc = doc_read(&d, text);
    assert_int_equal(rc, APHX_OK);
    const arrow_field *f = &d.schema.fields[0];
    assert_non_null(f->dict);
    assert_int_equal(f->dict->id, 7);
    assert_int_equal(f->dict->index_type, ARROW_INT16);
    assert_true(f->dict->ordered);
    assert_int_equal(f->type.id, ARROW_UTF8);
    arrow_array *c1 = d.batches[0]->columns[0], *c2 = d.batches[0]->columns[1];
    assert_non_null(c1->dictionary);
    assert_ptr_equal(c1->dictionary, c2->dictionary);   /* shared id, shared array */
    assert_int_equal(c1->dictionary->length, 2);
    assert_int_equal(c2->null_count, 1);   /* index 99 sits behind a null: fine */
    aphx_error err = {0};
    assert_int_equal(arrow_batch_validate(d.batches[0], true, &err), APHX_OK);
    doc_free(&d);

    /* Index out of range for a valid slot. */
    snprintf(text, sizeof text, "%s%s", fields,
             "\"dictionaries\":[{\"id\":7,\"data\":{\"count\":1,\"columns\":["
             "  {\"name\":\"DICT7\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[0,3],\"DATA\":[\"foo\"]}]}}],"
             "\"batches\":[{\"count\":1,\"columns\":["
             "  {\"name\":\"c1\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[0]},"
             "  {\"name\":\"c2\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[1]}]}]}");
    assert_int_equal(doc_read(&d, text), APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "outside the dictionary"));

    /* The same id twice. */
    snprintf(text, sizeof text, "%s%s", fields,
             "\"dictionaries\":[{\"id\":7,\"data\":{\"count\":0,\"columns\":[{\"name\":\"D\",\"count\":0,\"VALIDITY\":[],\"OFFSET\":[0],\"DATA\":[]}]}},"
             "{\"id\":7,\"data\":{\"count\":0,\"columns\":[{\"name\":\"D\",\"count\":0,\"VALIDITY\":[],\"OFFSET\":[0],\"DATA\":[]}]}}],"
             "\"batches\":[]}");
    assert_int_equal(doc_read(&d, text), APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "appears twice"));

    /* Missing dictionary. */
    snprintf(text, sizeof text, "%s%s", fields,
             "\"batches\":[{\"count\":1,\"columns\":["
             "  {\"name\":\"c1\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[0]},"
             "  {\"name\":\"c2\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[0]}]}]}");
    assert_int_equal(doc_read(&d, text), APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "dictionary id 7"));
}

static void test_json_schema_errors(void **state)
{
    (void)state;
    doc d;
    assert_int_equal(doc_read1(&d, "{\"name\":\"v\",\"nullable\":true,\"type\":{\"name\":\"utf8view\"},\"children\":[]}",
                               0, "{\"name\":\"v\",\"count\":0}"),
                     APHX_UNSUPPORTED);
    assert_non_null(strstr(d.err.msg, "not supported yet"));
    assert_int_equal(doc_read1(&d, "{\"name\":\"v\",\"nullable\":true,\"type\":{\"name\":\"wat\"},\"children\":[]}",
                               0, "{\"name\":\"v\",\"count\":0}"),
                     APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "field 'v'"));
    /* A list without its child. */
    assert_int_equal(doc_read1(&d, "{\"name\":\"l\",\"nullable\":true,\"type\":{\"name\":\"list\"},\"children\":[]}",
                               0, "{\"name\":\"l\",\"count\":0}"),
                     APHX_CORRUPT);
    /* Column name disagreeing with the field. */
    assert_int_equal(doc_read1(&d, "{\"name\":\"a\",\"nullable\":true,\"type\":{\"name\":\"null\"},\"children\":[]}",
                               0, "{\"name\":\"b\",\"count\":0}"),
                     APHX_CORRUPT);
    /* A name with an embedded NUL cannot become a C string. */
    assert_int_equal(doc_read1(&d, "{\"name\":\"a\\u0000b\",\"nullable\":true,\"type\":{\"name\":\"null\"},\"children\":[]}",
                               0, "{\"count\":0}"),
                     APHX_CORRUPT);
    assert_non_null(strstr(d.err.msg, "NUL"));
    /* No batches at all is fine. */
    assert_int_equal(doc_read(&d, "{\"schema\":{\"fields\":[]},\"batches\":[]}"), APHX_OK);
    assert_int_equal(d.n_batches, 0);
    doc_free(&d);
}

/* Every allocation failing in turn: no leak, no crash, NOMEM reported. */
static void test_json_alloc_failures(void **state)
{
    (void)state;
    const char *text =
        "{\"schema\":{\"fields\":["
        "{\"name\":\"c1\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},\"children\":[],\"metadata\":[{\"key\":\"a\",\"value\":\"b\"}],"
        "  \"dictionary\":{\"id\":1,\"indexType\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":8}}},"
        "{\"name\":\"l\",\"nullable\":true,\"type\":{\"name\":\"list\"},\"children\":["
        "  {\"name\":\"item\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":16},\"children\":[]}]}]},"
        "\"dictionaries\":[{\"id\":1,\"data\":{\"count\":1,\"columns\":["
        "  {\"name\":\"D\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[0,1],\"DATA\":[\"x\"]}]}}],"
        "\"batches\":[{\"count\":2,\"columns\":["
        "  {\"name\":\"c1\",\"count\":2,\"VALIDITY\":[1,0],\"DATA\":[0,0]},"
        "  {\"name\":\"l\",\"count\":2,\"VALIDITY\":[1,1],\"OFFSET\":[0,1,2],\"children\":["
        "    {\"name\":\"item\",\"count\":2,\"VALIDITY\":[1,0],\"DATA\":[1,2]}]}]}]}";
    int ok_at = -1;
    for (int n = 1; n < 400; n++) {
        doc d;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = doc_read(&d, text);
        aphx_alloc_fail_countdown = 0;
        if (rc == APHX_OK) {
            doc_free(&d);
            ok_at = n;
            break;
        }
        assert_int_equal(rc, APHX_NOMEM);
    }
    assert_true(ok_at > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_syntax_errors),
        cmocka_unit_test(test_json_int_columns),
        cmocka_unit_test(test_json_decimal_and_floats),
        cmocka_unit_test(test_json_strings_and_binary),
        cmocka_unit_test(test_json_intervals_and_time),
        cmocka_unit_test(test_json_nested_and_union),
        cmocka_unit_test(test_json_dictionaries),
        cmocka_unit_test(test_json_schema_errors),
        cmocka_unit_test(test_json_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
