/*
 * test_expr.c — expression kernels: arithmetic with NULL propagation,
 * overflow and division errors (and the SQLite-compatible mode), mixed
 * int/float promotion, comparisons on every type, three-valued logic truth
 * tables, IS [NOT] NULL / DISTINCT FROM, BETWEEN, IN, LIKE corner cases,
 * CASE (lazy branches), CAST, COALESCE, NULLIF, ||, scalar functions, and
 * slices with offsets.
 */
#include "exec_test_util.h"

static aphx_arena A;
static aphx_error E;

#define COL(t, i) exec_expr_column(&A, &(t)->schema, (i), &E)
#define LI(v) exec_expr_literal(&A, exec_scalar_int(v), &E)
#define LF(v) exec_expr_literal(&A, exec_scalar_float(v), &E)
#define LS(v) exec_expr_literal(&A, exec_scalar_str((v), -1), &E)
#define LB(v) exec_expr_literal(&A, exec_scalar_bool(v), &E)
#define LNULL exec_expr_literal(&A, exec_scalar_null(), &E)

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

static void test_arith_ints(void **state)
{
    tbatch *t = tb_new("a:i64,b:i64", "1,2,NULL,-7,10", "3,NULL,4,2,-3");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), COL(t, 1), &E)), "4,NULL,NULL,-5,7");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_SUB, COL(t, 0), COL(t, 1), &E)), "-2,NULL,NULL,-9,13");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MUL, COL(t, 0), COL(t, 1), &E)), "3,NULL,NULL,-14,-30");
    /* integer division truncates toward zero, % takes the dividend's sign */
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), COL(t, 1), &E)), "0,NULL,NULL,-3,-3");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MOD, COL(t, 0), COL(t, 1), &E)), "1,NULL,NULL,-1,1");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), LI(100), &E)), "101,102,NULL,93,110");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_SUB, LI(100), COL(t, 0), &E)), "99,98,NULL,107,90");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), LNULL, &E)), "NULL,NULL,NULL,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_negate(&A, COL(t, 0), &E)), "-1,-2,NULL,7,-10");
    /* constant folding over a batch still yields batch length */
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MUL, LI(6), LI(7), &E)), "42,42,42,42,42");
    tb_free(t);
}

static void test_arith_overflow(void **state)
{
    tbatch *t = tb_new("a:i64,b:i64", "9223372036854775807,1,-9223372036854775808", "1,2,NULL");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), COL(t, 1), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MUL, COL(t, 0), LI(2), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_SUB, COL(t, 0), LI(-1), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_negate(&A, COL(t, 0), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), LI(-1), &E)), "ERROR 22003");
    tb_free(t);
    /* Overflow behind a NULL does not raise. */
    tbatch *u = tb_new("a:i64,b:i64", "9223372036854775807,5", "NULL,1");
    assert_string_equal(tu_eval(u, exec_expr_arith(&A, EXEC_ADD, COL(u, 0), COL(u, 1), &E)), "NULL,6");
    tb_free(u);
}

static void test_division_by_zero(void **state)
{
    tbatch *t = tb_new("a:i64,b:i64,f:f64", "7,8,NULL", "0,2,0", "1.5,0,2");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), COL(t, 1), &E)), "ERROR 22012");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MOD, COL(t, 0), COL(t, 1), &E)), "ERROR 22012");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 2), COL(t, 1), &E)), "ERROR 22012");
    /* 0 divisor only on a NULL dividend row: fine */
    tbatch *u = tb_new("a:i64,b:i64", "NULL,9", "0,3");
    assert_string_equal(tu_eval(u, exec_expr_arith(&A, EXEC_DIV, COL(u, 0), COL(u, 1), &E)), "NULL,3");
    exec_ctx lite;
    exec_ctx_init(&lite);
    lite.sqlite_compat = true;
    assert_string_equal(tu_eval_ctx(&lite, t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), COL(t, 1), &E)), "NULL,4,NULL");
    assert_string_equal(tu_eval_ctx(&lite, t, exec_expr_arith(&A, EXEC_MOD, COL(t, 0), COL(t, 1), &E)), "NULL,0,NULL");
    assert_string_equal(tu_eval_ctx(&lite, t, exec_expr_arith(&A, EXEC_DIV, COL(t, 2), COL(t, 1), &E)), "NULL,0,NULL");
    tb_free(t);
    tb_free(u);
}

