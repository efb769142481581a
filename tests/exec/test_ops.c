/*
 * test_ops.c — physical operators on small hand-made batches: filter and
 * project over multi-batch inputs, limit/offset, hash aggregate (NULL
 * groups, varchar keys, COUNT DISTINCT, SUM overflow, the one-row rule for
 * no groups, empty input), hash joins of every type with NULL and
 * duplicate keys, nested-loop joins, sort stability and NULL ordering,
 * top-N, DISTINCT, set operations, VALUES, and EXPLAIN.
 */
#include "exec_test_util.h"

static aphx_arena A;
static aphx_error E;
static exec_ctx C;

#define COL(s, i) exec_expr_column(&A, (s), (i), &E)
#define LI(v) exec_expr_literal(&A, exec_scalar_int(v), &E)
#define LS(v) exec_expr_literal(&A, exec_scalar_str((v), -1), &E)

static int setup(void **state)
{
    (void)state;
    aphx_arena_init(&A, 4096);
    aphx_error_clear(&E);
    exec_ctx_init(&C);
    C.batch_rows = 3;   /* force multi-batch behaviour everywhere */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aphx_arena_destroy(&A);
    return 0;
}

/* A source over one or more tbatches with the same schema. */
static exec_op *src(tbatch *t)
{
    return exec_batches_new(&C, &t->schema, &t->batch, 1, &E);
}

static void test_filter_project_limit(void **state)
{
    tbatch *t = tb_new("a:i64,s:str", "1,2,3,4,5,6,7,NULL", "a,b,c,d,e,f,g,h");
    const arrow_schema *s = &t->schema;
    exec_op *f = exec_filter_new(&C, src(t), exec_expr_compare(&A, EXEC_GT, COL(s, 0), LI(2), &E), &E);
    exec_expr *p[] = {COL(s, 1), exec_expr_arith(&A, EXEC_MUL, COL(s, 0), LI(10), &E)};
    const char *names[] = {"s", "x"};
    exec_op *pr = exec_project_new(&C, f, p, names, 2, &E);
    assert_string_equal(exec_op_schema(pr)->fields[1].name, "x");
    assert_string_equal(tu_run(pr), "c,30;d,40;e,50;f,60;g,70");
    assert_string_equal(tu_run(exec_limit_new(&C, src(t), 3, 2, &E)), "3,c;4,d;5,e");
    assert_string_equal(tu_run(exec_limit_new(&C, src(t), -1, 6, &E)), "7,g;NULL,h");
    assert_string_equal(tu_run(exec_limit_new(&C, src(t), 0, 0, &E)), "");
    /* filter that rejects everything, and a NULL predicate result */
    assert_string_equal(tu_run(exec_filter_new(&C, src(t), exec_expr_compare(&A, EXEC_GT, COL(s, 0), LI(100), &E), &E)), "");
    assert_string_equal(tu_run(exec_filter_new(&C, src(t), exec_expr_is_null(&A, COL(s, 0), false, &E), &E)), "NULL,h");
    /* non-boolean predicate refused */
    assert_null(exec_filter_new(&C, src(t), COL(s, 0), &E));
    aphx_error_clear(&E);
    tb_free(t);
}

