/*
 * fuzz_sql_parser.c — libFuzzer target for the SQL front end (src/sql).
 *
 * Each input is a SQL script. The target checks that
 *   - the tokenizer and parser never crash, overflow the stack or read out
 *     of bounds on any bytes (the input is not NUL-terminated);
 *   - a failure always carries a code, a SQLSTATE and a position inside the
 *     text, and the caret renderer copes with it;
 *   - every statement that parses prints to SQL that parses again and
 *     prints identically (the printer fixpoint); a mismatch aborts.
 */
#include "sql/sql.h"

#include <stdlib.h>
#include <string.h>

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
        for (size_t i = 0; i < script.stmts.count; i++) {
            const sql_stmt *s = script.stmts.items[i];
            if (s->pos.offset > s->end_offset || s->end_offset > size) abort();
            check_fixpoint(&arena, s);
        }
    }
    aphx_arena_destroy(&arena);
    free(text);
    return 0;
}