static void test_mixed_promotion(void **state)
{
    tbatch *t = tb_new("a:i64,f:f64,n:i32", "1,2,3", "0.5,NULL,-1", "10,20,NULL");
    exec_expr *e = exec_expr_arith(&A, EXEC_ADD, COL(t, 0), COL(t, 1), &E);
    assert_int_equal(e->type.id, ARROW_FLOAT64);
    assert_string_equal(tu_eval(t, e), "1.5,NULL,2");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), LF(2), &E)), "0.5,1,1.5");
    /* int32 columns widen to int64 */
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MUL, COL(t, 2), COL(t, 0), &E)), "10,40,NULL");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_LT, COL(t, 0), COL(t, 1), &E)), "false,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_EQ, COL(t, 0), LF(2.0), &E)), "false,true,false");
    /* text + int is a type error at construction */
    assert_null(exec_expr_arith(&A, EXEC_ADD, COL(t, 0), LS("x"), &E));
    char st[6];
    assert_string_equal(exec_sqlstate(&E, st), "42883");
    aphx_error_clear(&E);
    tb_free(t);
}

static void test_compare_types(void **state)
{
    tbatch *t = tb_new("s:str,u:str,d:date,b:bool", "apple,b,NULL,''", "apricot,b,x,a", "2020-01-01,2021-06-30,NULL,1999-12-31",
                       "t,f,NULL,t");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_LT, COL(t, 0), COL(t, 1), &E)), "true,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_EQ, COL(t, 0), COL(t, 1), &E)), "false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_GE, COL(t, 0), LS("b"), &E)), "false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_GT, COL(t, 2), LS("2020-06-01"), &E)), "false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_NE, COL(t, 3), LB(true), &E)), "false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_LE, COL(t, 3), LB(false), &E)), "false,true,NULL,false");
    assert_null(exec_expr_compare(&A, EXEC_EQ, COL(t, 3), LI(1), &E));
    aphx_error_clear(&E);
    tb_free(t);
}

/* AND/OR/NOT over all nine combinations of TRUE/FALSE/NULL. */
static void test_three_valued_logic(void **state)
{
    tbatch *t = tb_new("a:bool,b:bool", "t,t,t,f,f,f,NULL,NULL,NULL", "t,f,NULL,t,f,NULL,t,f,NULL");
    assert_string_equal(tu_eval(t, exec_expr_and(&A, COL(t, 0), COL(t, 1), &E)),
                        "true,false,NULL,false,false,false,NULL,false,NULL");
    assert_string_equal(tu_eval(t, exec_expr_or(&A, COL(t, 0), COL(t, 1), &E)),
                        "true,true,true,true,false,NULL,true,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_not(&A, COL(t, 0), &E)),
                        "false,false,false,true,true,true,NULL,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_and(&A, COL(t, 0), LNULL, &E)),
                        "NULL,NULL,NULL,false,false,false,NULL,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_or(&A, LB(true), COL(t, 1), &E)),
                        "true,true,true,true,true,true,true,true,true");
    assert_string_equal(tu_eval(t, exec_expr_is_null(&A, COL(t, 0), false, &E)),
                        "false,false,false,false,false,false,true,true,true");
    assert_string_equal(tu_eval(t, exec_expr_is_null(&A, COL(t, 1), true, &E)),
                        "true,true,false,true,true,false,true,true,false");
    assert_string_equal(tu_eval(t, exec_expr_is_distinct(&A, COL(t, 0), COL(t, 1), false, &E)),
                        "false,true,true,true,false,true,true,true,false");
    assert_string_equal(tu_eval(t, exec_expr_is_distinct(&A, COL(t, 0), COL(t, 1), true, &E)),
                        "true,false,false,false,true,false,false,false,true");
    assert_null(exec_expr_and(&A, COL(t, 0), LI(1), &E));
    aphx_error_clear(&E);
    tb_free(t);
}

