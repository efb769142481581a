/*
 * test_cdata.c — Arrow C Data Interface and C Stream Interface: schema and
 * array round trips (export -> import) for every type, slices, batches,
 * streams; release/move rules (an imported array's release runs exactly
 * once, after our last reference; moved-from structs have release NULL);
 * fault injection on every export and import path. Run under ASan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arrow/arrow.h"
#include "cases.h"

static void schema_roundtrip(const arrow_field *f)
{
    struct ArrowSchema cs;
    aphx_error err = {0};
    if (arrow_export_field(f, &cs, &err)) fail_msg("export %s: %s", f->name, err.msg);
    arrow_field g;
    if (arrow_import_field(&cs, &g, &err)) fail_msg("import %s: %s", f->name, err.msg);
    assert_null(cs.release);
    if (!arrow_field_equal(f, &g, true)) {
        aphx_buf x, y;
        aphx_buf_init(&x);
        aphx_buf_init(&y);
        arrow_field_format_type(f, &x);
        arrow_field_format_type(&g, &y);
        fail_msg("schema round trip: %s became %s", x.data, y.data);
    }
    arrow_field_free(&g);
}

static void test_schema_roundtrip_all_types(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        arrow_field f;
        cases[k].setup(&f);
        OK(arrow_field_add_metadata(&f, "origin", "test"));
        OK(arrow_metadata_add(&f.metadata, "bin", "\0\1\2", 3));
        f.nullable = k % 2 == 0;
        schema_roundtrip(&f);
        arrow_field_free(&f);
    }
}

static void test_format_strings(void **state)
{
    (void)state;
    struct { size_t k; const char *fmt; const char *dict_fmt; } want[] = {
        {9, "e", NULL}, {12, "d:10,2", NULL}, {13, "d:76,0,256", NULL}, {16, "ttm", NULL},
        {17, "ttn", NULL}, {18, "tsu:UTC", NULL}, {19, "tDm", NULL}, {22, "tin", NULL},
        {27, "w:2", NULL}, {29, "+L", NULL}, {30, "+w:2", NULL}, {32, "+m", NULL},
        {33, "+us:5,7", NULL}, {34, "+ud:5,7", NULL}, {35, "s", "u"}, {36, "C", "l"}, {37, "n", NULL},
    };
    for (size_t i = 0; i < APHX_ARRAY_LEN(want); i++) {
        arrow_field f;
        cases[want[i].k].setup(&f);
        struct ArrowSchema cs;
        OK(arrow_export_field(&f, &cs, NULL));
        assert_string_equal(cs.format, want[i].fmt);
        if (want[i].dict_fmt) {
            assert_non_null(cs.dictionary);
            assert_string_equal(cs.dictionary->format, want[i].dict_fmt);
        } else {
            assert_null(cs.dictionary);
        }
        cs.release(&cs);
        assert_null(cs.release);
        arrow_field_free(&f);
    }
    /* metadata byte layout */
    arrow_field f;
    OK(arrow_field_init(&f, "m", ARROW_INT32, false));
    OK(arrow_field_add_metadata(&f, "ab", "xyz"));
    struct ArrowSchema cs;
    OK(arrow_export_field(&f, &cs, NULL));
    static const char expect[] = "\1\0\0\0\2\0\0\0ab\3\0\0\0xyz";
    assert_memory_equal(cs.metadata, expect, sizeof expect - 1);
    assert_int_equal(cs.flags, 0);
    cs.release(&cs);
    arrow_field_free(&f);
}

static void test_schema_import_errors(void **state)
{
    (void)state;
    arrow_field f;
    OK(arrow_field_init(&f, "x", ARROW_INT32, true));
    struct ArrowSchema cs;
    OK(arrow_export_field(&f, &cs, NULL));
    const char *saved = cs.format;
    const char *bad[] = {"tsx:", "d:1", "+w:-1", "+us:1,x", "vu", "q", "w:0"};
    for (size_t i = 0; i < APHX_ARRAY_LEN(bad); i++) {
        cs.format = bad[i];
        arrow_field g;
        aphx_error err = {0};
        assert_int_equal(arrow_import_field(&cs, &g, &err), APHX_UNSUPPORTED);
        assert_non_null(strstr(err.msg, bad[i]));
        assert_non_null(cs.release);   /* untouched on failure */
    }
    cs.format = saved;
    cs.release(&cs);
    arrow_field_free(&f);
}

