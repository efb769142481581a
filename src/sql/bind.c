/*
 * bind.c — the binder's name resolution: connects the names in a parsed
 * statement to catalog tables, FROM sources and select-list items, through
 * the abstract catalog interface of sql.h (sql_catalog_vtable).
 *
 * Model
 *   A bind_scope is one query level: the sources of its FROM clause (in
 *   order), the columns merged by USING / NATURAL joins, its select list
 *   (for output-name references) and a link to the enclosing scope, which
 *   is where correlated references resolve. A cte_env is the chain of
 *   common table expressions visible at a point (innermost first).
 *
 * Rules (standard SQL, with the usual extensions real clients rely on)
 *   - an unqualified column is looked up in this scope's sources (a name
 *     found in two is ambiguous, 42702, unless a USING/NATURAL join merged
 *     it), then in enclosing scopes (correlation), else 42703;
 *   - t.c looks for the source exposed as t (its alias, else its table
 *     name) here and then outward; s.t.c also matches the schema;
 *   - ORDER BY: an integer is an ordinal (1..n, else 42P10); a bare name
 *     equal to an output name refers to that output item; anything else is
 *     an expression over the FROM sources. On UNION/INTERSECT/EXCEPT only
 *     ordinals and output names are allowed;
 *   - GROUP BY and HAVING: FROM columns first, then output names (as
 *     PostgreSQL for GROUP BY; SQLite and MySQL for HAVING);
 *   - a table name resolves to the innermost CTE of that name, else to the
 *     catalog; a view is parsed from its text and bound in a fresh scope;
 *   - `*` and `t.*` are replaced by column references in source order; a
 *     bare `*` shows a USING / NATURAL column once, at the position of the
 *     side it resolves to (the standard lists join columns first).
 *
 * Memory: everything comes from the caller's arena.
 */
#include "sql/sql.h"
#include "sql/sql_internal.h"

#include <string.h>

#define BIND_MAX_VIEW_DEPTH 16

typedef struct bind_merged {      /* a column merged by USING / NATURAL */
    const char *name;
    sql_source *source;           /* the side an unqualified reference means */
    uint32_t    index;
    sql_source *other;            /* the other side: hidden from a bare `*` */
    uint32_t    other_index;
} bind_merged;

typedef struct bind_scope {
    struct bind_scope *parent;
    sql_source_list    sources;
    SQL_LIST_OF(bind_merged) merged;
    sql_select        *select;    /* NULL for VALUES / DML scopes */
} bind_scope;

typedef struct cte_env {
    const struct cte_env *parent;
    const sql_cte        *cte;
    const sql_name_list  *columns;   /* bound output names */
} cte_env;

typedef enum alias_mode { ALIAS_NONE, ALIAS_FIRST, ALIAS_AFTER_SOURCES } alias_mode;

typedef struct binder {
    aphx_arena        *arena;
    const sql_catalog *catalog;
    sql_error         *err;
    int                view_depth;
    int                depth;
    bool               values_default;   /* DEFAULT allowed as a VALUES item */
    /* while binding ORDER BY / GROUP BY / HAVING of one select */
    alias_mode         alias_mode;
    const bind_scope  *alias_scope;
} binder;

#define TRY(x)                         \
    do {                               \
        aphx_rc try_rc_ = (x);         \
        if (try_rc_) return try_rc_;   \
    } while (0)

static aphx_rc bind_query(binder *b, sql_query *q, bind_scope *parent, const cte_env *env);
static aphx_rc bind_expr(binder *b, sql_expr *e, bind_scope *scope, const cte_env *env);

static aphx_rc bind_nomem(binder *b)
{
    sql_pos none = {0, 0, 0};
    return sql_fail_at(b->err, APHX_NOMEM, SQL_STATE_OUT_OF_MEMORY, none, "out of memory while binding");
}

#define PUSH(b, list, item) (SQL_LIST_PUSH((b)->arena, (list), (item)) ? APHX_OK : bind_nomem(b))

static bool name_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool schema_eq(const char *want, const char *have)
{
    if (!want) return true;
    return have && strcmp(want, have) == 0;
}

static void qualified(char *buf, size_t size, const char *schema, const char *table, const char *column)
{
    snprintf(buf, size, "%s%s%s%s%s", schema ? schema : "", schema ? "." : "", table ? table : "",
             table ? "." : "", column ? column : "");
}

/* ------------------------------------------------------------------ */
/* Sources                                                             */
/* ------------------------------------------------------------------ */
static sql_source *new_source(binder *b, sql_source_kind kind)
{
    sql_source *s = aphx_arena_calloc(b->arena, sizeof *s);
    if (!s) bind_nomem(b);
    else s->kind = kind;
    return s;
}

static int source_column(const sql_source *s, const char *name)
{
    for (size_t i = 0; i < s->columns.count; i++)
        if (strcmp(s->columns.items[i], name) == 0) return (int)i;
    return -1;
}

/* Add a source to the scope; two sources exposed under one name clash. */
static aphx_rc scope_add(binder *b, bind_scope *scope, sql_source *src, sql_pos pos)
{
    for (size_t i = 0; i < scope->sources.count; i++) {
        const sql_source *o = scope->sources.items[i];
        if (name_eq(o->name, src->name) && name_eq(o->schema ? o->schema : "", src->schema ? src->schema : ""))
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_DUPLICATE_ALIAS, pos,
                               "table name \"%s\" specified more than once (give one an alias)",
                               src->name);
    }
    return PUSH(b, scope->sources, src);
}

static aphx_rc names_from_catalog(binder *b, const sql_catalog_table *t, sql_name_list *out)
{
    for (size_t i = 0; i < t->column_count; i++) TRY(PUSH(b, *out, t->columns[i].name));
    return APHX_OK;
}

/* Rename a source's columns with an alias list: AS x (a, b). */
static aphx_rc apply_column_aliases(binder *b, sql_source *src, const sql_name_list *aliases, sql_pos pos)
{
    if (!aliases->count) return APHX_OK;
    if (aliases->count > src->columns.count)
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_COLUMN_REF, pos,
                           "\"%s\" has %zu columns but %zu column aliases were given",
                           src->name, src->columns.count, aliases->count);
    sql_name_list renamed = {0};
    for (size_t i = 0; i < src->columns.count; i++)
        TRY(PUSH(b, renamed, i < aliases->count ? aliases->items[i] : src->columns.items[i]));
    src->columns = renamed;
    return APHX_OK;
}