static void test_between_in(void **state)
{
    tbatch *t = tb_new("x:i64", "1,5,10,NULL,11");
    assert_string_equal(tu_eval(t, exec_expr_between(&A, COL(t, 0), LI(5), LI(10), false, &E)), "false,true,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_between(&A, COL(t, 0), LI(5), LI(10), true, &E)), "true,false,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_between(&A, COL(t, 0), LNULL, LI(4), false, &E)), "NULL,false,false,NULL,false");
    exec_expr *l1[] = {LI(1), LI(10), LI(99)};
    assert_string_equal(tu_eval(t, exec_expr_in(&A, COL(t, 0), l1, 3, false, &E)), "true,false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_in(&A, COL(t, 0), l1, 3, true, &E)), "false,true,false,NULL,true");
    exec_expr *l2[] = {LI(1), LNULL};
    assert_string_equal(tu_eval(t, exec_expr_in(&A, COL(t, 0), l2, 2, false, &E)), "true,NULL,NULL,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_in(&A, COL(t, 0), l2, 2, true, &E)), "false,NULL,NULL,NULL,NULL");
    exec_expr *l3[] = {LF(5.0), LI(11)};
    assert_string_equal(tu_eval(t, exec_expr_in(&A, COL(t, 0), l3, 2, false, &E)), "false,true,false,NULL,true");
    tb_free(t);
}

static void test_like(void **state)
{
    tbatch *t = tb_new("s:str", "hello,Hello,'',h,hxllo,he%lo,héllo,NULL,abcabc");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("h%"), NULL, false, &E)),
                        "true,false,false,true,true,true,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("h_llo"), NULL, false, &E)),
                        "true,false,false,false,true,false,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("%"), NULL, false, &E)),
                        "true,true,true,true,true,true,true,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS(""), NULL, false, &E)),
                        "false,false,true,false,false,false,false,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("%lo"), NULL, true, &E)),
                        "false,false,true,true,false,false,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("%l%"), NULL, false, &E)),
                        "true,true,false,false,true,true,true,NULL,false");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("%bc"), NULL, false, &E)),
                        "false,false,false,false,false,false,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("a%c%c"), NULL, false, &E)),
                        "false,false,false,false,false,false,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("_"), NULL, false, &E)),
                        "false,false,false,true,false,false,false,NULL,false");
    /* ESCAPE: he\%lo matches only the literal percent */
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LS("he!%lo"), LS("!"), false, &E)),
                        "false,false,false,false,false,true,false,NULL,false");
    /* trailing escape is an error at construction (literal pattern) */
    assert_null(exec_expr_like(&A, COL(t, 0), LS("ab!"), LS("!"), false, &E));
    char st[6];
    assert_string_equal(exec_sqlstate(&E, st), "22025");
    aphx_error_clear(&E);
    /* NULL pattern */
    assert_string_equal(tu_eval(t, exec_expr_like(&A, COL(t, 0), LNULL, NULL, false, &E)),
                        "NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL");
    /* per-row patterns */
    tbatch *u = tb_new("s:str,p:str", "abc,abc,xyz", "a%,_b_,%y");
    assert_string_equal(tu_eval(u, exec_expr_like(&A, COL(u, 0), COL(u, 1), NULL, false, &E)), "true,true,false");
    tb_free(u);
    tb_free(t);
}

static void test_case_lazy(void **state)
{
    tbatch *t = tb_new("x:i64", "0,2,NULL,5");
    /* CASE WHEN x = 0 THEN 0 ELSE 10 / x END: never divides by zero */
    exec_expr *cond[] = {exec_expr_compare(&A, EXEC_EQ, COL(t, 0), LI(0), &E)};
    exec_expr *res[] = {LI(0)};
    exec_expr *e = exec_expr_case(&A, NULL, cond, res, 1, exec_expr_arith(&A, EXEC_DIV, LI(10), COL(t, 0), &E), &E);
    assert_string_equal(tu_eval(t, e), "0,5,NULL,2");
    /* Simple CASE with no ELSE -> NULL */
    exec_expr *whens[] = {LI(2), LI(5)};
    exec_expr *thens[] = {LS("two"), LS("five")};
    assert_string_equal(tu_eval(t, exec_expr_case(&A, COL(t, 0), whens, thens, 2, NULL, &E)), "NULL,two,NULL,five");
    /* mixed int/float results promote */
    exec_expr *c2[] = {exec_expr_compare(&A, EXEC_GT, COL(t, 0), LI(1), &E)};
    exec_expr *r2[] = {LF(0.5)};
    assert_string_equal(tu_eval(t, exec_expr_case(&A, NULL, c2, r2, 1, LI(7), &E)), "7,0.5,7,0.5");
    tb_free(t);
}