static void test_array_roundtrip_all_types(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        arrow_field f;
        tc->setup(&f);
        arrow_array *want = build(tc, &f);
        for (int64_t off = 0; off <= want->length; off++) {
            int64_t len = want->length - off;
            arrow_array *src = arrow_array_slice(want, off, len);
            struct ArrowArray ca;
            aphx_error err = {0};
            if (arrow_export_array(&f, src, &ca, &err)) fail_msg("%s: export: %s", tc->name, err.msg);
            arrow_array_unref(src);          /* the export keeps its own references */
            arrow_array *got;
            if (arrow_import_array(&f, &ca, &got, &err)) fail_msg("%s: import: %s", tc->name, err.msg);
            assert_null(ca.release);
            if (arrow_array_validate(&f, got, true, &err)) fail_msg("%s: %s", tc->name, err.msg);
            arrow_array *expect = arrow_array_slice(want, off, len);
            aphx_buf msg;
            aphx_buf_init(&msg);
            if (!arrow_array_equal(&f, got, expect, &msg)) fail_msg("%s: %s", tc->name, msg.data);
            aphx_buf_free(&msg);
            arrow_array_unref(expect);
            arrow_array_unref(got);
        }
        arrow_array_unref(want);
        arrow_field_free(&f);
    }
}

/* ---- exactly-once release ---- */
static int spy_releases;
static struct ArrowArray spy_inner;

static void spy_release(struct ArrowArray *a)
{
    spy_releases++;
    spy_inner.release(&spy_inner);
    a->release = NULL;
}

static void test_release_runs_once_after_last_reference(void **state)
{
    (void)state;
    arrow_field f;
    cases[31].setup(&f);   /* struct<a: int32, b: utf8> */
    arrow_array *src = build(&cases[31], &f);
    OK(arrow_export_array(&f, src, &spy_inner, NULL));
    arrow_array_unref(src);
    struct ArrowArray outer = spy_inner;
    outer.release = spy_release;
    spy_releases = 0;
    arrow_array *got;
    OK(arrow_import_array(&f, &outer, &got, NULL));
    assert_null(outer.release);
    arrow_array *child = arrow_array_ref(got->children[1]);
    arrow_array *slice = arrow_array_slice(got, 1, 2);
    arrow_array_unref(got);
    assert_int_equal(spy_releases, 0);
    arrow_array_unref(slice);
    assert_int_equal(spy_releases, 0);
    aphx_buf b;
    aphx_buf_init(&b);
    arrow_array_format_json(&f.children[1], child, 2, &b);
    assert_string_equal(b.data, "\"y\"");
    aphx_buf_free(&b);
    arrow_array_unref(child);
    assert_int_equal(spy_releases, 1);

    /* an array without buffers (null type) is released at import */
    arrow_field nf;
    cases[37].setup(&nf);
    arrow_array *na = build(&cases[37], &nf);
    OK(arrow_export_array(&nf, na, &spy_inner, NULL));
    arrow_array_unref(na);
    outer = spy_inner;
    outer.release = spy_release;
    spy_releases = 0;
    OK(arrow_import_array(&nf, &outer, &got, NULL));
    assert_int_equal(spy_releases, 1);
    assert_int_equal(got->length, 3);
    assert_int_equal(arrow_array_null_count(got), 3);
    arrow_array_unref(got);
    assert_int_equal(spy_releases, 1);
    arrow_field_free(&nf);
    arrow_field_free(&f);
}

static void test_moved_children(void **state)
{
    (void)state;
    arrow_field f;
    cases[31].setup(&f);
    arrow_array *src = build(&cases[31], &f);
    struct ArrowArray ca;
    OK(arrow_export_array(&f, src, &ca, NULL));
    arrow_array_unref(src);
    /* the consumer moves child 1 out and releases the parent first */
    struct ArrowArray moved = *ca.children[1];
    ca.children[1]->release = NULL;
    ca.release(&ca);
    assert_null(ca.release);
    arrow_array *got;
    OK(arrow_import_array(&f.children[1], &moved, &got, NULL));
    assert_null(moved.release);
    assert_int_equal(got->length, 3);
    arrow_array_unref(got);

    /* same for schemas */
    struct ArrowSchema cs;
    OK(arrow_export_field(&f, &cs, NULL));
    struct ArrowSchema child = *cs.children[0];
    cs.children[0]->release = NULL;
    cs.release(&cs);
    arrow_field g;
    OK(arrow_import_field(&child, &g, NULL));
    assert_string_equal(g.name, "a");
    arrow_field_free(&g);
    arrow_field_free(&f);
}

