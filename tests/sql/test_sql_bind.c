/*
 * test_sql_bind.c — unit tests of the binder's name resolution
 * (src/sql/bind.c) against the in-memory test catalog: sources, qualified
 * and correlated columns, ambiguity, USING/NATURAL, derived tables, CTEs
 * (recursive too), views, star expansion, output-name references in ORDER
 * BY / GROUP BY / HAVING, DML targets, DDL checks, sequences, catalog
 * failures — each error with its SQLSTATE and position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mem_catalog.h"
#include "sql/sql.h"

static aphx_arena arena;
static mem_catalog cat;

static int setup(void **state)
{
    aphx_arena_init(&arena, 16 * 1024);
    mem_catalog_init(&cat);
    if (mem_catalog_exec(&cat,
                         "CREATE TABLE t (a INTEGER, b VARCHAR, c INTEGER);"
                         "CREATE TABLE u (a INTEGER, d INTEGER);"
                         "CREATE TABLE s.w (k INTEGER PRIMARY KEY, v VARCHAR);"
                         "CREATE VIEW vt AS SELECT a, b AS bee FROM t WHERE c > 0;"
                         "CREATE VIEW loop1 AS SELECT 1 AS one;"
                         "CREATE VIEW named (x, y) AS SELECT a, b FROM t;"
                         "CREATE VIEW phx (extra INTEGER) AS SELECT * FROM u WHERE d > 1;"
                         "CREATE SEQUENCE seq") != APHX_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    mem_catalog_free(&cat);
    aphx_arena_destroy(&arena);
    return 0;
}

static sql_stmt *bind_ok(const char *sql)
{
    sql_stmt *s = NULL;
    sql_error err;
    aphx_rc rc = sql_parse_statement(&arena, sql, strlen(sql), &s, &err);
    if (!rc) rc = sql_bind_statement(&arena, &cat.catalog, s, &err);
    if (rc) {
        aphx_buf msg;
        aphx_buf_init(&msg);
        sql_error_render(&err, sql, strlen(sql), &msg);
        print_error("bind failed: %s\n%s", sql, msg.data);
        aphx_buf_free(&msg);
        fail();
    }
    return s;
}

static void bind_fails(const char *sql, const char *sqlstate, uint32_t column, const char *needle)
{
    sql_stmt *s = NULL;
    sql_error err;
    assert_int_equal(sql_parse_statement(&arena, sql, strlen(sql), &s, &err), APHX_OK);
    aphx_rc rc = sql_bind_statement(&arena, &cat.catalog, s, &err);
    if (rc == APHX_OK || strcmp(err.sqlstate, sqlstate) != 0 || err.pos.column != column ||
        !strstr(err.base.msg, needle)) {
        print_error("input: %s\nerror: rc %d %s col %u: %s\nwanted: %s col %u ...%s...\n", sql, rc,
                    err.sqlstate, err.pos.column, err.base.msg, sqlstate, column, needle);
        fail();
    }
}

static char *printed(const sql_stmt *s)
{
    aphx_buf b;
    aphx_buf_init(&b);
    sql_print_statement(s, &b);
    char *out = aphx_arena_strdup(&arena, b.data);
    aphx_buf_free(&b);
    return out;
}

static const sql_expr *item(const sql_stmt *s, size_t i)
{
    return s->u.select->select->items.items[i]->expr;
}

static void test_columns_and_tables(void **state)
{
    sql_stmt *s = bind_ok("SELECT a, t.b, s.w.v, 1 + c FROM t, s.w");
    const sql_select *sel = s->u.select->select;
    assert_int_equal(sel->sources.count, 2);
    assert_int_equal(sel->sources.items[0]->kind, SQL_SOURCE_TABLE);
    assert_string_equal(sel->sources.items[1]->schema, "S");
    assert_ptr_equal(item(s, 0)->u.column.source, sel->sources.items[0]);
    assert_int_equal(item(s, 0)->u.column.index, 0);
    assert_int_equal(item(s, 1)->u.column.index, 1);
    assert_ptr_equal(item(s, 2)->u.column.source, sel->sources.items[1]);
    assert_int_equal(item(s, 2)->u.column.index, 1);
    const sql_name_list *names = &s->u.select->output_names;
    assert_int_equal(names->count, 4);
    assert_string_equal(names->items[0], "A");
    assert_string_equal(names->items[2], "V");
    assert_string_equal(names->items[3], "1 + C");

    bind_fails("SELECT a FROM t, u", SQL_STATE_AMBIGUOUS_COLUMN, 8, "\"A\" is ambiguous");
    bind_fails("SELECT z FROM t", SQL_STATE_UNDEFINED_COLUMN, 8, "column Z does not exist");
    bind_fails("SELECT t.z FROM t", SQL_STATE_UNDEFINED_COLUMN, 8, "column T.Z does not exist");
    bind_fails("SELECT x.a FROM t", SQL_STATE_UNDEFINED_TABLE, 8, "missing FROM-clause entry for table \"X\"");
    bind_fails("SELECT * FROM nope", SQL_STATE_UNDEFINED_TABLE, 15, "table NOPE does not exist");
    bind_fails("SELECT * FROM s.t", SQL_STATE_UNDEFINED_TABLE, 15, "table S.T does not exist");
    bind_fails("SELECT t.a FROM t AS x", SQL_STATE_UNDEFINED_TABLE, 8, "missing FROM-clause entry");
    bind_fails("SELECT 1 FROM t, u, t", SQL_STATE_DUPLICATE_ALIAS, 21, "specified more than once");
    bind_ok("SELECT t.a, t2.a FROM t, t AS t2");
    bind_fails("SELECT 1 FROM t LIMIT a", SQL_STATE_UNDEFINED_COLUMN, 23, "column A does not exist");
    bind_fails("SELECT 1 FROM t WHERE t.* IS NULL", SQL_STATE_SYNTAX_ERROR, 23, "only allowed as a select-list item");
    s = bind_ok("SELECT SUM(a) OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY c)");
    const sql_window *w = item(s, 0)->u.func.over;
    assert_string_equal(w->name, "W");
    assert_int_equal(w->partition_by.count, 1);
    assert_non_null(w->partition_by.items[0]->u.column.source);
    bind_fails("SELECT SUM(a) OVER w FROM t", SQL_STATE_UNDEFINED_OBJECT, 8, "window \"W\" does not exist");
    bind_fails("SELECT SUM(a) OVER w FROM t WINDOW w AS (ORDER BY zz)", SQL_STATE_UNDEFINED_COLUMN, 51, "ZZ");
    bind_ok("SELECT ARRAY[a, c][1], b::varchar, b COLLATE nocase FROM t ORDER BY b COLLATE nocase");
    bind_fails("SELECT ARRAY[a][zz] FROM t", SQL_STATE_UNDEFINED_COLUMN, 17, "ZZ");
    bind_fails("SELECT SUM(a) OVER (PARTITION BY zz) FROM t", SQL_STATE_UNDEFINED_COLUMN, 34, "ZZ");
}

static void test_star_expansion(void **state)
{
    sql_stmt *s = bind_ok("SELECT * FROM t JOIN u ON t.a = u.a");
    assert_int_equal(s->u.select->select->items.count, 5);
    assert_string_equal(printed(s), "SELECT T.A, T.B, T.C, U.A, U.D FROM T JOIN U ON T.A = U.A");
    s = bind_ok("SELECT u.*, 7 FROM t, u");
    assert_string_equal(printed(s), "SELECT U.A, U.D, 7 FROM T, U");
    s = bind_ok("SELECT x.* FROM s.w AS x");
    assert_string_equal(printed(s), "SELECT X.K, X.V FROM S.W AS X");
    bind_fails("SELECT *", SQL_STATE_SYNTAX_ERROR, 8, "no tables");
    bind_fails("SELECT q.* FROM t", SQL_STATE_UNDEFINED_TABLE, 8, "\"Q\"");
}

static void test_using_and_natural(void **state)
{
    sql_stmt *s = bind_ok("SELECT a, d FROM t JOIN u USING (a)");
    const sql_select *sel = s->u.select->select;
    assert_ptr_equal(item(s, 0)->u.column.source, sel->sources.items[0]);
    s = bind_ok("SELECT a FROM t RIGHT JOIN u USING (a)");
    assert_ptr_equal(item(s, 0)->u.column.source, s->u.select->select->sources.items[1]);
    s = bind_ok("SELECT * FROM t JOIN u USING (a)");
    assert_string_equal(printed(s), "SELECT T.A, T.B, T.C, U.D FROM T JOIN U USING (A)");
    s = bind_ok("SELECT * FROM t RIGHT JOIN u USING (a)");
    assert_string_equal(printed(s), "SELECT T.B, T.C, U.A, U.D FROM T RIGHT JOIN U USING (A)");
    s = bind_ok("SELECT u.* FROM t JOIN u USING (a)");
    assert_string_equal(printed(s), "SELECT U.A, U.D FROM T JOIN U USING (A)");
    s = bind_ok("SELECT * FROM t NATURAL JOIN u");
    assert_string_equal(printed(s), "SELECT T.A, T.B, T.C, U.D FROM T NATURAL JOIN U");
    s = bind_ok("SELECT a FROM t NATURAL JOIN u");
    assert_int_equal(s->u.select->select->from.items[0]->join.using_cols.count, 1);
    assert_string_equal(printed(s), "SELECT A FROM T NATURAL JOIN U");
    bind_fails("SELECT 1 FROM t JOIN u USING (b)", SQL_STATE_UNDEFINED_COLUMN, 17, "right side");
    bind_fails("SELECT 1 FROM t FULL JOIN u USING (a)", SQL_STATE_FEATURE_NOT_SUPPORTED, 17, "FULL JOIN");
    bind_ok("SELECT 1 FROM t LEFT JOIN u ON t.a = u.a AND d > c");
    /* more sources on one side of USING than the binder walks: a clear error */
    char sql[4096];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT 1 FROM t AS x0");
    for (int i = 1; i <= 64; i++) n += (size_t)snprintf(sql + n, sizeof sql - n, " CROSS JOIN t AS x%d", i);
    snprintf(sql + n, sizeof sql - n, " JOIN u USING (d)");
    bind_fails(sql, SQL_STATE_TOO_COMPLEX, (uint32_t)n + 2, "more than 64 tables");   /* at JOIN */
}