static void test_aggregate(void **state)
{
    tbatch *t = tb_new("g:str,v:i64,f:f64", "a,b,NULL,a,b,NULL,c,a", "1,2,3,NULL,5,6,NULL,1",
                       "0.5,1,NULL,2,3,4,NULL,0.5");
    const arrow_schema *s = &t->schema;
    exec_expr *g[] = {COL(s, 0)};
    exec_agg_spec aggs[] = {
        {EXEC_AGG_COUNT_STAR, NULL, false, "n"},
        {EXEC_AGG_COUNT, COL(s, 1), false, "cv"},
        {EXEC_AGG_SUM, COL(s, 1), false, "sv"},
        {EXEC_AGG_AVG, COL(s, 2), false, "af"},
        {EXEC_AGG_MIN, COL(s, 1), false, "mn"},
        {EXEC_AGG_MAX, COL(s, 2), false, "mx"},
        {EXEC_AGG_COUNT, COL(s, 1), true, "cd"},
    };
    exec_op *a = exec_agg_new(&C, src(t), g, NULL, 1, aggs, 7, &E);
    assert_non_null(a);
    exec_sort_key k[] = {{COL(exec_op_schema(a), 0), false, false}};
    /* groups in key order, NULL group last */
    assert_string_equal(tu_run(exec_sort_new(&C, a, k, 1, -1, 0, &E)),
                        "a,3,2,2,1,1,2,1;b,2,2,7,2,2,3,2;c,1,0,NULL,NULL,NULL,NULL,0;NULL,2,2,9,4,3,4,2");
    /* no groups: one row, even for empty input */
    exec_agg_spec all[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"}, {EXEC_AGG_SUM, COL(s, 1), false, "s"},
                           {EXEC_AGG_MIN, COL(s, 0), false, "m"}, {EXEC_AGG_MAX, COL(s, 0), false, "x"},
                           {EXEC_AGG_SUM, COL(s, 1), true, "sd"}};
    assert_string_equal(tu_run(exec_agg_new(&C, src(t), NULL, NULL, 0, all, 5, &E)), "8,18,a,c,17");
    exec_op *empty = exec_filter_new(&C, src(t), exec_expr_compare(&A, EXEC_LT, COL(s, 1), LI(-5), &E), &E);
    assert_string_equal(tu_run(exec_agg_new(&C, empty, NULL, NULL, 0, all, 5, &E)), "0,NULL,NULL,NULL,NULL");
    exec_op *empty2 = exec_filter_new(&C, src(t), exec_expr_compare(&A, EXEC_LT, COL(s, 1), LI(-5), &E), &E);
    assert_string_equal(tu_run(exec_agg_new(&C, empty2, g, NULL, 1, all, 5, &E)), "");
    tb_free(t);
    /* SUM overflow is an error */
    tbatch *o = tb_new("v:i64", "9223372036854775807,1");
    exec_agg_spec sum[] = {{EXEC_AGG_SUM, COL(&o->schema, 0), false, "s"}};
    assert_string_equal(tu_run(exec_agg_new(&C, src(o), NULL, NULL, 0, sum, 1, &E)), "ERROR 22003");
    tb_free(o);
    /* decimal SUM is exact, AVG is a double */
    tbatch *d = tb_new("v:dec(10;2)", "1.10,2.25,NULL,-0.35");
    exec_agg_spec ds[] = {{EXEC_AGG_SUM, COL(&d->schema, 0), false, "s"}, {EXEC_AGG_AVG, COL(&d->schema, 0), false, "a"},
                          {EXEC_AGG_MAX, COL(&d->schema, 0), false, "m"}};
    assert_string_equal(tu_run(exec_agg_new(&C, src(d), NULL, NULL, 0, ds, 3, &E)), "3.00,1,2.25");
    tb_free(d);
}

static void test_aggregate_multikey(void **state)
{
    tbatch *t = tb_new("a:i64,b:bool,d:date,v:f64", "1,1,2,1,NULL,NULL", "t,t,f,f,NULL,NULL",
                       "2020-01-01,2020-01-01,NULL,2020-01-02,NULL,NULL", "1,2,3,4,5,6");
    const arrow_schema *s = &t->schema;
    exec_expr *g[] = {COL(s, 0), COL(s, 1), COL(s, 2)};
    exec_agg_spec aggs[] = {{EXEC_AGG_SUM, COL(s, 3), false, "s"}, {EXEC_AGG_MIN, COL(s, 2), false, "md"}};
    exec_op *a = exec_agg_new(&C, src(t), g, NULL, 3, aggs, 2, &E);
    /* order of first appearance */
    assert_string_equal(tu_run(a), "1,true,2020-01-01,3,2020-01-01;2,false,NULL,3,NULL;1,false,2020-01-02,4,2020-01-02;NULL,NULL,NULL,11,NULL");
    tb_free(t);
}

