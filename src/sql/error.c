/*
 * error.c — SQL errors (SQLSTATE + position) and their rendering with a
 * caret under the offending column, plus the name tables of sql.h.
 */
#include "sql/sql.h"
#include "sql/sql_internal.h"

#include <string.h>

void sql_error_clear(sql_error *err)
{
    if (!err) return;
    aphx_error_clear(&err->base);
    memcpy(err->sqlstate, "00000", 6);
    err->pos.offset = 0;
    err->pos.line = 0;
    err->pos.column = 0;
}

/* Output looks like (columns are bytes; tabs are copied so the caret line
 * lines up in a terminal):
 *   ERROR 42601: syntax error: expected an expression, found FROM
 *   LINE 1: SELECT a, FROM t
 *                     ^
 */
void sql_error_render(const sql_error *err, const char *text, size_t len, aphx_buf *out)
{
    aphx_buf_printf(out, "ERROR %s: %s", err->sqlstate[0] ? err->sqlstate : "XX000",
                    err->base.msg[0] ? err->base.msg : aphx_rc_text(err->base.code));
    if (err->pos.line == 0 || !text || err->pos.offset > len) {
        aphx_buf_putc(out, '\n');
        return;
    }
    size_t start = err->pos.offset, end = err->pos.offset;
    while (start > 0 && text[start - 1] != '\n') start--;
    while (end < len && text[end] != '\n' && text[end] != '\r') end++;
    /* Long lines: show at most 60 bytes before the caret and 40 after. */
    size_t from = start, to = end;
    bool cut_left = false, cut_right = false;
    if (err->pos.offset - from > 60) {
        from = err->pos.offset - 60;
        cut_left = true;
    }
    if (to - err->pos.offset > 40) {
        to = err->pos.offset + 40;
        cut_right = true;
    }
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "LINE %u: %s", err->pos.line, cut_left ? "..." : "");
    aphx_buf_printf(out, "\n%s", prefix);
    aphx_buf_append(out, text + from, to - from);
    aphx_buf_printf(out, "%s\n", cut_right ? "..." : "");
    for (int i = 0; i < plen; i++) aphx_buf_putc(out, ' ');
    for (size_t i = from; i < err->pos.offset; i++)
        aphx_buf_putc(out, text[i] == '\t' ? '\t' : ' ');
    aphx_buf_puts(out, "^\n");
}

const char *sql_binary_op_text(sql_binary_op op)
{
    static const char *const texts[] = {
#define SQL_X_TEXT(name, text) text,
        SQL_BINARY_OP_LIST(SQL_X_TEXT)
#undef SQL_X_TEXT
    };
    if ((unsigned)op >= SQL_OP_COUNT_) return "?";
    return texts[op];
}

const char *sql_stmt_kind_name(sql_stmt_kind kind)
{
    static const char *const names[] = {
#define SQL_X_TEXT(name, text) text,
        SQL_STMT_LIST(SQL_X_TEXT)
#undef SQL_X_TEXT
    };
    if ((unsigned)kind >= SQL_STMT_COUNT_) return "?";
    return names[kind];
}