static void test_correlation_and_derived_tables(void **state)
{
    sql_stmt *s = bind_ok("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a AND d = c)");
    const sql_expr *where = s->u.select->select->where;
    const sql_query *sub = where->u.subquery.query;
    const sql_expr *and = sub->select->where;
    const sql_expr *eq1 = and->u.binary.left, *eq2 = and->u.binary.right;
    assert_int_equal(eq1->u.binary.left->u.column.depth, 0);    /* u.a */
    assert_int_equal(eq1->u.binary.right->u.column.depth, 1);   /* t.a, correlated */
    assert_int_equal(eq2->u.binary.left->u.column.depth, 0);    /* d */
    assert_int_equal(eq2->u.binary.right->u.column.depth, 1);   /* c */

    s = bind_ok("SELECT x.bee FROM (SELECT b AS bee FROM t) AS x");
    assert_int_equal(s->u.select->select->sources.items[0]->kind, SQL_SOURCE_DERIVED);
    bind_ok("SELECT p, x.q FROM (SELECT a, b FROM t) AS x (p, q)");
    bind_fails("SELECT x.a FROM (SELECT a, b FROM t) AS x (p, q)", SQL_STATE_UNDEFINED_COLUMN, 8, "X.A");
    bind_fails("SELECT 1 FROM (SELECT a FROM t) AS x (p, q)", SQL_STATE_INVALID_COLUMN_REF, 15, "column aliases");
    /* a derived table does not see its FROM siblings */
    bind_fails("SELECT * FROM t, (SELECT c FROM u) AS z", SQL_STATE_UNDEFINED_COLUMN, 26, "column C");
    bind_fails("SELECT (SELECT a, d FROM u) FROM t", SQL_STATE_SYNTAX_ERROR, 8, "returns 2 columns");
    bind_ok("SELECT a FROM t WHERE (a, b) IN ((1, 'x'), (2, 'y')) AND (a, c) > (0, 0)");
    bind_fails("SELECT a FROM t WHERE (a, zz) = (1, 2)", SQL_STATE_UNDEFINED_COLUMN, 27, "ZZ");
    bind_ok("SELECT a FROM t WHERE a > ALL (SELECT d FROM u WHERE u.a = t.c)");
    bind_fails("SELECT a FROM t WHERE a = ANY (SELECT a, d FROM u)", SQL_STATE_SYNTAX_ERROR, 25, "after ANY returns 2");
    bind_fails("SELECT a IN (SELECT a, d FROM u) FROM t", SQL_STATE_SYNTAX_ERROR, 10, "returns 2 columns");
}