/* ---- batches ---- */
static arrow_schema make_schema(int32_t n, arrow_batch **batch)
{
    arrow_schema s;
    OK(arrow_schema_init(&s, n));
    OK(arrow_metadata_add(&s.metadata, "schema-level", "yes", 3));
    for (int32_t i = 0; i < n; i++) {
        cases[i * 3 % APHX_ARRAY_LEN(cases)].setup(&s.fields[i]);
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        aphx_free(s.fields[i].name);
        s.fields[i].name = aphx_strdup(name);
    }
    (void)batch;
    return s;
}

static arrow_batch *make_batch(const arrow_schema *s)
{
    arrow_batch *b = arrow_batch_new(s, 2);
    for (int32_t i = 0; i < s->n_fields; i++) {
        arrow_array *a = build(&cases[i * 3 % APHX_ARRAY_LEN(cases)], &s->fields[i]);
        b->columns[i] = arrow_array_slice(a, 0, 2);
        arrow_array_unref(a);
    }
    return b;
}

static void test_batch_roundtrip(void **state)
{
    (void)state;
    arrow_schema s = make_schema(12, NULL);
    arrow_batch *b = make_batch(&s);
    OK(arrow_batch_validate(b, true, NULL));
    struct ArrowSchema cs;
    OK(arrow_export_schema(&s, &cs, NULL));
    assert_string_equal(cs.format, "+s");
    arrow_schema s2;
    OK(arrow_import_schema(&cs, &s2, NULL));
    assert_true(arrow_schema_equal(&s, &s2, true));
    struct ArrowArray ca;
    OK(arrow_export_batch(b, &ca, NULL));
    arrow_batch *got;
    aphx_error err = {0};
    if (arrow_import_batch(&s2, &ca, &got, &err)) fail_msg("%s", err.msg);
    OK(arrow_batch_validate(got, true, NULL));
    aphx_buf msg;
    aphx_buf_init(&msg);
    if (!arrow_batch_equal(b, got, &msg)) fail_msg("%s", msg.data);
    arrow_batch_free(got);

    /* a sliced batch: our export slices the columns */
    arrow_batch *sl = arrow_batch_slice(b, 1, 1);
    OK(arrow_export_batch(sl, &ca, NULL));
    assert_int_equal(ca.offset, 0);
    OK(arrow_import_batch(&s2, &ca, &got, NULL));
    if (!arrow_batch_equal(sl, got, &msg)) fail_msg("%s", msg.data);
    arrow_batch_free(got);
    /* a producer that slices the struct instead: the offset moves to the columns */
    OK(arrow_export_batch(b, &ca, NULL));
    ca.offset = 1;
    ca.length = 1;
    OK(arrow_import_batch(&s2, &ca, &got, NULL));
    OK(arrow_batch_validate(got, true, NULL));
    if (!arrow_batch_equal(sl, got, &msg)) fail_msg("%s", msg.data);
    arrow_batch_free(got);
    /* a struct with null rows is not a record batch */
    arrow_schema one;
    OK(arrow_schema_init(&one, 1));
    cases[3].setup(&one.fields[0]);
    arrow_field top;
    OK(arrow_field_init(&top, "", ARROW_STRUCT, true));
    OK(arrow_field_set_children(&top, 1));
    cases[3].setup(&top.children[0]);
    arrow_builder *sb = arrow_builder_new(&top);
    OK(arrow_builder_append_null(sb));
    arrow_array *sa = arrow_builder_finish(sb, NULL);
    OK(arrow_export_array(&top, sa, &ca, NULL));
    aphx_error err2 = {0};
    assert_int_equal(arrow_import_batch(&one, &ca, &got, &err2), APHX_INVALID);
    assert_non_null(strstr(err2.msg, "null rows"));
    assert_non_null(ca.release);
    ca.release(&ca);
    arrow_array_unref(sa);
    arrow_builder_free(sb);
    arrow_field_free(&top);
    arrow_schema_free(&one);
    arrow_batch_free(sl);
    aphx_buf_free(&msg);
    arrow_batch_free(b);
    arrow_schema_free(&s2);
    arrow_schema_free(&s);
}

/* ---- streams ---- */
typedef struct list_reader {
    arrow_reader  base;
    arrow_schema  schema;
    int           next_index;
    int           n;
    int          *closes;
    bool          fail_at_2;
    arrow_batch  *prebuilt;
} list_reader;

static const arrow_schema *list_schema(arrow_reader *r) { return &((list_reader *)r)->schema; }

