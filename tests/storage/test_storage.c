/*
 * test_storage.c — the in-memory table store: insert (duplicate keys fail
 * the whole batch with 23505, NULL keys with 23502), upsert (replace, last
 * row of a batch wins), delete, point and range lookup (composite keys,
 * prefix bounds, negative numbers and strings in key order), scans with
 * projection and a predicate (through exec's scan operator), large batches
 * adopted as chunks, and the order-preserving key encoding.
 */
#include "../exec/exec_test_util.h"

static aphx_arena A;
static aphx_error E;

static int setup(void **state)
{
    (void)state;
    aphx_arena_init(&A, 4096);
    aphx_error_clear(&E);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aphx_arena_destroy(&A);
    return 0;
}

static const char *st(void)
{
    static char s[6];
    return exec_sqlstate(&E, s);
}

static char *scan_all(storage_table *t, exec_expr *filter, const int32_t *cols, int32_t n)
{
    exec_ctx ctx;
    exec_ctx_init(&ctx);
    ctx.batch_rows = 4;
    exec_op *op = exec_scan_new(&ctx, t, cols, n, filter, &E);
    assert_non_null(op);
    exec_sort_key k[] = {{exec_expr_column(&A, exec_op_schema(op), 0, &E), false, false}};
    return tu_run(exec_sort_new(&ctx, op, k, 1, -1, 0, &E));
}

static void test_insert_get_delete(void **state)
{
    tbatch *rows = tb_new("id:i64,name:str,score:f64", "3,1,2,-5", "c,a,b,neg", "0.5,NULL,2,9");
    int32_t pk[] = {0};
    storage_table *t;
    assert_int_equal(storage_table_create(&rows->schema, pk, 1, &t, &E), APHX_OK);
    assert_int_equal(storage_insert(t, rows->batch, &E), APHX_OK);
    assert_int_equal(storage_table_row_count(t), 4);
    /* a duplicate anywhere fails the whole batch */
    tbatch *dup = tb_new("id:i64,name:str,score:f64", "10,2", "x,y", "1,1");
    assert_int_equal(storage_insert(t, dup->batch, &E), APHX_EXISTS);
    assert_string_equal(st(), "23505");
    tbatch *dup2 = tb_new("id:i64,name:str,score:f64", "11,11", "x,y", "1,1");
    assert_int_equal(storage_insert(t, dup2->batch, &E), APHX_EXISTS);
    tbatch *nullkey = tb_new("id:i64,name:str,score:f64", "NULL", "x", "1");
    assert_int_equal(storage_insert(t, nullkey->batch, &E), APHX_INVALID);
    assert_string_equal(st(), "23502");
    assert_int_equal(storage_table_row_count(t), 4);
    /* point lookups, in the order asked, missing keys skipped */
    tbatch *keys = tb_new("id:i64", "2,99,-5,3");
    arrow_batch *got;
    assert_int_equal(storage_get(t, keys->batch, &got, &E), APHX_OK);
    assert_string_equal(tu_render_batch(got), "2,b,2;-5,neg,9;3,c,0.5");
    arrow_batch_free(got);
    /* upsert replaces; the last of repeated keys wins */
    tbatch *up = tb_new("id:i64,name:str,score:f64", "2,7,7", "B,first,second", "20.5,1,2");
    int64_t replaced;
    assert_int_equal(storage_upsert(t, up->batch, &replaced, &E), APHX_OK);
    assert_int_equal(replaced, 2);
    assert_int_equal(storage_table_row_count(t), 5);
    assert_string_equal(scan_all(t, NULL, NULL, 0), "-5,neg,9;1,a,NULL;2,B,20.5;3,c,0.5;7,second,2");
    /* delete */
    tbatch *del = tb_new("id:i64", "1,1,42,-5");
    int64_t n_del;
    assert_int_equal(storage_delete(t, del->batch, &n_del, &E), APHX_OK);
    assert_int_equal(n_del, 2);
    assert_string_equal(scan_all(t, NULL, NULL, 0), "2,B,20.5;3,c,0.5;7,second,2");
    /* re-insert a deleted key */
    tbatch *again = tb_new("id:i64,name:str,score:f64", "1", "again", "3");
    assert_int_equal(storage_insert(t, again->batch, &E), APHX_OK);
    /* projection + predicate: name, id where score > 1 */
    const arrow_schema *ts = storage_table_schema(t);
    exec_expr *f = exec_expr_compare(&A, EXEC_GT, exec_expr_column(&A, ts, 2, &E),
                                     exec_expr_literal(&A, exec_scalar_int(1), &E), &E);
    int32_t proj[] = {1, 0};
    assert_string_equal(scan_all(t, f, proj, 2), "B,2;again,1;second,7");
    /* wrong batch shape */
    assert_int_equal(storage_insert(t, keys->batch, &E), APHX_INVALID);
    assert_string_equal(st(), "42804");
    storage_table_free(t);
    tb_free(rows);
    tb_free(dup);
    tb_free(dup2);
    tb_free(nullkey);
    tb_free(keys);
    tb_free(up);
    tb_free(del);
    tb_free(again);
}