static void test_ctes_and_views(void **state)
{
    sql_stmt *s = bind_ok("WITH c AS (SELECT a AS z FROM t) SELECT z, c.z FROM c");
    assert_int_equal(s->u.select->select->sources.items[0]->kind, SQL_SOURCE_CTE);
    bind_ok("WITH c (p, q) AS (SELECT a, b FROM t), d AS (SELECT p FROM c) SELECT * FROM d, c");
    bind_fails("WITH c (p) AS (SELECT a, b FROM t) SELECT 1", SQL_STATE_INVALID_COLUMN_REF, 16, "2 columns");
    bind_ok("WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r");
    bind_fails("WITH c AS (SELECT 1 AS one) SELECT * FROM c AS x, s.c", SQL_STATE_UNDEFINED_TABLE, 51, "S.C");

    s = bind_ok("SELECT bee, a FROM vt");
    const sql_source *v = s->u.select->select->sources.items[0];
    assert_int_equal(v->kind, SQL_SOURCE_VIEW);
    assert_non_null(v->query);
    assert_int_equal(v->columns.count, 2);
    bind_fails("SELECT c FROM vt", SQL_STATE_UNDEFINED_COLUMN, 8, "column C");
    s = bind_ok("SELECT x, y FROM named");
    assert_int_equal(s->u.select->output_names.count, 2);
    bind_fails("SELECT a FROM named", SQL_STATE_UNDEFINED_COLUMN, 8, "column A");
    s = bind_ok("SELECT * FROM phx");
    assert_string_equal(printed(s), "SELECT PHX.A, PHX.D, PHX.EXTRA FROM PHX");
}

