/*
 * test_faults.c — allocation-failure injection (SQLite style): a query
 * pipeline (scan of a stored table with a pushed-down filter, CASE
 * projection, hash join on a string key, GROUP BY, COUNT DISTINCT, top-N)
 * is built and run once per allocation, with that allocation made to fail.
 * Every run must end in success or APHX_NOMEM — never a crash, a wrong
 * error code or a leak (ASan checks the leaks at exit).
 */
#include "exec_test_util.h"

static aphx_rc run_pipeline(storage_table *table, tbatch *dim, char **rendered)
{
    aphx_arena A;
    aphx_arena_init(&A, 4096);
    aphx_error E;
    aphx_error_clear(&E);
    exec_ctx C;
    exec_ctx_init(&C);
    C.batch_rows = 5;
    aphx_rc rc = APHX_NOMEM;
    const arrow_schema *ts = storage_table_schema(table);
    /* scan: id, name, v WHERE v IS NOT NULL */
    exec_expr *f = exec_expr_is_null(&A, exec_expr_column(&A, ts, 2, &E), true, &E);
    exec_op *scan = f ? exec_scan_new(&C, table, NULL, 0, f, &E) : NULL;
    exec_op *top = NULL;
    if (!scan) goto done;
    const arrow_schema *ss = exec_op_schema(scan);
    /* project: name, CASE WHEN v > 5 THEN 'big' ELSE 'small' END, v */
    exec_expr *cond[] = {exec_expr_compare(&A, EXEC_GT, exec_expr_column(&A, ss, 2, &E),
                                           exec_expr_literal(&A, exec_scalar_int(5), &E), &E)};
    exec_expr *res[] = {exec_expr_literal(&A, exec_scalar_str("big", -1), &E)};
    exec_expr *cs = cond[0] && res[0] ? exec_expr_case(&A, NULL, cond, res, 1,
                                                       exec_expr_literal(&A, exec_scalar_str("small", -1), &E), &E) : NULL;
    exec_expr *pe[] = {exec_expr_column(&A, ss, 1, &E), cs, exec_expr_column(&A, ss, 2, &E)};
    if (!pe[0] || !pe[1] || !pe[2]) {
        exec_op_free(scan);
        goto done;
    }
    const char *pn[] = {"name", "size", "v"};
    exec_op *proj = exec_project_new(&C, scan, pe, pn, 3, &E);
    if (!proj) goto done;
    exec_op *dsrc = exec_batches_new(&C, &dim->schema, &dim->batch, 1, &E);
    if (!dsrc) {
        exec_op_free(proj);
        goto done;
    }
    exec_expr *lk[] = {exec_expr_column(&A, exec_op_schema(proj), 0, &E)};
    exec_expr *rk[] = {exec_expr_column(&A, &dim->schema, 0, &E)};
    if (!lk[0] || !rk[0]) {
        exec_op_free(proj);
        exec_op_free(dsrc);
        goto done;
    }
    exec_op *join = exec_hash_join_new(&C, proj, dsrc, EXEC_JOIN_LEFT, lk, rk, 1, NULL, &E);
    if (!join) goto done;
    const arrow_schema *js = exec_op_schema(join);
    exec_expr *g[] = {exec_expr_column(&A, js, 1, &E), exec_expr_column(&A, js, 4, &E)};
    exec_agg_spec aggs[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"},
                            {EXEC_AGG_SUM, exec_expr_column(&A, js, 2, &E), false, "s"},
                            {EXEC_AGG_COUNT, exec_expr_column(&A, js, 0, &E), true, "d"}};
    if (!g[0] || !g[1] || !aggs[1].arg || !aggs[2].arg) {
        exec_op_free(join);
        goto done;
    }
    exec_op *agg = exec_agg_new(&C, join, g, NULL, 2, aggs, 3, &E);
    if (!agg) goto done;
    exec_sort_key k[] = {{exec_expr_column(&A, exec_op_schema(agg), 0, &E), false, false},
                         {exec_expr_column(&A, exec_op_schema(agg), 1, &E), false, false}};
    if (!k[0].expr || !k[1].expr) {
        exec_op_free(agg);
        goto done;
    }
    top = exec_sort_new(&C, agg, k, 2, 10, 0, &E);
    if (!top) goto done;
    arrow_batch *out = NULL;
    rc = exec_op_collect(top, &out, &E);
    if (!rc) {
        int64_t saved = aphx_alloc_fail_countdown;   /* the rendering is not under test */
        aphx_alloc_fail_countdown = 0;
        *rendered = strdup(tu_render_batch(out));
        aphx_alloc_fail_countdown = saved;
        arrow_batch_free(out);
    }
done:
    if (rc && rc != APHX_NOMEM) fail_msg("unexpected error %s: %s", aphx_rc_name(rc), E.msg);
    if (rc && E.code == APHX_OK && top) fail_msg("error without a message");
    exec_op_free(top);
    aphx_arena_destroy(&A);
    return rc;
}

static void test_every_allocation_fails(void **state)
{
    (void)state;
    tbatch *rows = tb_new("id:i64,name:str,v:i64", "1,2,3,4,5,6,7,8,9,10,11,12",
                          "a,b,c,a,b,c,a,NULL,x,a,b,c", "1,9,NULL,7,2,8,3,4,5,6,10,NULL");
    tbatch *dim = tb_new("name:str,label:str", "a,b,c,a", "A,B,C,A2");
    int32_t pk[] = {0};
    storage_table *table;
    assert_int_equal(storage_table_create(&rows->schema, pk, 1, &table, NULL), APHX_OK);
    assert_int_equal(storage_insert(table, rows->batch, NULL), APHX_OK);
    char *expected = NULL;
    assert_int_equal(run_pipeline(table, dim, &expected), APHX_OK);
    assert_non_null(expected);
    int failures = 0;
    for (int64_t k = 1; k < 100000; k++) {
        aphx_alloc_fail_countdown = k;
        char *got = NULL;
        aphx_rc rc = run_pipeline(table, dim, &got);
        bool reached = aphx_alloc_fail_countdown == 0;
        aphx_alloc_fail_countdown = 0;
        if (rc == APHX_OK) {
            if (strcmp(got, expected)) fail_msg("allocation %lld failed silently: got \"%s\"", (long long)k, got);
            free(got);
            if (!reached) break;   /* the k-th allocation never happened: done */
        } else {
            failures++;
        }
    }
    assert_true(failures > 50);
    free(expected);
    storage_table_free(table);
    tb_free(rows);
    tb_free(dim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