static void test_coalesce_nullif_concat(void **state)
{
    tbatch *t = tb_new("a:i64,b:i64,s:str", "NULL,1,NULL", "2,9,NULL", "x,NULL,z");
    exec_expr *args[] = {COL(t, 0), COL(t, 1), LI(-1)};
    assert_string_equal(tu_eval(t, exec_expr_coalesce(&A, args, 3, &E)), "2,1,-1");
    /* COALESCE stops before a branch that would fail */
    exec_expr *args2[] = {LI(3), exec_expr_arith(&A, EXEC_DIV, LI(1), LI(0), &E)};
    assert_string_equal(tu_eval(t, exec_expr_coalesce(&A, args2, 2, &E)), "3,3,3");
    assert_string_equal(tu_eval(t, exec_expr_nullif(&A, COL(t, 1), LI(9), &E)), "2,NULL,NULL");
    assert_string_equal(tu_eval(t, exec_expr_concat(&A, COL(t, 2), LS("!"), &E)), "x!,NULL,z!");
    assert_string_equal(tu_eval(t, exec_expr_concat(&A, COL(t, 2), COL(t, 1), &E)), "x2,NULL,NULL");
    tb_free(t);
}

static void test_cast(void **state)
{
    tbatch *t = tb_new("s:str,f:f64,i:i64", " 42 ,abc,1e3,NULL", "1.5,-2.5,1e30,NULL", "1,0,300,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 0), exec_type_of(ARROW_INT64), &E)), "ERROR 22P02");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 0), exec_type_of(ARROW_FLOAT64), &E)), "ERROR 22P02");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 1), exec_type_of(ARROW_INT64), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 2), exec_type_of(ARROW_INT8), &E)), "ERROR 22003");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 2), exec_type_of(ARROW_INT16), &E)), "1,0,300,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 2), exec_type_of(ARROW_BOOL), &E)), "true,false,true,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 2), exec_type_of(ARROW_UTF8), &E)), "1,0,300,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 1), exec_type_of(ARROW_UTF8), &E)), "1.5,-2.5,1e+30,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, COL(t, 2), exec_type_decimal(10, 2), &E)), "1.00,0.00,300.00,NULL");
    assert_string_equal(tu_eval(t, exec_expr_cast(&A, exec_expr_cast(&A, COL(t, 2), exec_type_decimal(10, 2), &E),
                                                  exec_type_of(ARROW_UTF8), &E)), "1.00,0.00,300.00,NULL");
    tbatch *u = tb_new("s:str,f:f64", "2024-02-29,12.345,true,NULL", "1.5,-2.5,2.49,NULL");
    /* float -> int rounds half away from zero */
    assert_string_equal(tu_eval(u, exec_expr_cast(&A, COL(u, 1), exec_type_of(ARROW_INT64), &E)), "2,-3,2,NULL");
    exec_ctx lite;
    exec_ctx_init(&lite);
    lite.sqlite_compat = true;
    assert_string_equal(tu_eval_ctx(&lite, u, exec_expr_cast(&A, COL(u, 1), exec_type_of(ARROW_INT64), &E)), "1,-2,2,NULL");
    assert_string_equal(tu_eval(u, exec_expr_cast(&A, COL(u, 1), exec_type_decimal(5, 1), &E)), "1.5,-2.5,2.5,NULL");
    tbatch *v = tb_new("s:str", "2024-02-29,1970-01-01,NULL");
    assert_string_equal(tu_eval(v, exec_expr_cast(&A, COL(v, 0), exec_type_of(ARROW_DATE32), &E)), "2024-02-29,1970-01-01,NULL");
    tbatch *w = tb_new("s:str", "2023-02-29");
    assert_string_equal(tu_eval(w, exec_expr_cast(&A, COL(w, 0), exec_type_of(ARROW_DATE32), &E)), "ERROR 22008");
    tbatch *x = tb_new("s:str", "12.345,-0.005,7");
    assert_string_equal(tu_eval(x, exec_expr_cast(&A, COL(x, 0), exec_type_decimal(6, 2), &E)), "12.35,-0.01,7.00");
    tbatch *y = tb_new("s:str", "yes,OFF,t,0");
    assert_string_equal(tu_eval(y, exec_expr_cast(&A, COL(y, 0), exec_type_of(ARROW_BOOL), &E)), "true,false,true,false");
    tb_free(t);
    tb_free(u);
    tb_free(v);
    tb_free(w);
    tb_free(x);
    tb_free(y);
}