static const char *join_run(exec_join_type type, tbatch *l, tbatch *r, bool hash)
{
    exec_expr *lk[] = {COL(&l->schema, 0)};
    exec_expr *rk[] = {COL(&r->schema, 0)};
    exec_op *j;
    if (hash) j = exec_hash_join_new(&C, src(l), src(r), type, lk, rk, 1, NULL, &E);
    else {
        arrow_schema both;
        assert_int_equal(exec_join_input_schema(&l->schema, &r->schema, &both), APHX_OK);
        exec_expr *pred = exec_expr_compare(&A, EXEC_EQ, COL(&both, 0), COL(&both, 2), &E);
        arrow_schema_free(&both);
        j = exec_nl_join_new(&C, src(l), src(r), type, pred, &E);
    }
    if (type == EXEC_JOIN_SEMI || type == EXEC_JOIN_ANTI || type == EXEC_JOIN_ANTI_NULL_AWARE)
        return tu_run(j);
    /* sort for a stable comparison: left key, left tag, right tag */
    const arrow_schema *s = exec_op_schema(j);
    exec_sort_key k[] = {{COL(s, 1), false, false}, {COL(s, 3), false, false}};
    return tu_run(exec_sort_new(&C, j, k, 2, -1, 0, &E));
}

static void test_joins(void **state)
{
    tbatch *l = tb_new("k:i64,lt:str", "1,2,2,NULL,4", "l1,l2a,l2b,lnull,l4");
    tbatch *r = tb_new("k:i64,rt:str", "2,2,3,NULL,1", "r2a,r2b,r3,rnull,r1");
    for (int h = 1; h >= 0; h--) {
        bool hash = h == 1;
        assert_string_equal(join_run(EXEC_JOIN_INNER, l, r, hash),
                            "1,l1,1,r1;2,l2a,2,r2a;2,l2a,2,r2b;2,l2b,2,r2a;2,l2b,2,r2b");
        assert_string_equal(join_run(EXEC_JOIN_LEFT, l, r, hash),
                            "1,l1,1,r1;2,l2a,2,r2a;2,l2a,2,r2b;2,l2b,2,r2a;2,l2b,2,r2b;4,l4,NULL,NULL;NULL,lnull,NULL,NULL");
        assert_string_equal(join_run(EXEC_JOIN_RIGHT, l, r, hash),
                            "1,l1,1,r1;2,l2a,2,r2a;2,l2a,2,r2b;2,l2b,2,r2a;2,l2b,2,r2b;NULL,NULL,3,r3;NULL,NULL,NULL,rnull");
        assert_string_equal(join_run(EXEC_JOIN_FULL, l, r, hash),
                            "1,l1,1,r1;2,l2a,2,r2a;2,l2a,2,r2b;2,l2b,2,r2a;2,l2b,2,r2b;4,l4,NULL,NULL;"
                            "NULL,lnull,NULL,NULL;NULL,NULL,3,r3;NULL,NULL,NULL,rnull");
        assert_string_equal(join_run(EXEC_JOIN_SEMI, l, r, hash), "1,l1;2,l2a;2,l2b");
        assert_string_equal(join_run(EXEC_JOIN_ANTI, l, r, hash), "NULL,lnull;4,l4");
    }
    /* NOT IN semantics: a NULL on the build side empties the result */
    assert_string_equal(join_run(EXEC_JOIN_ANTI_NULL_AWARE, l, r, true), "");
    tbatch *r2 = tb_new("k:i64,rt:str", "2,3", "x,y");
    assert_string_equal(join_run(EXEC_JOIN_ANTI_NULL_AWARE, l, r2, true), "1,l1;4,l4");
    tbatch *r0 = tb_new("k:i64,rt:str", "", "");
    assert_string_equal(join_run(EXEC_JOIN_ANTI_NULL_AWARE, l, r0, true), "1,l1;2,l2a;2,l2b;NULL,lnull;4,l4");
    assert_string_equal(join_run(EXEC_JOIN_INNER, l, r0, true), "");
    assert_string_equal(join_run(EXEC_JOIN_LEFT, l, r0, true),
                        "1,l1,NULL,NULL;2,l2a,NULL,NULL;2,l2b,NULL,NULL;4,l4,NULL,NULL;NULL,lnull,NULL,NULL");
    /* sparse build keys take the hashed (not the direct-indexed) path */
    tbatch *sl = tb_new("k:i64,lt:str", "-9000000000000,5,NULL,77777777777", "a,b,c,d");
    tbatch *sr = tb_new("k:i64,rt:str", "77777777777,-9000000000000,77777777777,NULL,6", "x,y,z,n,q");
    assert_string_equal(join_run(EXEC_JOIN_LEFT, sl, sr, true),
                        "-9000000000000,a,-9000000000000,y;5,b,NULL,NULL;NULL,c,NULL,NULL;"
                        "77777777777,d,77777777777,x;77777777777,d,77777777777,z");
    assert_string_equal(join_run(EXEC_JOIN_ANTI, sl, sr, true), "5,b;NULL,c");
    tb_free(sl);
    tb_free(sr);
    /* many duplicates: output is produced in bounded pieces, nothing lost */
    tbatch *dl = tb_new("k:i64,s:str", "1,1,1,1,1,2", "a,a,a,a,a,b");
    tbatch *dr = tb_new("k:i64,s:str", "1,1,1,1,1,1,1,2", "a,a,a,a,a,a,a,b");
    for (int key = 0; key < 2; key++) {
        exec_expr *dlk[] = {COL(&dl->schema, key)};
        exec_expr *drk[] = {COL(&dr->schema, key)};
        exec_op *j = exec_hash_join_new(&C, src(dl), src(dr), EXEC_JOIN_INNER, dlk, drk, 1, NULL, &E);
        exec_agg_spec cnt[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"},
                               {EXEC_AGG_SUM, COL(exec_op_schema(j), 2), false, "s"}};
        assert_string_equal(tu_run(exec_agg_new(&C, j, NULL, NULL, 0, cnt, 2, &E)), "36,37");
    }
    tb_free(dl);
    tb_free(dr);
    tb_free(r0);
    tb_free(r2);
    tb_free(l);
    tb_free(r);
}

