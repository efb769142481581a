/*
 * mem_catalog.h — an in-memory sql_catalog for the SQL tests: tables and
 * views created by applying parsed DDL statements (CREATE/DROP TABLE,
 * CREATE/DROP VIEW, ALTER TABLE, CREATE/DROP SEQUENCE). Test code only:
 * the real catalog lives in ZooKeeper (coord).
 */
#ifndef APHX_TEST_MEM_CATALOG_H
#define APHX_TEST_MEM_CATALOG_H

#include "sql/sql.h"

typedef struct mem_catalog {
    aphx_arena         arena;
    sql_catalog_table *tables;
    size_t             count, cap;
    sql_name          *sequences;
    size_t             seq_count, seq_cap;
    sql_catalog        catalog;      /* hand &catalog to sql_bind_statement */
} mem_catalog;

void mem_catalog_init(mem_catalog *mc);
void mem_catalog_free(mem_catalog *mc);
/* Apply a bound DDL statement; `text` is the statement's source text
 * (kept as a view's definition). Other statements are ignored. */
aphx_rc mem_catalog_apply(mem_catalog *mc, const sql_stmt *stmt, const char *text, size_t len);
/* Add a table from a CREATE TABLE text (convenience for tests). */
aphx_rc mem_catalog_exec(mem_catalog *mc, const char *sql);

#endif