static void test_decimal_arith(void **state)
{
    tbatch *t = tb_new("a:dec(10;2),b:dec(10;3),i:i64", "1.25,-3.10,NULL,99999999.99", "0.125,2.000,1,0.001",
                       "2,3,4,0");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), COL(t, 1), &E)),
                        "1.375,-1.100,NULL,99999999.991");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_SUB, COL(t, 0), COL(t, 2), &E)),
                        "-0.75,-6.10,NULL,99999999.99");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_MUL, COL(t, 0), COL(t, 1), &E)),
                        "0.15625,-6.20000,NULL,99999.99999");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), LI(3), &E)),
                        "0.416667,-1.033333,NULL,33333333.330000");
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_DIV, COL(t, 0), COL(t, 2), &E)), "ERROR 22012");
    exec_expr *big = exec_expr_cast(&A, LS("99999999999999999999999999999999999999"), exec_type_decimal(38, 0), &E);
    assert_string_equal(tu_eval(t, exec_expr_arith(&A, EXEC_ADD, big, LI(1), &E)), "ERROR 22003");
    /* exact comparisons across scales and with integers */
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_GT, COL(t, 0), COL(t, 1), &E)), "true,false,NULL,true");
    assert_string_equal(tu_eval(t, exec_expr_compare(&A, EXEC_EQ, COL(t, 1), LI(2), &E)), "false,true,false,false");
    /* with a float the result is a float */
    assert_int_equal(exec_expr_arith(&A, EXEC_ADD, COL(t, 0), LF(1.0), &E)->type.id, ARROW_FLOAT64);
    tb_free(t);
}

static exec_expr *fn(const char *name, exec_expr *a, exec_expr *b, exec_expr *c)
{
    exec_expr *args[3] = {a, b, c};
    int32_t n = c ? 3 : b ? 2 : a ? 1 : 0;
    return exec_expr_func(&A, name, args, n, &E);
}