static aphx_rc list_next(arrow_reader *r, arrow_batch **out, aphx_error *err)
{
    list_reader *lr = (list_reader *)r;
    *out = NULL;
    if (lr->fail_at_2 && lr->next_index == 2) return aphx_fail(err, APHX_CORRUPT, "batch 2 is broken");
    if (lr->next_index >= lr->n) return APHX_OK;
    *out = arrow_batch_slice(lr->prebuilt, 0, lr->prebuilt->length);
    if (!*out) return aphx_fail(err, APHX_NOMEM, "out of memory");
    lr->next_index++;
    return APHX_OK;
}

static void list_close(arrow_reader *r)
{
    list_reader *lr = (list_reader *)r;
    (*lr->closes)++;
    arrow_batch_free(lr->prebuilt);
    arrow_schema_free(&lr->schema);
    aphx_free(lr);
}

static list_reader *new_list_reader(int n, int *closes)
{
    list_reader *lr = aphx_calloc(1, sizeof *lr);
    lr->schema = make_schema(8, NULL);
    lr->n = n;
    lr->closes = closes;
    lr->prebuilt = make_batch(&lr->schema);
    lr->base.schema = list_schema;
    lr->base.next = list_next;
    lr->base.close = list_close;
    return lr;
}

static void test_stream_roundtrip(void **state)
{
    (void)state;
    int closes = 0;
    list_reader *lr = new_list_reader(3, &closes);
    arrow_schema expect_schema;
    OK(arrow_schema_copy(&expect_schema, &lr->schema));
    struct ArrowArrayStream cs;
    OK(arrow_export_stream(&lr->base, &cs));
    arrow_reader *r;
    OK(arrow_import_stream(&cs, &r, NULL));
    assert_null(cs.release);
    assert_true(arrow_schema_equal(r->schema(r), &expect_schema, true));
    int count = 0;
    arrow_batch *expect = make_batch(&expect_schema);
    for (;;) {
        arrow_batch *b;
        OK(r->next(r, &b, NULL));
        if (!b) break;
        count++;
        aphx_buf msg;
        aphx_buf_init(&msg);
        if (!arrow_batch_equal(expect, b, &msg)) fail_msg("%s", msg.data);
        aphx_buf_free(&msg);
        arrow_batch_free(b);
    }
    assert_int_equal(count, 3);
    assert_int_equal(closes, 0);
    r->close(r);
    assert_int_equal(closes, 1);
    arrow_batch_free(expect);
    arrow_schema_free(&expect_schema);

    /* errors travel through get_last_error */
    lr = new_list_reader(5, &closes);
    lr->fail_at_2 = true;
    OK(arrow_export_stream(&lr->base, &cs));
    OK(arrow_import_stream(&cs, &r, NULL));
    arrow_batch *b;
    OK(r->next(r, &b, NULL)); arrow_batch_free(b);
    OK(r->next(r, &b, NULL)); arrow_batch_free(b);
    aphx_error err = {0};
    assert_int_equal(r->next(r, &b, &err), APHX_IO);
    assert_non_null(strstr(err.msg, "batch 2 is broken"));
    r->close(r);
    assert_int_equal(closes, 2);

    /* the raw C stream: end of stream is a released array */
    lr = new_list_reader(1, &closes);
    OK(arrow_export_stream(&lr->base, &cs));
    struct ArrowArray ca;
    assert_int_equal(cs.get_next(&cs, &ca), 0);
    assert_non_null(ca.release);
    ca.release(&ca);
    assert_int_equal(cs.get_next(&cs, &ca), 0);
    assert_null(ca.release);
    assert_null(cs.get_last_error(&cs));
    cs.release(&cs);
    assert_null(cs.release);
    assert_int_equal(closes, 3);
}

