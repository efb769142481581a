/*
 * print.c — the AST printer: canonical SQL text back out of sql.h's AST.
 *
 * Canonical form: keywords upper case, one space between words, identifiers
 * bare when they are plain upper-case words that are not reserved (else
 * "quoted"), AS before every alias, parameters as $n, parentheses only
 * where the parser's precedence needs them (the same table as parse.c).
 * Parsing the output gives the same AST back, so parse → print → parse →
 * print is a fixpoint (tests/sql checks it over the whole corpus).
 */
#include "sql/sql.h"
#include "sql/sql_internal.h"

#include <string.h>

/* Must match parse.c's PREC_* values. */
enum {
    PP_OR = 1, PP_AND = 2, PP_NOT = 3, PP_EQUALITY = 4, PP_COMPARE = 5,
    PP_BITWISE = 6, PP_ADD = 7, PP_MUL = 8, PP_CONCAT = 9, PP_UNARY = 10, PP_ATOM = 11
};

static void print_expr_min(const sql_expr *e, int min_prec, aphx_buf *out);
static void print_query_inner(const sql_query *q, aphx_buf *out);

static void print_identifier_n(const char *name, size_t n, aphx_buf *out)
{
    bool bare = n > 0 && !(name[0] >= '0' && name[0] <= '9');
    for (size_t i = 0; bare && i < n; i++) {
        char c = name[i];
        bare = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (bare && !sql_is_keyword(name, n)) {
        aphx_buf_append(out, name, n);
        return;
    }
    aphx_buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '"') aphx_buf_putc(out, '"');
        aphx_buf_putc(out, name[i]);
    }
    aphx_buf_putc(out, '"');
}

void sql_print_identifier(const char *name, aphx_buf *out)
{
    print_identifier_n(name, strlen(name), out);
}

static void print_name(const sql_name *n, aphx_buf *out)
{
    if (n->schema) {
        sql_print_identifier(n->schema, out);
        aphx_buf_putc(out, '.');
    }
    sql_print_identifier(n->name, out);
}

static void print_string(const char *s, aphx_buf *out)
{
    aphx_buf_putc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'') aphx_buf_putc(out, '\'');
        aphx_buf_putc(out, *s);
    }
    aphx_buf_putc(out, '\'');
}

static void print_name_list(const sql_name_list *l, aphx_buf *out)
{
    aphx_buf_putc(out, '(');
    for (size_t i = 0; i < l->count; i++) {
        if (i) aphx_buf_puts(out, ", ");
        sql_print_identifier(l->items[i], out);
    }
    aphx_buf_putc(out, ')');
}

static void print_expr_list(const sql_expr_list *l, aphx_buf *out)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i) aphx_buf_puts(out, ", ");
        print_expr_min(l->items[i], PP_OR, out);
    }
}

static void print_type(const sql_type *t, aphx_buf *out)
{
    aphx_buf_puts(out, sql_type_name(t->id));
    if (t->length >= 0) {
        aphx_buf_printf(out, "(%d", (int)t->length);
        if (t->scale >= 0) aphx_buf_printf(out, ", %d", (int)t->scale);
        aphx_buf_putc(out, ')');
    }
    if (t->is_array) aphx_buf_puts(out, " ARRAY");
    if (t->is_array && t->array_length > 0) aphx_buf_printf(out, "[%d]", (int)t->array_length);
}

static int binary_prec(sql_binary_op op)
{
    switch (op) {
    case SQL_OP_OR: return PP_OR;
    case SQL_OP_AND: return PP_AND;
    case SQL_OP_EQ: case SQL_OP_NE: return PP_EQUALITY;
    case SQL_OP_LT: case SQL_OP_LE: case SQL_OP_GT: case SQL_OP_GE: return PP_COMPARE;
    case SQL_OP_BITAND: case SQL_OP_BITOR: case SQL_OP_LSHIFT: case SQL_OP_RSHIFT: return PP_BITWISE;
    case SQL_OP_ADD: case SQL_OP_SUB: return PP_ADD;
    case SQL_OP_MUL: case SQL_OP_DIV: case SQL_OP_MOD: return PP_MUL;
    case SQL_OP_CONCAT: return PP_CONCAT;
    default: return PP_ATOM;
    }
}

static int expr_prec(const sql_expr *e)
{
    switch (e->kind) {
    case SQL_EXPR_BINARY: return binary_prec(e->u.binary.op);
    case SQL_EXPR_UNARY: return e->u.unary.op == SQL_UNARY_NOT ? PP_NOT : PP_UNARY;
    case SQL_EXPR_QUANTIFIED: return binary_prec(e->u.quantified.op);
    case SQL_EXPR_BETWEEN: case SQL_EXPR_LIKE: case SQL_EXPR_IN_LIST: case SQL_EXPR_IN_QUERY:
    case SQL_EXPR_IS_NULL: case SQL_EXPR_IS_DISTINCT:
        return PP_EQUALITY;
    default: return PP_ATOM;
    }
}