static aphx_rc catalog_find(binder *b, const sql_name *name, sql_pos pos, const sql_catalog_table **out)
{
    aphx_error cerr;
    aphx_error_clear(&cerr);
    aphx_rc rc = b->catalog->vtable->find_table(b->catalog->ctx, name->schema, name->name, out, &cerr);
    if (rc == APHX_OK) return APHX_OK;
    if (rc == APHX_NOTFOUND)
        return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_TABLE, pos,
                           "table %s%s%s does not exist", name->schema ? name->schema : "",
                           name->schema ? "." : "", name->name);
    return sql_fail_at(b->err, rc, SQL_STATE_CATALOG_FAILURE, pos, "catalog lookup of %s failed: %s",
                       name->name, cerr.msg[0] ? cerr.msg : aphx_rc_text(rc));
}

/* Parse and bind a view's query in a fresh scope. */
/* Parse and bind a view's definition in a fresh scope; *names gets its
 * columns: the CREATE VIEW v (a, b) names if given, else the query's
 * output names, then any columns Phoenix's CREATE VIEW v (c INTEGER) adds. */
static aphx_rc bind_view(binder *b, const sql_catalog_table *t, sql_pos pos, sql_query **out,
                         sql_name_list *names)
{
    if (b->view_depth >= BIND_MAX_VIEW_DEPTH)
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_TOO_COMPLEX, pos,
                           "views nested more than %d deep (is view %s defined in terms of itself?)",
                           BIND_MAX_VIEW_DEPTH, t->name);
    sql_error inner;
    sql_stmt *stmt;
    aphx_rc rc = sql_parse_statement(b->arena, t->view_sql, strlen(t->view_sql), &stmt, &inner);
    if (rc == APHX_NOMEM) return bind_nomem(b);
    if (rc == APHX_OK && stmt->kind == SQL_STMT_CREATE_VIEW && !stmt->u.create_view.query) {
        return sql_fail_at(b->err, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, pos,
                           "view %s has no query (a Phoenix view over an HBase table): not supported",
                           t->name);
    } else if (rc == APHX_OK && stmt->kind == SQL_STMT_CREATE_VIEW) {
        *out = stmt->u.create_view.query;
    } else if (rc == APHX_OK && stmt->kind == SQL_STMT_SELECT) {
        *out = stmt->u.select;
    } else {
        return sql_fail_at(b->err, APHX_CORRUPT, SQL_STATE_CATALOG_FAILURE, pos,
                           "the stored definition of view %s does not parse as a query: %s", t->name,
                           rc ? inner.base.msg : "not a SELECT");
    }
    b->view_depth++;
    rc = bind_query(b, *out, NULL, NULL);
    b->view_depth--;
    if (rc) {
        aphx_error_prefix(&b->err->base, "in view %s", t->name);
        b->err->pos = pos;
        return rc;
    }
    const sql_name_list *given = stmt->kind == SQL_STMT_CREATE_VIEW ? &stmt->u.create_view.column_names : NULL;
    if (given && given->count) {
        if (given->count != (*out)->output_names.count)
            return sql_fail_at(b->err, APHX_CORRUPT, SQL_STATE_CATALOG_FAILURE, pos,
                               "view %s names %zu columns but its query returns %zu", t->name,
                               given->count, (*out)->output_names.count);
        for (size_t i = 0; i < given->count; i++) TRY(PUSH(b, *names, given->items[i]));
    } else {
        for (size_t i = 0; i < (*out)->output_names.count; i++)
            TRY(PUSH(b, *names, (*out)->output_names.items[i]));
    }
    if (stmt->kind == SQL_STMT_CREATE_VIEW)
        for (size_t i = 0; i < stmt->u.create_view.columns.count; i++)
            TRY(PUSH(b, *names, stmt->u.create_view.columns.items[i]->name));
    return APHX_OK;
}

static const cte_env *find_cte(const cte_env *env, const char *name)
{
    for (; env; env = env->parent)
        if (strcmp(env->cte->name, name) == 0) return env;
    return NULL;
}

static aphx_rc bind_table_ref(binder *b, sql_table_ref *t, bind_scope *scope, const cte_env *env);

#define BIND_MAX_JOIN_SIDE 64

/* Sources of a FROM subtree, for USING / NATURAL matching; false when
 * there are more than `cap`. */
static bool subtree_sources(const sql_table_ref *t, sql_source **out, size_t *n, size_t cap)
{
    if (t->kind == SQL_REF_JOIN)
        return subtree_sources(t->join.left, out, n, cap) && subtree_sources(t->join.right, out, n, cap);
    if (!t->source) return true;
    if (*n >= cap) return false;
    out[(*n)++] = t->source;
    return true;
}

static aphx_rc too_many_tables(binder *b, sql_pos pos)
{
    return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_TOO_COMPLEX, pos,
                       "more than %d tables on one side of a USING or NATURAL join",
                       BIND_MAX_JOIN_SIDE);
}

/* Find `name` among the left side's sources: exactly one must have it. */
static aphx_rc find_in_side(binder *b, const sql_table_ref *side, const char *name, sql_pos pos,
                            sql_source **src, uint32_t *index)
{
    sql_source *list[BIND_MAX_JOIN_SIDE];
    size_t n = 0;
    if (!subtree_sources(side, list, &n, BIND_MAX_JOIN_SIDE)) return too_many_tables(b, pos);
    *src = NULL;
    for (size_t i = 0; i < n; i++) {
        int c = source_column(list[i], name);
        if (c < 0) continue;
        if (*src)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_AMBIGUOUS_COLUMN, pos,
                               "column \"%s\" in USING is ambiguous on the left side of the join", name);
        *src = list[i];
        *index = (uint32_t)c;
    }
    return APHX_OK;
}

