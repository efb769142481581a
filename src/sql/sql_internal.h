/*
 * sql_internal.h — helpers shared by the files of src/sql and by nobody
 * else (the public API is sql.h).
 */
#ifndef APHX_SQL_INTERNAL_H
#define APHX_SQL_INTERNAL_H

#include "sql/sql.h"

/* Fill *err (may be NULL) with code, SQLSTATE, position and message;
 * returns code. */
aphx_rc sql_fail_at(sql_error *err, aphx_rc code, const char *sqlstate, sql_pos pos,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP, LOCALTIME, LOCALTIMESTAMP:
 * reserved words that call a function without parentheses. */
bool sql_is_niladic_function(const char *word, size_t len);

/* Grow an arena-allocated pointer array so one more item fits. `items`
 * points at the list's items field. Returns false when the arena is out of
 * memory. */
bool sql_list_grow(aphx_arena *arena, void *items, size_t *cap, size_t count);

#define SQL_LIST_PUSH(arena, list, item)                                     \
    (sql_list_grow((arena), &(list).items, &(list).cap, (list).count)         \
         ? ((list).items[(list).count++] = (item), true)                      \
         : false)

#endif /* APHX_SQL_INTERNAL_H */