static void print_order_list(const sql_order_list *l, aphx_buf *out)
{
    aphx_buf_puts(out, "ORDER BY ");
    for (size_t i = 0; i < l->count; i++) {
        const sql_order_item *it = l->items[i];
        if (i) aphx_buf_puts(out, ", ");
        print_expr_min(it->expr, PP_OR, out);
        if (it->dir == SQL_SORT_ASC) aphx_buf_puts(out, " ASC");
        if (it->dir == SQL_SORT_DESC) aphx_buf_puts(out, " DESC");
        if (it->nulls == SQL_NULLS_FIRST) aphx_buf_puts(out, " NULLS FIRST");
        if (it->nulls == SQL_NULLS_LAST) aphx_buf_puts(out, " NULLS LAST");
    }
}

static void print_frame_bound(const sql_frame_bound *b, aphx_buf *out)
{
    switch (b->kind) {
    case SQL_BOUND_UNBOUNDED_PRECEDING: aphx_buf_puts(out, "UNBOUNDED PRECEDING"); break;
    case SQL_BOUND_UNBOUNDED_FOLLOWING: aphx_buf_puts(out, "UNBOUNDED FOLLOWING"); break;
    case SQL_BOUND_CURRENT_ROW: aphx_buf_puts(out, "CURRENT ROW"); break;
    case SQL_BOUND_PRECEDING:
    case SQL_BOUND_FOLLOWING:
        print_expr_min(b->offset, PP_ADD, out);
        aphx_buf_puts(out, b->kind == SQL_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
        break;
    }
}

static void print_window_spec(const sql_window *w, aphx_buf *out);

static void print_window(const sql_window *w, aphx_buf *out)
{
    aphx_buf_puts(out, " OVER ");
    if (w->name) sql_print_identifier(w->name, out);
    else print_window_spec(w, out);
}

static void print_window_spec(const sql_window *w, aphx_buf *out)
{
    aphx_buf_putc(out, '(');
    const char *sep = "";
    if (w->partition_by.count) {
        aphx_buf_puts(out, "PARTITION BY ");
        print_expr_list(&w->partition_by, out);
        sep = " ";
    }
    if (w->order_by.count) {
        aphx_buf_puts(out, sep);
        print_order_list(&w->order_by, out);
        sep = " ";
    }
    if (w->unit != SQL_FRAME_NONE) {
        aphx_buf_puts(out, sep);
        aphx_buf_puts(out, w->unit == SQL_FRAME_ROWS ? "ROWS " : w->unit == SQL_FRAME_RANGE ? "RANGE " : "GROUPS ");
        if (w->has_end) {
            aphx_buf_puts(out, "BETWEEN ");
            print_frame_bound(&w->start, out);
            aphx_buf_puts(out, " AND ");
            print_frame_bound(&w->end, out);
        } else {
            print_frame_bound(&w->start, out);
        }
    }
    aphx_buf_putc(out, ')');
}

static void print_subquery(const sql_query *q, aphx_buf *out)
{
    aphx_buf_putc(out, '(');
    sql_print_query(q, out);
    aphx_buf_putc(out, ')');
}

static void print_expr_body(const sql_expr *e, aphx_buf *out)
{
    switch (e->kind) {
    case SQL_EXPR_NULL: aphx_buf_puts(out, "NULL"); break;
    case SQL_EXPR_BOOL: aphx_buf_puts(out, e->u.boolean ? "TRUE" : "FALSE"); break;
    case SQL_EXPR_INTEGER:
    case SQL_EXPR_DECIMAL:
    case SQL_EXPR_FLOAT: aphx_buf_puts(out, e->u.number.text); break;
    case SQL_EXPR_STRING: print_string(e->u.string, out); break;
    case SQL_EXPR_BLOB: aphx_buf_printf(out, "X'%s'", e->u.string); break;
    case SQL_EXPR_TYPED_STRING:
        aphx_buf_puts(out, sql_type_name(e->u.typed.type));
        aphx_buf_putc(out, ' ');
        print_string(e->u.typed.value, out);
        break;
    case SQL_EXPR_PARAM: aphx_buf_printf(out, "$%u", e->u.param.index); break;
    case SQL_EXPR_COLUMN:
        if (e->u.column.schema) {
            sql_print_identifier(e->u.column.schema, out);
            aphx_buf_putc(out, '.');
        }
        if (e->u.column.table) {
            sql_print_identifier(e->u.column.table, out);
            aphx_buf_putc(out, '.');
        }
        sql_print_identifier(e->u.column.column, out);
        break;
    case SQL_EXPR_STAR:
        if (e->u.star.table) {
            sql_print_identifier(e->u.star.table, out);
            aphx_buf_putc(out, '.');
        }
        aphx_buf_putc(out, '*');
        break;
    case SQL_EXPR_UNARY: {
        const sql_expr *x = e->u.unary.operand;
        switch (e->u.unary.op) {
        case SQL_UNARY_NOT:
            aphx_buf_puts(out, "NOT ");
            print_expr_min(x, PP_NOT, out);
            return;
        case SQL_UNARY_MINUS: aphx_buf_putc(out, '-'); break;
        case SQL_UNARY_PLUS: aphx_buf_putc(out, '+'); break;
        case SQL_UNARY_BITNOT: aphx_buf_putc(out, '~'); break;
        }
        /* "- -x" and "+ -x": never let two signs touch ("--" starts a comment) */
        if (x->kind == SQL_EXPR_UNARY && x->u.unary.op != SQL_UNARY_NOT) aphx_buf_putc(out, ' ');
        print_expr_min(x, PP_UNARY, out);
        break;
    }
    case SQL_EXPR_BINARY: {
        int prec = binary_prec(e->u.binary.op);
        print_expr_min(e->u.binary.left, prec, out);
        aphx_buf_printf(out, " %s ", sql_binary_op_text(e->u.binary.op));
        print_expr_min(e->u.binary.right, prec + 1, out);
        break;
    }
    case SQL_EXPR_FUNCTION: {
        const char *name = e->u.func.name;
        size_t n = strlen(name);
        bool niladic = sql_is_niladic_function(name, n) && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == n;
        if (niladic && !e->u.func.args.count && !e->u.func.star && !e->u.func.distinct && !e->u.func.over) {
            aphx_buf_puts(out, name);                /* CURRENT_DATE, bare */
            break;
        }
        if (niladic || strcmp(name, "LEFT") == 0 || strcmp(name, "RIGHT") == 0)
            aphx_buf_puts(out, name);                /* reserved, but callable unquoted */
        else
            sql_print_identifier(name, out);
        aphx_buf_putc(out, '(');
        if (e->u.func.star) aphx_buf_putc(out, '*');
        if (e->u.func.distinct) aphx_buf_puts(out, "DISTINCT ");
        print_expr_list(&e->u.func.args, out);
        aphx_buf_putc(out, ')');
        if (e->u.func.over) print_window(e->u.func.over, out);
        break;
    }
    case SQL_EXPR_CASE:
        aphx_buf_puts(out, "CASE");
        if (e->u.case_.operand) {
            aphx_buf_putc(out, ' ');
            print_expr_min(e->u.case_.operand, PP_OR, out);
        }
        for (size_t i = 0; i < e->u.case_.whens.count; i++) {
            aphx_buf_puts(out, " WHEN ");
            print_expr_min(e->u.case_.whens.items[i], PP_OR, out);
            aphx_buf_puts(out, " THEN ");
            print_expr_min(e->u.case_.thens.items[i], PP_OR, out);
        }
        if (e->u.case_.otherwise) {
            aphx_buf_puts(out, " ELSE ");
            print_expr_min(e->u.case_.otherwise, PP_OR, out);
        }
        aphx_buf_puts(out, " END");
        break;
    case SQL_EXPR_CAST:
        aphx_buf_puts(out, "CAST(");
        print_expr_min(e->u.cast.operand, PP_OR, out);
        aphx_buf_puts(out, " AS ");
        print_type(&e->u.cast.type, out);
        aphx_buf_putc(out, ')');
        break;
    case SQL_EXPR_BETWEEN:
        print_expr_min(e->u.between.operand, PP_EQUALITY, out);
        aphx_buf_puts(out, e->u.between.negated ? " NOT BETWEEN " : " BETWEEN ");
        print_expr_min(e->u.between.low, PP_EQUALITY + 1, out);
        aphx_buf_puts(out, " AND ");
        print_expr_min(e->u.between.high, PP_EQUALITY + 1, out);
        break;
    case SQL_EXPR_LIKE:
        print_expr_min(e->u.like.operand, PP_EQUALITY, out);
        aphx_buf_puts(out, e->u.like.negated ? " NOT " : " ");
        aphx_buf_puts(out, e->u.like.ilike ? "ILIKE " : "LIKE ");
        print_expr_min(e->u.like.pattern, PP_EQUALITY + 1, out);
        if (e->u.like.escape) {
            aphx_buf_puts(out, " ESCAPE ");
            print_expr_min(e->u.like.escape, PP_EQUALITY + 1, out);
        }
        break;
    case SQL_EXPR_IN_LIST:
    case SQL_EXPR_IN_QUERY:
        print_expr_min(e->u.in.operand, PP_EQUALITY, out);
        aphx_buf_puts(out, e->u.in.negated ? " NOT IN " : " IN ");
        if (e->kind == SQL_EXPR_IN_QUERY) {
            print_subquery(e->u.in.query, out);
        } else {
            aphx_buf_putc(out, '(');
            print_expr_list(&e->u.in.list, out);
            aphx_buf_putc(out, ')');
        }
        break;
    case SQL_EXPR_IS_NULL:
        print_expr_min(e->u.is_null.operand, PP_EQUALITY, out);
        aphx_buf_puts(out, e->u.is_null.negated ? " IS NOT NULL" : " IS NULL");
        break;
    case SQL_EXPR_IS_DISTINCT:
        print_expr_min(e->u.is_distinct.left, PP_EQUALITY, out);
        aphx_buf_puts(out, e->u.is_distinct.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        print_expr_min(e->u.is_distinct.right, PP_EQUALITY + 1, out);
        break;
    case SQL_EXPR_EXISTS:
        aphx_buf_puts(out, "EXISTS ");
        print_subquery(e->u.subquery.query, out);
        break;
    case SQL_EXPR_SUBQUERY:
        print_subquery(e->u.subquery.query, out);
        break;
    case SQL_EXPR_SEQUENCE:
        aphx_buf_puts(out, e->u.sequence.next ? "NEXT VALUE FOR " : "CURRENT VALUE FOR ");
        print_name(&e->u.sequence.name, out);
        break;
    case SQL_EXPR_QUANTIFIED: {
        int prec = binary_prec(e->u.quantified.op);
        print_expr_min(e->u.quantified.left, prec, out);
        aphx_buf_printf(out, " %s %s ", sql_binary_op_text(e->u.quantified.op),
                        e->u.quantified.all ? "ALL" : "ANY");
        if (e->u.quantified.query) {
            print_subquery(e->u.quantified.query, out);
        } else {
            aphx_buf_putc(out, '(');
            print_expr_min(e->u.quantified.array, PP_OR, out);
            aphx_buf_putc(out, ')');
        }
        break;
    }
    case SQL_EXPR_ROW:
        aphx_buf_putc(out, '(');
        print_expr_list(&e->u.row.items, out);
        aphx_buf_putc(out, ')');
        break;
    case SQL_EXPR_COLLATE:
        print_expr_min(e->u.collate.operand, PP_ATOM, out);
        aphx_buf_puts(out, " COLLATE ");
        sql_print_identifier(e->u.collate.collation, out);
        break;
    case SQL_EXPR_DEFAULT:
        aphx_buf_puts(out, "DEFAULT");
        break;
    case SQL_EXPR_ARRAY:
        aphx_buf_puts(out, "ARRAY[");
        print_expr_list(&e->u.array.items, out);
        aphx_buf_putc(out, ']');
        break;
    case SQL_EXPR_SUBSCRIPT:
        print_expr_min(e->u.subscript.operand, PP_ATOM, out);
        aphx_buf_putc(out, '[');
        print_expr_min(e->u.subscript.index, PP_OR, out);
        aphx_buf_putc(out, ']');
        break;
    case SQL_EXPR_COUNT_:
        break;
    }
}

static void print_expr_min(const sql_expr *e, int min_prec, aphx_buf *out)
{
    if (expr_prec(e) < min_prec) {
        aphx_buf_putc(out, '(');
        print_expr_body(e, out);
        aphx_buf_putc(out, ')');
    } else {
        print_expr_body(e, out);
    }
}

void sql_print_expr(const sql_expr *e, aphx_buf *out) { print_expr_min(e, PP_OR, out); }

/* ---- queries ---- */
static void print_table_ref(const sql_table_ref *t, aphx_buf *out)
{
    switch (t->kind) {
    case SQL_REF_TABLE:
        print_name(&t->table, out);
        break;
    case SQL_REF_SUBQUERY:
        print_subquery(t->subquery, out);
        break;
    case SQL_REF_JOIN: {
        print_table_ref(t->join.left, out);
        aphx_buf_puts(out, t->join.natural ? " NATURAL " : " ");
        static const char *const names[] = {"JOIN ", "LEFT JOIN ", "RIGHT JOIN ", "FULL JOIN ", "CROSS JOIN "};
        aphx_buf_puts(out, names[t->join.type]);
        bool paren = t->join.right->kind == SQL_REF_JOIN;
        if (paren) aphx_buf_putc(out, '(');
        print_table_ref(t->join.right, out);
        if (paren) aphx_buf_putc(out, ')');
        if (t->join.on) {
            aphx_buf_puts(out, " ON ");
            print_expr_min(t->join.on, PP_OR, out);
        } else if (t->join.using_cols.count && !t->join.natural) {
            aphx_buf_puts(out, " USING ");
            print_name_list(&t->join.using_cols, out);
        }
        return;
    }
    }
    if (t->alias) {
        aphx_buf_puts(out, " AS ");
        sql_print_identifier(t->alias, out);
        if (t->column_aliases.count) {
            aphx_buf_putc(out, ' ');
            print_name_list(&t->column_aliases, out);
        }
    }
}

static void print_select(const sql_select *s, aphx_buf *out)
{
    aphx_buf_puts(out, "SELECT ");
    if (s->hint) aphx_buf_printf(out, "/*+ %s */ ", s->hint);
    if (s->distinct) aphx_buf_puts(out, "DISTINCT ");
    for (size_t i = 0; i < s->items.count; i++) {
        const sql_select_item *it = s->items.items[i];
        if (i) aphx_buf_puts(out, ", ");
        print_expr_min(it->expr, PP_OR, out);
        if (it->alias) {
            aphx_buf_puts(out, " AS ");
            sql_print_identifier(it->alias, out);
        }
    }
    for (size_t i = 0; i < s->from.count; i++) {
        aphx_buf_puts(out, i ? ", " : " FROM ");
        print_table_ref(s->from.items[i], out);
    }
    if (s->where) {
        aphx_buf_puts(out, " WHERE ");
        print_expr_min(s->where, PP_OR, out);
    }
    if (s->group_by.count) {
        aphx_buf_puts(out, " GROUP BY ");
        print_expr_list(&s->group_by, out);
    }
    if (s->having) {
        aphx_buf_puts(out, " HAVING ");
        print_expr_min(s->having, PP_OR, out);
    }
    for (size_t i = 0; i < s->windows.count; i++) {
        aphx_buf_puts(out, i ? ", " : " WINDOW ");
        sql_print_identifier(s->windows.items[i]->name, out);
        aphx_buf_puts(out, " AS ");
        print_window_spec(s->windows.items[i]->spec, out);
    }
}

static bool query_has_tail(const sql_query *q)
{
    return q->with.count || q->order_by.count || q->limit || q->offset;
}

static int set_prec(sql_set_op op) { return op == SQL_SET_INTERSECT ? 2 : 1; }

/* A set operation's operand; parenthesized when it carries its own
 * WITH/ORDER BY/LIMIT or binds less tightly than `min_prec`. */
static void print_set_operand(const sql_query *q, int min_prec, aphx_buf *out)
{
    bool paren = query_has_tail(q) || q->kind == SQL_QUERY_PAREN ||
                 (q->kind == SQL_QUERY_SET_OP && set_prec(q->set.op) < min_prec);
    if (paren) aphx_buf_putc(out, '(');
    sql_print_query(q, out);
    if (paren) aphx_buf_putc(out, ')');
}

static void print_query_inner(const sql_query *q, aphx_buf *out)
{
    switch (q->kind) {
    case SQL_QUERY_SELECT:
        print_select(q->select, out);
        break;
    case SQL_QUERY_VALUES:
        aphx_buf_puts(out, "VALUES ");
        for (size_t i = 0; i < q->values.count; i++) {
            if (i) aphx_buf_puts(out, ", ");
            aphx_buf_putc(out, '(');
            print_expr_list(q->values.items[i], out);
            aphx_buf_putc(out, ')');
        }
        break;
    case SQL_QUERY_SET_OP: {
        int prec = set_prec(q->set.op);
        print_set_operand(q->set.left, prec, out);
        static const char *const names[] = {" UNION ", " INTERSECT ", " EXCEPT "};
        aphx_buf_puts(out, names[q->set.op]);
        if (q->set.all) aphx_buf_puts(out, "ALL ");
        print_set_operand(q->set.right, prec + 1, out);
        break;
    }
    case SQL_QUERY_PAREN:
        print_subquery(q->inner, out);
        break;
    }
}

void sql_print_query(const sql_query *q, aphx_buf *out)
{
    if (q->with.count) {
        aphx_buf_puts(out, q->recursive ? "WITH RECURSIVE " : "WITH ");
        for (size_t i = 0; i < q->with.count; i++) {
            const sql_cte *c = q->with.items[i];
            if (i) aphx_buf_puts(out, ", ");
            sql_print_identifier(c->name, out);
            if (c->columns.count) {
                aphx_buf_putc(out, ' ');
                print_name_list(&c->columns, out);
            }
            aphx_buf_puts(out, " AS ");
            print_subquery(c->query, out);
        }
        aphx_buf_putc(out, ' ');
    }
    print_query_inner(q, out);
    if (q->order_by.count) {
        aphx_buf_putc(out, ' ');
        print_order_list(&q->order_by, out);
    }
    if (q->limit) {
        aphx_buf_puts(out, " LIMIT ");
        print_expr_min(q->limit, PP_OR, out);
    }
    if (q->offset) {
        aphx_buf_puts(out, " OFFSET ");
        print_expr_min(q->offset, PP_OR, out);
    }
}

/* ---- statements ---- */
static void print_column_def(const sql_column_def *c, aphx_buf *out)
{
    if (c->family) {
        sql_print_identifier(c->family, out);
        aphx_buf_putc(out, '.');
    }
    sql_print_identifier(c->name, out);
    aphx_buf_putc(out, ' ');
    print_type(&c->type, out);
    if (c->not_null) aphx_buf_puts(out, " NOT NULL");
    if (c->explicit_null) aphx_buf_puts(out, " NULL");
    if (c->primary_key) {
        aphx_buf_puts(out, " PRIMARY KEY");
        if (c->pk_dir == SQL_SORT_ASC) aphx_buf_puts(out, " ASC");
        if (c->pk_dir == SQL_SORT_DESC) aphx_buf_puts(out, " DESC");
    }
    if (c->unique) aphx_buf_puts(out, " UNIQUE");
    if (c->default_value) {
        aphx_buf_puts(out, " DEFAULT ");
        print_expr_min(c->default_value, PP_UNARY, out);
    }
}

static void print_column_defs(const sql_column_def_list *l, aphx_buf *out)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i) aphx_buf_puts(out, ", ");
        print_column_def(l->items[i], out);
    }
}