static void test_view_recursion_and_broken_views(void **state)
{
    /* a view whose stored text refers to itself */
    assert_int_equal(mem_catalog_exec(&cat, "CREATE VIEW loop1 AS SELECT 1 AS one"), APHX_OK);
    for (size_t i = 0; i < cat.count; i++)
        if (strcmp(cat.tables[i].name, "LOOP1") == 0) cat.tables[i].view_sql = "SELECT * FROM loop1";
    bind_fails("SELECT * FROM loop1", SQL_STATE_TOO_COMPLEX, 15, "nested more than");
    for (size_t i = 0; i < cat.count; i++)
        if (strcmp(cat.tables[i].name, "LOOP1") == 0) cat.tables[i].view_sql = "SELEKT 1";
    bind_fails("SELECT * FROM loop1", SQL_STATE_CATALOG_FAILURE, 15, "does not parse");
}

static void test_order_group_having(void **state)
{
    sql_stmt *s = bind_ok("SELECT a AS x, b FROM t ORDER BY x, c, 2");
    const sql_order_list *ob = &s->u.select->order_by;
    assert_null(ob->items[0]->expr->u.column.source);
    assert_int_equal(ob->items[0]->expr->u.column.output, 0);
    assert_non_null(ob->items[1]->expr->u.column.source);          /* c: a FROM column */
    bind_fails("SELECT a FROM t ORDER BY 3", SQL_STATE_INVALID_COLUMN_REF, 26, "ORDER BY position 3");
    bind_fails("SELECT a FROM t ORDER BY 0", SQL_STATE_INVALID_COLUMN_REF, 26, "ORDER BY position 0");

    s = bind_ok("SELECT a FROM t UNION SELECT a FROM u ORDER BY a DESC");
    assert_int_equal(s->u.select->order_by.items[0]->expr->u.column.output, 0);
    bind_fails("SELECT a FROM t UNION SELECT a FROM u ORDER BY d", SQL_STATE_INVALID_COLUMN_REF, 48,
               "must name one of its result columns");
    bind_fails("SELECT a FROM t UNION SELECT a, d FROM u", SQL_STATE_SYNTAX_ERROR, 17,
               "each UNION query must have the same number of columns (1 and 2)");

    s = bind_ok("SELECT a + 1 AS k, COUNT(*) AS n FROM t GROUP BY k HAVING n > 1");
    const sql_select *sel = s->u.select->select;
    assert_int_equal(sel->group_by.items[0]->u.column.output, 0);
    assert_int_equal(sel->having->u.binary.left->u.column.output, 1);
    s = bind_ok("SELECT b AS a FROM t GROUP BY a");               /* FROM column first */
    assert_non_null(s->u.select->select->group_by.items[0]->u.column.source);
    bind_ok("SELECT a, COUNT(*) FROM t GROUP BY 1");
    bind_fails("SELECT a FROM t GROUP BY 2", SQL_STATE_INVALID_COLUMN_REF, 26, "GROUP BY position 2");
    bind_fails("SELECT a AS x, b AS x FROM t ORDER BY x", SQL_STATE_AMBIGUOUS_COLUMN, 39, "ambiguous");
    /* an output name is not visible in WHERE */
    bind_fails("SELECT a AS x FROM t WHERE x > 1", SQL_STATE_UNDEFINED_COLUMN, 28, "column X");

    s = bind_ok("VALUES (1, 'a'), (2, 'b') ORDER BY COLUMN2");
    assert_string_equal(s->u.select->output_names.items[1], "COLUMN2");
    bind_fails("VALUES (1, 2), (3)", SQL_STATE_SYNTAX_ERROR, 17, "same length");
}

