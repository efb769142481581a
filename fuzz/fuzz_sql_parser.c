/*
 * fuzz_sql_parser.c — libFuzzer target for the SQL front end (src/sql).
 *
 * Each input is a SQL script. The target checks that
 *   - the tokenizer and parser never crash, overflow the stack or read out
 *     of bounds on any bytes (the input is not NUL-terminated);
 *   - a failure always carries a code, a SQLSTATE and a position inside the
 *     text, and the caret renderer copes with it;
 *   - every statement that parses prints to SQL that parses again and
 *     prints identically (the printer fixpoint); a mismatch aborts;
 *   - sql_split_script() finds the same statements and spans as the parser;
 *   - the binder resolves names in it against a small fixed catalog (two
 *     tables and a view) without crashing; a failure carries a SQLSTATE.
 */
#include "sql/sql.h"

#include <stdlib.h>
#include <string.h>

static const sql_catalog_column fuzz_t_cols[] = {
    {"A", {SQL_TYPE_INTEGER, -1, -1, false, 0}, false},
    {"B", {SQL_TYPE_VARCHAR, -1, -1, false, 0}, false},
    {"C", {SQL_TYPE_INTEGER, -1, -1, false, 0}, true},
};
static const sql_catalog_column fuzz_u_cols[] = {
    {"A", {SQL_TYPE_INTEGER, -1, -1, false, 0}, false},
    {"D", {SQL_TYPE_DOUBLE, -1, -1, true, 0}, false},
};
static const sql_catalog_table fuzz_tables[] = {
    {NULL, "T", fuzz_t_cols, 3, NULL, 1},
    {"S", "U", fuzz_u_cols, 2, NULL, 1},
    {NULL, "V", NULL, 0, "SELECT a, b AS x FROM t WHERE c > 0", 1},
    {NULL, "LOOP", NULL, 0, "SELECT * FROM loop", 1},
};

static aphx_rc fuzz_find_table(void *ctx, const char *schema, const char *name,
                               const sql_catalog_table **out, aphx_error *err)
{
    for (size_t i = 0; i < sizeof fuzz_tables / sizeof fuzz_tables[0]; i++) {
        const sql_catalog_table *t = &fuzz_tables[i];
        bool schema_ok = schema ? (t->schema && strcmp(schema, t->schema) == 0) : !t->schema;
        if (schema_ok && strcmp(name, t->name) == 0) {
            *out = t;
            return APHX_OK;
        }
    }
    return aphx_fail(err, APHX_NOTFOUND, "no table %s", name);
}

static aphx_rc fuzz_find_sequence(void *ctx, const char *schema, const char *name, aphx_error *err)
{
    return strcmp(name, "SEQ") == 0 ? APHX_OK : APHX_NOTFOUND;
}

static const sql_catalog_vtable fuzz_vtable = {fuzz_find_table, fuzz_find_sequence};
static const sql_catalog fuzz_catalog = {&fuzz_vtable, NULL};

static void check_fixpoint(aphx_arena *arena, const sql_stmt *stmt)
{
    aphx_buf once, twice;
    aphx_buf_init(&once);
    aphx_buf_init(&twice);
    sql_print_statement(stmt, &once);
    if (once.oom) abort();
    sql_stmt *again = NULL;
    sql_error err;
    if (sql_parse_statement(arena, once.data, once.len, &again, &err) != APHX_OK) {
        /* The parentheses the printer adds (+(NOT x)) cost nesting levels: a
         * statement within a few levels of SQL_MAX_DEPTH may print deeper
         * than the limit. That is the one accepted exception. */
        if (strcmp(err.sqlstate, SQL_STATE_TOO_COMPLEX) == 0) {
            aphx_buf_free(&once);
            return;
        }
        fprintf(stderr, "printed SQL does not parse: %s\n  %s\n", once.data, err.base.msg);
        abort();
    }
    sql_print_statement(again, &twice);
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0) {
        fprintf(stderr, "printer is not a fixpoint:\n  %s\n  %s\n", once.data, twice.data);
        abort();
    }
    aphx_buf_free(&once);
    aphx_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy into an exact-size heap block so ASan catches any over-read. */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);

    aphx_arena arena;
    aphx_arena_init(&arena, 8 * 1024);
    sql_script script;
    sql_error err;
    aphx_rc rc = sql_parse_script(&arena, text, size, &script, &err);
    if (rc != APHX_OK) {
        if (err.base.code != rc || strlen(err.sqlstate) != 5 || err.pos.offset > size ||
            err.pos.line == 0 || err.pos.column == 0)
            abort();
        aphx_buf msg;
        aphx_buf_init(&msg);
        sql_error_render(&err, text, size, &msg);
        aphx_buf_free(&msg);
    } else {
        /* the token-level splitter must agree with the parser */
        sql_span_list spans;
        if (sql_split_script(&arena, text, size, &spans, &err) != APHX_OK) abort();
        if (spans.count != script.stmts.count) {
            fprintf(stderr, "splitter found %zu statements, parser %zu\n", spans.count, script.stmts.count);
            abort();
        }
        for (size_t i = 0; i < spans.count; i++)
            if (spans.items[i]->pos.offset != script.stmts.items[i]->pos.offset ||
                spans.items[i]->pos.offset + spans.items[i]->length != script.stmts.items[i]->end_offset)
                abort();
        for (size_t i = 0; i < script.stmts.count; i++) {
            const sql_stmt *s = script.stmts.items[i];
            if (s->pos.offset > s->end_offset || s->end_offset > size) abort();
            check_fixpoint(&arena, s);
            sql_error berr;
            aphx_rc brc = sql_bind_statement(&arena, &fuzz_catalog, script.stmts.items[i], &berr);
            if (brc != APHX_OK && (berr.base.code != brc || strlen(berr.sqlstate) != 5)) abort();
        }
    }
    aphx_arena_destroy(&arena);
    free(text);
    return 0;
}