static void test_functions(void **state)
{
    tbatch *t = tb_new("i:i64,f:f64,s:str", "-3,0,NULL,7", "-2.5,0.49,9,NULL", "  Hello ,wörld,NULL,abcabc");
    assert_string_equal(tu_eval(t, fn("abs", COL(t, 0), NULL, NULL)), "3,0,NULL,7");
    assert_string_equal(tu_eval(t, fn("ABS", COL(t, 1), NULL, NULL)), "2.5,0.49,9,NULL");
    assert_string_equal(tu_eval(t, fn("sign", COL(t, 0), NULL, NULL)), "-1,0,NULL,1");
    assert_string_equal(tu_eval(t, fn("round", COL(t, 1), NULL, NULL)), "-3,0,9,NULL");
    assert_string_equal(tu_eval(t, fn("round", COL(t, 1), LI(1), NULL)), "-2.5,0.5,9,NULL");
    assert_string_equal(tu_eval(t, fn("floor", COL(t, 1), NULL, NULL)), "-3,0,9,NULL");
    assert_string_equal(tu_eval(t, fn("ceil", COL(t, 1), NULL, NULL)), "-2,1,9,NULL");
    assert_string_equal(tu_eval(t, fn("sqrt", COL(t, 1), NULL, NULL)), "ERROR 2201F");
    assert_string_equal(tu_eval(t, fn("power", LI(2), LI(10), NULL)), "1024,1024,1024,1024");
    assert_string_equal(tu_eval(t, fn("mod", COL(t, 0), LI(2), NULL)), "-1,0,NULL,1");
    assert_string_equal(tu_eval(t, fn("length", COL(t, 2), NULL, NULL)), "8,5,NULL,6");
    assert_string_equal(tu_eval(t, fn("upper", COL(t, 2), NULL, NULL)), "  HELLO ,WöRLD,NULL,ABCABC");
    assert_string_equal(tu_eval(t, fn("lower", COL(t, 2), NULL, NULL)), "  hello ,wörld,NULL,abcabc");
    assert_string_equal(tu_eval(t, fn("trim", COL(t, 2), NULL, NULL)), "Hello,wörld,NULL,abcabc");
    assert_string_equal(tu_eval(t, fn("ltrim", COL(t, 2), NULL, NULL)), "Hello ,wörld,NULL,abcabc");
    assert_string_equal(tu_eval(t, fn("rtrim", COL(t, 2), LS("cb"), NULL)), "  Hello ,wörld,NULL,abca");
    assert_string_equal(tu_eval(t, fn("substr", COL(t, 2), LI(2), LI(3))), " He,örl,NULL,bca");
    assert_string_equal(tu_eval(t, fn("substr", COL(t, 2), LI(0), LI(2))), " ,w,NULL,a");
    assert_string_equal(tu_eval(t, fn("substr", COL(t, 2), LI(4), NULL)), "ello ,ld,NULL,abc");
    assert_string_equal(tu_eval(t, fn("replace", COL(t, 2), LS("bc"), LS("X"))), "  Hello ,wörld,NULL,aXaX");
    assert_string_equal(tu_eval(t, fn("instr", COL(t, 2), LS("l"), NULL)), "5,4,NULL,0");
    assert_null(fn("nosuchfn", LI(1), NULL, NULL));
    aphx_error_clear(&E);
    assert_null(fn("length", LI(1), NULL, NULL));
    aphx_error_clear(&E);
    tbatch *d = tb_new("d:date", "2024-03-05,NULL");
    assert_string_equal(tu_eval(d, fn("to_char", COL(d, 0), LS("DD/MM/YYYY"), NULL)), "05/03/2024,NULL");
    exec_ctx ctx;
    exec_ctx_init(&ctx);
    ctx.now_us = ((int64_t)tu_days("2024-03-05") * 86400 + 3723) * 1000000;
    assert_string_equal(tu_eval_ctx(&ctx, d, fn("current_date", NULL, NULL, NULL)), "2024-03-05,2024-03-05");
    assert_string_equal(tu_eval_ctx(&ctx, d, fn("to_char", fn("now", NULL, NULL, NULL), LS("HH24:MI:SS"), NULL)),
                        "01:02:03,01:02:03");
    /* date arithmetic */
    assert_string_equal(tu_eval(d, exec_expr_arith(&A, EXEC_ADD, COL(d, 0), LI(30), &E)), "2024-04-04,NULL");
    tb_free(d);
    tb_free(t);
}

/* Kernels must honour array offsets (slices) on values and validity. */
static void test_slices(void **state)
{
    tbatch *t = tb_new("a:i64,b:bool,s:str", "1,2,3,NULL,5,6,7,8,9,10,11", "t,f,NULL,t,t,f,f,t,NULL,t,f",
                       "a,b,c,d,NULL,f,g,h,i,j,k");
    arrow_batch *s = arrow_batch_slice(t->batch, 3, 7);
    tbatch view = {t->schema, s};
    view.batch->schema = &t->schema;
    assert_string_equal(tu_eval(&view, exec_expr_arith(&A, EXEC_ADD, COL(t, 0), LI(1), &E)), "NULL,6,7,8,9,10,11");
    assert_string_equal(tu_eval(&view, exec_expr_not(&A, COL(t, 1), &E)), "false,false,true,true,false,NULL,false");
    assert_string_equal(tu_eval(&view, exec_expr_concat(&A, COL(t, 2), LS("."), &E)), "d.,NULL,f.,g.,h.,i.,j.");
    exec_expr *c[] = {COL(t, 1)};
    exec_expr *r[] = {COL(t, 2)};
    assert_string_equal(tu_eval(&view, exec_expr_case(&A, NULL, c, r, 1, LS("-"), &E)), "d,NULL,-,-,h,-,j");
    arrow_batch_free(s);
    tb_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_arith_ints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arith_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_division_by_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_promotion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_valued_logic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_between_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_like, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_lazy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coalesce_nullif_concat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