static aphx_rc bind_join(binder *b, sql_table_ref *t, bind_scope *scope, const cte_env *env)
{
    TRY(bind_table_ref(b, t->join.left, scope, env));
    TRY(bind_table_ref(b, t->join.right, scope, env));
    if (t->join.natural) {
        /* NATURAL: the USING list is every column name both sides have */
        sql_source *right[BIND_MAX_JOIN_SIDE];
        size_t n = 0;
        if (!subtree_sources(t->join.right, right, &n, BIND_MAX_JOIN_SIDE)) return too_many_tables(b, t->pos);
        for (size_t r = 0; r < n; r++)
            for (size_t c = 0; c < right[r]->columns.count; c++) {
                sql_source *ls;
                uint32_t li;
                TRY(find_in_side(b, t->join.left, right[r]->columns.items[c], t->pos, &ls, &li));
                if (ls) TRY(PUSH(b, t->join.using_cols, right[r]->columns.items[c]));
            }
    }
    if (t->join.using_cols.count && t->join.type == SQL_JOIN_FULL)
        return sql_fail_at(b->err, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, t->pos,
                           "FULL JOIN with USING or NATURAL is not supported yet (write ON)");
    for (size_t i = 0; i < t->join.using_cols.count; i++) {
        const char *name = t->join.using_cols.items[i];
        sql_source *ls, *rs;
        uint32_t li, ri;
        TRY(find_in_side(b, t->join.left, name, t->pos, &ls, &li));
        TRY(find_in_side(b, t->join.right, name, t->pos, &rs, &ri));
        if (!ls || !rs)
            return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_COLUMN, t->pos,
                               "column \"%s\" named in USING does not exist on the %s side of the join",
                               name, ls ? "right" : "left");
        bool right = t->join.type == SQL_JOIN_RIGHT;
        bind_merged m = {name, right ? rs : ls, right ? ri : li, right ? ls : rs, right ? li : ri};
        bind_merged *mp = aphx_arena_alloc(b->arena, sizeof *mp);
        if (!mp) return bind_nomem(b);
        *mp = m;
        TRY(PUSH(b, scope->merged, mp));
    }
    if (t->join.on) TRY(bind_expr(b, t->join.on, scope, env));
    return APHX_OK;
}

static aphx_rc bind_table_ref(binder *b, sql_table_ref *t, bind_scope *scope, const cte_env *env)
{
    if (t->kind == SQL_REF_JOIN) return bind_join(b, t, scope, env);
    sql_source *src;
    if (t->kind == SQL_REF_SUBQUERY) {
        if (!(src = new_source(b, SQL_SOURCE_DERIVED))) return APHX_NOMEM;
        /* derived tables see enclosing queries, not their FROM siblings */
        TRY(bind_query(b, t->subquery, scope->parent, env));
        src->query = t->subquery;
        src->columns = t->subquery->output_names;
        src->name = t->alias;
    } else {
        const cte_env *cte = t->table.schema ? NULL : find_cte(env, t->table.name);
        if (cte) {
            if (!(src = new_source(b, SQL_SOURCE_CTE))) return APHX_NOMEM;
            src->query = cte->cte->query;
            src->columns = *cte->columns;
        } else {
            const sql_catalog_table *ct;
            TRY(catalog_find(b, &t->table, t->pos, &ct));
            if (!(src = new_source(b, ct->view_sql ? SQL_SOURCE_VIEW : SQL_SOURCE_TABLE))) return APHX_NOMEM;
            src->table = ct;
            if (ct->view_sql) {
                TRY(bind_view(b, ct, t->pos, &src->query, &src->columns));
            } else {
                TRY(names_from_catalog(b, ct, &src->columns));
            }
        }
        src->name = t->alias ? t->alias : t->table.name;
        src->schema = t->alias ? NULL : t->table.schema;
    }
    src->ref = t;
    t->source = src;
    TRY(apply_column_aliases(b, src, &t->column_aliases, t->pos));
    return scope_add(b, scope, src, t->pos);
}

/* ------------------------------------------------------------------ */
/* Column references                                                   */
/* ------------------------------------------------------------------ */
/* Output item whose name is `name` in the select being aliased; -1 if none. */
static int find_output(const binder *b, const bind_scope *scope, const char *name, sql_pos pos, aphx_rc *rc)
{
    *rc = APHX_OK;
    if (b->alias_mode == ALIAS_NONE || scope != b->alias_scope || !scope->select) return -1;
    const sql_select_list *items = &scope->select->items;
    int found = -1;
    for (size_t i = 0; i < items->count; i++) {
        const sql_select_item *it = items->items[i];
        const char *n = it->alias;
        if (!n && it->expr->kind == SQL_EXPR_COLUMN) n = it->expr->u.column.column;
        if (!n || strcmp(n, name) != 0) continue;
        if (found >= 0 && !it->alias && !items->items[found]->alias) continue;  /* same column twice */
        if (found >= 0) {
            *rc = sql_fail_at(b->err, APHX_INVALID, SQL_STATE_AMBIGUOUS_COLUMN, pos,
                              "\"%s\" is ambiguous: more than one output column has that name", name);
            return -1;
        }
        found = (int)i;
    }
    return found;
}

static void bind_to(sql_expr *e, const sql_source *src, uint32_t index, uint32_t depth)
{
    e->u.column.source = src;
    e->u.column.index = index;
    e->u.column.depth = depth;
    e->u.column.output = -1;
}

/* Look for the column in one scope. Returns APHX_OK with *found set when it
 * resolved here, APHX_OK with *found false to try the enclosing scope, or
 * an error. */
static aphx_rc resolve_in_scope(binder *b, sql_expr *e, const bind_scope *scope, uint32_t depth,
                                bool *found, bool *table_seen)
{
    const char *schema = e->u.column.schema, *table = e->u.column.table, *col = e->u.column.column;
    *found = false;
    if (table) {
        for (size_t i = 0; i < scope->sources.count; i++) {
            const sql_source *s = scope->sources.items[i];
            if (!name_eq(s->name, table) || !schema_eq(schema, s->schema)) continue;
            *table_seen = true;
            int c = source_column(s, col);
            if (c < 0) {
                char full[300];
                qualified(full, sizeof full, schema, table, col);
                return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_COLUMN, e->pos,
                                   "column %s does not exist", full);
            }
            bind_to(e, s, (uint32_t)c, depth);
            *found = true;
            return APHX_OK;
        }
        return APHX_OK;
    }
    for (size_t i = 0; i < scope->merged.count; i++) {
        const bind_merged *m = scope->merged.items[i];
        if (strcmp(m->name, col) == 0) {
            bind_to(e, m->source, m->index, depth);
            *found = true;
            return APHX_OK;
        }
    }
    for (size_t i = 0; i < scope->sources.count; i++) {
        const sql_source *s = scope->sources.items[i];
        int c = source_column(s, col);
        if (c < 0) continue;
        if (*found)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_AMBIGUOUS_COLUMN, e->pos,
                               "column reference \"%s\" is ambiguous (in %s and %s)", col,
                               e->u.column.source->name ? e->u.column.source->name : "a subquery",
                               s->name ? s->name : "a subquery");
        bind_to(e, s, (uint32_t)c, depth);
        *found = true;
    }
    return APHX_OK;
}