static void test_composite_range(void **state)
{
    tbatch *rows = tb_new("region:str,ts:i64,v:i64", "eu,us,eu,eu,us,'',eu", "5,1,-3,10,2,0,7", "1,2,3,4,5,6,7");
    int32_t pk[] = {0, 1};
    storage_table *t;
    assert_int_equal(storage_table_create(&rows->schema, pk, 2, &t, &E), APHX_OK);
    assert_int_equal(storage_insert(t, rows->batch, &E), APHX_OK);
    arrow_batch *r;
    /* everything, in key order: '' < eu < us; numbers signed */
    assert_int_equal(storage_range(t, NULL, true, NULL, true, &r, &E), APHX_OK);
    assert_string_equal(tu_render_batch(r), ",0,6;eu,-3,3;eu,5,1;eu,7,7;eu,10,4;us,1,2;us,2,5");
    arrow_batch_free(r);
    /* prefix bound: region = 'eu' */
    tbatch *eu = tb_new("region:str", "eu");
    assert_int_equal(storage_range(t, eu->batch, true, eu->batch, true, &r, &E), APHX_OK);
    assert_string_equal(tu_render_batch(r), "eu,-3,3;eu,5,1;eu,7,7;eu,10,4");
    arrow_batch_free(r);
    /* (eu, 5) < key <= (eu, 10) */
    tbatch *lo = tb_new("region:str,ts:i64", "eu", "5");
    tbatch *hi = tb_new("region:str,ts:i64", "eu", "10");
    assert_int_equal(storage_range(t, lo->batch, false, hi->batch, true, &r, &E), APHX_OK);
    assert_string_equal(tu_render_batch(r), "eu,7,7;eu,10,4");
    arrow_batch_free(r);
    assert_int_equal(storage_range(t, lo->batch, true, hi->batch, false, &r, &E), APHX_OK);
    assert_string_equal(tu_render_batch(r), "eu,5,1;eu,7,7");
    arrow_batch_free(r);
    /* key > 'eu' prefix (exclusive): only us rows */
    assert_int_equal(storage_range(t, eu->batch, false, NULL, true, &r, &E), APHX_OK);
    assert_string_equal(tu_render_batch(r), "us,1,2;us,2,5");
    arrow_batch_free(r);
    storage_table_free(t);
    tb_free(rows);
    tb_free(eu);
    tb_free(lo);
    tb_free(hi);
}

/* Big batches are adopted whole; scans cross chunk boundaries; deletes in
 * an adopted chunk hide rows. */