static void print_key_parts(const sql_key_part_list *l, aphx_buf *out)
{
    aphx_buf_putc(out, '(');
    for (size_t i = 0; i < l->count; i++) {
        if (i) aphx_buf_puts(out, ", ");
        print_expr_min(l->items[i]->expr, PP_OR, out);
        if (l->items[i]->dir == SQL_SORT_ASC) aphx_buf_puts(out, " ASC");
        if (l->items[i]->dir == SQL_SORT_DESC) aphx_buf_puts(out, " DESC");
        if (l->items[i]->row_timestamp) aphx_buf_puts(out, " ROW_TIMESTAMP");
    }
    aphx_buf_putc(out, ')');
}

static void print_options(const sql_option_list *l, aphx_buf *out)
{
    for (size_t i = 0; i < l->count; i++) {
        aphx_buf_puts(out, i ? ", " : " ");
        /* keys may be FAMILY.KEY: print each part */
        const char *key = l->items[i]->key, *dot = strchr(key, '.');
        if (dot) {
            print_identifier_n(key, (size_t)(dot - key), out);
            aphx_buf_putc(out, '.');
            sql_print_identifier(dot + 1, out);
        } else {
            sql_print_identifier(key, out);
        }
        aphx_buf_puts(out, " = ");
        print_expr_min(l->items[i]->value, PP_UNARY, out);
    }
}