static aphx_rc bind_column(binder *b, sql_expr *e, bind_scope *scope)
{
    aphx_rc rc;
    bool plain = !e->u.column.table;
    if (plain && b->alias_mode == ALIAS_FIRST) {
        int o = find_output(b, scope, e->u.column.column, e->pos, &rc);
        if (rc) return rc;
        if (o >= 0) {
            e->u.column.source = NULL;
            e->u.column.output = o;
            return APHX_OK;
        }
    }
    bool table_seen = false;
    uint32_t depth = 0;
    for (const bind_scope *s = scope; s; s = s->parent, depth++) {
        bool found;
        TRY(resolve_in_scope(b, e, s, depth, &found, &table_seen));
        if (found) return APHX_OK;
        if (depth == 0 && plain && b->alias_mode == ALIAS_AFTER_SOURCES) {
            int o = find_output(b, scope, e->u.column.column, e->pos, &rc);
            if (rc) return rc;
            if (o >= 0) {
                e->u.column.source = NULL;
                e->u.column.output = o;
                return APHX_OK;
            }
        }
    }
    char full[300];
    qualified(full, sizeof full, e->u.column.schema, e->u.column.table, e->u.column.column);
    if (!plain && !table_seen)
        return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_TABLE, e->pos,
                           "missing FROM-clause entry for table \"%s\" (in %s)", e->u.column.table, full);
    return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_COLUMN, e->pos,
                       "column %s does not exist", full);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
static aphx_rc bind_list(binder *b, sql_expr_list *l, bind_scope *scope, const cte_env *env)
{
    for (size_t i = 0; i < l->count; i++) TRY(bind_expr(b, l->items[i], scope, env));
    return APHX_OK;
}

/* A subquery inside an expression: its own scope, this one as parent; the
 * alias rules of the enclosing clause do not reach into it. */
static aphx_rc bind_subquery(binder *b, sql_query *q, bind_scope *scope, const cte_env *env)
{
    alias_mode saved = b->alias_mode;
    b->alias_mode = ALIAS_NONE;
    aphx_rc rc = bind_query(b, q, scope, env);
    b->alias_mode = saved;
    return rc;
}

static aphx_rc bind_expr(binder *b, sql_expr *e, bind_scope *scope, const cte_env *env)
{
    switch (e->kind) {
    case SQL_EXPR_COLUMN:
        return bind_column(b, e, scope);
    case SQL_EXPR_STAR:
        return sql_fail_at(b->err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, e->pos,
                           "%s%s* is only allowed as a select-list item",
                           e->u.star.table ? e->u.star.table : "", e->u.star.table ? "." : "");
    case SQL_EXPR_UNARY:
        return bind_expr(b, e->u.unary.operand, scope, env);
    case SQL_EXPR_BINARY:
        TRY(bind_expr(b, e->u.binary.left, scope, env));
        return bind_expr(b, e->u.binary.right, scope, env);
    case SQL_EXPR_FUNCTION:
        TRY(bind_list(b, &e->u.func.args, scope, env));
        if (e->u.func.over) {
            sql_window *w = e->u.func.over;
            if (w->name) {
                /* OVER w: copy the definition from this select's WINDOW
                 * clause (bound there), keeping the name for printing */
                const sql_named_window_list *defs = scope->select ? &scope->select->windows : NULL;
                for (size_t i = 0; defs && i < defs->count; i++)
                    if (strcmp(defs->items[i]->name, w->name) == 0) {
                        const char *name = w->name;
                        *w = *defs->items[i]->spec;
                        w->name = name;
                        return APHX_OK;
                    }
                return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_OBJECT, e->pos,
                                   "window \"%s\" does not exist (define it with WINDOW %s AS (...))",
                                   w->name, w->name);
            }
            TRY(bind_list(b, &w->partition_by, scope, env));
            for (size_t i = 0; i < w->order_by.count; i++)
                TRY(bind_expr(b, w->order_by.items[i]->expr, scope, env));
            if (w->start.offset) TRY(bind_expr(b, w->start.offset, scope, env));
            if (w->end.offset) TRY(bind_expr(b, w->end.offset, scope, env));
        }
        return APHX_OK;
    case SQL_EXPR_CASE:
        if (e->u.case_.operand) TRY(bind_expr(b, e->u.case_.operand, scope, env));
        TRY(bind_list(b, &e->u.case_.whens, scope, env));
        TRY(bind_list(b, &e->u.case_.thens, scope, env));
        if (e->u.case_.otherwise) TRY(bind_expr(b, e->u.case_.otherwise, scope, env));
        return APHX_OK;
    case SQL_EXPR_CAST:
        return bind_expr(b, e->u.cast.operand, scope, env);
    case SQL_EXPR_BETWEEN:
        TRY(bind_expr(b, e->u.between.operand, scope, env));
        TRY(bind_expr(b, e->u.between.low, scope, env));
        return bind_expr(b, e->u.between.high, scope, env);
    case SQL_EXPR_LIKE:
        TRY(bind_expr(b, e->u.like.operand, scope, env));
        TRY(bind_expr(b, e->u.like.pattern, scope, env));
        if (e->u.like.escape) TRY(bind_expr(b, e->u.like.escape, scope, env));
        return APHX_OK;
    case SQL_EXPR_IN_LIST:
        TRY(bind_expr(b, e->u.in.operand, scope, env));
        return bind_list(b, &e->u.in.list, scope, env);
    case SQL_EXPR_IN_QUERY:
        TRY(bind_expr(b, e->u.in.operand, scope, env));
        TRY(bind_subquery(b, e->u.in.query, scope, env));
        if (e->u.in.query->output_names.count != 1)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, e->pos,
                               "subquery after IN returns %zu columns; it must return one",
                               e->u.in.query->output_names.count);
        return APHX_OK;
    case SQL_EXPR_IS_NULL:
        return bind_expr(b, e->u.is_null.operand, scope, env);
    case SQL_EXPR_IS_DISTINCT:
        TRY(bind_expr(b, e->u.is_distinct.left, scope, env));
        return bind_expr(b, e->u.is_distinct.right, scope, env);
    case SQL_EXPR_EXISTS:
        return bind_subquery(b, e->u.subquery.query, scope, env);
    case SQL_EXPR_ROW:
        return bind_list(b, &e->u.row.items, scope, env);
    case SQL_EXPR_COLLATE:
        return bind_expr(b, e->u.collate.operand, scope, env);
    case SQL_EXPR_DEFAULT:
        return sql_fail_at(b->err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, e->pos,
                           "DEFAULT is allowed only as a value of INSERT ... VALUES or UPDATE ... SET");
    case SQL_EXPR_ARRAY:
        return bind_list(b, &e->u.array.items, scope, env);
    case SQL_EXPR_SUBSCRIPT:
        TRY(bind_expr(b, e->u.subscript.operand, scope, env));
        return bind_expr(b, e->u.subscript.index, scope, env);
    case SQL_EXPR_QUANTIFIED:
        TRY(bind_expr(b, e->u.quantified.left, scope, env));
        if (!e->u.quantified.query) return bind_expr(b, e->u.quantified.array, scope, env);
        TRY(bind_subquery(b, e->u.quantified.query, scope, env));
        if (e->u.quantified.query->output_names.count != 1)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, e->pos,
                               "subquery after %s returns %zu columns; it must return one",
                               e->u.quantified.all ? "ALL" : "ANY",
                               e->u.quantified.query->output_names.count);
        return APHX_OK;
    case SQL_EXPR_SUBQUERY:
        TRY(bind_subquery(b, e->u.subquery.query, scope, env));
        if (e->u.subquery.query->output_names.count != 1)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, e->pos,
                               "scalar subquery returns %zu columns; it must return one",
                               e->u.subquery.query->output_names.count);
        return APHX_OK;
    case SQL_EXPR_SEQUENCE: {
        const sql_catalog_vtable *vt = b->catalog->vtable;
        if (!vt->find_sequence)
            return sql_fail_at(b->err, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, e->pos,
                               "this catalog does not support sequences");
        aphx_error cerr;
        aphx_error_clear(&cerr);
        aphx_rc rc = vt->find_sequence(b->catalog->ctx, e->u.sequence.name.schema,
                                       e->u.sequence.name.name, &cerr);
        if (rc == APHX_NOTFOUND)
            return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_TABLE, e->pos,
                               "sequence %s%s%s does not exist",
                               e->u.sequence.name.schema ? e->u.sequence.name.schema : "",
                               e->u.sequence.name.schema ? "." : "", e->u.sequence.name.name);
        if (rc)
            return sql_fail_at(b->err, rc, SQL_STATE_CATALOG_FAILURE, e->pos,
                               "catalog lookup of sequence %s failed: %s", e->u.sequence.name.name,
                               cerr.msg[0] ? cerr.msg : aphx_rc_text(rc));
        return APHX_OK;
    }
    default:
        return APHX_OK;    /* literals and parameters */
    }
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */
/* The result name of a select item: its alias, its column name, or the
 * expression's SQL text (Phoenix labels computed columns that way). */