static void test_join_residual_and_cross(void **state)
{
    tbatch *l = tb_new("k:i64,a:i64", "1,1,2", "10,20,30");
    tbatch *r = tb_new("k:i64,b:i64", "1,1,2", "15,25,5");
    arrow_schema both;
    assert_int_equal(exec_join_input_schema(&l->schema, &r->schema, &both), APHX_OK);
    exec_expr *lk[] = {COL(&l->schema, 0)};
    exec_expr *rk[] = {COL(&r->schema, 0)};
    /* LEFT JOIN ON l.k = r.k AND r.b > l.a */
    exec_expr *res = exec_expr_compare(&A, EXEC_GT, COL(&both, 3), COL(&both, 1), &E);
    assert_string_equal(tu_run(exec_hash_join_new(&C, src(l), src(r), EXEC_JOIN_LEFT, lk, rk, 1, res, &E)),
                        "1,10,1,15;1,10,1,25;1,20,1,25;2,30,NULL,NULL");
    assert_string_equal(tu_run(exec_nl_join_new(&C, src(l), src(r), EXEC_JOIN_CROSS, NULL, &E)),
                        "1,10,1,15;1,10,1,25;1,10,2,5;1,20,1,15;1,20,1,25;1,20,2,5;2,30,1,15;2,30,1,25;2,30,2,5");
    /* theta join: l.a < r.b */
    exec_expr *lt = exec_expr_compare(&A, EXEC_LT, COL(&both, 1), COL(&both, 3), &E);
    assert_string_equal(tu_run(exec_nl_join_new(&C, src(l), src(r), EXEC_JOIN_INNER, lt, &E)),
                        "1,10,1,15;1,10,1,25;1,20,1,25");
    /* mismatched key types are refused */
    tbatch *rs = tb_new("k:str", "1");
    exec_expr *sk[] = {COL(&rs->schema, 0)};
    assert_null(exec_hash_join_new(&C, src(l), src(rs), EXEC_JOIN_INNER, lk, sk, 1, NULL, &E));
    aphx_error_clear(&E);
    tb_free(rs);
    arrow_schema_free(&both);
    tb_free(l);
    tb_free(r);
}

