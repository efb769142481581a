/*
 * test_validate.c — arrow_array_validate catches each kind of corruption
 * (bad offsets, short buffers, wrong null counts, dictionary indices out of
 * range, bad union codes and offsets, short children, invalid UTF-8) with
 * a message naming the field path and the problem.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "arrow/arrow.h"
#include "cases.h"

static void expect_corrupt(const arrow_field *f, const arrow_array *a, bool utf8, const char *needle)
{
    aphx_error err = {0};
    aphx_rc rc = arrow_array_validate(f, a, utf8, &err);
    if (rc != APHX_CORRUPT) fail_msg("expected CORRUPT containing '%s', got %s", needle, aphx_rc_name(rc));
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void expect_ok(const arrow_field *f, const arrow_array *a, bool utf8)
{
    aphx_error err = {0};
    if (arrow_array_validate(f, a, utf8, &err)) fail_msg("unexpected: %s", err.msg);
}

static int32_t *offsets32(arrow_array *a) { return (int32_t *)a->buffers[1]->data; }

static void test_string_offsets(void **state)
{
    (void)state;
    arrow_field f;
    cases[23].setup(&f);   /* utf8: "a\"b", null, "é", "", "tab\there" */
    arrow_array *a = build(&cases[23], &f);
    expect_ok(&f, a, true);
    int32_t *o = offsets32(a);
    int32_t saved = o[3];
    o[3] = 1;   /* goes back */
    expect_corrupt(&f, a, false, "column 'c': offsets not monotonic at index 2");
    o[3] = saved;
    o[0] = -1;
    expect_corrupt(&f, a, false, "first offset -1 is negative");
    o[0] = 0;
    o[5] = 999;
    expect_corrupt(&f, a, false, "last offset 999 exceeds the data buffer size");
    o[5] = (int32_t)a->buffers[2]->size;
    expect_ok(&f, a, true);
    /* invalid UTF-8: overlong, surrogate, truncated, stray continuation */
    const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\x80"};
    for (size_t i = 0; i < APHX_ARRAY_LEN(bad); i++) {
        arrow_builder *b = arrow_builder_new(&f);
        OK(arrow_builder_append_bytes(b, "ok", 2));
        OK(arrow_builder_append_bytes(b, bad[i], (int64_t)strlen(bad[i])));
        arrow_array *x = arrow_builder_finish(b, NULL);
        expect_ok(&f, x, false);
        expect_corrupt(&f, x, true, "column 'c': invalid UTF-8 at index 1");
        /* a slice that excludes it is fine */
        arrow_array *s = arrow_array_slice(x, 0, 1);
        expect_ok(&f, s, true);
        arrow_array_unref(s);
        arrow_array_unref(x);
        arrow_builder_free(b);
    }
    /* the values behind nulls are not checked */
    arrow_builder *b = arrow_builder_new(&f);
    OK(arrow_builder_append_bytes(b, "\xff", 1));
    OK(arrow_builder_append_null(b));
    arrow_array *x = arrow_builder_finish(b, NULL);
    arrow_bit_set(x->buffers[0]->data, 0, false);   /* mark slot 0 null */
    x->null_count = 2;
    expect_ok(&f, x, true);
    arrow_array_unref(x);
    arrow_builder_free(b);
    arrow_array_unref(a);
    arrow_field_free(&f);
}