static aphx_rc output_name(binder *b, const sql_select_item *it, const char **out)
{
    if (it->alias) {
        *out = it->alias;
    } else if (it->expr->kind == SQL_EXPR_COLUMN) {
        *out = it->expr->u.column.column;
    } else {
        aphx_buf text;
        aphx_buf_init(&text);
        sql_print_expr(it->expr, &text);
        *out = text.oom ? NULL : aphx_arena_strdup(b->arena, text.data ? text.data : "");
        aphx_buf_free(&text);
        if (!*out) return bind_nomem(b);
    }
    return APHX_OK;
}

static aphx_rc add_column_item(binder *b, sql_select_list *items, sql_source *src, uint32_t c, sql_pos pos)
{
    sql_select_item *it = aphx_arena_calloc(b->arena, sizeof *it);
    sql_expr *e = aphx_arena_calloc(b->arena, sizeof *e);
    if (!it || !e) return bind_nomem(b);
    e->kind = SQL_EXPR_COLUMN;
    e->pos = pos;
    e->u.column.table = src->name;
    e->u.column.schema = src->schema;
    e->u.column.column = src->columns.items[c];
    bind_to(e, src, c, 0);
    it->expr = e;
    return PUSH(b, *items, it);
}

/* Replace * and t.* with column references, bind the other items. */
static aphx_rc bind_select_items(binder *b, sql_select *s, bind_scope *scope, const cte_env *env)
{
    sql_select_list expanded = {0};
    for (size_t i = 0; i < s->items.count; i++) {
        sql_select_item *it = s->items.items[i];
        sql_expr *e = it->expr;
        if (e->kind != SQL_EXPR_STAR) {
            TRY(bind_expr(b, e, scope, env));
            TRY(PUSH(b, expanded, it));
            continue;
        }
        if (!scope->sources.count)
            return sql_fail_at(b->err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, e->pos,
                               "SELECT * with no tables specified is not valid");
        bool matched = false;
        for (size_t k = 0; k < scope->sources.count; k++) {
            sql_source *src = scope->sources.items[k];
            if (e->u.star.table && !name_eq(src->name, e->u.star.table)) continue;
            matched = true;
            for (uint32_t c = 0; c < src->columns.count; c++) {
                /* a bare * shows a USING / NATURAL column once */
                bool hidden = false;
                for (size_t m = 0; !e->u.star.table && m < scope->merged.count && !hidden; m++)
                    hidden = scope->merged.items[m]->other == src && scope->merged.items[m]->other_index == c;
                if (!hidden) TRY(add_column_item(b, &expanded, src, c, e->pos));
            }
        }
        if (!matched)
            return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_TABLE, e->pos,
                               "missing FROM-clause entry for table \"%s\"", e->u.star.table);
    }
    s->items = expanded;
    return APHX_OK;
}