static void test_dml(void **state)
{
    sql_stmt *s = bind_ok("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')");
    assert_non_null(s->u.insert.target);
    assert_string_equal(s->u.insert.target->table->name, "T");
    bind_ok("UPSERT INTO t VALUES (1, 'x', 3) ON DUPLICATE KEY UPDATE c = c + 1");
    bind_ok("UPSERT INTO t (a) SELECT d FROM u WHERE d > 0");
    bind_ok("INSERT INTO t (a) VALUES (NEXT VALUE FOR seq)");
    bind_ok("INSERT INTO t (a, b) VALUES (DEFAULT, 'x'), (1, DEFAULT)");
    bind_ok("UPDATE t SET a = DEFAULT");
    bind_fails("SELECT DEFAULT", SQL_STATE_SYNTAX_ERROR, 8, "DEFAULT is allowed only");
    bind_fails("INSERT INTO t (a) VALUES (DEFAULT + 1)", SQL_STATE_SYNTAX_ERROR, 27, "DEFAULT is allowed only");
    bind_fails("INSERT INTO t (a) SELECT DEFAULT", SQL_STATE_SYNTAX_ERROR, 26, "DEFAULT is allowed only");
    bind_fails("INSERT INTO t (a) VALUES ((SELECT x FROM (VALUES (DEFAULT)) AS v (x)))", SQL_STATE_SYNTAX_ERROR, 51,
               "DEFAULT is allowed only");
    bind_fails("INSERT INTO t VALUES (1)", SQL_STATE_SYNTAX_ERROR, 15, "fewer expressions than target columns (1 for 3)");
    bind_fails("INSERT INTO t (a) VALUES (1, 2)", SQL_STATE_SYNTAX_ERROR, 19, "more expressions");
    bind_fails("INSERT INTO t (a, zz) VALUES (1, 2)", SQL_STATE_UNDEFINED_COLUMN, 1, "\"ZZ\" of table T");
    bind_fails("INSERT INTO t (a, a) VALUES (1, 2)", SQL_STATE_DUPLICATE_COLUMN, 1, "more than once");
    bind_fails("INSERT INTO vt VALUES (1, 'x')", SQL_STATE_WRONG_OBJECT_TYPE, 1, "views are read-only");
    bind_fails("INSERT INTO t VALUES (1, 'x', z)", SQL_STATE_UNDEFINED_COLUMN, 31, "column Z");
    bind_fails("UPSERT INTO t VALUES (1, 'x', 3) ON DUPLICATE KEY UPDATE zz = 1", SQL_STATE_UNDEFINED_COLUMN,
               63, "\"ZZ\"");

    s = bind_ok("UPDATE t SET a = a + 1, b = 'x' WHERE c IN (SELECT d FROM u WHERE u.a = t.a)");
    assert_non_null(s->u.update.target);
    bind_ok("UPDATE t AS x SET a = 1 WHERE x.c > 0");
    bind_fails("UPDATE t SET zz = 1", SQL_STATE_UNDEFINED_COLUMN, 19, "\"ZZ\"");
    bind_fails("UPDATE t SET a = d", SQL_STATE_UNDEFINED_COLUMN, 18, "column D");
    bind_fails("UPDATE vt SET a = 1", SQL_STATE_WRONG_OBJECT_TYPE, 1, "cannot update view");
    s = bind_ok("DELETE FROM u WHERE a > (SELECT MAX(a) FROM t)");
    assert_non_null(s->u.delete_.target);
    bind_fails("DELETE FROM nope", SQL_STATE_UNDEFINED_TABLE, 1, "NOPE");
    bind_fails("DELETE FROM t WHERE d = 1", SQL_STATE_UNDEFINED_COLUMN, 21, "column D");
    bind_ok("EXPLAIN SELECT a FROM t");
    bind_fails("EXPLAIN SELECT zz FROM t", SQL_STATE_UNDEFINED_COLUMN, 16, "ZZ");
}