static void test_sort(void **state)
{
    tbatch *t = tb_new("k:i64,tag:str,f:f64", "3,1,NULL,2,1,3,NULL,2", "a,b,c,d,e,f,g,h", "1,2,3,4,5,6,7,8");
    const arrow_schema *s = &t->schema;
    exec_sort_key asc[] = {{COL(s, 0), false, false}};
    /* stable: equal keys keep input order; NULLS LAST */
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), asc, 1, -1, 0, &E)),
                        "1,b,2;1,e,5;2,d,4;2,h,8;3,a,1;3,f,6;NULL,c,3;NULL,g,7");
    exec_sort_key desc_nf[] = {{COL(s, 0), true, true}};
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), desc_nf, 1, -1, 0, &E)),
                        "NULL,c,3;NULL,g,7;3,a,1;3,f,6;2,d,4;2,h,8;1,b,2;1,e,5");
    exec_sort_key two[] = {{COL(s, 0), false, true}, {COL(s, 2), true, false}};
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), two, 2, -1, 0, &E)),
                        "NULL,g,7;NULL,c,3;1,e,5;1,b,2;2,h,8;2,d,4;3,f,6;3,a,1");
    /* top-N keeps the same order as the full sort, with offset */
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), asc, 1, 3, 0, &E)), "1,b,2;1,e,5;2,d,4");
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), asc, 1, 3, 2, &E)), "2,d,4;2,h,8;3,a,1");
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), asc, 1, 100, 7, &E)), "NULL,g,7");
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), asc, 1, 0, 0, &E)), "");
    exec_sort_key bystr[] = {{COL(s, 1), true, false}};
    assert_string_equal(tu_run(exec_sort_new(&C, src(t), bystr, 1, 2, 0, &E)), "2,h,8;NULL,g,7");
    tbatch *e = tb_new("k:i64", "");
    exec_sort_key ek[] = {{COL(&e->schema, 0), false, false}};
    assert_string_equal(tu_run(exec_sort_new(&C, src(e), ek, 1, -1, 0, &E)), "");
    tb_free(e);
    tb_free(t);
}

/* Generic key paths: string join keys, two-column keys; int group keys with NULLs. */
static void test_generic_keys(void **state)
{
    tbatch *l = tb_new("s:str,n:i64", "a,b,NULL,a", "1,2,3,4");
    tbatch *r = tb_new("s:str,m:i64", "a,a,NULL,c", "10,20,30,40");
    exec_expr *lk[] = {COL(&l->schema, 0)};
    exec_expr *rk[] = {COL(&r->schema, 0)};
    assert_string_equal(tu_run(exec_hash_join_new(&C, src(l), src(r), EXEC_JOIN_LEFT, lk, rk, 1, NULL, &E)),
                        "a,1,a,10;a,1,a,20;b,2,NULL,NULL;NULL,3,NULL,NULL;a,4,a,10;a,4,a,20");
    exec_expr *lk2[] = {COL(&l->schema, 0), exec_expr_arith(&A, EXEC_MUL, COL(&l->schema, 1), LI(10), &E)};
    exec_expr *rk2[] = {COL(&r->schema, 0), COL(&r->schema, 1)};
    assert_string_equal(tu_run(exec_hash_join_new(&C, src(l), src(r), EXEC_JOIN_INNER, lk2, rk2, 2, NULL, &E)),
                        "a,1,a,10");
    assert_string_equal(tu_run(exec_hash_join_new(&C, src(l), src(r), EXEC_JOIN_ANTI_NULL_AWARE, lk, rk, 1, NULL, &E)), "");
    tbatch *g = tb_new("k:i64,v:i64", "1,NULL,1,2,NULL", "1,2,3,4,5");
    exec_expr *gk[] = {COL(&g->schema, 0)};
    exec_agg_spec a[] = {{EXEC_AGG_SUM, COL(&g->schema, 1), false, "s"}, {EXEC_AGG_COUNT, COL(&g->schema, 0), false, "c"}};
    assert_string_equal(tu_run(exec_agg_new(&C, src(g), gk, NULL, 1, a, 2, &E)), "1,4,2;NULL,7,0;2,4,1");
    tb_free(g);
    tb_free(l);
    tb_free(r);
}