/* An integer literal standing for an output column (ORDER BY 2, GROUP BY 1). */
static aphx_rc check_ordinal(binder *b, const sql_expr *e, size_t count, const char *clause, bool *is_ordinal)
{
    *is_ordinal = e->kind == SQL_EXPR_INTEGER;
    if (!*is_ordinal) return APHX_OK;
    if (!e->u.number.fits_int64 || e->u.number.value < 1 || (uint64_t)e->u.number.value > count)
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_COLUMN_REF, e->pos,
                           "%s position %s is not in the select list (1..%zu)", clause,
                           e->u.number.text, count);
    return APHX_OK;
}

static aphx_rc bind_select(binder *b, sql_select *s, bind_scope *parent, const cte_env *env,
                           bind_scope **out_scope, sql_name_list *names)
{
    bind_scope *scope = aphx_arena_calloc(b->arena, sizeof *scope);
    if (!scope) return bind_nomem(b);
    scope->parent = parent;
    scope->select = s;
    for (size_t i = 0; i < s->from.count; i++) TRY(bind_table_ref(b, s->from.items[i], scope, env));
    s->sources = scope->sources;
    if (s->where) TRY(bind_expr(b, s->where, scope, env));
    for (size_t i = 0; i < s->windows.count; i++) {
        sql_window *w = s->windows.items[i]->spec;
        TRY(bind_list(b, &w->partition_by, scope, env));
        for (size_t k = 0; k < w->order_by.count; k++) TRY(bind_expr(b, w->order_by.items[k]->expr, scope, env));
        if (w->start.offset) TRY(bind_expr(b, w->start.offset, scope, env));
        if (w->end.offset) TRY(bind_expr(b, w->end.offset, scope, env));
    }
    TRY(bind_select_items(b, s, scope, env));
    for (size_t i = 0; i < s->items.count; i++) {
        const char *name;
        TRY(output_name(b, s->items.items[i], &name));
        TRY(PUSH(b, *names, name));
    }
    alias_mode saved_mode = b->alias_mode;
    const bind_scope *saved_scope = b->alias_scope;
    b->alias_mode = ALIAS_AFTER_SOURCES;
    b->alias_scope = scope;
    aphx_rc rc = APHX_OK;
    for (size_t i = 0; !rc && i < s->group_by.count; i++) {
        bool ordinal;
        rc = check_ordinal(b, s->group_by.items[i], s->items.count, "GROUP BY", &ordinal);
        if (!rc && !ordinal) rc = bind_expr(b, s->group_by.items[i], scope, env);
    }
    if (!rc && s->having) rc = bind_expr(b, s->having, scope, env);
    b->alias_mode = saved_mode;
    b->alias_scope = saved_scope;
    *out_scope = scope;
    return rc;
}

static aphx_rc bind_order_by(binder *b, sql_query *q, bind_scope *select_scope, const cte_env *env)
{
    size_t n = q->output_names.count;
    for (size_t i = 0; i < q->order_by.count; i++) {
        sql_expr *e = q->order_by.items[i]->expr;
        bool ordinal;
        TRY(check_ordinal(b, e, n, "ORDER BY", &ordinal));
        if (ordinal) continue;
        if (select_scope) {
            alias_mode saved_mode = b->alias_mode;
            const bind_scope *saved_scope = b->alias_scope;
            b->alias_mode = ALIAS_FIRST;
            b->alias_scope = select_scope;
            aphx_rc rc = bind_expr(b, e, select_scope, env);
            b->alias_mode = saved_mode;
            b->alias_scope = saved_scope;
            TRY(rc);
            continue;
        }
        /* set operations and VALUES: only output names */
        int found = -1;
        if (e->kind == SQL_EXPR_COLUMN && !e->u.column.table)
            for (size_t k = 0; k < n && found < 0; k++)
                if (strcmp(q->output_names.items[k], e->u.column.column) == 0) found = (int)k;
        if (found < 0)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_COLUMN_REF, e->pos,
                               "ORDER BY on a UNION/INTERSECT/EXCEPT or VALUES result must name "
                               "one of its result columns or give its position");
        e->u.column.source = NULL;
        e->u.column.output = found;
    }
    return APHX_OK;
}

static aphx_rc bind_values(binder *b, sql_query *q, bind_scope *parent, const cte_env *env)
{
    bind_scope *scope = aphx_arena_calloc(b->arena, sizeof *scope);
    if (!scope) return bind_nomem(b);
    scope->parent = parent;
    size_t width = q->values.count ? q->values.items[0]->count : 0;
    bool allow_default = b->values_default;
    b->values_default = false;                    /* not inside nested queries */
    for (size_t r = 0; r < q->values.count; r++) {
        sql_expr_list *row = q->values.items[r];
        if (row->count != width)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, row->items[0]->pos,
                               "VALUES lists must all be the same length (row %zu has %zu, row 1 has %zu)",
                               r + 1, row->count, width);
        for (size_t i = 0; i < row->count; i++)
            if (!(allow_default && row->items[i]->kind == SQL_EXPR_DEFAULT))
                TRY(bind_expr(b, row->items[i], scope, env));
    }
    for (size_t c = 0; c < width; c++) {
        const char *name = aphx_arena_printf(b->arena, "COLUMN%zu", c + 1);
        if (!name) return bind_nomem(b);
        TRY(PUSH(b, q->output_names, name));
    }
    return APHX_OK;
}

static bool query_has_with(const sql_query *q) { return q->with.count > 0; }

static aphx_rc bind_ctes(binder *b, sql_query *q, bind_scope *parent, const cte_env **env)
{
    for (size_t i = 0; i < q->with.count; i++) {
        sql_cte *c = q->with.items[i];
        cte_env *node = aphx_arena_calloc(b->arena, sizeof *node);
        if (!node) return bind_nomem(b);
        node->parent = *env;
        node->cte = c;
        sql_query *body = c->query;
        if (q->recursive && body->kind == SQL_QUERY_SET_OP && body->set.op == SQL_SET_UNION &&
            !query_has_with(body)) {
            /* WITH RECURSIVE: the first branch fixes the columns, the second
             * may read the CTE itself */
            TRY(bind_query(b, body->set.left, parent, *env));
            node->columns = c->columns.count ? &c->columns : &body->set.left->output_names;
            TRY(bind_query(b, body->set.right, parent, node));
            if (body->set.left->output_names.count != body->set.right->output_names.count)
                return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, body->pos,
                                   "each UNION query must have the same number of columns");
            body->output_names = body->set.left->output_names;
            if (body->order_by.count) TRY(bind_order_by(b, body, NULL, node));
        } else {
            TRY(bind_query(b, body, parent, *env));
            node->columns = &body->output_names;
        }
        if (c->columns.count) {
            if (c->columns.count != body->output_names.count)
                return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_COLUMN_REF, body->pos,
                                   "WITH query \"%s\" has %zu columns but %zu column names were given",
                                   c->name, body->output_names.count, c->columns.count);
            node->columns = &c->columns;
        }
        *env = node;
    }
    return APHX_OK;
}

