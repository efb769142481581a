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

#include "cases.h"

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

/* Nested dictionary values are deduplicated: the dictionary holds each
 * distinct value once and the rolled-back duplicates leave no trace. */
static void test_nested_dictionary_dedup(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        if (strcmp(tc->name, "dictionary_list") != 0 && strcmp(tc->name, "dictionary_struct") != 0) continue;
        arrow_field f;
        tc->setup(&f);
        arrow_array *a = build(tc, &f);
        assert_int_equal(a->dictionary->length, 3);   /* [1,2], [], [null] / {1,x}, {1,y}, {null,null} */
        arrow_field value = f;
        value.dict = NULL;
        aphx_buf out;
        aphx_buf_init(&out);
        for (int64_t i = 0; i < a->dictionary->length; i++) {
            arrow_array_format_json(&value, a->dictionary, i, &out);
            aphx_buf_putc(&out, ' ');
        }
        if (tc->fill == f_dict_list) assert_string_equal(out.data, "[1,2] [] [null] ");
        else assert_string_equal(out.data, "{\"a\":1,\"b\":\"x\"} {\"a\":1,\"b\":\"y\"} {\"a\":null,\"b\":null} ");
        /* the value builder's child holds only the kept values */
        if (tc->fill == f_dict_list) assert_int_equal(a->dictionary->children[0]->length, 3);
        else assert_int_equal(a->dictionary->children[1]->length, 3);
        /* a builder reused after finish starts a fresh dictionary */
        arrow_builder *b = arrow_builder_new(&f);
        tc->fill(b);
        arrow_array *first = arrow_builder_finish(b, NULL);
        tc->fill(b);
        arrow_array *second = arrow_builder_finish(b, NULL);
        assert_non_null(second);
        OK(arrow_array_validate(&f, second, true, NULL));
        assert_int_equal(second->dictionary->length, 3);
        assert_true(arrow_array_equal(&f, first, second, NULL));
        assert_true(arrow_array_equal(&f, a, second, NULL));
        arrow_array_unref(first);
        arrow_array_unref(second);
        arrow_builder_free(b);
        aphx_buf_free(&out);
        arrow_array_unref(a);
        arrow_field_free(&f);
    }
    /* dictionary of a nested dictionary: list<dictionary<utf8>> values */
    arrow_field f;
    OK(arrow_field_init(&f, "dd", ARROW_LIST, true));
    OK(arrow_field_set_children(&f, 1));
    OK(arrow_field_init(&f.children[0], "item", ARROW_UTF8, true));
    f.children[0].dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    f.children[0].dict->index_type = ARROW_INT32;
    f.dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    f.dict->index_type = ARROW_INT64;
    arrow_builder *b = arrow_builder_new(&f);
    arrow_builder *item = arrow_builder_child(b, 0);
    const char *rows[][3] = {{"p", "q", NULL}, {"q", NULL, NULL}, {"p", "q", NULL}, {"r", "p", NULL}, {"q", NULL, NULL}};
    for (size_t r = 0; r < APHX_ARRAY_LEN(rows); r++) {
        for (int k = 0; rows[r][k]; k++) OK(arrow_builder_append_bytes(item, rows[r][k], 1));
        OK(arrow_builder_append_valid(b));
    }
    arrow_array *a = arrow_builder_finish(b, NULL);
    assert_non_null(a);
    OK(arrow_array_validate(&f, a, true, NULL));
    assert_int_equal(a->dictionary->length, 3);
    aphx_buf out;
    aphx_buf_init(&out);
    for (int64_t i = 0; i < a->length; i++) {
        arrow_array_format_json(&f, a, i, &out);
        aphx_buf_putc(&out, ' ');
    }
    assert_string_equal(out.data, "[\"p\",\"q\"] [\"q\"] [\"p\",\"q\"] [\"r\",\"p\"] [\"q\"] ");
    aphx_buf_free(&out);
    arrow_array_unref(a);
    /* unions as dictionary values are not supported yet */
    arrow_builder_free(b);
    arrow_field_free(&f);
    arrow_field u;
    s_sunion(&u);
    u.dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    u.dict->index_type = ARROW_INT8;
    b = arrow_builder_new(&u);
    assert_int_equal(arrow_builder_append_union(b, 5), APHX_UNSUPPORTED);
    assert_int_equal(arrow_builder_append_valid(b), APHX_UNSUPPORTED);
    arrow_builder_free(b);
    arrow_field_free(&u);
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
    /* a dictionary needs integer indices */
    d.dict->index_type = ARROW_FLOAT32;
    assert_null(arrow_builder_new(&d));
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
        cmocka_unit_test(test_nested_dictionary_dedup),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_builder_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