static void test_short_buffers_and_counts(void **state)
{
    (void)state;
    arrow_field f;
    cases[3].setup(&f);    /* int32: -5, null, 30000 */
    arrow_array *a = build(&cases[3], &f);
    a->buffers[1]->size = 8;
    expect_corrupt(&f, a, false, "column 'c': values buffer too short: 8 bytes, need 12");
    a->buffers[1]->size = 12;
    a->null_count = 0;
    expect_corrupt(&f, a, false, "null_count 0 but the validity bitmap has 1 nulls");
    a->null_count = -1;
    expect_ok(&f, a, false);
    a->null_count = 7;
    expect_corrupt(&f, a, false, "null_count 7 out of range");
    a->null_count = 1;
    a->buffers[0]->size = 0;
    expect_corrupt(&f, a, false, "validity buffer too short");
    a->buffers[0]->size = 1;
    a->n_buffers = 3;
    expect_corrupt(&f, a, false, "3 buffers, a int32 array has 2");
    a->n_buffers = 2;
    arrow_buffer *v = a->buffers[1];
    a->buffers[1] = NULL;
    expect_corrupt(&f, a, false, "values buffer missing");
    a->buffers[1] = v;
    /* a slice needs offset+length elements */
    arrow_array *s = arrow_array_slice(a, 2, 1);
    expect_ok(&f, s, false);
    s->buffers[1]->size = 8;
    expect_corrupt(&f, s, false, "need 12 for offset 2 + length 1");
    arrow_array_unref(s);
    arrow_array_unref(a);
    arrow_field_free(&f);

    cases[0].setup(&f);    /* bool, 13 values */
    a = build(&cases[0], &f);
    a->buffers[1]->size = 1;
    expect_corrupt(&f, a, false, "values buffer too short: 1 bytes, need 2");
    arrow_array_unref(a);
    arrow_field_free(&f);
}

static void test_nested(void **state)
{
    (void)state;
    /* list<list<int32>>: path names both levels */
    arrow_field f;
    OK(arrow_field_init(&f, "ll", ARROW_LIST, true));
    OK(arrow_field_set_children(&f, 1));
    OK(arrow_field_init(&f.children[0], "inner", ARROW_LIST, true));
    OK(arrow_field_set_children(&f.children[0], 1));
    OK(arrow_field_init(&f.children[0].children[0], "item", ARROW_INT32, true));
    arrow_builder *b = arrow_builder_new(&f);
    arrow_builder *inner = arrow_builder_child(b, 0), *items = arrow_builder_child(inner, 0);
    for (int i = 0; i < 20; i++) {
        OK(arrow_builder_append_int(items, i));
        OK(arrow_builder_append_valid(inner));
        OK(arrow_builder_append_valid(b));
    }
    arrow_array *a = arrow_builder_finish(b, NULL);
    expect_ok(&f, a, false);
    int32_t *io = offsets32(a->children[0]);
    io[18] = 16;
    expect_corrupt(&f, a, false, "column 'll' child 'inner': offsets not monotonic at index 17");
    io[18] = 18;
    offsets32(a)[20] = 21;
    expect_corrupt(&f, a, false, "column 'll': last offset 21 exceeds the child length (20)");
    offsets32(a)[20] = 20;
    expect_ok(&f, a, false);
    arrow_array_unref(a);
    arrow_builder_free(b);
    arrow_field_free(&f);

    /* fixed_size_list: child too short */
    cases[30].setup(&f);
    a = build(&cases[30], &f);
    a->children[0]->length = 5;
    expect_corrupt(&f, a, false, "column 'c' child 'item': child length 5 is shorter than the 6 slots");
    arrow_array_unref(a);
    arrow_field_free(&f);

    /* struct: child too short */
    cases[31].setup(&f);
    a = build(&cases[31], &f);
    a->children[1]->length = 2;
    expect_corrupt(&f, a, false, "column 'c' child 'b': child length 2 is shorter than the 3 slots");
    a->children[1]->length = 3;
    a->n_children = 1;
    expect_corrupt(&f, a, false, "1 child arrays, the field has 2");
    a->n_children = 2;
    arrow_array_unref(a);
    arrow_field_free(&f);

    /* map entries must be a struct of two */
    cases[32].setup(&f);
    a = build(&cases[32], &f);
    expect_ok(&f, a, true);
    f.children[0].n_children = 1;
    expect_corrupt(&f, a, false, "map entries must be a struct of key and value");
    f.children[0].n_children = 2;
    arrow_array_unref(a);
    arrow_field_free(&f);
}