static aphx_rc bind_query(binder *b, sql_query *q, bind_scope *parent, const cte_env *env)
{
    if (++b->depth > SQL_MAX_DEPTH * 4)
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_TOO_COMPLEX, q->pos, "query nested too deeply");
    TRY(bind_ctes(b, q, parent, &env));
    bind_scope *select_scope = NULL;
    q->output_names.count = 0;
    switch (q->kind) {
    case SQL_QUERY_SELECT:
        TRY(bind_select(b, q->select, parent, env, &select_scope, &q->output_names));
        break;
    case SQL_QUERY_VALUES:
        TRY(bind_values(b, q, parent, env));
        break;
    case SQL_QUERY_SET_OP:
        TRY(bind_query(b, q->set.left, parent, env));
        TRY(bind_query(b, q->set.right, parent, env));
        if (q->set.left->output_names.count != q->set.right->output_names.count) {
            static const char *const names[] = {"UNION", "INTERSECT", "EXCEPT"};
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, q->pos,
                               "each %s query must have the same number of columns (%zu and %zu)",
                               names[q->set.op], q->set.left->output_names.count,
                               q->set.right->output_names.count);
        }
        q->output_names = q->set.left->output_names;
        break;
    case SQL_QUERY_PAREN:
        TRY(bind_query(b, q->inner, parent, env));
        q->output_names = q->inner->output_names;
        break;
    }
    TRY(bind_order_by(b, q, select_scope, env));
    /* LIMIT / OFFSET are constants or parameters: no columns in scope */
    bind_scope empty = {0};
    if (q->limit) TRY(bind_expr(b, q->limit, &empty, env));
    if (q->offset) TRY(bind_expr(b, q->offset, &empty, env));
    b->depth--;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */
/* ------------------------------------------------------------------ */
/* A DML target: a catalog table (not a view), as the scope's one source. */
static aphx_rc bind_target(binder *b, const sql_name *name, const char *alias, sql_pos pos,
                           const char *verb, bind_scope *scope, sql_source **out)
{
    const sql_catalog_table *ct;
    TRY(catalog_find(b, name, pos, &ct));
    if (ct->view_sql)
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_WRONG_OBJECT_TYPE, pos,
                           "cannot %s view %s: views are read-only", verb, ct->name);
    sql_source *src = new_source(b, SQL_SOURCE_TABLE);
    if (!src) return APHX_NOMEM;
    src->table = ct;
    src->name = alias ? alias : name->name;
    src->schema = alias ? NULL : name->schema;
    TRY(names_from_catalog(b, ct, &src->columns));
    *out = src;
    return scope_add(b, scope, src, pos);
}

static aphx_rc check_column(binder *b, const sql_source *target, const char *name, sql_pos pos)
{
    if (source_column(target, name) >= 0) return APHX_OK;
    return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_COLUMN, pos,
                       "column \"%s\" of table %s does not exist", name, target->name);
}

static aphx_rc bind_assignments(binder *b, sql_assignment_list *set, bind_scope *scope, sql_source *target,
                                sql_pos pos)
{
    for (size_t i = 0; i < set->count; i++) {
        sql_assignment *a = set->items[i];
        /* A column assigned twice is allowed: the rightmost assignment
         * wins (SQLite's rule, which the sqllogictest corpus checks). */
        TRY(check_column(b, target, a->column, a->value->pos));
        if (a->value->kind != SQL_EXPR_DEFAULT) TRY(bind_expr(b, a->value, scope, NULL));
    }
    return APHX_OK;
}

static aphx_rc bind_insert(binder *b, sql_stmt *s)
{
    bind_scope scope = {0};
    sql_source *target;
    TRY(bind_target(b, &s->u.insert.table, s->u.insert.alias, s->pos, "insert into", &scope, &target));
    s->u.insert.target = target;
    const sql_name_list *cols = &s->u.insert.columns;
    for (size_t i = 0; i < cols->count; i++) {
        TRY(check_column(b, target, cols->items[i], s->pos));
        for (size_t k = 0; k < i; k++)
            if (strcmp(cols->items[k], cols->items[i]) == 0)
                return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_DUPLICATE_COLUMN, s->pos,
                                   "column \"%s\" specified more than once", cols->items[i]);
    }
    if (s->u.insert.source) {
        sql_query *src = s->u.insert.source;
        b->values_default = src->kind == SQL_QUERY_VALUES && !src->with.count;
        aphx_rc rc = bind_query(b, src, NULL, NULL);
        b->values_default = false;
        TRY(rc);
        size_t want = cols->count ? cols->count : target->columns.count;
        size_t have = s->u.insert.source->output_names.count;
        if (have != want)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_SYNTAX_ERROR, s->u.insert.source->pos,
                               "INSERT has %s expressions than target columns (%zu for %zu)",
                               have > want ? "more" : "fewer", have, want);
    }
    if (s->u.insert.on_duplicate == SQL_ON_DUP_UPDATE)
        TRY(bind_assignments(b, &s->u.insert.on_dup_updates, &scope, target, s->pos));
    return APHX_OK;
}

static aphx_rc check_duplicate_columns(binder *b, const sql_column_def_list *cols)
{
    for (size_t i = 0; i < cols->count; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(cols->items[k]->name, cols->items[i]->name) == 0)
                return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_DUPLICATE_COLUMN, cols->items[i]->pos,
                                   "column \"%s\" specified more than once", cols->items[i]->name);
    return APHX_OK;
}

