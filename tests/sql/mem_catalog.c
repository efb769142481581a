/*
 * mem_catalog.c — the in-memory test catalog (see mem_catalog.h).
 */
#include "mem_catalog.h"

#include <stdlib.h>
#include <string.h>

static const char *norm_schema(const char *s) { return s && *s ? s : NULL; }

static bool same(const char *a, const char *b)
{
    a = norm_schema(a);
    b = norm_schema(b);
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static sql_catalog_table *find(mem_catalog *mc, const char *schema, const char *name)
{
    for (size_t i = 0; i < mc->count; i++)
        if (same(mc->tables[i].schema, schema) && strcmp(mc->tables[i].name, name) == 0)
            return &mc->tables[i];
    return NULL;
}

static aphx_rc mem_find_table(void *ctx, const char *schema, const char *name,
                              const sql_catalog_table **out, aphx_error *err)
{
    sql_catalog_table *t = find(ctx, schema, name);
    if (!t) return aphx_fail(err, APHX_NOTFOUND, "no table %s", name);
    *out = t;
    return APHX_OK;
}

static aphx_rc mem_find_sequence(void *ctx, const char *schema, const char *name, aphx_error *err)
{
    mem_catalog *mc = ctx;
    for (size_t i = 0; i < mc->seq_count; i++)
        if (same(mc->sequences[i].schema, schema) && strcmp(mc->sequences[i].name, name) == 0)
            return APHX_OK;
    return aphx_fail(err, APHX_NOTFOUND, "no sequence %s", name);
}

static const sql_catalog_vtable mem_vtable = {mem_find_table, mem_find_sequence};

void mem_catalog_init(mem_catalog *mc)
{
    memset(mc, 0, sizeof *mc);
    aphx_arena_init(&mc->arena, 64 * 1024);
    mc->catalog.vtable = &mem_vtable;
    mc->catalog.ctx = mc;
}

void mem_catalog_free(mem_catalog *mc)
{
    aphx_arena_destroy(&mc->arena);
    free(mc->tables);
    free(mc->sequences);
    memset(mc, 0, sizeof *mc);
}

static void drop(mem_catalog *mc, const sql_name *n)
{
    sql_catalog_table *t = find(mc, n->schema, n->name);
    if (!t) return;
    *t = mc->tables[--mc->count];
}

static sql_catalog_table *add(mem_catalog *mc, const sql_name *n)
{
    drop(mc, n);
    if (mc->count == mc->cap) {
        size_t cap = mc->cap ? mc->cap * 2 : 8;
        sql_catalog_table *t = realloc(mc->tables, cap * sizeof *t);
        if (!t) return NULL;
        mc->tables = t;
        mc->cap = cap;
    }
    sql_catalog_table *t = &mc->tables[mc->count++];
    memset(t, 0, sizeof *t);
    t->schema = n->schema ? aphx_arena_strdup(&mc->arena, n->schema) : NULL;
    t->name = aphx_arena_strdup(&mc->arena, n->name);
    return t;
}

static aphx_rc set_columns(mem_catalog *mc, sql_catalog_table *t, const sql_column_def_list *defs,
                           const sql_catalog_column *old, size_t old_count)
{
    size_t n = old_count + defs->count;
    sql_catalog_column *cols = aphx_arena_calloc(&mc->arena, (n ? n : 1) * sizeof *cols);
    if (!cols) return APHX_NOMEM;
    if (old_count) memcpy(cols, old, old_count * sizeof *cols);
    for (size_t i = 0; i < defs->count; i++) {
        cols[old_count + i].name = aphx_arena_strdup(&mc->arena, defs->items[i]->name);
        cols[old_count + i].type = defs->items[i]->type;
        cols[old_count + i].not_null = defs->items[i]->not_null;
    }
    t->columns = cols;
    t->column_count = n;
    return APHX_OK;
}

aphx_rc mem_catalog_apply(mem_catalog *mc, const sql_stmt *s, const char *text, size_t len)
{
    sql_catalog_table *t;
    switch (s->kind) {
    case SQL_STMT_CREATE_TABLE:
        if (s->u.create_table.if_not_exists &&
            find(mc, s->u.create_table.name.schema, s->u.create_table.name.name))
            return APHX_OK;
        if (!(t = add(mc, &s->u.create_table.name))) return APHX_NOMEM;
        if (s->u.create_table.as_query) {
            const sql_name_list *names = &s->u.create_table.as_query->output_names;
            sql_catalog_column *cols = aphx_arena_calloc(&mc->arena, (names->count + 1) * sizeof *cols);
            if (!cols) return APHX_NOMEM;
            for (size_t i = 0; i < names->count; i++) {
                cols[i].name = aphx_arena_strdup(&mc->arena, names->items[i]);
                cols[i].type.id = SQL_TYPE_VARCHAR;
            }
            t->columns = cols;
            t->column_count = names->count;
            return APHX_OK;
        }
        return set_columns(mc, t, &s->u.create_table.columns, NULL, 0);
    case SQL_STMT_CREATE_VIEW:
        if (!(t = add(mc, &s->u.create_view.name))) return APHX_NOMEM;
        t->view_sql = aphx_arena_strndup(&mc->arena, text, len);
        return APHX_OK;
    case SQL_STMT_ALTER_TABLE:
        t = find(mc, s->u.alter_table.table.schema, s->u.alter_table.table.name);
        if (!t) return APHX_NOTFOUND;
        if (s->u.alter_table.add) return set_columns(mc, t, &s->u.alter_table.add_columns, t->columns, t->column_count);
        for (size_t i = 0; i < s->u.alter_table.drop_columns.count; i++)
            for (size_t c = 0; c < t->column_count; c++)
                if (strcmp(t->columns[c].name, s->u.alter_table.drop_columns.items[i]) == 0) {
                    sql_catalog_column *cols = (sql_catalog_column *)t->columns;
                    memmove(cols + c, cols + c + 1, (t->column_count - c - 1) * sizeof *cols);
                    t->column_count--;
                    break;
                }
        return APHX_OK;
    case SQL_STMT_DROP:
        if (s->u.drop.object == SQL_OBJ_TABLE || s->u.drop.object == SQL_OBJ_VIEW) drop(mc, &s->u.drop.name);
        if (s->u.drop.object == SQL_OBJ_SEQUENCE)
            for (size_t i = 0; i < mc->seq_count; i++)
                if (same(mc->sequences[i].schema, s->u.drop.name.schema) &&
                    strcmp(mc->sequences[i].name, s->u.drop.name.name) == 0)
                    mc->sequences[i] = mc->sequences[--mc->seq_count];
        return APHX_OK;
    case SQL_STMT_CREATE_SEQUENCE: {
        if (mc->seq_count == mc->seq_cap) {
            size_t cap = mc->seq_cap ? mc->seq_cap * 2 : 4;
            sql_name *n = realloc(mc->sequences, cap * sizeof *n);
            if (!n) return APHX_NOMEM;
            mc->sequences = n;
            mc->seq_cap = cap;
        }
        sql_name *n = &mc->sequences[mc->seq_count++];
        n->schema = s->u.create_sequence.name.schema ? aphx_arena_strdup(&mc->arena, s->u.create_sequence.name.schema) : NULL;
        n->name = aphx_arena_strdup(&mc->arena, s->u.create_sequence.name.name);
        return APHX_OK;
    }
    default:
        return APHX_OK;
    }
}

aphx_rc mem_catalog_exec(mem_catalog *mc, const char *sql)
{
    aphx_arena a;
    aphx_arena_init(&a, 8192);
    sql_script script;
    sql_error err;
    aphx_rc rc = sql_parse_script(&a, sql, strlen(sql), &script, &err);
    for (size_t i = 0; !rc && i < script.stmts.count; i++) {
        const sql_stmt *s = script.stmts.items[i];
        rc = sql_bind_statement(&a, &mc->catalog, (sql_stmt *)s, &err);
        if (!rc) rc = mem_catalog_apply(mc, s, sql + s->pos.offset, s->end_offset - s->pos.offset);
    }
    if (rc) fprintf(stderr, "mem_catalog_exec: %s: %s\n", sql, err.base.msg);
    aphx_arena_destroy(&a);
    return rc;
}
