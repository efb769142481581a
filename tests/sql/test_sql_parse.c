/*
 * test_sql_parse.c — unit tests of the SQL front end (src/sql): tokenizer
 * positions, every construct of issue 4 through parse → print (canonical
 * text checked literally, and print → parse → print checked to be a
 * fixpoint), AST shapes where precedence matters, error SQLSTATEs and
 * positions, the caret renderer, script splitting with source spans, the
 * nesting limit and allocation-failure injection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sql/sql.h"

static aphx_arena arena;

static int setup(void **state)
{
    aphx_arena_init(&arena, 16 * 1024);
    return 0;
}

static int teardown(void **state)
{
    aphx_arena_destroy(&arena);
    return 0;
}

/* Parse one statement or fail the test with the rendered error. */
static sql_stmt *parse_ok(const char *sql)
{
    sql_stmt *s = NULL;
    sql_error err;
    aphx_rc rc = sql_parse_statement(&arena, sql, strlen(sql), &s, &err);
    if (rc != APHX_OK) {
        aphx_buf msg;
        aphx_buf_init(&msg);
        sql_error_render(&err, sql, strlen(sql), &msg);
        print_error("parse failed: %s\n%s", sql, msg.data);
        aphx_buf_free(&msg);
        fail();
    }
    return s;
}

static char *print_stmt(const sql_stmt *s)
{
    aphx_buf b;
    aphx_buf_init(&b);
    sql_print_statement(s, &b);
    assert_false(b.oom);
    char *text = aphx_arena_strdup(&arena, b.data ? b.data : "");
    aphx_buf_free(&b);
    return text;
}

/* sql parses, prints as `canonical`, and the canonical text is a fixpoint. */
static void roundtrip(const char *sql, const char *canonical)
{
    char *once = print_stmt(parse_ok(sql));
    if (strcmp(once, canonical) != 0) {
        print_error("input:    %s\nexpected: %s\nprinted:  %s\n", sql, canonical, once);
        fail();
    }
    char *twice = print_stmt(parse_ok(once));
    assert_string_equal(once, twice);
}

/* sql fails with this SQLSTATE at line/column and a message holding `needle`. */
static void parse_fails(const char *sql, const char *sqlstate, uint32_t line, uint32_t column,
                        const char *needle)
{
    sql_script script;
    sql_error err;
    aphx_rc rc = sql_parse_script(&arena, sql, strlen(sql), &script, &err);
    assert_int_not_equal(rc, APHX_OK);
    assert_int_equal(err.base.code, rc);
    if (strcmp(err.sqlstate, sqlstate) != 0 || err.pos.line != line || err.pos.column != column ||
        !strstr(err.base.msg, needle)) {
        print_error("input: %s\nerror: %s %u:%u %s\nwanted: %s %u:%u ...%s...\n", sql,
                    err.sqlstate, err.pos.line, err.pos.column, err.base.msg, sqlstate, line,
                    column, needle);
        fail();
    }
}

static sql_expr *expr_ok(const char *text)
{
    sql_expr *e = NULL;
    sql_error err;
    if (sql_parse_expression(&arena, text, strlen(text), &e, &err) != APHX_OK) {
        print_error("expression failed: %s: %s\n", text, err.base.msg);
        fail();
    }
    return e;
}

/* ------------------------------------------------------------------ */
/* Tokenizer                                                           */
/* ------------------------------------------------------------------ */
static void test_tokens_kinds_and_positions(void **state)
{
    const char *sql = "SELECT a,'it''s' \"Mixed\"\n  -- comment ; here\n"
                      "/* c\n */ x <> 1.5e3 .5 7. 42 ? $2 X'0aFF' || != <= >= == % ~";
    struct { sql_token_kind kind; uint32_t line, column, len; } want[] = {
        {SQL_TOK_IDENT, 1, 1, 6}, {SQL_TOK_IDENT, 1, 8, 1}, {SQL_TOK_COMMA, 1, 9, 1},
        {SQL_TOK_STRING, 1, 10, 7}, {SQL_TOK_QUOTED_IDENT, 1, 18, 7},
        {SQL_TOK_IDENT, 4, 5, 1}, {SQL_TOK_NE, 4, 7, 2}, {SQL_TOK_FLOAT, 4, 10, 5},
        {SQL_TOK_DECIMAL, 4, 16, 2}, {SQL_TOK_DECIMAL, 4, 19, 2}, {SQL_TOK_INTEGER, 4, 22, 2},
        {SQL_TOK_PARAM, 4, 25, 1}, {SQL_TOK_PARAM, 4, 27, 2}, {SQL_TOK_BLOB, 4, 30, 7},
        {SQL_TOK_CONCAT, 4, 38, 2}, {SQL_TOK_NE, 4, 41, 2}, {SQL_TOK_LE, 4, 44, 2},
        {SQL_TOK_GE, 4, 47, 2}, {SQL_TOK_EQ, 4, 50, 2}, {SQL_TOK_PERCENT, 4, 53, 1},
        {SQL_TOK_TILDE, 4, 55, 1}, {SQL_TOK_EOF, 4, 56, 0},
    };
    sql_lexer lx;
    sql_lexer_init(&lx, sql, strlen(sql));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sql_token t;
        sql_error err;
        assert_int_equal(sql_lexer_next(&lx, &t, &err), APHX_OK);
        if (t.kind != want[i].kind || t.pos.line != want[i].line ||
            t.pos.column != want[i].column || t.len != want[i].len) {
            print_error("token %zu: got %s at %u:%u len %u, want %s at %u:%u len %u\n", i,
                        sql_token_kind_name(t.kind), t.pos.line, t.pos.column, t.len,
                        sql_token_kind_name(want[i].kind), want[i].line, want[i].column,
                        want[i].len);
            fail();
        }
    }
}

static void test_token_errors(void **state)
{
    parse_fails("SELECT 'abc", SQL_STATE_SYNTAX_ERROR, 1, 8, "unterminated string literal");
    parse_fails("SELECT \"abc", SQL_STATE_SYNTAX_ERROR, 1, 8, "unterminated quoted identifier");
    parse_fails("SELECT 1 /* never closed", SQL_STATE_SYNTAX_ERROR, 1, 10, "unterminated /* comment");
    parse_fails("SELECT 1e+ FROM t", SQL_STATE_SYNTAX_ERROR, 1, 8, "exponent without digits");
    parse_fails("SELECT 12abc", SQL_STATE_SYNTAX_ERROR, 1, 8, "malformed number");
    parse_fails("SELECT a\n  # b", SQL_STATE_SYNTAX_ERROR, 2, 3, "unexpected character '#'");
    parse_fails("SELECT X'ABC'", SQL_STATE_SYNTAX_ERROR, 1, 8, "odd number of hex digits");
    parse_fails("SELECT X'GG'", SQL_STATE_SYNTAX_ERROR, 1, 8, "not a hex digit");
    parse_fails("SELECT $x", SQL_STATE_SYNTAX_ERROR, 1, 8, "parameter number");
    parse_fails("SELECT $0", SQL_STATE_INVALID_PARAMETER, 1, 8, "between 1 and 65535");
    parse_fails("SELECT \"\" FROM t", SQL_STATE_INVALID_NAME, 1, 8, "zero-length");
    /* a NUL byte inside the given length */
    sql_script script;
    sql_error err;
    assert_int_equal(sql_parse_script(&arena, "SELECT \0 1", 10, &script, &err), APHX_SYNTAX);
    assert_int_equal(err.pos.column, 8);
}