static void test_ddl_checks(void **state)
{
    bind_ok("CREATE TABLE n (a INTEGER NOT NULL, b INTEGER NOT NULL CONSTRAINT pk PRIMARY KEY (a, b))");
    bind_fails("CREATE TABLE n (a INTEGER, A INTEGER)", SQL_STATE_DUPLICATE_COLUMN, 28, "\"A\" specified more than once");
    bind_fails("CREATE TABLE n (a INTEGER CONSTRAINT pk PRIMARY KEY (z))", SQL_STATE_UNDEFINED_COLUMN, 54,
               "\"Z\" named in key");
    bind_fails("CREATE TABLE n (a INTEGER CONSTRAINT pk PRIMARY KEY (a, a))", SQL_STATE_DUPLICATE_COLUMN, 57,
               "twice in the primary key");
    bind_fails("CREATE TABLE n (a INTEGER PRIMARY KEY, b INTEGER PRIMARY KEY)", SQL_STATE_INVALID_TABLE_DEF, 1,
               "multiple primary keys");
    bind_ok("CREATE INDEX i ON t (a DESC, upper(b)) INCLUDE (c)");
    bind_fails("CREATE INDEX i ON t (a, zz)", SQL_STATE_UNDEFINED_COLUMN, 25, "ZZ");
    bind_fails("CREATE INDEX i ON t (a) INCLUDE (zz)", SQL_STATE_UNDEFINED_COLUMN, 1, "\"ZZ\"");
    bind_fails("CREATE INDEX i ON nope (a)", SQL_STATE_UNDEFINED_TABLE, 1, "NOPE");
    bind_ok("ALTER TABLE t ADD IF NOT EXISTS a INTEGER");
    bind_ok("ALTER TABLE t ADD e INTEGER, f VARCHAR");
    bind_fails("ALTER TABLE t ADD a INTEGER", SQL_STATE_DUPLICATE_COLUMN, 19, "already exists");
    bind_fails("ALTER TABLE t DROP COLUMN zz", SQL_STATE_UNDEFINED_COLUMN, 1, "\"ZZ\"");
    bind_ok("ALTER TABLE t DROP COLUMN IF EXISTS zz");
    bind_ok("CREATE VIEW v2 (x, y) AS SELECT a, b FROM t");
    bind_fails("CREATE VIEW v2 (x) AS SELECT a, b FROM t", SQL_STATE_INVALID_COLUMN_REF, 1, "names 1 columns");
    bind_fails("CREATE VIEW v2 AS SELECT zz FROM t", SQL_STATE_UNDEFINED_COLUMN, 26, "ZZ");
    bind_ok("SELECT NEXT VALUE FOR seq, CURRENT VALUE FOR seq");
    bind_fails("SELECT NEXT VALUE FOR nope", SQL_STATE_UNDEFINED_TABLE, 8, "sequence NOPE does not exist");
    bind_fails("CREATE TRIGGER r INSERT ON t BEGIN SELECT 1; END", SQL_STATE_FEATURE_NOT_SUPPORTED, 1, "triggers");
    bind_ok("DROP TABLE IF EXISTS whatever");
}