/* ---- fault injection ---- */
static void test_fault_injection(void **state)
{
    (void)state;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        arrow_field f;
        tc->setup(&f);
        OK(arrow_field_add_metadata(&f, "k", "v"));
        arrow_array *want = build(tc, &f);
        /* export schema */
        for (int64_t n = 1;; n++) {
            struct ArrowSchema cs;
            aphx_error err = {0};
            aphx_alloc_fail_countdown = n;
            aphx_rc rc = arrow_export_field(&f, &cs, &err);
            aphx_alloc_fail_countdown = 0;
            if (rc == APHX_OK) {
                /* import schema, failing in turn */
                for (int64_t m = 1;; m++) {
                    arrow_field g;
                    aphx_alloc_fail_countdown = m;
                    rc = arrow_import_field(&cs, &g, &err);
                    aphx_alloc_fail_countdown = 0;
                    if (rc == APHX_OK) {
                        assert_true(arrow_field_equal(&f, &g, true));
                        arrow_field_free(&g);
                        break;
                    }
                    assert_int_equal(rc, APHX_NOMEM);
                    assert_non_null(cs.release);
                }
                break;
            }
            assert_int_equal(rc, APHX_NOMEM);
            assert_null(cs.release);
        }
        /* export array, then import it, failing in turn */
        for (int64_t n = 1;; n++) {
            struct ArrowArray ca;
            aphx_alloc_fail_countdown = n;
            aphx_rc rc = arrow_export_array(&f, want, &ca, NULL);
            aphx_alloc_fail_countdown = 0;
            if (rc == APHX_OK) {
                for (int64_t m = 1;; m++) {
                    arrow_array *got;
                    aphx_alloc_fail_countdown = m;
                    rc = arrow_import_array(&f, &ca, &got, NULL);
                    aphx_alloc_fail_countdown = 0;
                    if (rc == APHX_OK) {
                        assert_true(arrow_array_equal(&f, got, want, NULL));
                        arrow_array_unref(got);
                        break;
                    }
                    assert_int_equal(rc, APHX_NOMEM);
                    assert_non_null(ca.release);
                }
                break;
            }
            assert_int_equal(rc, APHX_NOMEM);
            assert_null(ca.release);
        }
        assert_int_equal(want->refcount, 1);
        arrow_array_unref(want);
        arrow_field_free(&f);
    }
    /* batches: export failing in turn, then import failing in turn */
    arrow_schema s = make_schema(6, NULL);
    arrow_batch *b = make_batch(&s);
    for (int64_t n = 1;; n++) {
        struct ArrowArray ca;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = arrow_export_batch(b, &ca, NULL);
        bool exhausted = aphx_alloc_fail_countdown > 0;
        aphx_alloc_fail_countdown = 0;
        if (rc) {
            assert_int_equal(rc, APHX_NOMEM);
            assert_null(ca.release);
            continue;
        }
        assert_true(exhausted);
        ca.release(&ca);
        break;
    }
    for (int64_t n = 1;; n++) {
        struct ArrowArray ca;
        OK(arrow_export_batch(b, &ca, NULL));
        arrow_batch *got = NULL;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = arrow_import_batch(&s, &ca, &got, NULL);
        bool exhausted = aphx_alloc_fail_countdown > 0;
        aphx_alloc_fail_countdown = 0;
        if (rc) {
            /* failures before the move leave ca with the caller; after it,
             * the data went with our references */
            assert_int_equal(rc, APHX_NOMEM);
            if (ca.release) ca.release(&ca);
            continue;
        }
        assert_true(exhausted);
        assert_true(arrow_batch_equal(b, got, NULL));
        arrow_batch_free(got);
        break;
    }
    for (int64_t n = 1; n < 400; n++) {
        int closes = 0;
        list_reader *lr = new_list_reader(2, &closes);
        struct ArrowArrayStream cs;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = arrow_export_stream(&lr->base, &cs);
        if (rc) {
            aphx_alloc_fail_countdown = 0;
            lr->base.close(&lr->base);
            continue;
        }
        arrow_reader *r;
        rc = arrow_import_stream(&cs, &r, NULL);
        if (rc) {
            aphx_alloc_fail_countdown = 0;
            assert_int_equal(rc, APHX_NOMEM);
            cs.release(&cs);
            assert_int_equal(closes, 1);
            continue;
        }
        int batches = 0;
        for (;;) {
            arrow_batch *x;
            rc = r->next(r, &x, NULL);
            if (rc || !x) break;
            batches++;
            arrow_batch_free(x);
        }
        bool exhausted = aphx_alloc_fail_countdown > 0;
        aphx_alloc_fail_countdown = 0;
        r->close(r);
        assert_int_equal(closes, 1);
        if (exhausted) {
            assert_int_equal(batches, 2);
            break;
        }
    }
    arrow_batch_free(b);
    arrow_schema_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_roundtrip_all_types),
        cmocka_unit_test(test_format_strings),
        cmocka_unit_test(test_schema_import_errors),
        cmocka_unit_test(test_array_roundtrip_all_types),
        cmocka_unit_test(test_release_runs_once_after_last_reference),
        cmocka_unit_test(test_moved_children),
        cmocka_unit_test(test_batch_roundtrip),
        cmocka_unit_test(test_stream_roundtrip),
        cmocka_unit_test(test_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