static void test_distinct_setops(void **state)
{
    tbatch *a = tb_new("x:i64,s:str", "1,2,1,NULL,NULL,3", "a,b,a,n,n,c");
    tbatch *b = tb_new("x:i64,s:str", "3,NULL,4,1", "c,n,d,z");
    assert_string_equal(tu_run(exec_distinct_new(&C, src(a), &E)), "1,a;2,b;NULL,n;3,c");
    assert_string_equal(tu_run(exec_setop_new(&C, EXEC_UNION_ALL, src(a), src(b), &E)),
                        "1,a;2,b;1,a;NULL,n;NULL,n;3,c;3,c;NULL,n;4,d;1,z");
    assert_string_equal(tu_run(exec_setop_new(&C, EXEC_UNION, src(a), src(b), &E)), "1,a;2,b;NULL,n;3,c;4,d;1,z");
    assert_string_equal(tu_run(exec_setop_new(&C, EXEC_INTERSECT, src(a), src(b), &E)), "NULL,n;3,c");
    assert_string_equal(tu_run(exec_setop_new(&C, EXEC_EXCEPT, src(a), src(b), &E)), "1,a;2,b");
    tbatch *c = tb_new("x:str", "q");
    assert_null(exec_setop_new(&C, EXEC_UNION, src(a), src(c), &E));
    aphx_error_clear(&E);
    tb_free(c);
    tb_free(a);
    tb_free(b);
}

static void test_values_and_explain(void **state)
{
    exec_expr *cells[] = {
        exec_expr_literal(&A, exec_scalar_int(1), &E), LS("one"),
        exec_expr_literal(&A, exec_scalar_null(), &E), LS("two"),
        exec_expr_arith(&A, EXEC_ADD, LI(1), LI(2), &E), exec_expr_literal(&A, exec_scalar_null(), &E),
    };
    const char *names[] = {"n", "s"};
    exec_op *v = exec_values_new(&C, names, 2, cells, 3, &E);
    assert_non_null(v);
    assert_int_equal(exec_op_schema(v)->fields[0].type.id, ARROW_INT64);
    const arrow_schema *s = exec_op_schema(v);
    exec_op *f = exec_filter_new(&C, v, exec_expr_is_null(&A, COL(s, 0), true, &E), &E);
    exec_sort_key k[] = {{COL(s, 0), true, false}};
    exec_op *top = exec_sort_new(&C, f, k, 1, 5, 0, &E);
    aphx_buf b;
    aphx_buf_init(&b);
    exec_op_explain(top, &b);
    assert_string_equal(b.data, "Sort #0 DESC NULLS LAST top-N limit=5 offset=0\n"
                                "  Filter (#0 IS NOT NULL)\n"
                                "    Values (3 rows)\n");
    aphx_buf_free(&b);
    assert_string_equal(tu_run(top), "3,NULL;1,one");
    /* mixed types in a VALUES column are refused */
    exec_expr *bad[] = {LI(1), LS("x")};
    assert_null(exec_values_new(&C, NULL, 1, bad, 2, &E));
    aphx_error_clear(&E);
}

/* Errors are sticky: the next call repeats the same error. */
static void test_sticky_error(void **state)
{
    tbatch *t = tb_new("a:i64", "1,0,2");
    exec_expr *p[] = {exec_expr_arith(&A, EXEC_DIV, LI(1), COL(&t->schema, 0), &E)};
    exec_op *op = exec_project_new(&C, src(t), p, NULL, 1, &E);
    arrow_batch *b;
    aphx_error err;
    assert_int_equal(exec_op_next(op, &b, &err), APHX_INVALID);
    char st[6];
    assert_string_equal(exec_sqlstate(&err, st), "22012");
    aphx_error_clear(&err);
    assert_int_equal(exec_op_next(op, &b, &err), APHX_INVALID);
    assert_string_equal(exec_sqlstate(&err, st), "22012");
    exec_op_free(op);
    tb_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filter_project_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_multikey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_join_residual_and_cross, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generic_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_distinct_setops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_and_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sticky_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