static void print_assignments(const sql_assignment_list *l, aphx_buf *out)
{
    for (size_t i = 0; i < l->count; i++) {
        if (i) aphx_buf_puts(out, ", ");
        sql_print_identifier(l->items[i]->column, out);
        aphx_buf_puts(out, " = ");
        print_expr_min(l->items[i]->value, PP_OR, out);
    }
}

static void print_user(const char *user, aphx_buf *out)
{
    sql_print_identifier(user, out);
}

static const char *object_word(sql_object_kind k)
{
    switch (k) {
    case SQL_OBJ_TABLE: return "TABLE";
    case SQL_OBJ_VIEW: return "VIEW";
    case SQL_OBJ_INDEX: return "INDEX";
    case SQL_OBJ_SCHEMA: return "SCHEMA";
    case SQL_OBJ_SEQUENCE: return "SEQUENCE";
    case SQL_OBJ_USER: return "USER";
    case SQL_OBJ_TRIGGER: return "TRIGGER";
    }
    return "?";
}

void sql_print_statement(const sql_stmt *s, aphx_buf *out)
{
    switch (s->kind) {
    case SQL_STMT_SELECT:
        sql_print_query(s->u.select, out);
        break;
    case SQL_STMT_CREATE_TABLE:
        aphx_buf_puts(out, "CREATE TABLE ");
        if (s->u.create_table.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        print_name(&s->u.create_table.name, out);
        if (s->u.create_table.as_query) {
            aphx_buf_puts(out, " AS ");
            sql_print_query(s->u.create_table.as_query, out);
            break;
        }
        aphx_buf_puts(out, " (");
        print_column_defs(&s->u.create_table.columns, out);
        if (s->u.create_table.pk.count) {
            /* Phoenix's spelling: no comma before a named key constraint */
            aphx_buf_puts(out, s->u.create_table.pk_name ? " " : ", ");
            if (s->u.create_table.pk_name) {
                aphx_buf_puts(out, "CONSTRAINT ");
                sql_print_identifier(s->u.create_table.pk_name, out);
                aphx_buf_putc(out, ' ');
            }
            aphx_buf_puts(out, "PRIMARY KEY ");
            print_key_parts(&s->u.create_table.pk, out);
        }
        aphx_buf_putc(out, ')');
        print_options(&s->u.create_table.options, out);
        break;
    case SQL_STMT_CREATE_VIEW:
        aphx_buf_puts(out, s->u.create_view.or_replace ? "CREATE OR REPLACE VIEW " : "CREATE VIEW ");
        if (s->u.create_view.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        print_name(&s->u.create_view.name, out);
        if (s->u.create_view.column_names.count) {
            aphx_buf_putc(out, ' ');
            print_name_list(&s->u.create_view.column_names, out);
        }
        if (s->u.create_view.columns.count) {
            aphx_buf_puts(out, " (");
            print_column_defs(&s->u.create_view.columns, out);
            aphx_buf_putc(out, ')');
        }
        if (s->u.create_view.query) {
            aphx_buf_puts(out, " AS ");
            sql_print_query(s->u.create_view.query, out);
        }
        break;
    case SQL_STMT_CREATE_INDEX:
        aphx_buf_puts(out, "CREATE ");
        if (s->u.create_index.unique) aphx_buf_puts(out, "UNIQUE ");
        if (s->u.create_index.local) aphx_buf_puts(out, "LOCAL ");
        aphx_buf_puts(out, "INDEX ");
        if (s->u.create_index.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        sql_print_identifier(s->u.create_index.name, out);
        aphx_buf_puts(out, " ON ");
        print_name(&s->u.create_index.table, out);
        aphx_buf_putc(out, ' ');
        print_key_parts(&s->u.create_index.columns, out);
        if (s->u.create_index.include.count) {
            aphx_buf_puts(out, " INCLUDE ");
            print_name_list(&s->u.create_index.include, out);
        }
        print_options(&s->u.create_index.options, out);
        break;
    case SQL_STMT_CREATE_SCHEMA:
        aphx_buf_puts(out, "CREATE SCHEMA ");
        if (s->u.create_schema.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        sql_print_identifier(s->u.create_schema.name, out);
        break;
    case SQL_STMT_CREATE_SEQUENCE: {
        aphx_buf_puts(out, "CREATE SEQUENCE ");
        if (s->u.create_sequence.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        print_name(&s->u.create_sequence.name, out);
        const sql_expr *vals[] = {s->u.create_sequence.start, s->u.create_sequence.increment,
                                  s->u.create_sequence.minvalue, s->u.create_sequence.maxvalue,
                                  s->u.create_sequence.cache};
        static const char *const words[] = {" START WITH ", " INCREMENT BY ", " MINVALUE ",
                                            " MAXVALUE ", " CACHE "};
        for (size_t i = 0; i < APHX_ARRAY_LEN(vals); i++) {
            if (!vals[i]) continue;
            aphx_buf_puts(out, words[i]);
            print_expr_min(vals[i], PP_UNARY, out);
        }
        if (s->u.create_sequence.cycle) aphx_buf_puts(out, " CYCLE");
        break;
    }
    case SQL_STMT_CREATE_TRIGGER: {
        aphx_buf_puts(out, "CREATE TRIGGER ");
        if (s->u.create_trigger.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        print_name(&s->u.create_trigger.name, out);
        static const char *const times[] = {"", " BEFORE", " AFTER", " INSTEAD OF"};
        static const char *const events[] = {" INSERT", " UPDATE", " DELETE"};
        aphx_buf_puts(out, times[s->u.create_trigger.time]);
        aphx_buf_puts(out, events[s->u.create_trigger.event]);
        for (size_t i = 0; i < s->u.create_trigger.update_of.count; i++) {
            aphx_buf_puts(out, i ? ", " : " OF ");
            sql_print_identifier(s->u.create_trigger.update_of.items[i], out);
        }
        aphx_buf_puts(out, " ON ");
        print_name(&s->u.create_trigger.table, out);
        if (s->u.create_trigger.for_each_row) aphx_buf_puts(out, " FOR EACH ROW");
        if (s->u.create_trigger.when) {
            aphx_buf_puts(out, " WHEN ");
            print_expr_min(s->u.create_trigger.when, PP_OR, out);
        }
        aphx_buf_puts(out, " BEGIN ");
        for (size_t i = 0; i < s->u.create_trigger.body.count; i++) {
            sql_print_statement(s->u.create_trigger.body.items[i], out);
            aphx_buf_puts(out, "; ");
        }
        aphx_buf_puts(out, "END");
        break;
    }
    case SQL_STMT_DROP:
        aphx_buf_printf(out, "DROP %s ", object_word(s->u.drop.object));
        if (s->u.drop.if_exists) aphx_buf_puts(out, "IF EXISTS ");
        if (s->u.drop.object == SQL_OBJ_USER) print_user(s->u.drop.name.name, out);
        else print_name(&s->u.drop.name, out);
        if (s->u.drop.on_table.name) {
            aphx_buf_puts(out, " ON ");
            print_name(&s->u.drop.on_table, out);
        }
        if (s->u.drop.cascade) aphx_buf_puts(out, " CASCADE");
        break;
    case SQL_STMT_ALTER_TABLE:
        aphx_buf_puts(out, "ALTER TABLE ");
        print_name(&s->u.alter_table.table, out);
        if (s->u.alter_table.add) {
            aphx_buf_puts(out, s->u.alter_table.if_exists ? " ADD IF NOT EXISTS " : " ADD ");
            print_column_defs(&s->u.alter_table.add_columns, out);
            print_options(&s->u.alter_table.options, out);
        } else if (s->u.alter_table.drop_columns.count) {
            aphx_buf_puts(out, s->u.alter_table.if_exists ? " DROP COLUMN IF EXISTS " : " DROP COLUMN ");
            for (size_t i = 0; i < s->u.alter_table.drop_columns.count; i++) {
                if (i) aphx_buf_puts(out, ", ");
                sql_print_identifier(s->u.alter_table.drop_columns.items[i], out);
            }
        } else {
            aphx_buf_puts(out, " SET");
            print_options(&s->u.alter_table.options, out);
        }
        break;
    case SQL_STMT_USE:
        aphx_buf_puts(out, "USE ");
        if (s->u.use.schema) sql_print_identifier(s->u.use.schema, out);
        else aphx_buf_puts(out, "DEFAULT");
        break;
    case SQL_STMT_INSERT: {
        static const char *const verbs[] = {"INSERT INTO ", "UPSERT INTO ", "REPLACE INTO "};
        aphx_buf_puts(out, verbs[s->u.insert.verb]);
        print_name(&s->u.insert.table, out);
        if (s->u.insert.alias) {
            aphx_buf_puts(out, " AS ");
            sql_print_identifier(s->u.insert.alias, out);
        }
        if (s->u.insert.columns.count) {
            aphx_buf_putc(out, ' ');
            print_name_list(&s->u.insert.columns, out);
        }
        if (s->u.insert.source) {
            aphx_buf_putc(out, ' ');
            sql_print_query(s->u.insert.source, out);
        } else {
            aphx_buf_puts(out, " DEFAULT VALUES");
        }
        if (s->u.insert.on_duplicate == SQL_ON_DUP_IGNORE) aphx_buf_puts(out, " ON DUPLICATE KEY IGNORE");
        if (s->u.insert.on_duplicate == SQL_ON_DUP_UPDATE) {
            aphx_buf_puts(out, " ON DUPLICATE KEY UPDATE ");
            print_assignments(&s->u.insert.on_dup_updates, out);
        }
        break;
    }
    case SQL_STMT_UPDATE:
        aphx_buf_puts(out, "UPDATE ");
        print_name(&s->u.update.table, out);
        if (s->u.update.alias) {
            aphx_buf_puts(out, " AS ");
            sql_print_identifier(s->u.update.alias, out);
        }
        aphx_buf_puts(out, " SET ");
        print_assignments(&s->u.update.set, out);
        if (s->u.update.where) {
            aphx_buf_puts(out, " WHERE ");
            print_expr_min(s->u.update.where, PP_OR, out);
        }
        break;
    case SQL_STMT_DELETE:
        aphx_buf_puts(out, "DELETE FROM ");
        print_name(&s->u.delete_.table, out);
        if (s->u.delete_.alias) {
            aphx_buf_puts(out, " AS ");
            sql_print_identifier(s->u.delete_.alias, out);
        }
        if (s->u.delete_.where) {
            aphx_buf_puts(out, " WHERE ");
            print_expr_min(s->u.delete_.where, PP_OR, out);
        }
        break;
    case SQL_STMT_EXPLAIN:
        aphx_buf_puts(out, "EXPLAIN ");
        sql_print_statement(s->u.explain.stmt, out);
        break;
    case SQL_STMT_GRANT:
    case SQL_STMT_REVOKE:
        aphx_buf_puts(out, s->kind == SQL_STMT_GRANT ? "GRANT " : "REVOKE ");
        for (size_t i = 0; i < s->u.grant.privileges.count; i++) {
            if (i) aphx_buf_puts(out, ", ");
            const char *priv = s->u.grant.privileges.items[i];
            /* keyword privileges print bare, Phoenix permission strings quoted */
            bool word = priv[0] != '\0';
            for (const char *c = priv; *c; c++)
                if (!((*c >= 'A' && *c <= 'Z') || *c == '_')) word = false;
            if (word) aphx_buf_puts(out, priv);
            else print_string(priv, out);
        }
        aphx_buf_puts(out, s->u.grant.privileges.count ? " ON " : "ON ");
        if (s->u.grant.object == SQL_OBJ_SCHEMA) {
            aphx_buf_puts(out, "SCHEMA ");
            sql_print_identifier(s->u.grant.name.name, out);
        } else if (s->u.grant.name.name) {
            print_name(&s->u.grant.name, out);
        } else {
            aphx_buf_putc(out, '*');
        }
        aphx_buf_puts(out, s->kind == SQL_STMT_GRANT ? " TO " : " FROM ");
        print_user(s->u.grant.user, out);
        break;
    case SQL_STMT_CREATE_USER:
    case SQL_STMT_ALTER_USER:
        aphx_buf_puts(out, s->kind == SQL_STMT_CREATE_USER ? "CREATE USER " : "ALTER USER ");
        if (s->u.user.if_not_exists) aphx_buf_puts(out, "IF NOT EXISTS ");
        print_user(s->u.user.user, out);
        if (s->u.user.password) {
            aphx_buf_puts(out, " PASSWORD ");
            print_string(s->u.user.password, out);
        }
        break;
    case SQL_STMT_ALTER_SYSTEM:
        aphx_buf_puts(out, "ALTER SYSTEM SET ");
        print_string(s->u.alter_system.key, out);
        aphx_buf_puts(out, " = ");
        print_expr_min(s->u.alter_system.value, PP_UNARY, out);
        break;
    case SQL_STMT_BEGIN: aphx_buf_puts(out, "BEGIN"); break;
    case SQL_STMT_COMMIT: aphx_buf_puts(out, "COMMIT"); break;
    case SQL_STMT_ROLLBACK: aphx_buf_puts(out, "ROLLBACK"); break;
    case SQL_STMT_SHOW:
        if (s->u.show.what == SQL_SHOW_TABLES) {
            aphx_buf_puts(out, "SHOW TABLES");
            if (s->u.show.schema) {
                aphx_buf_puts(out, " IN ");
                sql_print_identifier(s->u.show.schema, out);
            }
        } else if (s->u.show.what == SQL_SHOW_SCHEMAS) {
            aphx_buf_puts(out, "SHOW SCHEMAS");
        } else {
            aphx_buf_puts(out, "SHOW ");
            print_string(s->u.show.setting, out);
        }
        break;
    case SQL_STMT_SET:
        aphx_buf_puts(out, s->u.set.local ? "SET LOCAL " : "SET ");
        print_string(s->u.set.key, out);
        aphx_buf_puts(out, " = ");
        if (s->u.set.value) print_expr_min(s->u.set.value, PP_UNARY, out);
        else aphx_buf_puts(out, "DEFAULT");
        break;
    case SQL_STMT_REINDEX:
        aphx_buf_puts(out, "REINDEX ");
        print_name(&s->u.reindex.name, out);
        break;
    case SQL_STMT_COUNT_:
        break;
    }
}