static void test_unions(void **state)
{
    (void)state;
    arrow_field f;
    cases[33].setup(&f);   /* sparse, codes 5 and 7 */
    arrow_array *a = build(&cases[33], &f);
    expect_ok(&f, a, false);
    a->buffers[0]->data[3] = 6;
    expect_corrupt(&f, a, false, "column 'c': type id 6 at index 3 is not a type code of the union");
    a->buffers[0]->data[3] = 7;
    a->children[0]->length = 4;
    expect_corrupt(&f, a, false, "child 'i': child length 4 is shorter than the 5 slots");
    a->children[0]->length = 5;
    arrow_array_unref(a);
    arrow_field_free(&f);

    cases[34].setup(&f);   /* dense */
    a = build(&cases[34], &f);
    expect_ok(&f, a, false);
    int32_t *o = (int32_t *)a->buffers[1]->data;
    o[4] = 3;
    expect_corrupt(&f, a, false, "dense union offset 3 at index 4 out of range for child 'i' (length 3)");
    o[4] = -1;
    expect_corrupt(&f, a, false, "dense union offset -1");
    o[4] = 2;
    expect_ok(&f, a, false);
    a->buffers[1]->size = 4;
    expect_corrupt(&f, a, false, "union offsets buffer too short");
    a->buffers[1]->size = 20;
    a->null_count = 1;
    expect_corrupt(&f, a, false, "union null_count must be 0");
    a->null_count = 0;
    arrow_array_unref(a);
    arrow_field_free(&f);
}

static void test_dictionary(void **state)
{
    (void)state;
    arrow_field f;
    cases[35].setup(&f);   /* dictionary<utf8, int16>: a b a null "" b */
    arrow_array *a = build(&cases[35], &f);
    expect_ok(&f, a, true);
    int16_t *idx = (int16_t *)a->buffers[1]->data;
    idx[3] = 99;           /* behind a null: ignored */
    expect_ok(&f, a, true);
    idx[2] = 3;
    expect_corrupt(&f, a, false, "column 'c': dictionary index 3 at index 2 out of range (dictionary length 3)");
    idx[2] = -1;
    expect_corrupt(&f, a, false, "dictionary index -1 at index 2");
    idx[2] = 0;
    offsets32(a->dictionary)[1] = 5;
    expect_corrupt(&f, a, false, "column 'c' dictionary: offsets not monotonic");
    offsets32(a->dictionary)[1] = 1;
    arrow_array *d = a->dictionary;
    a->dictionary = NULL;
    expect_corrupt(&f, a, false, "dictionary-encoded array has no dictionary");
    a->dictionary = d;
    expect_ok(&f, a, true);
    arrow_array_unref(a);
    arrow_field_free(&f);
}

static void test_batch_validate(void **state)
{
    (void)state;
    arrow_schema s;
    OK(arrow_schema_init(&s, 2));
    cases[3].setup(&s.fields[0]);
    cases[23].setup(&s.fields[1]);
    aphx_free(s.fields[1].name);
    s.fields[1].name = aphx_strdup("d");
    arrow_batch *b = arrow_batch_new(&s, 3);
    b->columns[0] = build(&cases[3], &s.fields[0]);
    aphx_error err = {0};
    assert_int_equal(arrow_batch_validate(b, true, &err), APHX_CORRUPT);
    assert_string_equal(err.msg, "column 'd': missing array");
    b->columns[1] = build(&cases[23], &s.fields[1]);
    assert_int_equal(arrow_batch_validate(b, true, &err), APHX_CORRUPT);
    assert_string_equal(err.msg, "column 'd': length 5 differs from the batch length 3");
    arrow_array *sl = arrow_array_slice(b->columns[1], 2, 3);
    arrow_array_unref(b->columns[1]);
    b->columns[1] = sl;
    OK(arrow_batch_validate(b, true, &err));
    arrow_batch *bs = arrow_batch_slice(b, 1, 2);
    OK(arrow_batch_validate(bs, true, &err));
    assert_int_equal(bs->length, 2);
    assert_null(arrow_batch_slice(b, 2, 2));
    arrow_batch_free(bs);
    arrow_batch_free(b);
    arrow_schema_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_offsets),
        cmocka_unit_test(test_short_buffers_and_counts),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_unions),
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_batch_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