static aphx_rc bind_create_table(binder *b, sql_stmt *s)
{
    if (s->u.create_table.as_query) return bind_query(b, s->u.create_table.as_query, NULL, NULL);
    const sql_column_def_list *cols = &s->u.create_table.columns;
    TRY(check_duplicate_columns(b, cols));
    size_t column_pks = 0;
    for (size_t i = 0; i < cols->count; i++) column_pks += cols->items[i]->primary_key;
    const sql_key_part_list *pk = &s->u.create_table.pk;
    if (column_pks > 1 || (column_pks && pk->count))
        return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_TABLE_DEF, s->pos,
                           "multiple primary keys for table %s are not allowed (use one "
                           "CONSTRAINT pk PRIMARY KEY (a, b))", s->u.create_table.name.name);
    for (size_t i = 0; i < pk->count; i++) {
        const sql_expr *k = pk->items[i]->expr;
        bool found = false;
        for (size_t c = 0; c < cols->count && !found; c++)
            found = strcmp(cols->items[c]->name, k->u.column.column) == 0;
        if (!found)
            return sql_fail_at(b->err, APHX_NOTFOUND, SQL_STATE_UNDEFINED_COLUMN, k->pos,
                               "column \"%s\" named in key does not exist", k->u.column.column);
        for (size_t j = 0; j < i; j++)
            if (strcmp(pk->items[j]->expr->u.column.column, k->u.column.column) == 0)
                return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_DUPLICATE_COLUMN, k->pos,
                                   "column \"%s\" appears twice in the primary key", k->u.column.column);
    }
    return APHX_OK;
}

static aphx_rc bind_alter_table(binder *b, sql_stmt *s)
{
    bind_scope scope = {0};
    sql_source *target;
    TRY(bind_target(b, &s->u.alter_table.table, NULL, s->pos, "alter", &scope, &target));
    if (s->u.alter_table.add) {
        const sql_column_def_list *cols = &s->u.alter_table.add_columns;
        TRY(check_duplicate_columns(b, cols));
        if (!s->u.alter_table.if_exists)
            for (size_t i = 0; i < cols->count; i++)
                if (source_column(target, cols->items[i]->name) >= 0)
                    return sql_fail_at(b->err, APHX_EXISTS, SQL_STATE_DUPLICATE_COLUMN, cols->items[i]->pos,
                                       "column \"%s\" of table %s already exists", cols->items[i]->name,
                                       target->name);
    } else if (!s->u.alter_table.if_exists) {
        for (size_t i = 0; i < s->u.alter_table.drop_columns.count; i++)
            TRY(check_column(b, target, s->u.alter_table.drop_columns.items[i], s->pos));
    }
    return APHX_OK;
}

static aphx_rc bind_create_index(binder *b, sql_stmt *s)
{
    bind_scope scope = {0};
    sql_source *target;
    TRY(bind_target(b, &s->u.create_index.table, NULL, s->pos, "index", &scope, &target));
    for (size_t i = 0; i < s->u.create_index.columns.count; i++)
        TRY(bind_expr(b, s->u.create_index.columns.items[i]->expr, &scope, NULL));
    for (size_t i = 0; i < s->u.create_index.include.count; i++)
        TRY(check_column(b, target, s->u.create_index.include.items[i], s->pos));
    return APHX_OK;
}

static aphx_rc bind_stmt(binder *b, sql_stmt *s)
{
    switch (s->kind) {
    case SQL_STMT_SELECT:
        return bind_query(b, s->u.select, NULL, NULL);
    case SQL_STMT_INSERT:
        return bind_insert(b, s);
    case SQL_STMT_UPDATE: {
        bind_scope scope = {0};
        TRY(bind_target(b, &s->u.update.table, s->u.update.alias, s->pos, "update", &scope,
                        &s->u.update.target));
        TRY(bind_assignments(b, &s->u.update.set, &scope, s->u.update.target, s->pos));
        if (s->u.update.where) TRY(bind_expr(b, s->u.update.where, &scope, NULL));
        return APHX_OK;
    }
    case SQL_STMT_DELETE: {
        bind_scope scope = {0};
        TRY(bind_target(b, &s->u.delete_.table, s->u.delete_.alias, s->pos, "delete from", &scope,
                        &s->u.delete_.target));
        if (s->u.delete_.where) TRY(bind_expr(b, s->u.delete_.where, &scope, NULL));
        return APHX_OK;
    }
    case SQL_STMT_CREATE_TABLE:
        return bind_create_table(b, s);
    case SQL_STMT_CREATE_VIEW:
        if (!s->u.create_view.query) return APHX_OK;
        TRY(bind_query(b, s->u.create_view.query, NULL, NULL));
        if (s->u.create_view.column_names.count &&
            s->u.create_view.column_names.count != s->u.create_view.query->output_names.count)
            return sql_fail_at(b->err, APHX_INVALID, SQL_STATE_INVALID_COLUMN_REF, s->pos,
                               "view %s names %zu columns but its query returns %zu",
                               s->u.create_view.name.name, s->u.create_view.column_names.count,
                               s->u.create_view.query->output_names.count);
        return check_duplicate_columns(b, &s->u.create_view.columns);
    case SQL_STMT_CREATE_INDEX:
        return bind_create_index(b, s);
    case SQL_STMT_ALTER_TABLE:
        return bind_alter_table(b, s);
    case SQL_STMT_EXPLAIN:
        return bind_stmt(b, s->u.explain.stmt);
    case SQL_STMT_CREATE_TRIGGER:
        return sql_fail_at(b->err, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, s->pos,
                           "triggers are not supported");
    default:
        /* DROP, USE, GRANT, REVOKE, users, ALTER SYSTEM, schemas, sequences,
         * REINDEX: no names to resolve beyond what executing them checks */
        return APHX_OK;
    }
}

aphx_rc sql_bind_statement(aphx_arena *arena, const sql_catalog *catalog, sql_stmt *stmt, sql_error *err)
{
    sql_error local;
    binder b = {arena, catalog, err ? err : &local, 0, 0, false, ALIAS_NONE, NULL};
    sql_error_clear(b.err);
    if (!catalog || !catalog->vtable || !catalog->vtable->find_table) {
        sql_pos none = {0, 0, 0};
        return sql_fail_at(b.err, APHX_INVALID, SQL_STATE_CATALOG_FAILURE, none,
                           "sql_bind_statement needs a catalog with find_table");
    }
    return bind_stmt(&b, stmt);
}