/* A catalog that fails (ZooKeeper unreachable, say) passes its code through. */
static aphx_rc failing_find(void *ctx, const char *schema, const char *name,
                            const sql_catalog_table **out, aphx_error *err)
{
    return aphx_fail(err, APHX_TIMEOUT, "zookeeper did not answer within 2000 ms");
}

static void test_catalog_failure(void **state)
{
    static const sql_catalog_vtable vt = {failing_find, NULL};
    sql_catalog broken = {&vt, NULL};
    sql_stmt *s;
    sql_error err;
    const char *sql = "SELECT a FROM t WHERE NEXT VALUE FOR seq > 1";
    assert_int_equal(sql_parse_statement(&arena, sql, strlen(sql), &s, &err), APHX_OK);
    assert_int_equal(sql_bind_statement(&arena, &broken, s, &err), APHX_TIMEOUT);
    assert_string_equal(err.sqlstate, SQL_STATE_CATALOG_FAILURE);
    assert_non_null(strstr(err.base.msg, "zookeeper did not answer"));
    assert_int_equal(err.pos.column, 15);

    /* a catalog without sequences */
    static const sql_catalog_vtable vt2 = {NULL, NULL};
    sql_catalog none = {&vt2, NULL};
    assert_int_equal(sql_bind_statement(&arena, &none, s, &err), APHX_INVALID);
    mem_catalog plain;
    mem_catalog_init(&plain);
    assert_int_equal(mem_catalog_exec(&plain, "CREATE TABLE t (a INTEGER)"), APHX_OK);
    sql_catalog_vtable no_seq = *plain.catalog.vtable;
    no_seq.find_sequence = NULL;
    sql_catalog c = {&no_seq, &plain};
    assert_int_equal(sql_parse_statement(&arena, sql, strlen(sql), &s, &err), APHX_OK);
    assert_int_equal(sql_bind_statement(&arena, &c, s, &err), APHX_UNSUPPORTED);
    assert_string_equal(err.sqlstate, SQL_STATE_FEATURE_NOT_SUPPORTED);
    mem_catalog_free(&plain);
}

/* Every allocation failing in turn: APHX_NOMEM, no crash, no leak. */
static void test_bind_allocation_failures(void **state)
{
    const char *sql = "WITH c AS (SELECT a, COUNT(*) AS n FROM t GROUP BY a) "
                      "SELECT *, (SELECT MAX(d) FROM u WHERE u.a = c.a) FROM c JOIN vt USING (a) "
                      "WHERE n > 1 ORDER BY 1, n";
    int failures = 0;
    for (int64_t n = 1; n < 2000; n++) {
        aphx_arena tiny;
        aphx_arena_init(&tiny, 64);
        sql_stmt *s;
        sql_error err;
        assert_int_equal(sql_parse_statement(&tiny, sql, strlen(sql), &s, &err), APHX_OK);
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = sql_bind_statement(&tiny, &cat.catalog, s, &err);
        aphx_alloc_fail_countdown = 0;
        aphx_arena_destroy(&tiny);
        if (rc == APHX_OK) break;
        if (rc != APHX_NOMEM) {
            print_error("n=%d: rc %d %s %s\n", (int)n, rc, err.sqlstate, err.base.msg);
            fail();
        }
        failures++;
    }
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_columns_and_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_star_expansion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_using_and_natural, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correlation_and_derived_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctes_and_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_recursion_and_broken_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_group_having, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ddl_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