/* ------------------------------------------------------------------ */
/* Identifiers and literals                                            */
/* ------------------------------------------------------------------ */
static void test_identifiers_and_literals(void **state)
{
    roundtrip("select a, Bc, \"dE\", \"x\"\"y\", \"SELECT\", \"ok_1\" from s.t",
              "SELECT A, BC, \"dE\", \"x\"\"y\", \"SELECT\", \"ok_1\" FROM S.T");
    roundtrip("SELECT 'it''s', '', 1, 1.50, .5, 1e10, 2.5E-3, X'0aff', NULL, TRUE, false",
              "SELECT 'it''s', '', 1, 1.50, .5, 1e10, 2.5E-3, X'0AFF', NULL, TRUE, FALSE");
    roundtrip("select date '2020-01-02', time '10:00:00', timestamp '2020-01-02 03:04:05'",
              "SELECT DATE '2020-01-02', TIME '10:00:00', TIMESTAMP '2020-01-02 03:04:05'");
    roundtrip("SELECT ?, ?, $7, ?", "SELECT $1, $2, $7, $8");
    roundtrip("SELECT s.t.c, t.*, * FROM s.t", "SELECT S.T.C, T.*, * FROM S.T");
    /* keywords are contextual: Phoenix option names stay usable as columns */
    roundtrip("SELECT key, value, ttl, date, text FROM t", "SELECT KEY, VALUE, TTL, DATE, TEXT FROM T");

    sql_expr *e = expr_ok("9223372036854775807");
    assert_int_equal(e->kind, SQL_EXPR_INTEGER);
    assert_true(e->u.number.fits_int64);
    assert_true(e->u.number.value == INT64_MAX);
    e = expr_ok("9223372036854775808");
    assert_false(e->u.number.fits_int64);
    e = expr_ok("'a''b'");
    assert_string_equal(e->u.string, "a'b");
    e = expr_ok("\"Mixed Case\"");
    assert_int_equal(e->kind, SQL_EXPR_COLUMN);
    assert_string_equal(e->u.column.column, "Mixed Case");
    e = expr_ok("mixedCase");
    assert_string_equal(e->u.column.column, "MIXEDCASE");
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
static void test_precedence_shapes(void **state)
{
    sql_expr *e = expr_ok("1 + 2 * 3");
    assert_int_equal(e->kind, SQL_EXPR_BINARY);
    assert_int_equal(e->u.binary.op, SQL_OP_ADD);
    assert_int_equal(e->u.binary.right->u.binary.op, SQL_OP_MUL);

    e = expr_ok("a OR b AND c");
    assert_int_equal(e->u.binary.op, SQL_OP_OR);
    assert_int_equal(e->u.binary.right->u.binary.op, SQL_OP_AND);

    e = expr_ok("NOT a = b AND c");
    assert_int_equal(e->u.binary.op, SQL_OP_AND);
    assert_int_equal(e->u.binary.left->kind, SQL_EXPR_UNARY);
    assert_int_equal(e->u.binary.left->u.unary.operand->u.binary.op, SQL_OP_EQ);

    e = expr_ok("a - b - c");                  /* left-associative */
    assert_int_equal(e->u.binary.op, SQL_OP_SUB);
    assert_int_equal(e->u.binary.left->kind, SQL_EXPR_BINARY);

    e = expr_ok("a || b + c");                  /* || binds tighter than + (SQLite) */
    assert_int_equal(e->u.binary.op, SQL_OP_ADD);
    assert_int_equal(e->u.binary.left->u.binary.op, SQL_OP_CONCAT);

    e = expr_ok("x BETWEEN 1 AND 2 AND y");
    assert_int_equal(e->u.binary.op, SQL_OP_AND);
    assert_int_equal(e->u.binary.left->kind, SQL_EXPR_BETWEEN);

    e = expr_ok("a < b = c < d");               /* = binds looser than < */
    assert_int_equal(e->u.binary.op, SQL_OP_EQ);

    e = expr_ok("-a * b");
    assert_int_equal(e->u.binary.op, SQL_OP_MUL);
    assert_int_equal(e->u.binary.left->kind, SQL_EXPR_UNARY);
}

static void test_expressions_roundtrip(void **state)
{
    roundtrip("select (1 + 2) * 3, 1 + 2 * 3, a - (b - c), (a - b) - c, - - 1, -(-1), +a, ~a",
              "SELECT (1 + 2) * 3, 1 + 2 * 3, A - (B - C), A - B - C, - -1, - -1, +A, ~A");
    roundtrip("select not a or b, not (a or b), a and (b or c), a = b is null, a = (b is null)",
              "SELECT NOT A OR B, NOT (A OR B), A AND (B OR C), A = B IS NULL, A = (B IS NULL)");
    roundtrip("select case when a > 1 then 'x' when a is null then null else 'y' end, "
              "case a when 1 then 2 end",
              "SELECT CASE WHEN A > 1 THEN 'x' WHEN A IS NULL THEN NULL ELSE 'y' END, "
              "CASE A WHEN 1 THEN 2 END");
    roundtrip("select cast(a as decimal(10,2)), cast(b as varchar), cast(c as double precision), "
              "cast(d as int), cast(e as character varying(5)), cast(f as unsigned_long)",
              "SELECT CAST(A AS DECIMAL(10, 2)), CAST(B AS VARCHAR), CAST(C AS DOUBLE), "
              "CAST(D AS INTEGER), CAST(E AS VARCHAR(5)), CAST(F AS UNSIGNED_LONG)");
    roundtrip("select coalesce(a, b, 0), nullif(a, 0), upper(name), now()",
              "SELECT COALESCE(A, B, 0), NULLIF(A, 0), UPPER(NAME), NOW()");
    roundtrip("select extract(year from d), substring(s from 2 for 3), substring(s for 2), "
              "substring(s, 1), position('a' in s), trim(s), trim(both 'x' from s), "
              "trim(leading from s), trim(trailing 'y' from s), current_date, localtime, "
              "current_timestamp(3), left(s, 2), right(s, 1), \"current_date\", \"CURRENT_TIME\"",
              "SELECT EXTRACT('YEAR', D), SUBSTRING(S, 2, 3), SUBSTRING(S, 1, 2), "
              "SUBSTRING(S, 1), POSITION('a', S), TRIM(S), TRIM(S, 'x'), "
              "LTRIM(S), RTRIM(S, 'y'), CURRENT_DATE, LOCALTIME, "
              "CURRENT_TIMESTAMP(3), LEFT(S, 2), RIGHT(S, 1), \"current_date\", \"CURRENT_TIME\"");
    parse_fails("SELECT TRIM(LEADING 'x' s)", SQL_STATE_SYNTAX_ERROR, 1, 25, "FROM in TRIM");
    roundtrip("select a = any (select b from t), a > all (select b from t), a <> some (select 1), "
              "a = any ($1), x::integer, '5'::decimal(3,1) + 1, -y::bigint",
              "SELECT A = ANY (SELECT B FROM T), A > ALL (SELECT B FROM T), A <> ANY (SELECT 1), "
              "A = ANY ($1), CAST(X AS INTEGER), CAST('5' AS DECIMAL(3, 1)) + 1, -CAST(Y AS BIGINT)");
    parse_fails("SELECT a:b", SQL_STATE_SYNTAX_ERROR, 1, 9, "unexpected ':'");
    parse_fails("SELECT a::regclass", SQL_STATE_UNDEFINED_OBJECT, 1, 11, "type \"regclass\" does not exist");
    roundtrip("select a collate nocase, a || b collate \"c\", (a || b) collate binary, -a collate x, "
              "a[1] collate y from t order by a collate nocase desc",
              "SELECT A COLLATE NOCASE, A || B COLLATE \"c\", (A || B) COLLATE BINARY, -A COLLATE X, "
              "A[1] COLLATE Y FROM T ORDER BY A COLLATE NOCASE DESC");
    sql_expr *col = expr_ok("a || b COLLATE nocase");
    assert_int_equal(col->kind, SQL_EXPR_BINARY);
    assert_int_equal(col->u.binary.right->kind, SQL_EXPR_COLLATE);
    roundtrip("select array[1, 2, 3], array[], a[1], (a || b)[i + 1], -a[2], f(x)[1], x[1][2], "
              "cast(y as varchar array), z::integer[]",
              "SELECT ARRAY[1, 2, 3], ARRAY[], A[1], (A || B)[I + 1], -A[2], F(X)[1], X[1][2], "
              "CAST(Y AS VARCHAR ARRAY), CAST(Z AS INTEGER ARRAY)");
    roundtrip("create table arr (k integer primary key, a integer array[10], b varchar[], c double[3])",
              "CREATE TABLE ARR (K INTEGER PRIMARY KEY, A INTEGER ARRAY[10], B VARCHAR ARRAY, C DOUBLE ARRAY[3])");
    parse_fails("SELECT a[1", SQL_STATE_SYNTAX_ERROR, 1, 11, "expected ']'");
    roundtrip("select (1, 'a'), (k1, k2) > ('a', 1), (a, b) in ((1, 2), (3, 4)), ((select 1), 2), ((a))",
              "SELECT (1, 'a'), (K1, K2) > ('a', 1), (A, B) IN ((1, 2), (3, 4)), ((SELECT 1), 2), A");
    roundtrip("select a between 1 and 10, a not between b and c + 1",
              "SELECT A BETWEEN 1 AND 10, A NOT BETWEEN B AND C + 1");
    roundtrip("select a like 'x%', a not like 'x!%' escape '!', a ilike 'X%', a not ilike 'y'",
              "SELECT A LIKE 'x%', A NOT LIKE 'x!%' ESCAPE '!', A ILIKE 'X%', A NOT ILIKE 'y'");
    roundtrip("select * from t indexed by i, u as x not indexed, v w indexed by j",
              "SELECT * FROM T, U AS X, V AS W");
    roundtrip("select a in (1, 2, 3), a not in ('x'), a in (), a in (select b from t)",
              "SELECT A IN (1, 2, 3), A NOT IN ('x'), A IN (), A IN (SELECT B FROM T)");
    roundtrip("select a is null, a is not null, a isnull, a notnull, a not null",
              "SELECT A IS NULL, A IS NOT NULL, A IS NULL, A IS NOT NULL, A IS NOT NULL");
    roundtrip("select a is unknown, a is not unknown, a is true, a is not false",
              "SELECT A IS NULL, A IS NOT NULL, A IS NOT DISTINCT FROM TRUE, A IS DISTINCT FROM FALSE");
    roundtrip("select a is distinct from b, a is not distinct from b, a is b, a is not b",
              "SELECT A IS DISTINCT FROM B, A IS NOT DISTINCT FROM B, A IS NOT DISTINCT FROM B, "
              "A IS DISTINCT FROM B");
    roundtrip("select count(*), count(distinct x), count(all x), sum(x), avg(x), min(x), max(x)",
              "SELECT COUNT(*), COUNT(DISTINCT X), COUNT(X), SUM(X), AVG(X), MIN(X), MAX(X)");
    roundtrip("select a || b || 'c', a & b | c << 2 >> 1, a % b / c",
              "SELECT A || B || 'c', A & B | C << 2 >> 1, A % B / C");
    roundtrip("select (select max(b) from u where u.a = t.a) from t",
              "SELECT (SELECT MAX(B) FROM U WHERE U.A = T.A) FROM T");
    roundtrip("select * from t where exists (select 1 from u where u.a = t.a) "
              "and not exists (select 1 from v)",
              "SELECT * FROM T WHERE EXISTS (SELECT 1 FROM U WHERE U.A = T.A) "
              "AND NOT EXISTS (SELECT 1 FROM V)");
}

static void test_window_functions(void **state)
{
    roundtrip("select sum(x) over (partition by a, b order by c desc rows between unbounded "
              "preceding and current row), rank() over (order by x), "
              "avg(x) over (range 3 preceding), count(*) over (), "
              "sum(x) over (groups between 1 preceding and 2 following), "
              "max(x) over (rows between current row and unbounded following), f(x) over w",
              "SELECT SUM(X) OVER (PARTITION BY A, B ORDER BY C DESC ROWS BETWEEN UNBOUNDED "
              "PRECEDING AND CURRENT ROW), RANK() OVER (ORDER BY X), "
              "AVG(X) OVER (RANGE 3 PRECEDING), COUNT(*) OVER (), "
              "SUM(X) OVER (GROUPS BETWEEN 1 PRECEDING AND 2 FOLLOWING), "
              "MAX(X) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), F(X) OVER W");
    roundtrip("select sum(x) over w, rank() over w2 from t window w as (partition by a), w2 as (order by b desc)",
              "SELECT SUM(X) OVER W, RANK() OVER W2 FROM T WINDOW W AS (PARTITION BY A), W2 AS (ORDER BY B DESC)");
    sql_stmt *s = parse_ok("SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t");
    const sql_expr *f = s->u.select->select->items.items[0]->expr;
    assert_int_equal(f->kind, SQL_EXPR_FUNCTION);
    assert_non_null(f->u.func.over);
    assert_int_equal(f->u.func.over->partition_by.count, 1);
    assert_int_equal(f->u.func.over->order_by.count, 1);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */
static void test_select_clauses(void **state)
{
    roundtrip("select distinct a as x, b y, c \"Z\" from t1, t2 as u where a > 1 group by a, 2 "
              "having count(*) > 1 order by 1 desc nulls last, b asc, c nulls first limit 10 offset 5",
              "SELECT DISTINCT A AS X, B AS Y, C AS Z FROM T1, T2 AS U WHERE A > 1 GROUP BY A, 2 "
              "HAVING COUNT(*) > 1 ORDER BY 1 DESC NULLS LAST, B ASC, C NULLS FIRST LIMIT 10 OFFSET 5");
    roundtrip("select all a from t fetch first 5 rows only", "SELECT A FROM T LIMIT 5");
    roundtrip("select /*+ INDEX(t i_b) NO_CACHE */ distinct a from t /*+ not a hint here */",
              "SELECT /*+ INDEX(t i_b) NO_CACHE */ DISTINCT A FROM T");
    roundtrip("select /* plain comment */ a from t", "SELECT A FROM T");
    sql_stmt *h = parse_ok("SELECT /*+\n SKIP_SCAN */ 1");
    assert_string_equal(h->u.select->select->hint, "SKIP_SCAN");
    /* a NUL byte inside the hint ends it (found by the fuzzer) */
    sql_stmt *nul;
    sql_error err;
    assert_int_equal(sql_parse_statement(&arena, "SELECT /*+ \0K */ 1", 18, &nul, &err), APHX_OK);
    assert_null(nul->u.select->select->hint);
    assert_int_equal(sql_parse_statement(&arena, "SELECT /*+ A \0K */ 1", 20, &nul, &err), APHX_OK);
    assert_string_equal(nul->u.select->select->hint, "A");
    /* a closed hint followed by an unclosed one: an error, no stale hint (fuzzer) */
    assert_int_equal(sql_parse_statement(&arena, "SELECT /*+ A */ /*+ B", 21, &nul, &err), APHX_EOF);
    assert_int_equal(err.pos.column, 17);
    roundtrip("select a from t offset 2 rows fetch next 1 row only", "SELECT A FROM T LIMIT 1 OFFSET 2");
    roundtrip("select a from t limit 3, 4", "SELECT A FROM T LIMIT 4 OFFSET 3");
    roundtrip("select a from t limit all offset 2", "SELECT A FROM T OFFSET 2");
    roundtrip("select 1", "SELECT 1");
    roundtrip("values (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')");
}

static void test_joins(void **state)
{
    roundtrip("select * from a join b on a.x = b.x inner join c using (y, z) "
              "left outer join d on true right join e on 1 = 1 full outer join f on f.k = a.k "
              "cross join g natural join h natural left join i",
              "SELECT * FROM A JOIN B ON A.X = B.X JOIN C USING (Y, Z) "
              "LEFT JOIN D ON TRUE RIGHT JOIN E ON 1 = 1 FULL JOIN F ON F.K = A.K "
              "CROSS JOIN G NATURAL JOIN H NATURAL LEFT JOIN I");
    roundtrip("select x.a from (select a from t) as x (a) join (u join v on u.k = v.k) on x.a = u.a",
              "SELECT X.A FROM (SELECT A FROM T) AS X (A) JOIN (U JOIN V ON U.K = V.K) ON X.A = U.A");
    roundtrip("select * from (select 1) s, t AS \"q\"", "SELECT * FROM (SELECT 1) AS S, T AS \"q\"");
    roundtrip("select * from ((a join b on a.x = b.x) join c on c.y = b.y), ((select 1) union (select 2)) as u",
              "SELECT * FROM A JOIN B ON A.X = B.X JOIN C ON C.Y = B.Y, (SELECT 1 UNION SELECT 2) AS U");
    roundtrip("select * from a join ((b join c on b.k = c.k)) on a.k = b.k",
              "SELECT * FROM A JOIN (B JOIN C ON B.K = C.K) ON A.K = B.K");
    sql_stmt *s = parse_ok("SELECT * FROM a LEFT JOIN b ON a.x = b.x, c");
    const sql_select *sel = s->u.select->select;
    assert_int_equal(sel->from.count, 2);
    assert_int_equal(sel->from.items[0]->kind, SQL_REF_JOIN);
    assert_int_equal(sel->from.items[0]->join.type, SQL_JOIN_LEFT);
    parse_fails("SELECT * FROM a LEFT JOIN b", SQL_STATE_SYNTAX_ERROR, 1, 28, "ON or USING");
}

static void test_set_operations(void **state)
{
    sql_stmt *s = parse_ok("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3");
    const sql_query *q = s->u.select;
    assert_int_equal(q->kind, SQL_QUERY_SET_OP);
    assert_int_equal(q->set.op, SQL_SET_UNION);
    assert_int_equal(q->set.right->kind, SQL_QUERY_SET_OP);
    assert_int_equal(q->set.right->set.op, SQL_SET_INTERSECT);

    s = parse_ok("SELECT 1 EXCEPT SELECT 2 UNION ALL SELECT 3");
    q = s->u.select;
    assert_int_equal(q->set.op, SQL_SET_UNION);
    assert_true(q->set.all);
    assert_int_equal(q->set.left->set.op, SQL_SET_EXCEPT);

    roundtrip("select 1 union select 2 intersect select 3", "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3");
    roundtrip("(select 1 union select 2) intersect select 3", "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3");
    roundtrip("select 1 except (select 2 except select 3)", "SELECT 1 EXCEPT (SELECT 2 EXCEPT SELECT 3)");
    roundtrip("(select a from t order by a limit 1) union all (select b from u limit 2) order by 1",
              "(SELECT A FROM T ORDER BY A LIMIT 1) UNION ALL (SELECT B FROM U LIMIT 2) ORDER BY 1");
    roundtrip("(select a from t order by a) order by 1 limit 2",
              "(SELECT A FROM T ORDER BY A) ORDER BY 1 LIMIT 2");
    roundtrip("select a from t union distinct select b from u order by 1",
              "SELECT A FROM T UNION SELECT B FROM U ORDER BY 1");
}

static void test_with(void **state)
{
    roundtrip("with c (x, y) as (select 1, 2), d as (select x from c) select * from d",
              "WITH C (X, Y) AS (SELECT 1, 2), D AS (SELECT X FROM C) SELECT * FROM D");
    roundtrip("with recursive r as (select 1 union all select n + 1 from r where n < 5) "
              "select n from r order by n",
              "WITH RECURSIVE R AS (SELECT 1 UNION ALL SELECT N + 1 FROM R WHERE N < 5) "
              "SELECT N FROM R ORDER BY N");
    roundtrip("select * from t where a in (with w as (select 1) select * from w)",
              "SELECT * FROM T WHERE A IN (WITH W AS (SELECT 1) SELECT * FROM W)");
}

/* ------------------------------------------------------------------ */
/* DDL                                                                 */
/* ------------------------------------------------------------------ */
static void test_create_table_phoenix(void **state)
{
    const char *sql =
        "CREATE TABLE IF NOT EXISTS s.t (k1 VARCHAR NOT NULL, k2 BIGINT NOT NULL, "
        "v DECIMAL(10,2), d DATE, u UNSIGNED_LONG, b BINARY(16), vb VARBINARY, ch CHAR(3), "
        "ti TINYINT, si SMALLINT, f FLOAT, db DOUBLE, bo BOOLEAN, tm TIME, ts TIMESTAMP, "
        "ui UNSIGNED_INT, ut UNSIGNED_TINYINT, us UNSIGNED_SMALLINT, uf UNSIGNED_FLOAT, "
        "ud UNSIGNED_DOUBLE, uda UNSIGNED_DATE, uti UNSIGNED_TIME, uts UNSIGNED_TIMESTAMP, "
        "i INT, r REAL, tx TEXT, fam.c INTEGER, arr INTEGER ARRAY "
        "CONSTRAINT pk PRIMARY KEY (k1, k2 DESC)) "
        "SALT_BUCKETS=4, TTL=86400, IMMUTABLE_ROWS=true, COLUMN_ENCODED_BYTES=NONE, fam.VERSIONS=3";
    sql_stmt *s = parse_ok(sql);
    assert_int_equal(s->kind, SQL_STMT_CREATE_TABLE);
    assert_true(s->u.create_table.if_not_exists);
    assert_string_equal(s->u.create_table.name.schema, "S");
    assert_int_equal(s->u.create_table.columns.count, 28);
    const sql_column_def *v = s->u.create_table.columns.items[2];
    assert_int_equal(v->type.id, SQL_TYPE_DECIMAL);
    assert_int_equal(v->type.length, 10);
    assert_int_equal(v->type.scale, 2);
    assert_int_equal(s->u.create_table.columns.items[24]->type.id, SQL_TYPE_REAL);
    assert_int_equal(s->u.create_table.columns.items[25]->type.id, SQL_TYPE_TEXT);
    assert_int_equal(s->u.create_table.columns.items[23]->type.id, SQL_TYPE_INTEGER);
    assert_string_equal(s->u.create_table.columns.items[26]->family, "FAM");
    assert_true(s->u.create_table.columns.items[27]->type.is_array);
    assert_string_equal(s->u.create_table.pk_name, "PK");
    assert_int_equal(s->u.create_table.pk.count, 2);
    assert_int_equal(s->u.create_table.pk.items[1]->dir, SQL_SORT_DESC);
    assert_int_equal(s->u.create_table.options.count, 5);
    assert_string_equal(s->u.create_table.options.items[0]->key, "SALT_BUCKETS");
    assert_string_equal(s->u.create_table.options.items[4]->key, "FAM.VERSIONS");

    roundtrip("create table t (a integer primary key desc, b varchar(10) null unique default 'x', "
              "c bigint default -1)",
              "CREATE TABLE T (A INTEGER PRIMARY KEY DESC, B VARCHAR(10) NULL UNIQUE DEFAULT 'x', "
              "C BIGINT DEFAULT -1)");
    roundtrip("create table t (a integer not null, b integer not null, constraint my_pk primary key (a, b desc)) "
              "salt_buckets = 2",
              "CREATE TABLE T (A INTEGER NOT NULL, B INTEGER NOT NULL CONSTRAINT MY_PK PRIMARY KEY (A, B DESC)) "
              "SALT_BUCKETS = 2");
    roundtrip("create table t (a int, primary key (a))", "CREATE TABLE T (A INTEGER, PRIMARY KEY (A))");
    roundtrip("create table t (h varchar not null, ts timestamp not null constraint pk primary key (h, ts desc row_timestamp))",
              "CREATE TABLE T (H VARCHAR NOT NULL, TS TIMESTAMP NOT NULL CONSTRAINT PK PRIMARY KEY (H, TS DESC ROW_TIMESTAMP))");
    roundtrip("create table t2 as select * from t", "CREATE TABLE T2 AS SELECT * FROM T");
}

static void test_create_table_errors(void **state)
{
    parse_fails("CREATE TABLE t (a FOO)", SQL_STATE_UNDEFINED_OBJECT, 1, 19, "type \"FOO\" does not exist");
    parse_fails("CREATE TABLE t (a INTEGER) SALT_BUCKETS=300", SQL_STATE_INVALID_PARAMETER, 1, 28,
                "SALT_BUCKETS must be");
    parse_fails("CREATE TABLE t (a INTEGER) COLUMN_ENCODED_BYTES='x'", SQL_STATE_INVALID_PARAMETER, 1,
                28, "COLUMN_ENCODED_BYTES");
    parse_fails("CREATE TABLE t (a DECIMAL(40))", SQL_STATE_INVALID_PARAMETER, 1, 27,
                "DECIMAL precision must be between 1 and 38");
    parse_fails("CREATE TABLE t (a DECIMAL(5, 6))", SQL_STATE_INVALID_PARAMETER, 1, 30,
                "DECIMAL scale must be between 0 and 5");
    parse_fails("CREATE TABLE t (a INTEGER(3))", SQL_STATE_SYNTAX_ERROR, 1, 26, "takes no length");
    parse_fails("CREATE TABLE t ()", SQL_STATE_SYNTAX_ERROR, 1, 17, "expected a column name");
    parse_fails("CREATE TABLE t (a INT, PRIMARY KEY (a), PRIMARY KEY (a))", SQL_STATE_SYNTAX_ERROR, 1,
                41, "only one PRIMARY KEY");
    parse_fails("CREATE TABLE t (a INT, UNIQUE (a))", SQL_STATE_FEATURE_NOT_SUPPORTED, 1, 24,
                "not supported yet");
    parse_fails("CREATE TEMP TABLE t (a INT)", SQL_STATE_FEATURE_NOT_SUPPORTED, 1, 8, "temporary");
}

static void test_other_ddl(void **state)
{
    roundtrip("drop table if exists s.t cascade", "DROP TABLE IF EXISTS S.T CASCADE");
    roundtrip("drop table t", "DROP TABLE T");
    roundtrip("alter table s.t add if not exists c1 integer, c2 varchar(10) not null",
              "ALTER TABLE S.T ADD IF NOT EXISTS C1 INTEGER, C2 VARCHAR(10) NOT NULL");
    roundtrip("alter table t add column c integer", "ALTER TABLE T ADD C INTEGER");
    roundtrip("alter table t drop column if exists c1, c2", "ALTER TABLE T DROP COLUMN IF EXISTS C1, C2");
    roundtrip("alter table t set ttl = 100", "ALTER TABLE T SET TTL = 100");
    roundtrip("create view v as select a from t where b > 1",
              "CREATE VIEW V AS SELECT A FROM T WHERE B > 1");
    roundtrip("create or replace view if not exists s.v (x, y) as select 1, 2",
              "CREATE OR REPLACE VIEW IF NOT EXISTS S.V (X, Y) AS SELECT 1, 2");
    roundtrip("create view v (extra integer, more varchar) as select * from t where k > 100",
              "CREATE VIEW V (EXTRA INTEGER, MORE VARCHAR) AS SELECT * FROM T WHERE K > 100");
    roundtrip("drop view if exists v", "DROP VIEW IF EXISTS V");
    roundtrip("create schema if not exists s", "CREATE SCHEMA IF NOT EXISTS S");
    roundtrip("drop schema if exists s", "DROP SCHEMA IF EXISTS S");
    roundtrip("use s", "USE S");
    roundtrip("use default", "USE DEFAULT");
    roundtrip("create unique index if not exists i on s.t (a desc, b, upper(c)) include (d, e) salt_buckets=2",
              "CREATE UNIQUE INDEX IF NOT EXISTS I ON S.T (A DESC, B, UPPER(C)) INCLUDE (D, E) SALT_BUCKETS = 2");
    roundtrip("create local index i on t (a)", "CREATE LOCAL INDEX I ON T (A)");
    roundtrip("drop index i on s.t", "DROP INDEX I ON S.T");
    roundtrip("drop index if exists i", "DROP INDEX IF EXISTS I");
    roundtrip("create sequence if not exists s.seq start with 100 increment by -2 minvalue 1 "
              "maxvalue 1000 cycle cache 50",
              "CREATE SEQUENCE IF NOT EXISTS S.SEQ START WITH 100 INCREMENT BY -2 MINVALUE 1 "
              "MAXVALUE 1000 CACHE 50 CYCLE");
    roundtrip("create sequence q start 5 increment 1 no cycle", "CREATE SEQUENCE Q START WITH 5 INCREMENT BY 1");
    roundtrip("drop sequence if exists s.seq", "DROP SEQUENCE IF EXISTS S.SEQ");
    roundtrip("select next value for s.seq, current value for seq from t",
              "SELECT NEXT VALUE FOR S.SEQ, CURRENT VALUE FOR SEQ FROM T");
    roundtrip("upsert into t (id) values (next value for seq)",
              "UPSERT INTO T (ID) VALUES (NEXT VALUE FOR SEQ)");
    parse_fails("CREATE SEQUENCE s START WITH 'x'", SQL_STATE_SYNTAX_ERROR, 1, 30, "integer constant");
    parse_fails("CREATE SEQUENCE s INCREMENT BY -0", SQL_STATE_INVALID_PARAMETER, 1, 32, "must not be zero");
    parse_fails("CREATE SEQUENCE s MINVALUE 5 MAXVALUE -5", SQL_STATE_INVALID_PARAMETER, 1, 28, "MINVALUE (5)");
    parse_fails("CREATE SEQUENCE s START WITH 0 MINVALUE 1", SQL_STATE_INVALID_PARAMETER, 1, 30, "START WITH (0)");
    parse_fails("CREATE SEQUENCE s CACHE 0", SQL_STATE_INVALID_PARAMETER, 1, 25, "CACHE must be at least 1");
    roundtrip("create sequence s start with $1 increment by ? minvalue -10",
              "CREATE SEQUENCE S START WITH $1 INCREMENT BY $2 MINVALUE -10");
    parse_fails("CREATE SEQUENCE s CACHE 1 CACHE 2", SQL_STATE_SYNTAX_ERROR, 1, 27, "given twice");
    roundtrip("create trigger tr after update of a, b on t for each row when new.a > 1 "
              "begin select 1; delete from u; end",
              "CREATE TRIGGER TR AFTER UPDATE OF A, B ON T FOR EACH ROW WHEN NEW.A > 1 "
              "BEGIN SELECT 1; DELETE FROM U; END");
    roundtrip("drop trigger tr", "DROP TRIGGER TR");
    roundtrip("reindex i1", "REINDEX I1");
}

/* ------------------------------------------------------------------ */
/* DML                                                                 */
/* ------------------------------------------------------------------ */
static void test_dml(void **state)
{
    roundtrip("upsert into t (a, b) values (1, 'x'), (2, 'y')",
              "UPSERT INTO T (A, B) VALUES (1, 'x'), (2, 'y')");
    roundtrip("upsert into t select * from u where a > 1",
              "UPSERT INTO T SELECT * FROM U WHERE A > 1");
    roundtrip("upsert into t (a) (select b from u)", "UPSERT INTO T (A) SELECT B FROM U");
    roundtrip("upsert into t values (1, 0) on duplicate key ignore",
              "UPSERT INTO T VALUES (1, 0) ON DUPLICATE KEY IGNORE");
    roundtrip("upsert into t values (1, 0) on duplicate key update c = c + 1, d = 'x'",
              "UPSERT INTO T VALUES (1, 0) ON DUPLICATE KEY UPDATE C = C + 1, D = 'x'");
    roundtrip("insert into s.t values (1, null)", "INSERT INTO S.T VALUES (1, NULL)");
    roundtrip("insert into t (a) select 1 union all select 2",
              "INSERT INTO T (A) SELECT 1 UNION ALL SELECT 2");
    roundtrip("insert into t default values", "INSERT INTO T DEFAULT VALUES");
    roundtrip("insert into t (a, b) values (default, 1), (2, default)",
              "INSERT INTO T (A, B) VALUES (DEFAULT, 1), (2, DEFAULT)");
    roundtrip("update t set a = default", "UPDATE T SET A = DEFAULT");
    roundtrip("insert or replace into t values (1)", "REPLACE INTO T VALUES (1)");
    roundtrip("insert or ignore into t values (1)", "INSERT INTO T VALUES (1) ON DUPLICATE KEY IGNORE");
    roundtrip("replace into t values (1)", "REPLACE INTO T VALUES (1)");
    roundtrip("update t set a = 1, b = b + 1 where c is null",
              "UPDATE T SET A = 1, B = B + 1 WHERE C IS NULL");
    roundtrip("update s.t as x set a = (select max(b) from u where u.k = x.k)",
              "UPDATE S.T AS X SET A = (SELECT MAX(B) FROM U WHERE U.K = X.K)");
    roundtrip("delete from t where a in (1, 2)", "DELETE FROM T WHERE A IN (1, 2)");
    roundtrip("delete from t", "DELETE FROM T");

    sql_stmt *s = parse_ok("UPSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE c = 2");
    assert_int_equal(s->kind, SQL_STMT_INSERT);
    assert_int_equal(s->u.insert.verb, SQL_INSERT_UPSERT);
    assert_int_equal(s->u.insert.on_duplicate, SQL_ON_DUP_UPDATE);
    assert_int_equal(s->u.insert.source->kind, SQL_QUERY_VALUES);
    parse_fails("UPSERT INTO t VALUES (1) ON DUPLICATE KEY DELETE", SQL_STATE_SYNTAX_ERROR, 1, 43,
                "IGNORE or UPDATE");
    parse_fails("INSERT INTO t", SQL_STATE_SYNTAX_ERROR, 1, 14, "VALUES or SELECT");
}

static void test_admin_statements(void **state)
{
    roundtrip("explain select * from t", "EXPLAIN SELECT * FROM T");
    roundtrip("explain upsert into t values (1)", "EXPLAIN UPSERT INTO T VALUES (1)");
    roundtrip("grant select, insert on table s.t to alice", "GRANT SELECT, INSERT ON S.T TO ALICE");
    roundtrip("grant 'RWX' on t to 'bob'", "GRANT RWX ON T TO \"bob\"");
    roundtrip("grant all privileges on * to admin", "GRANT ALL ON * TO ADMIN");
    roundtrip("revoke all on schema s from user alice", "REVOKE ALL ON SCHEMA S FROM ALICE");
    roundtrip("revoke on t from alice", "REVOKE ON T FROM ALICE");
    roundtrip("create user alice password 'secret'", "CREATE USER ALICE PASSWORD 'secret'");
    roundtrip("create user if not exists 'Bob' with password 'it''s'",
              "CREATE USER IF NOT EXISTS \"Bob\" PASSWORD 'it''s'");
    roundtrip("alter user alice with password 'new'", "ALTER USER ALICE PASSWORD 'new'");
    roundtrip("drop user if exists alice", "DROP USER IF EXISTS ALICE");
    roundtrip("alter system set zookeeper.session.timeout = 30000",
              "ALTER SYSTEM SET 'ZOOKEEPER.SESSION.TIMEOUT' = 30000");
    roundtrip("alter system set 'log.level' to 'debug'", "ALTER SYSTEM SET 'log.level' = 'debug'");
    roundtrip("begin", "BEGIN");
    roundtrip("start transaction", "BEGIN");
    roundtrip("begin work", "BEGIN");
    roundtrip("commit transaction", "COMMIT");
    roundtrip("end", "COMMIT");
    roundtrip("rollback work", "ROLLBACK");
    roundtrip("show tables", "SHOW TABLES");
    roundtrip("show tables in s", "SHOW TABLES IN S");
    roundtrip("show schemas", "SHOW SCHEMAS");
    roundtrip("show search_path", "SHOW 'SEARCH_PATH'");
    roundtrip("set extra_float_digits = 3", "SET 'EXTRA_FLOAT_DIGITS' = 3");
    roundtrip("set session DateStyle to 'ISO'", "SET 'DATESTYLE' = 'ISO'");
    roundtrip("set local phoenix.query.timeout to default", "SET LOCAL 'PHOENIX.QUERY.TIMEOUT' = DEFAULT");
    parse_fails("SET x", SQL_STATE_SYNTAX_ERROR, 1, 6, "expected TO");
    parse_fails("CREATE USER ''", SQL_STATE_INVALID_NAME, 1, 13, "a user name must not be empty");
    parse_fails("SELECT 1 AS ''", SQL_STATE_INVALID_NAME, 1, 13, "an alias must not be empty");
    roundtrip("select 1 as 'one'", "SELECT 1 AS \"one\"");
    parse_fails("EXPLAIN EXPLAIN SELECT 1", SQL_STATE_SYNTAX_ERROR, 1, 9, "EXPLAIN EXPLAIN");
    parse_fails("ALTER USER alice", SQL_STATE_SYNTAX_ERROR, 1, 17, "PASSWORD");
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */
static void test_error_positions(void **state)
{
    parse_fails("SELECT a, FROM t", SQL_STATE_SYNTAX_ERROR, 1, 11, "expected an expression, found \"FROM\"");
    parse_fails("SELECT *\nFROM t\nWHERE a = = 1", SQL_STATE_SYNTAX_ERROR, 3, 11, "expected an expression");
    parse_fails("SELECT (1 + 2", SQL_STATE_SYNTAX_ERROR, 1, 14,
                "expected ')' to close the '(' at line 1, column 8, found end of input");
    parse_fails("SELECT select", SQL_STATE_SYNTAX_ERROR, 1, 8, "expected an expression, found \"select\"");
    parse_fails("CREATE TABLE select (a INT)", SQL_STATE_SYNTAX_ERROR, 1, 14,
                "expected a table name (\"select\" is a reserved word; quote it)");
    parse_fails("SELEC 1", SQL_STATE_SYNTAX_ERROR, 1, 1, "expected a statement");
    parse_fails("SELECT 1 SELECT 2", SQL_STATE_SYNTAX_ERROR, 1, 10, "';' or end of input");
    parse_fails("SELECT (1, 2", SQL_STATE_SYNTAX_ERROR, 1, 13, "to close the '(' at line 1, column 8");
    parse_fails("SELECT a FROM t WINDOW w AS (), w AS ()", SQL_STATE_SYNTAX_ERROR, 1, 33, "already defined");
    parse_fails("SELECT SUM(a) OVER (w ORDER BY b) FROM t", SQL_STATE_FEATURE_NOT_SUPPORTED, 1, 21, "refines a named");
    parse_fails("SELECT CASE END", SQL_STATE_SYNTAX_ERROR, 1, 13, "expected an expression");
    parse_fails("SELECT CASE a END", SQL_STATE_SYNTAX_ERROR, 1, 15, "expected WHEN");
    parse_fails("SELECT a FROM t ORDER BY a NULLS", SQL_STATE_SYNTAX_ERROR, 1, 33, "FIRST or LAST");
    parse_fails("SELECT s.t.c.d FROM t", SQL_STATE_SYNTAX_ERROR, 1, 14, "at most three parts");
    parse_fails("CREATE INDEX i ON t (a) WHERE a > 1", SQL_STATE_FEATURE_NOT_SUPPORTED, 1, 25,
                "partial indexes");
    parse_fails("SELECT 1;\n  SELECT 2 +;", SQL_STATE_SYNTAX_ERROR, 2, 13, "expected an expression");
}

static void test_error_render(void **state)
{
    const char *sql = "SELECT a\nFROM t\nWHERE a = = 1";
    sql_script script;
    sql_error err;
    assert_int_equal(sql_parse_script(&arena, sql, strlen(sql), &script, &err), APHX_SYNTAX);
    aphx_buf out;
    aphx_buf_init(&out);
    sql_error_render(&err, sql, strlen(sql), &out);
    assert_string_equal(out.data,
                        "ERROR 42601: syntax error: expected an expression, found \"=\"\n"
                        "LINE 3: WHERE a = = 1\n"
                        "                  ^\n");
    aphx_buf_free(&out);

    /* CRLF lines: the \r is not printed */
    const char *crlf = "SELECT 1\r\nFROM\r\n";
    assert_int_equal(sql_parse_script(&arena, crlf, strlen(crlf), &script, &err), APHX_SYNTAX);
    aphx_buf_init(&out);
    sql_error_render(&err, crlf, strlen(crlf), &out);
    assert_non_null(strstr(out.data, "LINE 3: \n"));
    aphx_buf_free(&out);

    /* long lines are cut around the caret */
    char longsql[400];
    int n = snprintf(longsql, sizeof longsql, "SELECT %s, , %s FROM t",
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_int_equal(sql_parse_script(&arena, longsql, (size_t)n, &script, &err), APHX_SYNTAX);
    aphx_buf_init(&out);
    sql_error_render(&err, longsql, (size_t)n, &out);
    const char *line2 = strchr(out.data, '\n') + 1;
    assert_memory_equal(line2, "LINE 1: ...", 11);
    assert_non_null(strstr(line2, "...\n"));
    const char *caret_line = strchr(line2, '\n') + 1;
    assert_int_equal(strchr(caret_line, '^') - caret_line, 11 + 60);   /* under the second ',' */
    assert_int_equal(line2[11 + 60], ',');
    aphx_buf_free(&out);

    /* no position: just the message */
    sql_error none;
    sql_error_clear(&none);
    none.base.code = APHX_INTERNAL;
    aphx_buf_init(&out);
    sql_error_render(&none, NULL, 0, &out);
    assert_string_equal(out.data, "ERROR 00000: internal error\n");
    aphx_buf_free(&out);
}

static void test_nesting_limit(void **state)
{
    char sql[4096];
    size_t n = 0;
    n += (size_t)snprintf(sql + n, sizeof sql - n, "SELECT ");
    for (int i = 0; i < SQL_MAX_DEPTH + 10; i++) sql[n++] = '(';
    sql[n++] = '1';
    for (int i = 0; i < SQL_MAX_DEPTH + 10; i++) sql[n++] = ')';
    sql[n] = '\0';
    sql_script script;
    sql_error err;
    assert_int_equal(sql_parse_script(&arena, sql, n, &script, &err), APHX_SYNTAX);
    assert_string_equal(err.sqlstate, SQL_STATE_TOO_COMPLEX);

    /* a nesting well inside the limit parses */
    n = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (int i = 0; i < 50; i++) sql[n++] = '(';
    sql[n++] = '1';
    for (int i = 0; i < 50; i++) sql[n++] = ')';
    assert_int_equal(sql_parse_script(&arena, sql, n, &script, &err), APHX_OK);

    /* a long flat chain is not nesting */
    n = (size_t)snprintf(sql, sizeof sql, "SELECT 1");
    for (int i = 0; i < 1000; i++) n += (size_t)snprintf(sql + n, sizeof sql - n, "+1");
    assert_int_equal(sql_parse_script(&arena, sql, n, &script, &err), APHX_OK);
}

/* ------------------------------------------------------------------ */
/* Scripts                                                             */
/* ------------------------------------------------------------------ */
static void test_script_splitting(void **state)
{
    const char *sql = "select 1; select 'a;b' -- c;\n; /* ; */ select \"x;\" from t;;"
                      "create trigger r insert on t begin select case when 1 then 2 end; select 2; end; drop trigger r";
    sql_script script;
    sql_error err;
    assert_int_equal(sql_parse_script(&arena, sql, strlen(sql), &script, &err), APHX_OK);
    assert_int_equal(script.stmts.count, 5);
    const char *want[] = {"select 1", "select 'a;b'", "select \"x;\" from t",
                          "create trigger r insert on t begin select case when 1 then 2 end; select 2; end",
                          "drop trigger r"};
    for (size_t i = 0; i < 5; i++) {
        const sql_stmt *s = script.stmts.items[i];
        size_t len = s->end_offset - s->pos.offset;
        if (len != strlen(want[i]) || memcmp(sql + s->pos.offset, want[i], len) != 0) {
            print_error("statement %zu span: '%.*s'\n", i, (int)len, sql + s->pos.offset);
            fail();
        }
    }
    assert_int_equal(script.stmts.items[2]->pos.line, 2);
    assert_int_equal(script.stmts.items[3]->kind, SQL_STMT_CREATE_TRIGGER);
    assert_int_equal(script.stmts.items[3]->u.create_trigger.body.count, 2);

    /* empty scripts are fine; sql_parse_statement wants exactly one */
    assert_int_equal(sql_parse_script(&arena, " ; -- nothing\n", 14, &script, &err), APHX_OK);
    assert_int_equal(script.stmts.count, 0);
    sql_stmt *one;
    assert_int_equal(sql_parse_statement(&arena, "select 1; select 2", 18, &one, &err), APHX_SYNTAX);
    assert_int_equal(err.pos.column, 11);
    assert_int_equal(sql_parse_statement(&arena, "select 1;", 9, &one, &err), APHX_OK);
}

static void test_split_script(void **state)
{
    const char *sql = "select 1; select 'a;b' -- c;\n; /* ; */ select \"x;\"\n from t;;"
                      "create trigger r insert on t begin select case when 1 then 2 end; select 2; end; "
                      "select oops(( ; select 3";
    sql_span_list spans;
    sql_error err;
    assert_int_equal(sql_split_script(&arena, sql, strlen(sql), &spans, &err), APHX_OK);
    const char *want[] = {"select 1", "select 'a;b'", "select \"x;\"\n from t",
                          "create trigger r insert on t begin select case when 1 then 2 end; select 2; end",
                          "select oops((", "select 3"};
    assert_int_equal(spans.count, 6);
    for (size_t i = 0; i < 6; i++) {
        const sql_span *s = spans.items[i];
        if (s->length != strlen(want[i]) || memcmp(sql + s->pos.offset, want[i], s->length) != 0) {
            print_error("span %zu: '%.*s'\n", i, (int)s->length, sql + s->pos.offset);
            fail();
        }
        assert_true(s->terminated == (i < 5));
    }
    assert_int_equal(spans.items[2]->pos.line, 2);

    /* input ending inside a string or comment: APHX_EOF (read more) */
    assert_int_equal(sql_split_script(&arena, "select 'abc", 11, &spans, &err), APHX_EOF);
    assert_int_equal(err.pos.column, 8);
    assert_int_equal(sql_split_script(&arena, "select 1 /* x", 13, &spans, &err), APHX_EOF);
    assert_int_equal(sql_split_script(&arena, "select #", 8, &spans, &err), APHX_SYNTAX);
    assert_int_equal(sql_split_script(&arena, " -- only a comment", 18, &spans, &err), APHX_OK);
    assert_int_equal(spans.count, 0);
}

/* Every allocation failing in turn gives APHX_NOMEM (53200), never a crash
 * or leak, and the parse succeeds once the allocator stops failing. */
static void test_allocation_failures(void **state)
{
    const char *sql = "WITH c AS (SELECT a, COUNT(*) FROM t GROUP BY a) "
                      "SELECT CASE WHEN x IN (1, 2) THEN 'y' END, SUM(b) OVER (PARTITION BY a) "
                      "FROM c JOIN u USING (a) WHERE b BETWEEN 1 AND 2 ORDER BY 1; "
                      "CREATE TABLE t (a INTEGER NOT NULL CONSTRAINT pk PRIMARY KEY (a)) TTL=5";
    int failures = 0;
    for (int64_t n = 1; n < 500; n++) {
        aphx_arena tiny;
        aphx_arena_init(&tiny, 64);    /* small blocks: many allocations */
        sql_script script;
        sql_error err;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = sql_parse_script(&tiny, sql, strlen(sql), &script, &err);
        aphx_alloc_fail_countdown = 0;
        aphx_arena_destroy(&tiny);
        if (rc == APHX_OK) break;
        assert_int_equal(rc, APHX_NOMEM);
        assert_string_equal(err.sqlstate, SQL_STATE_OUT_OF_MEMORY);
        failures++;
    }
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens_kinds_and_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identifiers_and_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expressions_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_clauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_with, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_phoenix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_ddl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_render, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nesting_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_splitting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