static void test_large_batches(void **state)
{
    arrow_schema s;
    assert_int_equal(arrow_schema_init(&s, 2), APHX_OK);
    arrow_field_free(&s.fields[0]);
    arrow_field_free(&s.fields[1]);
    arrow_field_init(&s.fields[0], "k", ARROW_INT64, false);
    arrow_field_init(&s.fields[1], "v", ARROW_INT32, true);
    int32_t pk[] = {0};
    storage_table *t;
    assert_int_equal(storage_table_create(&s, pk, 1, &t, &E), APHX_OK);
    const int64_t n = 10000;
    for (int round = 0; round < 2; round++) {
        arrow_builder *bk = arrow_builder_new(&s.fields[0]), *bv = arrow_builder_new(&s.fields[1]);
        for (int64_t i = 0; i < n; i++) {
            arrow_builder_append_int(bk, round * n + i);
            if (i % 7 == 0) arrow_builder_append_null(bv);
            else arrow_builder_append_int(bv, (int32_t)(i % 100));
        }
        arrow_batch *b = arrow_batch_new(&s, n);
        b->columns[0] = arrow_builder_finish(bk, NULL);
        b->columns[1] = arrow_builder_finish(bv, NULL);
        assert_int_equal(storage_insert(t, b, &E), APHX_OK);
        arrow_batch_free(b);
        arrow_builder_free(bk);
        arrow_builder_free(bv);
    }
    assert_int_equal(storage_table_row_count(t), 2 * n);
    /* delete every key divisible by 3 */
    arrow_builder *dk = arrow_builder_new(&s.fields[0]);
    for (int64_t i = 0; i < 2 * n; i += 3) arrow_builder_append_int(dk, i);
    arrow_batch *keys = arrow_batch_new(storage_table_key_schema(t), arrow_builder_length(dk));
    keys->columns[0] = arrow_builder_finish(dk, NULL);
    int64_t deleted;
    assert_int_equal(storage_delete(t, keys, &deleted, &E), APHX_OK);
    assert_int_equal(deleted, (2 * n + 2) / 3);
    arrow_batch_free(keys);
    arrow_builder_free(dk);
    /* COUNT(*), SUM(v) through scan + aggregate */
    exec_ctx ctx;
    exec_ctx_init(&ctx);
    ctx.batch_rows = 4096;
    exec_op *scan = exec_scan_new(&ctx, t, NULL, 0, NULL, &E);
    exec_agg_spec aggs[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"},
                            {EXEC_AGG_SUM, exec_expr_column(&A, storage_table_schema(t), 1, &E), false, "s"}};
    exec_op *agg = exec_agg_new(&ctx, scan, NULL, NULL, 0, aggs, 2, &E);
    int64_t expect_n = 0, expect_s = 0;
    for (int64_t k = 0; k < 2 * n; k++) {
        if (k % 3 == 0) continue;
        expect_n++;
        int64_t i = k % n;
        if (i % 7) expect_s += i % 100;
    }
    char want[64];
    snprintf(want, sizeof want, "%lld,%lld", (long long)expect_n, (long long)expect_s);
    assert_string_equal(tu_run(agg), want);
    /* point lookup inside an adopted chunk */
    tbatch *k = tb_new("k:i64", "10001,10002");
    arrow_batch *got;
    assert_int_equal(storage_get(t, k->batch, &got, &E), APHX_OK);
    assert_string_equal(tu_render_batch(got), "10001,1");
    arrow_batch_free(got);
    tb_free(k);
    storage_table_free(t);
    arrow_schema_free(&s);
}

static void test_key_encoding_order(void **state)
{
    tbatch *b = tb_new("i:i64,f:f64,s:str", "-9223372036854775808,-1,0,1,9223372036854775807",
                       "-1e300,-0.5,0,0.25,1e300", "'',a,ab,b,ba");
    for (int c = 0; c < 3; c++) {
        int32_t col = c;
        aphx_buf prev, cur;
        aphx_buf_init(&prev);
        aphx_buf_init(&cur);
        for (int64_t i = 0; i < b->batch->length; i++) {
            aphx_buf_reset(&cur);
            assert_true(storage_encode_key(&b->schema, b->batch->columns, &col, 1, i, &cur));
            if (i > 0) {
                size_t m = prev.len < cur.len ? prev.len : cur.len;
                int r = memcmp(prev.data, cur.data, m);
                assert_true(r < 0 || (r == 0 && prev.len < cur.len));
            }
            aphx_buf_reset(&prev);
            aphx_buf_append(&prev, cur.data, cur.len);
        }
        aphx_buf_free(&prev);
        aphx_buf_free(&cur);
    }
    tb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_composite_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_encoding_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
