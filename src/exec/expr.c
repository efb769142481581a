/*
 * expr.c — bound expressions: the constructors (type checking, implicit
 * casts, result types), evaluation over whole batches, and the EXPLAIN
 * renderer.
 *
 * Evaluation walks the tree once per batch, never per row: each node
 * evaluates its children into arrays (or broadcast scalars when every
 * input is constant) and runs one kernel over them. Three-valued logic
 * (AND, OR, NOT, IS [NOT] DISTINCT, IN, BETWEEN) works on whole bytes of
 * value and validity bitmaps. CASE and COALESCE evaluate each branch only
 * on the rows that reach it: the rows are gathered into a smaller batch,
 * the branch runs over it, and the pieces are stitched back in row order.
 *
 * Implicit casts inserted here: int -> float when mixed with floats;
 * int -> decimal(19,0) in arithmetic with decimals (exact, result
 * decimal(38, s): + - keep the larger scale, * adds scales, / gives at
 * least 6 digits); decimals -> float64 when mixed with floats,
 * decimal(38, larger scale) when compared with decimals or integers; text -> date/timestamp when
 * compared with one; anything -> text for ||.
 */
#include "exec/exec_internal.h"

#include <ctype.h>
#include <math.h>

static exec_expr *node_new(aphx_arena *arena, exec_expr_kind kind, exec_type t, int32_t n_args,
                           aphx_error *err)
{
    exec_expr *e = aphx_arena_calloc(arena, sizeof *e);
    if (e && n_args > 0) e->args = aphx_arena_calloc(arena, (size_t)n_args * sizeof(exec_expr *));
    if (!e || (n_args > 0 && !e->args)) {
        aphx_fail(err, APHX_NOMEM, "out of memory building an expression");
        return NULL;
    }
    e->kind = kind;
    e->type = t;
    e->n_args = n_args;
    e->escape = -1;
    return e;
}

static bool type_eq(exec_type a, exec_type b)
{
    return a.id == b.id && (a.id != ARROW_DECIMAL128 || (a.precision == b.precision && a.scale == b.scale));
}

/* ------------------------------------------------------------------ */
/* Scalars                                                             */
/* ------------------------------------------------------------------ */
exec_scalar exec_scalar_null(void)
{
    exec_scalar s;
    memset(&s, 0, sizeof s);
    s.type = exec_type_of(ARROW_NA);
    s.is_null = true;
    return s;
}
exec_scalar exec_scalar_bool(bool v)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_of(ARROW_BOOL);
    s.is_null = false;
    s.v.b = v;
    return s;
}
exec_scalar exec_scalar_int(int64_t v)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_of(ARROW_INT64);
    s.is_null = false;
    s.v.i = v;
    return s;
}
exec_scalar exec_scalar_float(double v)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_of(ARROW_FLOAT64);
    s.is_null = false;
    s.v.f = v;
    return s;
}
exec_scalar exec_scalar_str(const char *p, int64_t len)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_of(ARROW_UTF8);
    s.is_null = false;
    s.v.s.ptr = p;
    s.v.s.len = len < 0 ? (int64_t)strlen(p) : len;
    return s;
}
exec_scalar exec_scalar_date(int32_t days)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_of(ARROW_DATE32);
    s.is_null = false;
    s.v.i = days;
    return s;
}
exec_scalar exec_scalar_decimal(__int128 unscaled, int32_t precision, int32_t scale)
{
    exec_scalar s = exec_scalar_null();
    s.type = exec_type_decimal(precision, scale);
    s.is_null = false;
    s.v.dec = unscaled;
    return s;
}

/* ------------------------------------------------------------------ */
/* Constructors                                                        */
/* ------------------------------------------------------------------ */
#define CHECK_ARGS(...)                                                    \
    do {                                                                   \
        exec_expr *args_[] = {__VA_ARGS__};                                \
        for (size_t k_ = 0; k_ < APHX_ARRAY_LEN(args_); k_++)              \
            if (!args_[k_]) {                                              \
                if (err && err->code == APHX_OK)                           \
                    aphx_fail(err, APHX_INVALID, "missing operand");       \
                return NULL;                                               \
            }                                                              \
    } while (0)

exec_expr *exec_expr_column(aphx_arena *arena, const arrow_schema *input, int32_t index,
                            aphx_error *err)
{
    if (!input || index < 0 || index >= input->n_fields) {
        aphx_fail(err, APHX_INVALID, "column index %d out of range (input has %d columns)", index,
                  input ? input->n_fields : 0);
        return NULL;
    }
    exec_type t;
    if (exec_type_from_field(&input->fields[index], &t, err)) return NULL;
    exec_expr *e = node_new(arena, EXEC_EXPR_COLUMN, exec_canon(t), 0, err);
    if (e) e->column = index;
    return e;
}

exec_expr *exec_expr_literal(aphx_arena *arena, exec_scalar value, aphx_error *err)
{
    if (value.is_null) value.type = value.type.id == ARROW_NA ? value.type : value.type;
    exec_type t = value.is_null && value.type.id == ARROW_NA ? exec_type_of(ARROW_NA) : value.type;
    if (exec_is_int(t.id)) t = exec_type_of(ARROW_INT64);
    exec_expr *e = node_new(arena, EXEC_EXPR_LITERAL, t, 0, err);
    if (!e) return NULL;
    e->literal = value;
    e->literal.type = t;
    if (!value.is_null && t.id == ARROW_UTF8) {
        char *copy = aphx_arena_alloc(arena, (size_t)value.v.s.len + 1);
        if (!copy) {
            aphx_fail(err, APHX_NOMEM, "out of memory copying a literal");
            return NULL;
        }
        if (value.v.s.len) memcpy(copy, value.v.s.ptr, (size_t)value.v.s.len);
        copy[value.v.s.len] = 0;
        e->literal.v.s.ptr = copy;
    }
    return e;
}

exec_expr *exec_expr_cast(aphx_arena *arena, exec_expr *a, exec_type to, aphx_error *err)
{
    CHECK_ARGS(a);
    if (type_eq(a->type, to)) return a;
    switch (to.id) {
    case ARROW_BOOL: case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_FLOAT32: case ARROW_FLOAT64: case ARROW_UTF8: case ARROW_DATE32:
    case ARROW_TIMESTAMP:
        break;
    case ARROW_DECIMAL128:
        if (to.precision < 1 || to.precision > 38 || to.scale < 0 || to.scale > to.precision) {
            exec_sql_fail(err, APHX_INVALID, "22023", "decimal(%d,%d) is not a valid type",
                          to.precision, to.scale);
            return NULL;
        }
        break;
    default:
        exec_sql_fail(err, APHX_UNSUPPORTED, "0A000", "CAST to %s not supported yet",
                      arrow_type_name(to.id));
        return NULL;
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_CAST, to, 1, err);
    if (e) e->args[0] = a;
    return e;
}

/* The type two values are compared or combined in; NA if impossible. */
static exec_type common_type(exec_type a, exec_type b, bool exact_decimal)
{
    a = exec_canon(a);
    b = exec_canon(b);
    if (a.id == ARROW_NA) return b;
    if (b.id == ARROW_NA) return a;
    if (type_eq(a, b)) return a;
    if (exec_is_numeric(a.id) && exec_is_numeric(b.id)) {
        if (a.id == ARROW_FLOAT64 || b.id == ARROW_FLOAT64) return exec_type_of(ARROW_FLOAT64);
        if (!exact_decimal) return exec_type_of(ARROW_FLOAT64);
        int32_t sa = a.id == ARROW_DECIMAL128 ? a.scale : 0;
        int32_t sb = b.id == ARROW_DECIMAL128 ? b.scale : 0;
        return exec_type_decimal(38, sa > sb ? sa : sb);
    }
    if (a.id == ARROW_UTF8 && (b.id == ARROW_DATE32 || b.id == ARROW_TIMESTAMP)) return b;
    if (b.id == ARROW_UTF8 && (a.id == ARROW_DATE32 || a.id == ARROW_TIMESTAMP)) return a;
    if ((a.id == ARROW_DATE32 && b.id == ARROW_TIMESTAMP) ||
        (b.id == ARROW_DATE32 && a.id == ARROW_TIMESTAMP)) return exec_type_of(ARROW_TIMESTAMP);
    return exec_type_of(ARROW_NA);
}

/* Cast e to t unless it already is t or is a NULL of type NA. */
static exec_expr *coerce(aphx_arena *arena, exec_expr *e, exec_type t, aphx_error *err)
{
    if (!e) return NULL;
    if (type_eq(exec_canon(e->type), t) || e->type.id == ARROW_NA) return e;
    return exec_expr_cast(arena, e, t, err);
}

static void type_error(aphx_error *err, const char *sqlstate, const char *what, exec_type a,
                       exec_type b)
{
    aphx_buf ta, tb;
    aphx_buf_init(&ta);
    aphx_buf_init(&tb);
    exec_type_format(a, &ta);
    exec_type_format(b, &tb);
    exec_sql_fail(err, APHX_INVALID, sqlstate, "%s: %s and %s", what, ta.data ? ta.data : "",
                  tb.data ? tb.data : "");
    aphx_buf_free(&ta);
    aphx_buf_free(&tb);
}

exec_expr *exec_expr_arith(aphx_arena *arena, exec_arith_op op, exec_expr *a, exec_expr *b,
                           aphx_error *err)
{
    CHECK_ARGS(a, b);
    exec_type ta = exec_canon(a->type), tb = exec_canon(b->type), rt;
    if (ta.id == ARROW_DATE32 && (tb.id == ARROW_INT64 || tb.id == ARROW_NA) &&
        (op == EXEC_ADD || op == EXEC_SUB)) {
        rt = ta;
    } else if (tb.id == ARROW_DATE32 && ta.id == ARROW_INT64 && op == EXEC_ADD) {
        rt = tb;
    } else if (ta.id == ARROW_DATE32 && tb.id == ARROW_DATE32 && op == EXEC_SUB) {
        rt = exec_type_of(ARROW_INT64);
    } else {
        if ((ta.id != ARROW_NA && !exec_is_numeric(ta.id)) ||
            (tb.id != ARROW_NA && !exec_is_numeric(tb.id))) {
            static const char *names[] = {"+", "-", "*", "/", "%"};
            char what[64];
            snprintf(what, sizeof what, "operator does not exist for %s", names[op]);
            type_error(err, "42883", what, ta, tb);
            return NULL;
        }
        bool dec = (ta.id == ARROW_DECIMAL128 || tb.id == ARROW_DECIMAL128) &&
                   ta.id != ARROW_FLOAT64 && tb.id != ARROW_FLOAT64;
        if (dec) {
            /* Exact decimal arithmetic; integers take part as decimal(19,0). */
            exec_type da = ta.id == ARROW_DECIMAL128 ? ta : exec_type_decimal(19, 0);
            exec_type db = tb.id == ARROW_DECIMAL128 ? tb : exec_type_decimal(19, 0);
            if (ta.id == ARROW_INT64) a = exec_expr_cast(arena, a, da, err);
            if (tb.id == ARROW_INT64) b = exec_expr_cast(arena, b, db, err);
            CHECK_ARGS(a, b);
            int32_t s1 = da.scale, s2 = db.scale, rs;
            switch (op) {
            case EXEC_MUL: rs = s1 + s2; break;
            case EXEC_DIV: rs = APHX_MAX(6, APHX_MAX(s1, s2)); break;
            default: rs = APHX_MAX(s1, s2); break;
            }
            if (rs > 38) {
                exec_sql_fail(err, APHX_UNSUPPORTED, "22003", "decimal result scale %d exceeds 38", rs);
                return NULL;
            }
            rt = exec_type_decimal(38, rs);
        } else {
            rt = common_type(ta, tb, false);
            if (rt.id == ARROW_NA) rt = exec_type_of(ARROW_INT64);
            a = coerce(arena, a, rt, err);
            b = coerce(arena, b, rt, err);
            CHECK_ARGS(a, b);
        }
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_ARITH, rt, 2, err);
    if (!e) return NULL;
    e->op = op;
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

exec_expr *exec_expr_negate(aphx_arena *arena, exec_expr *a, aphx_error *err)
{
    CHECK_ARGS(a);
    exec_type t = exec_canon(a->type);
    if (t.id == ARROW_NA) t = exec_type_of(ARROW_INT64);
    if (!exec_is_numeric(t.id)) {
        type_error(err, "42883", "unary - does not exist for", t, t);
        return NULL;
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_NEGATE, t, 1, err);
    if (e) e->args[0] = a;
    return e;
}

/* Bring a and b to one comparable type; false with *err set if impossible. */
static bool coerce_pair(aphx_arena *arena, exec_expr **a, exec_expr **b, aphx_error *err)
{
    exec_type ta = exec_canon((*a)->type), tb = exec_canon((*b)->type);
    exec_type t = common_type(ta, tb, false);
    if (ta.id == ARROW_DECIMAL128 && tb.id == ARROW_DECIMAL128 && ta.scale == tb.scale) return true;
    bool da = ta.id == ARROW_DECIMAL128, db = tb.id == ARROW_DECIMAL128;
    if ((da || db) && (da || ta.id == ARROW_INT64) && (db || tb.id == ARROW_INT64)) {
        /* Decimals (and integers) compare exactly on the larger scale. */
        t = exec_type_decimal(38, APHX_MAX(da ? ta.scale : 0, db ? tb.scale : 0));
    }
    if (t.id == ARROW_NA && ta.id != ARROW_NA && tb.id != ARROW_NA) {
        type_error(err, "42883", "cannot compare", ta, tb);
        return false;
    }
    if (t.id == ARROW_NA) return true;
    *a = coerce(arena, *a, t, err);
    *b = coerce(arena, *b, t, err);
    return *a && *b;
}

exec_expr *exec_expr_compare(aphx_arena *arena, exec_cmp_op op, exec_expr *a, exec_expr *b,
                             aphx_error *err)
{
    CHECK_ARGS(a, b);
    if (!coerce_pair(arena, &a, &b, err)) return NULL;
    exec_expr *e = node_new(arena, EXEC_EXPR_COMPARE, exec_type_of(ARROW_BOOL), 2, err);
    if (!e) return NULL;
    e->op = op;
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static bool is_boolish(const exec_expr *a)
{
    return a->type.id == ARROW_BOOL || a->type.id == ARROW_NA;
}

static exec_expr *logic_node(aphx_arena *arena, exec_expr_kind kind, exec_expr *a, exec_expr *b,
                             aphx_error *err)
{
    if (!is_boolish(a) || (b && !is_boolish(b))) {
        exec_sql_fail(err, APHX_INVALID, "42804", "argument of %s must be boolean",
                      kind == EXEC_EXPR_AND ? "AND" : kind == EXEC_EXPR_OR ? "OR" : "NOT");
        return NULL;
    }
    exec_expr *e = node_new(arena, kind, exec_type_of(ARROW_BOOL), b ? 2 : 1, err);
    if (!e) return NULL;
    e->args[0] = a;
    if (b) e->args[1] = b;
    return e;
}

exec_expr *exec_expr_and(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err)
{
    CHECK_ARGS(a, b);
    return logic_node(arena, EXEC_EXPR_AND, a, b, err);
}
exec_expr *exec_expr_or(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err)
{
    CHECK_ARGS(a, b);
    return logic_node(arena, EXEC_EXPR_OR, a, b, err);
}
exec_expr *exec_expr_not(aphx_arena *arena, exec_expr *a, aphx_error *err)
{
    CHECK_ARGS(a);
    return logic_node(arena, EXEC_EXPR_NOT, a, NULL, err);
}

exec_expr *exec_expr_is_null(aphx_arena *arena, exec_expr *a, bool negated, aphx_error *err)
{
    CHECK_ARGS(a);
    exec_expr *e = node_new(arena, EXEC_EXPR_IS_NULL, exec_type_of(ARROW_BOOL), 1, err);
    if (!e) return NULL;
    e->args[0] = a;
    e->negated = negated;
    return e;
}

exec_expr *exec_expr_is_distinct(aphx_arena *arena, exec_expr *a, exec_expr *b, bool negated,
                                 aphx_error *err)
{
    CHECK_ARGS(a, b);
    if (!coerce_pair(arena, &a, &b, err)) return NULL;
    exec_expr *e = node_new(arena, EXEC_EXPR_IS_DISTINCT, exec_type_of(ARROW_BOOL), 2, err);
    if (!e) return NULL;
    e->args[0] = a;
    e->args[1] = b;
    e->negated = negated;
    return e;
}

/* Coerce x and all items to one type. */
static bool coerce_list(aphx_arena *arena, exec_expr **items, int32_t n, aphx_error *err)
{
    exec_type t = exec_type_of(ARROW_NA);
    for (int32_t i = 0; i < n; i++) {
        exec_type c = exec_canon(items[i]->type);
        exec_type nt = common_type(t, c, true);
        if (nt.id == ARROW_NA && t.id != ARROW_NA && c.id != ARROW_NA) {
            type_error(err, "42883", "cannot compare", t, c);
            return false;
        }
        t = nt;
    }
    if (t.id == ARROW_DECIMAL128) {
        /* Comparisons run on one scale: keep exact decimals only if they all agree. */
        for (int32_t i = 0; i < n; i++)
            if (items[i]->type.id != ARROW_NA && !type_eq(exec_canon(items[i]->type), t))
                t = exec_type_of(ARROW_FLOAT64);
    }
    if (t.id == ARROW_NA) return true;
    for (int32_t i = 0; i < n; i++) {
        items[i] = coerce(arena, items[i], t, err);
        if (!items[i]) return false;
    }
    return true;
}

exec_expr *exec_expr_between(aphx_arena *arena, exec_expr *x, exec_expr *lo, exec_expr *hi,
                             bool negated, aphx_error *err)
{
    CHECK_ARGS(x, lo, hi);
    exec_expr *items[3] = {x, lo, hi};
    if (!coerce_list(arena, items, 3, err)) return NULL;
    exec_expr *e = node_new(arena, EXEC_EXPR_BETWEEN, exec_type_of(ARROW_BOOL), 3, err);
    if (!e) return NULL;
    memcpy(e->args, items, sizeof items);
    e->negated = negated;
    return e;
}

exec_expr *exec_expr_in(aphx_arena *arena, exec_expr *x, exec_expr **list, int32_t n,
                        bool negated, aphx_error *err)
{
    CHECK_ARGS(x);
    if (n < 1) {
        aphx_fail(err, APHX_INVALID, "IN list is empty");
        return NULL;
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_IN, exec_type_of(ARROW_BOOL), n + 1, err);
    if (!e) return NULL;
    e->args[0] = x;
    for (int32_t i = 0; i < n; i++) {
        CHECK_ARGS(list[i]);
        e->args[i + 1] = list[i];
    }
    if (!coerce_list(arena, e->args, n + 1, err)) return NULL;
    e->negated = negated;
    return e;
}

exec_expr *exec_expr_like(aphx_arena *arena, exec_expr *x, exec_expr *pattern,
                          exec_expr *escape, bool negated, aphx_error *err)
{
    CHECK_ARGS(x, pattern);
    if ((x->type.id != ARROW_UTF8 && x->type.id != ARROW_NA) ||
        (pattern->type.id != ARROW_UTF8 && pattern->type.id != ARROW_NA)) {
        type_error(err, "42883", "LIKE needs text operands", x->type, pattern->type);
        return NULL;
    }
    int32_t esc = -1;
    if (escape) {
        if (escape->kind != EXEC_EXPR_LITERAL || escape->type.id != ARROW_UTF8) {
            exec_sql_fail(err, APHX_UNSUPPORTED, "0A000", "LIKE ESCAPE must be a text literal");
            return NULL;
        }
        const uint8_t *p = (const uint8_t *)escape->literal.v.s.ptr;
        int64_t len = escape->literal.v.s.len;
        if (len == 0) esc = -1;
        else {
            int l = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : 4;
            if (l != len) {
                exec_sql_fail(err, APHX_INVALID, "22019", "invalid escape string: must be one character");
                return NULL;
            }
            esc = p[0] & (l == 1 ? 0x7f : (0x7f >> l));
            for (int k = 1; k < l; k++) esc = (esc << 6) | (p[k] & 0x3f);
        }
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_LIKE, exec_type_of(ARROW_BOOL), 2, err);
    if (!e) return NULL;
    e->args[0] = x;
    e->args[1] = pattern;
    e->negated = negated;
    e->escape = esc;
    if (pattern->kind == EXEC_EXPR_LITERAL && !pattern->literal.is_null) {
        e->pattern = exec_like_compile(arena, (const uint8_t *)pattern->literal.v.s.ptr,
                                       pattern->literal.v.s.len, esc, err);
        if (!e->pattern) return NULL;
    }
    return e;
}

/* The common result type of CASE/COALESCE branches. */
static bool unify_results(aphx_arena *arena, exec_expr **items, int32_t n, int32_t stride,
                          exec_type *out, aphx_error *err)
{
    exec_type t = exec_type_of(ARROW_NA);
    for (int32_t i = 0; i < n; i += stride) {
        if (!items[i]) continue;
        exec_type c = exec_canon(items[i]->type);
        exec_type nt = common_type(t, c, true);
        if (nt.id == ARROW_NA && t.id != ARROW_NA && c.id != ARROW_NA) {
            type_error(err, "42804", "result types cannot be matched", t, c);
            return false;
        }
        t = nt;
    }
    for (int32_t i = 0; i < n; i += stride) {
        if (!items[i] || t.id == ARROW_NA) continue;
        items[i] = coerce(arena, items[i], t, err);
        if (!items[i]) return false;
    }
    *out = t;
    return true;
}

exec_expr *exec_expr_case(aphx_arena *arena, exec_expr *operand, exec_expr **conds,
                          exec_expr **results, int32_t n, exec_expr *else_result,
                          aphx_error *err)
{
    if (n < 1) {
        aphx_fail(err, APHX_INVALID, "CASE without WHEN");
        return NULL;
    }
    int32_t nargs = 2 * n + (else_result ? 1 : 0);
    exec_expr *e = node_new(arena, EXEC_EXPR_CASE, exec_type_of(ARROW_NA), nargs, err);
    if (!e) return NULL;
    for (int32_t i = 0; i < n; i++) {
        CHECK_ARGS(conds[i], results[i]);
        exec_expr *c = conds[i];
        if (operand) c = exec_expr_compare(arena, EXEC_EQ, operand, c, err);
        if (!c) return NULL;
        if (!is_boolish(c)) {
            exec_sql_fail(err, APHX_INVALID, "42804", "argument of CASE/WHEN must be boolean");
            return NULL;
        }
        e->args[2 * i] = c;
        e->args[2 * i + 1] = results[i];
    }
    if (else_result) {
        e->args[2 * n] = else_result;
        e->has_else = true;
    }
    /* Unify results (odd positions and the else). */
    exec_expr **tmp = aphx_arena_alloc(arena, (size_t)(n + 1) * sizeof *tmp);
    if (!tmp) {
        aphx_fail(err, APHX_NOMEM, "out of memory");
        return NULL;
    }
    for (int32_t i = 0; i < n; i++) tmp[i] = e->args[2 * i + 1];
    tmp[n] = else_result;
    if (!unify_results(arena, tmp, n + 1, 1, &e->type, err)) return NULL;
    for (int32_t i = 0; i < n; i++) e->args[2 * i + 1] = tmp[i];
    if (else_result) e->args[2 * n] = tmp[n];
    return e;
}

exec_expr *exec_expr_coalesce(aphx_arena *arena, exec_expr **args, int32_t n, aphx_error *err)
{
    if (n < 1) {
        aphx_fail(err, APHX_INVALID, "COALESCE needs arguments");
        return NULL;
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_COALESCE, exec_type_of(ARROW_NA), n, err);
    if (!e) return NULL;
    for (int32_t i = 0; i < n; i++) {
        CHECK_ARGS(args[i]);
        e->args[i] = args[i];
    }
    if (!unify_results(arena, e->args, n, 1, &e->type, err)) return NULL;
    return e;
}

exec_expr *exec_expr_nullif(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err)
{
    CHECK_ARGS(a, b);
    exec_expr *x = a, *y = b;
    if (!coerce_pair(arena, &x, &y, err)) return NULL;
    exec_expr *e = node_new(arena, EXEC_EXPR_NULLIF, exec_canon(a->type), 3, err);
    if (!e) return NULL;
    e->args[0] = a;     /* the value returned */
    e->args[1] = x;     /* the compared forms */
    e->args[2] = y;
    return e;
}

exec_expr *exec_expr_concat(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err)
{
    CHECK_ARGS(a, b);
    exec_type st = exec_type_of(ARROW_UTF8);
    a = coerce(arena, a, st, err);
    b = coerce(arena, b, st, err);
    CHECK_ARGS(a, b);
    exec_expr *e = node_new(arena, EXEC_EXPR_CONCAT, st, 2, err);
    if (!e) return NULL;
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

exec_expr *exec_expr_func(aphx_arena *arena, const char *name, exec_expr **args, int32_t n,
                          aphx_error *err)
{
    const exec_function *fn = exec_function_find(name);
    if (!fn) {
        exec_sql_fail(err, APHX_NOTFOUND, "42883", "function %s does not exist", name);
        return NULL;
    }
    if (n < fn->min_args || n > fn->max_args) {
        exec_sql_fail(err, APHX_INVALID, "42883", "function %s takes %d to %d arguments, not %d",
                      fn->name, fn->min_args, fn->max_args, n);
        return NULL;
    }
    exec_expr *e = node_new(arena, EXEC_EXPR_FUNC, exec_type_of(ARROW_NA), n, err);
    if (!e) return NULL;
    for (int32_t i = 0; i < n; i++) {
        CHECK_ARGS(args[i]);
        e->args[i] = args[i];
    }
    e->fn = fn;
    if (fn->check(arena, e, err)) return NULL;
    return e;
}

bool exec_function_exists(const char *name)
{
    return exec_function_find(name) != NULL;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */
static aphx_rc eval_oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory evaluating an expression");
}

/* A canonical-typed array of the column (widening narrow ints/floats). */
static aphx_rc widen(const arrow_field *f, arrow_array *a, arrow_array **out, aphx_error *err)
{
    arrow_type_id id = f->type.id;
    if (id != ARROW_INT8 && id != ARROW_INT16 && id != ARROW_INT32 && id != ARROW_UINT8 &&
        id != ARROW_UINT16 && id != ARROW_UINT32 && id != ARROW_FLOAT32) {
        *out = arrow_array_ref(a);
        return APHX_OK;
    }
    int64_t n = a->length;
    exec_type t = exec_type_of(id == ARROW_FLOAT32 ? ARROW_FLOAT64 : ARROW_INT64);
    arrow_array *r = exec_array_fixed(t, n, false);
    if (!r) return eval_oom(err);
    if (a->buffers[0]) {
        r->buffers[0] = exec_bits_copy(a->buffers[0]->data, a->offset, n);
        if (!r->buffers[0]) {
            arrow_array_unref(r);
            return eval_oom(err);
        }
        r->null_count = a->null_count;
    }
    const uint8_t *s = a->buffers[1]->data;
    int64_t o = a->offset;
    int64_t *d = (int64_t *)exec_values(r);
    switch (id) {
    case ARROW_INT8: for (int64_t i = 0; i < n; i++) d[i] = ((const int8_t *)s)[o + i]; break;
    case ARROW_INT16: for (int64_t i = 0; i < n; i++) d[i] = ((const int16_t *)s)[o + i]; break;
    case ARROW_INT32: for (int64_t i = 0; i < n; i++) d[i] = ((const int32_t *)s)[o + i]; break;
    case ARROW_UINT8: for (int64_t i = 0; i < n; i++) d[i] = ((const uint8_t *)s)[o + i]; break;
    case ARROW_UINT16: for (int64_t i = 0; i < n; i++) d[i] = ((const uint16_t *)s)[o + i]; break;
    case ARROW_UINT32: for (int64_t i = 0; i < n; i++) d[i] = ((const uint32_t *)s)[o + i]; break;
    default: {
        double *df = (double *)d;
        for (int64_t i = 0; i < n; i++) df[i] = ((const float *)s)[o + i];
        break;
    }
    }
    *out = r;
    return APHX_OK;
}

static aphx_rc widen_type(exec_type t, arrow_array *a, arrow_array **out, aphx_error *err)
{
    arrow_field f;
    memset(&f, 0, sizeof f);
    f.type.id = t.id;
    return widen(&f, a, out, err);
}

static aphx_rc literal_array(const exec_scalar *s, arrow_array **out, aphx_error *err)
{
    exec_type t = s->type;
    if (s->is_null || t.id == ARROW_NA) {
        *out = exec_array_nulls(t, 1);
        return *out ? APHX_OK : eval_oom(err);
    }
    if (t.id == ARROW_UTF8) {
        exec_strbuild sb;
        if (!exec_strbuild_init(&sb, 1, s->v.s.len)) return eval_oom(err);
        exec_strbuild_append(&sb, s->v.s.ptr, s->v.s.len);
        *out = exec_strbuild_finish(&sb);
        return *out ? APHX_OK : eval_oom(err);
    }
    arrow_array *r = exec_array_fixed(t, 1, false);
    if (!r) return eval_oom(err);
    uint8_t *d = exec_values(r);
    switch (t.id) {
    case ARROW_BOOL: d[0] = s->v.b ? 1 : 0; break;
    case ARROW_FLOAT64: memcpy(d, &s->v.f, 8); break;
    case ARROW_FLOAT32: { float f = (float)s->v.f; memcpy(d, &f, 4); break; }
    case ARROW_DECIMAL128: memcpy(d, &s->v.dec, 16); break;
    case ARROW_DATE32: { int32_t v = (int32_t)s->v.i; memcpy(d, &v, 4); break; }
    default: memcpy(d, &s->v.i, 8); break;
    }
    *out = r;
    return APHX_OK;
}

aphx_rc exec_eval_vec(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                      aphx_arena *scratch, exec_val *hold, exec_vec *v, aphx_error *err)
{
    aphx_rc rc = exec_eval_node(e, ctx, in, scratch, hold, err);
    if (rc) return rc;
    exec_type ct = exec_canon(e->type);
    if (ct.id != e->type.id) {
        arrow_array *w;
        rc = widen_type(e->type, hold->arr, &w, err);
        if (rc) {
            arrow_array_unref(hold->arr);
            hold->arr = NULL;
            return rc;
        }
        arrow_array_unref(hold->arr);
        hold->arr = w;
    }
    rc = exec_vec_init(v, ct, hold->arr, hold->scalar, in->length, scratch, err);
    if (rc) {
        arrow_array_unref(hold->arr);
        hold->arr = NULL;
    }
    return rc;
}

aphx_rc exec_val_materialize(exec_val *v, exec_type t, int64_t n, aphx_error *err)
{
    if (!v->scalar) return APHX_OK;
    int64_t *idx = aphx_calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
    if (!idx) return eval_oom(err);
    arrow_field f;
    aphx_rc rc = exec_type_to_field(t, "", true, &f);
    if (rc) {
        aphx_free(idx);
        return eval_oom(err);
    }
    arrow_array *r;
    rc = exec_take(&f, v->arr, idx, n, &r, err);
    arrow_field_free(&f);
    aphx_free(idx);
    if (rc) return rc;
    arrow_array_unref(v->arr);
    v->arr = r;
    v->scalar = false;
    return APHX_OK;
}

/* Bytes of a BOOL vec's value and validity bits for n rows (broadcasting). */
static aphx_rc bool_bytes(const exec_vec *v, int64_t n, aphx_arena *scratch, const uint8_t **vals,
                          const uint8_t **valid, aphx_error *err)
{
    int64_t nb = (n + 7) / 8;
    if (v->all_null) {
        uint8_t *z = aphx_arena_calloc(scratch, (size_t)nb + 1);
        if (!z) return eval_oom(err);
        *vals = *valid = z;
        return APHX_OK;
    }
    if (v->scalar) {
        uint8_t *b = aphx_arena_alloc(scratch, (size_t)nb + 1);
        uint8_t *o = aphx_arena_alloc(scratch, (size_t)nb + 1);
        if (!b || !o) return eval_oom(err);
        memset(b, arrow_bit_get(v->values, 0) ? 0xff : 0, (size_t)nb + 1);
        memset(o, 0xff, (size_t)nb + 1);
        *vals = b;
        *valid = o;
        return APHX_OK;
    }
    *vals = v->values;
    if (v->valid) *valid = v->valid;
    else {
        uint8_t *o = aphx_arena_alloc(scratch, (size_t)nb + 1);
        if (!o) return eval_oom(err);
        memset(o, 0xff, (size_t)nb + 1);
        *valid = o;
    }
    return APHX_OK;
}

/* Validity of a vec as bytes of bits for n rows (broadcasting). */
static const uint8_t *valid_bytes(const exec_vec *v, int64_t n, aphx_arena *scratch)
{
    int64_t nb = (n + 7) / 8;
    if (!v->all_null && v->valid && !v->scalar) return v->valid;
    uint8_t *o = aphx_arena_alloc(scratch, (size_t)nb + 1);
    if (o) memset(o, v->all_null ? 0 : 0xff, (size_t)nb + 1);
    return o;
}

static arrow_array *bool_result(int64_t n, uint8_t **vals, uint8_t **valid)
{
    arrow_array *r = exec_array_fixed(exec_type_of(ARROW_BOOL), n, valid != NULL);
    if (!r) return NULL;
    *vals = exec_values(r);
    if (valid) {
        *valid = r->buffers[0]->data;
        r->null_count = -1;
    }
    return r;
}

/* Drop the validity buffer when it has no zero bits. */
static void tidy_validity(arrow_array *r)
{
    if (r->buffers[0] && arrow_bitmap_count_set(r->buffers[0]->data, 0, r->length) == r->length) {
        arrow_buffer_unref(r->buffers[0]);
        r->buffers[0] = NULL;
        r->null_count = 0;
    }
}

typedef enum { LOGIC_AND, LOGIC_OR } logic_kind;

/* r = a AND/OR b under three-valued logic, in place over n rows. */
static void logic_combine(logic_kind k, const uint8_t *av, const uint8_t *aok, const uint8_t *bv,
                          const uint8_t *bok, int64_t n, uint8_t *rv, uint8_t *rok)
{
    int64_t nb = (n + 7) / 8;
    if (k == LOGIC_AND) {
        for (int64_t j = 0; j < nb; j++) {
            uint8_t af = (uint8_t)(aok[j] & ~av[j]), bf = (uint8_t)(bok[j] & ~bv[j]);
            rok[j] = (uint8_t)((aok[j] & bok[j]) | af | bf);
            rv[j] = (uint8_t)(av[j] & bv[j] & aok[j] & bok[j]);
        }
    } else {
        for (int64_t j = 0; j < nb; j++) {
            uint8_t at = av[j] & aok[j], bt = bv[j] & bok[j];
            rok[j] = (uint8_t)((aok[j] & bok[j]) | at | bt);
            rv[j] = at | bt;
        }
    }
}

static aphx_rc eval_logic(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                          aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    exec_val ha = {0}, hb = {0};
    exec_vec va, vb;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &ha, &va, err);
    if (rc) return rc;
    const uint8_t *av, *aok, *bv, *bok;
    arrow_array *r = NULL;
    uint8_t *rv, *rok;
    if (e->kind == EXEC_EXPR_NOT) {
        if ((rc = bool_bytes(&va, n, scratch, &av, &aok, err))) goto done;
        if (!(r = bool_result(n, &rv, &rok))) goto nomem;
        for (int64_t j = 0; j < (n + 7) / 8; j++) {
            rv[j] = (uint8_t)~av[j];
            rok[j] = aok[j];
        }
        goto done;
    }
    if ((rc = exec_eval_vec(e->args[1], ctx, in, scratch, &hb, &vb, err))) goto done;
    if ((rc = bool_bytes(&va, n, scratch, &av, &aok, err))) goto done;
    if ((rc = bool_bytes(&vb, n, scratch, &bv, &bok, err))) goto done;
    if (!(r = bool_result(n, &rv, &rok))) goto nomem;
    logic_combine(e->kind == EXEC_EXPR_AND ? LOGIC_AND : LOGIC_OR, av, aok, bv, bok, n, rv, rok);
done:
    arrow_array_unref(ha.arr);
    arrow_array_unref(hb.arr);
    if (rc) {
        arrow_array_unref(r);
        return rc;
    }
    tidy_validity(r);
    out->arr = r;
    out->scalar = false;
    return APHX_OK;
nomem:
    rc = eval_oom(err);
    goto done;
}

/* Compare two canonical vecs into a BOOL array over n rows. */
static aphx_rc compare_vecs(exec_cmp_op op, const exec_vec *a, const exec_vec *b, int64_t n,
                            arrow_array **out, aphx_error *err)
{
    return exec_kernel_compare(op, a, b, n, out, err);
}

static aphx_rc eval_in_between(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                               aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    exec_val hx = {0};
    exec_vec vx;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &hx, &vx, err);
    if (rc) return rc;
    int64_t nb = (n + 7) / 8;
    uint8_t *acc_v = aphx_arena_calloc(scratch, (size_t)nb + 1);
    uint8_t *acc_ok = aphx_arena_alloc(scratch, (size_t)nb + 1);
    arrow_array *r = NULL;
    if (!acc_v || !acc_ok) {
        rc = eval_oom(err);
        goto done;
    }
    bool is_in = e->kind == EXEC_EXPR_IN;
    /* IN starts from FALSE (OR identity), BETWEEN from TRUE (AND identity). */
    memset(acc_ok, 0xff, (size_t)nb + 1);
    if (!is_in) memset(acc_v, 0xff, (size_t)nb + 1);
    for (int32_t i = 1; i < e->n_args; i++) {
        exec_val hi = {0};
        exec_vec vi;
        if ((rc = exec_eval_vec(e->args[i], ctx, in, scratch, &hi, &vi, err))) goto done;
        exec_cmp_op op = is_in ? EXEC_EQ : i == 1 ? EXEC_GE : EXEC_LE;
        arrow_array *c = NULL;
        rc = compare_vecs(op, &vx, &vi, n, &c, err);
        arrow_array_unref(hi.arr);
        if (rc) goto done;
        exec_vec vc;
        const uint8_t *cv, *cok;
        if (!(rc = exec_vec_init(&vc, exec_type_of(ARROW_BOOL), c, false, n, scratch, err)))
            rc = bool_bytes(&vc, n, scratch, &cv, &cok, err);
        if (!rc)
            logic_combine(is_in ? LOGIC_OR : LOGIC_AND, acc_v, acc_ok, cv, cok, n, acc_v, acc_ok);
        arrow_array_unref(c);
        if (rc) goto done;
    }
    uint8_t *rv, *rok;
    if (!(r = bool_result(n, &rv, &rok))) {
        rc = eval_oom(err);
        goto done;
    }
    for (int64_t j = 0; j < nb; j++) {
        rv[j] = e->negated ? (uint8_t)~acc_v[j] : acc_v[j];
        rok[j] = acc_ok[j];
    }
    tidy_validity(r);
done:
    arrow_array_unref(hx.arr);
    if (rc) {
        arrow_array_unref(r);
        return rc;
    }
    out->arr = r;
    out->scalar = false;
    return APHX_OK;
}

static aphx_rc eval_like(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                         aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    exec_val hx = {0}, hp = {0};
    exec_vec vx, vp;
    arrow_array *r = NULL;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &hx, &vx, err);
    if (rc) return rc;
    if ((rc = exec_eval_vec(e->args[1], ctx, in, scratch, &hp, &vp, err))) goto done;
    if (vx.all_null || vp.all_null) {
        r = exec_array_nulls(exec_type_of(ARROW_BOOL), n);
        if (!r) rc = eval_oom(err);
        goto done;
    }
    bool no_mem = false;
    arrow_buffer *valid = exec_valid_and(&vx, &vp, n, &no_mem);
    if (no_mem || !(r = exec_array_fixed(exec_type_of(ARROW_BOOL), n, false))) {
        arrow_buffer_unref(valid);
        rc = eval_oom(err);
        goto done;
    }
    r->buffers[0] = valid;
    r->null_count = valid ? -1 : 0;
    uint8_t *rv = exec_values(r);
    memset(rv, 0, (size_t)(n + 7) / 8);
    const exec_like_pattern *pat = e->pattern;
    for (int64_t i = 0; i < n; i++) {
        if (!exec_vec_valid(&vx, i) || !exec_vec_valid(&vp, i)) continue;
        if (!e->pattern && (i == 0 || !vp.scalar)) {
            const uint8_t *pp;
            int64_t pl;
            exec_vec_str(&vp, i, &pp, &pl);
            pat = exec_like_compile(scratch, pp, pl, e->escape, err);
            if (!pat) {
                rc = err && err->code ? err->code : APHX_NOMEM;
                goto done;
            }
        }
        const uint8_t *s;
        int64_t len;
        exec_vec_str(&vx, i, &s, &len);
        bool m = exec_like_match(pat, s, len);
        if (m != e->negated) rv[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
done:
    arrow_array_unref(hx.arr);
    arrow_array_unref(hp.arr);
    if (rc) {
        arrow_array_unref(r);
        return rc;
    }
    out->arr = r;
    out->scalar = false;
    return APHX_OK;
}

/* Rows of `cur` (a batch holding the rows still undecided) split by a
 * bitmap; CASE and COALESCE build their result from pieces. */
typedef struct piecewise {
    int64_t      n;          /* rows of the original batch */
    int32_t     *src;        /* per original row: piece index or -1 (NULL) */
    int64_t     *pos;        /* per original row: row inside its piece */
    arrow_array **pieces;
    int32_t      n_pieces;
} piecewise;

static aphx_rc piecewise_finish(piecewise *pw, exec_type t, arrow_array **out, aphx_error *err)
{
    arrow_field f;
    if (exec_type_to_field(t, "", true, &f)) return eval_oom(err);
    aphx_rc rc = APHX_OK;
    arrow_array *all = NULL;
    int64_t *start = aphx_calloc((size_t)pw->n_pieces + 1, sizeof(int64_t));
    int64_t *idx = aphx_malloc((size_t)(pw->n > 0 ? pw->n : 1) * sizeof(int64_t));
    arrow_array **live = aphx_calloc((size_t)pw->n_pieces + 1, sizeof(arrow_array *));
    if (!start || !idx || !live) {
        rc = eval_oom(err);
        goto done;
    }
    int64_t n_live = 0, total = 0;
    for (int32_t k = 0; k < pw->n_pieces; k++) {
        start[k] = total;
        if (pw->pieces[k]) {
            live[n_live++] = pw->pieces[k];
            total += pw->pieces[k]->length;
        }
    }
    if (n_live == 0) {
        *out = exec_array_nulls(t, pw->n);
        if (!*out) rc = eval_oom(err);
        goto done;
    }
    if ((rc = exec_concat(&f, live, n_live, &all, err))) goto done;
    for (int64_t i = 0; i < pw->n; i++)
        idx[i] = pw->src[i] < 0 ? -1 : start[pw->src[i]] + pw->pos[i];
    rc = exec_take(&f, all, idx, pw->n, out, err);
done:
    arrow_array_unref(all);
    aphx_free(start);
    aphx_free(idx);
    aphx_free(live);
    arrow_field_free(&f);
    return rc;
}

static aphx_rc eval_case(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                         aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    bool coalesce = e->kind == EXEC_EXPR_COALESCE;
    int32_t n_when = coalesce ? e->n_args : e->n_args / 2;
    piecewise pw = {0};
    pw.n = n;
    pw.n_pieces = n_when + 1;
    pw.src = aphx_malloc((size_t)(n + 1) * sizeof(int32_t));
    pw.pos = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));
    pw.pieces = aphx_calloc((size_t)pw.n_pieces, sizeof(arrow_array *));
    int64_t *rows = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));     /* cur row -> original */
    int64_t *keep = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));
    int64_t *hit = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));
    arrow_batch *cur_owned = NULL;
    const arrow_batch *cur = in;
    aphx_rc rc = APHX_OK;
    if (!pw.src || !pw.pos || !pw.pieces || !rows || !keep || !hit) {
        rc = eval_oom(err);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        pw.src[i] = -1;
        rows[i] = i;
    }
    int64_t cur_n = n;
    for (int32_t k = 0; k < n_when && cur_n > 0; k++) {
        const exec_expr *value_expr = coalesce ? e->args[k] : e->args[2 * k + 1];
        exec_val hv = {0};
        exec_vec vc;
        int64_t n_hit = 0, n_keep = 0;
        if (coalesce) {
            /* Evaluate the argument; its non-NULL rows are decided. */
            if ((rc = exec_eval_vec(value_expr, ctx, cur, scratch, &hv, &vc, err))) goto done;
            if ((rc = exec_val_materialize(&hv, exec_canon(value_expr->type), cur_n, err))) {
                arrow_array_unref(hv.arr);
                goto done;
            }
            arrow_array *va = hv.arr;
            for (int64_t i = 0; i < cur_n; i++) {
                bool ok = k == n_when - 1 || (va->n_buffers > 0 && (!va->buffers[0] ||
                          arrow_bit_get(va->buffers[0]->data, va->offset + i)));
                if (ok) {
                    pw.src[rows[i]] = k;
                    pw.pos[rows[i]] = i;
                } else keep[n_keep++] = i;
            }
            pw.pieces[k] = va;
        } else {
            if ((rc = exec_eval_vec(e->args[2 * k], ctx, cur, scratch, &hv, &vc, err))) goto done;
            for (int64_t i = 0; i < cur_n; i++) {
                bool t = exec_vec_valid(&vc, i) && !vc.all_null &&
                         arrow_bit_get(vc.values, exec_vec_idx(&vc, i));
                if (t) hit[n_hit++] = i;
                else keep[n_keep++] = i;
            }
            arrow_array_unref(hv.arr);
            if (n_hit > 0) {
                arrow_batch *sub = NULL;
                const arrow_batch *src_b = cur;
                if (n_hit < cur_n) {
                    if ((rc = exec_batch_take(cur, hit, n_hit, &sub, err))) goto done;
                    src_b = sub;
                }
                exec_val rv = {0};
                exec_vec rvv;
                rc = exec_eval_vec(value_expr, ctx, src_b, scratch, &rv, &rvv, err);
                if (!rc) rc = exec_val_materialize(&rv, exec_canon(value_expr->type), n_hit, err);
                arrow_batch_free(sub);
                if (rc) {
                    arrow_array_unref(rv.arr);
                    goto done;
                }
                pw.pieces[k] = rv.arr;
                for (int64_t j = 0; j < n_hit; j++) {
                    pw.src[rows[hit[j]]] = k;
                    pw.pos[rows[hit[j]]] = j;
                }
            }
        }
        /* The undecided rows continue. */
        if (n_keep < cur_n && n_keep > 0) {
            arrow_batch *next = NULL;
            if ((rc = exec_batch_take(cur, keep, n_keep, &next, err))) goto done;
            for (int64_t j = 0; j < n_keep; j++) rows[j] = rows[keep[j]];
            arrow_batch_free(cur_owned);
            cur_owned = next;
            cur = next;
        }
        cur_n = n_keep;
    }
    if (!coalesce && e->has_else && cur_n > 0) {
        exec_val rv = {0};
        exec_vec rvv;
        const exec_expr *ee = e->args[e->n_args - 1];
        rc = exec_eval_vec(ee, ctx, cur, scratch, &rv, &rvv, err);
        if (!rc) rc = exec_val_materialize(&rv, exec_canon(ee->type), cur_n, err);
        if (rc) {
            arrow_array_unref(rv.arr);
            goto done;
        }
        pw.pieces[n_when] = rv.arr;
        for (int64_t j = 0; j < cur_n; j++) {
            pw.src[rows[j]] = n_when;
            pw.pos[rows[j]] = j;
        }
    }
    arrow_array *r = NULL;
    rc = piecewise_finish(&pw, exec_canon(e->type), &r, err);
    if (!rc) {
        out->arr = r;
        out->scalar = false;
    }
done:
    arrow_batch_free(cur_owned);
    if (pw.pieces)
        for (int32_t k = 0; k < pw.n_pieces; k++) arrow_array_unref(pw.pieces[k]);
    aphx_free(pw.pieces);
    aphx_free(pw.src);
    aphx_free(pw.pos);
    aphx_free(rows);
    aphx_free(keep);
    aphx_free(hit);
    return rc;
}

static aphx_rc eval_is_null(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                            aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    exec_val h = {0};
    exec_vec v;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &h, &v, err);
    if (rc) return rc;
    int64_t n = h.scalar ? 1 : in->length;
    uint8_t *rv;
    arrow_array *r = bool_result(n, &rv, NULL);
    if (!r) {
        arrow_array_unref(h.arr);
        return eval_oom(err);
    }
    int64_t nb = (n + 7) / 8;
    if (v.all_null) memset(rv, e->negated ? 0 : 0xff, (size_t)nb);
    else if (!v.valid) memset(rv, e->negated ? 0xff : 0, (size_t)nb);
    else for (int64_t j = 0; j < nb; j++) rv[j] = e->negated ? v.valid[j] : (uint8_t)~v.valid[j];
    arrow_array_unref(h.arr);
    out->arr = r;
    out->scalar = h.scalar;
    return APHX_OK;
}

static aphx_rc eval_distinct(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                             aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    exec_val ha = {0}, hb = {0};
    exec_vec va, vb;
    arrow_array *eq = NULL, *r = NULL;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &ha, &va, err);
    if (rc) return rc;
    if ((rc = exec_eval_vec(e->args[1], ctx, in, scratch, &hb, &vb, err))) goto done;
    if ((rc = compare_vecs(EXEC_EQ, &va, &vb, n, &eq, err))) goto done;
    exec_vec ve;
    const uint8_t *ev, *eok, *aok, *bok;
    if ((rc = exec_vec_init(&ve, exec_type_of(ARROW_BOOL), eq, false, n, scratch, err))) goto done;
    if ((rc = bool_bytes(&ve, n, scratch, &ev, &eok, err))) goto done;
    aok = valid_bytes(&va, n, scratch);
    bok = valid_bytes(&vb, n, scratch);
    if (!aok || !bok) {
        rc = eval_oom(err);
        goto done;
    }
    uint8_t *rv;
    if (!(r = bool_result(n, &rv, NULL))) {
        rc = eval_oom(err);
        goto done;
    }
    for (int64_t j = 0; j < (n + 7) / 8; j++) {
        uint8_t both = aok[j] & bok[j];
        uint8_t distinct = (uint8_t)((aok[j] ^ bok[j]) | (both & ~ev[j]));
        rv[j] = e->negated ? (uint8_t)~distinct : distinct;
    }
done:
    arrow_array_unref(ha.arr);
    arrow_array_unref(hb.arr);
    arrow_array_unref(eq);
    if (rc) {
        arrow_array_unref(r);
        return rc;
    }
    out->arr = r;
    out->scalar = false;
    return APHX_OK;
}

static aphx_rc eval_nullif(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                           aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    int64_t n = in->length;
    exec_val hv = {0}, ha = {0}, hb = {0};
    exec_vec vv, va, vb;
    arrow_array *eq = NULL;
    aphx_rc rc = exec_eval_vec(e->args[0], ctx, in, scratch, &hv, &vv, err);
    if (rc) return rc;
    if ((rc = exec_val_materialize(&hv, exec_canon(e->type), n, err))) goto done;
    if ((rc = exec_eval_vec(e->args[1], ctx, in, scratch, &ha, &va, err))) goto done;
    if ((rc = exec_eval_vec(e->args[2], ctx, in, scratch, &hb, &vb, err))) goto done;
    if ((rc = compare_vecs(EXEC_EQ, &va, &vb, n, &eq, err))) goto done;
    arrow_field f;
    if (exec_type_to_field(exec_canon(e->type), "", true, &f)) {
        rc = eval_oom(err);
        goto done;
    }
    int64_t *idx = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));
    if (!idx) {
        arrow_field_free(&f);
        rc = eval_oom(err);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        bool same = eq->n_buffers > 0 && (!eq->buffers[0] || arrow_bit_get(eq->buffers[0]->data, i)) &&
                    arrow_bit_get(eq->buffers[1]->data, i);
        idx[i] = same ? -1 : i;
    }
    arrow_array *r;
    rc = exec_take(&f, hv.arr, idx, n, &r, err);
    aphx_free(idx);
    arrow_field_free(&f);
    if (!rc) {
        out->arr = r;
        out->scalar = false;
    }
done:
    arrow_array_unref(hv.arr);
    arrow_array_unref(ha.arr);
    arrow_array_unref(hb.arr);
    arrow_array_unref(eq);
    return rc;
}

aphx_rc exec_eval_node(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                       aphx_arena *scratch, exec_val *out, aphx_error *err)
{
    out->arr = NULL;
    out->scalar = false;
    switch (e->kind) {
    case EXEC_EXPR_COLUMN: {
        if (e->column >= in->n_columns)
            return aphx_fail(err, APHX_INTERNAL, "column #%d not in a batch of %d columns",
                             e->column, in->n_columns);
        return widen(&in->schema->fields[e->column], in->columns[e->column], &out->arr, err);
    }
    case EXEC_EXPR_LITERAL:
        out->scalar = true;
        return literal_array(&e->literal, &out->arr, err);
    case EXEC_EXPR_AND: case EXEC_EXPR_OR: case EXEC_EXPR_NOT:
        return eval_logic(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_IN: case EXEC_EXPR_BETWEEN:
        return eval_in_between(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_LIKE:
        return eval_like(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_CASE: case EXEC_EXPR_COALESCE:
        return eval_case(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_IS_NULL:
        return eval_is_null(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_IS_DISTINCT:
        return eval_distinct(e, ctx, in, scratch, out, err);
    case EXEC_EXPR_NULLIF:
        return eval_nullif(e, ctx, in, scratch, out, err);
    default:
        break;
    }
    /* Kernels over evaluated arguments; constant when every argument is. */
    exec_val holds[8];
    exec_vec vecs[8];
    exec_val *hp = holds;
    exec_vec *vp = vecs;
    int32_t na = e->n_args;
    aphx_rc rc = APHX_OK;
    if (na > 8) {
        hp = aphx_calloc((size_t)na, sizeof *hp);
        vp = aphx_calloc((size_t)na, sizeof *vp);
        if (!hp || !vp) {
            aphx_free(hp);
            aphx_free(vp);
            return eval_oom(err);
        }
    }
    memset(hp, 0, (size_t)(na > 0 ? na : 1) * sizeof *hp);
    bool all_scalar = true;
    int32_t done_args = 0;
    for (int32_t i = 0; i < na; i++) {
        if ((rc = exec_eval_vec(e->args[i], ctx, in, scratch, &hp[i], &vp[i], err))) goto done;
        done_args = i + 1;
        all_scalar = all_scalar && hp[i].scalar;
    }
    if (e->kind == EXEC_EXPR_FUNC && na == 0) all_scalar = true;
    int64_t n = all_scalar ? 1 : in->length;
    arrow_array *r = NULL;
    switch (e->kind) {
    case EXEC_EXPR_ARITH:
        rc = exec_kernel_arith(ctx, (exec_arith_op)e->op, e->type, &vp[0], &vp[1], n, &r, err);
        break;
    case EXEC_EXPR_NEGATE:
        rc = exec_kernel_negate(&vp[0], n, &r, err);
        break;
    case EXEC_EXPR_COMPARE:
        rc = compare_vecs((exec_cmp_op)e->op, &vp[0], &vp[1], n, &r, err);
        break;
    case EXEC_EXPR_CAST:
        rc = exec_kernel_cast(ctx, &vp[0], e->type, n, &r, err);
        break;
    case EXEC_EXPR_CONCAT:
        rc = exec_kernel_concat(&vp[0], &vp[1], n, &r, err);
        break;
    case EXEC_EXPR_FUNC:
        rc = e->fn->eval(ctx, e, vp, n, &r, err);
        break;
    default:
        rc = aphx_fail(err, APHX_INTERNAL, "unknown expression kind %d", (int)e->kind);
        break;
    }
    if (!rc) {
        out->arr = r;
        out->scalar = all_scalar;
    }
done:
    for (int32_t i = 0; i < done_args; i++) arrow_array_unref(hp[i].arr);
    if (hp != holds) {
        aphx_free(hp);
        aphx_free(vp);
    }
    return rc;
}

aphx_rc exec_eval_canon(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                        aphx_arena *scratch, arrow_array **out, aphx_error *err)
{
    arrow_array *a = NULL;
    aphx_rc rc = exec_expr_eval(e, ctx, in, scratch, &a, err);
    if (rc) return rc;
    exec_type ct = exec_canon(e->type);
    if (ct.id == e->type.id) {
        *out = a;
        return APHX_OK;
    }
    rc = widen_type(e->type, a, out, err);
    arrow_array_unref(a);
    return rc;
}

aphx_rc exec_expr_eval(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                       aphx_arena *scratch, arrow_array **out, aphx_error *err)
{
    *out = NULL;
    exec_val v = {0};
    aphx_rc rc = exec_eval_node(e, ctx, in, scratch, &v, err);
    if (rc) return rc;
    if (v.scalar) {
        rc = exec_val_materialize(&v, e->type, in->length, err);
        if (rc) {
            arrow_array_unref(v.arr);
            return rc;
        }
    }
    *out = v.arr;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* EXPLAIN rendering                                                   */
/* ------------------------------------------------------------------ */
static void format_literal(const exec_scalar *s, aphx_buf *out)
{
    if (s->is_null) {
        aphx_buf_puts(out, "NULL");
        return;
    }
    switch (s->type.id) {
    case ARROW_BOOL: aphx_buf_puts(out, s->v.b ? "TRUE" : "FALSE"); break;
    case ARROW_FLOAT64: aphx_buf_printf(out, "%.17g", s->v.f); break;
    case ARROW_UTF8:
        aphx_buf_putc(out, '\'');
        for (int64_t i = 0; i < s->v.s.len; i++) {
            if (s->v.s.ptr[i] == '\'') aphx_buf_putc(out, '\'');
            aphx_buf_putc(out, s->v.s.ptr[i]);
        }
        aphx_buf_putc(out, '\'');
        break;
    case ARROW_DECIMAL128: case ARROW_DATE32: {
        arrow_array *a = NULL;
        if (literal_array(s, &a, NULL) == APHX_OK) {
            exec_vec v;
            aphx_arena tmp;
            aphx_arena_init(&tmp, 256);
            if (exec_vec_init(&v, s->type, a, true, 1, &tmp, NULL) == APHX_OK) {
                if (s->type.id == ARROW_DATE32) aphx_buf_puts(out, "DATE '");
                exec_format_value(&v, 0, out);
                if (s->type.id == ARROW_DATE32) aphx_buf_putc(out, '\'');
            }
            aphx_arena_destroy(&tmp);
            arrow_array_unref(a);
        }
        break;
    }
    default: aphx_buf_printf(out, "%lld", (long long)s->v.i); break;
    }
}

void exec_expr_format(const exec_expr *e, aphx_buf *out)
{
    static const char *arith[] = {"+", "-", "*", "/", "%"};
    static const char *cmp[] = {"=", "<>", "<", "<=", ">", ">="};
    if (!e) {
        aphx_buf_puts(out, "?");
        return;
    }
    switch (e->kind) {
    case EXEC_EXPR_COLUMN: aphx_buf_printf(out, "#%d", e->column); return;
    case EXEC_EXPR_LITERAL: format_literal(&e->literal, out); return;
    case EXEC_EXPR_ARITH: case EXEC_EXPR_COMPARE: case EXEC_EXPR_AND: case EXEC_EXPR_OR:
    case EXEC_EXPR_CONCAT: {
        const char *op = e->kind == EXEC_EXPR_ARITH ? arith[e->op]
                       : e->kind == EXEC_EXPR_COMPARE ? cmp[e->op]
                       : e->kind == EXEC_EXPR_AND ? "AND" : e->kind == EXEC_EXPR_OR ? "OR" : "||";
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_printf(out, " %s ", op);
        exec_expr_format(e->args[1], out);
        aphx_buf_putc(out, ')');
        return;
    }
    case EXEC_EXPR_NEGATE: aphx_buf_puts(out, "(- "); exec_expr_format(e->args[0], out); aphx_buf_putc(out, ')'); return;
    case EXEC_EXPR_NOT: aphx_buf_puts(out, "(NOT "); exec_expr_format(e->args[0], out); aphx_buf_putc(out, ')'); return;
    case EXEC_EXPR_IS_NULL:
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, e->negated ? " IS NOT NULL)" : " IS NULL)");
        return;
    case EXEC_EXPR_IS_DISTINCT:
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, e->negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        exec_expr_format(e->args[1], out);
        aphx_buf_putc(out, ')');
        return;
    case EXEC_EXPR_BETWEEN:
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, e->negated ? " NOT BETWEEN " : " BETWEEN ");
        exec_expr_format(e->args[1], out);
        aphx_buf_puts(out, " AND ");
        exec_expr_format(e->args[2], out);
        aphx_buf_putc(out, ')');
        return;
    case EXEC_EXPR_IN:
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, e->negated ? " NOT IN (" : " IN (");
        for (int32_t i = 1; i < e->n_args; i++) {
            if (i > 1) aphx_buf_puts(out, ", ");
            exec_expr_format(e->args[i], out);
        }
        aphx_buf_puts(out, "))");
        return;
    case EXEC_EXPR_LIKE:
        aphx_buf_putc(out, '(');
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, e->negated ? " NOT LIKE " : " LIKE ");
        exec_expr_format(e->args[1], out);
        aphx_buf_putc(out, ')');
        return;
    case EXEC_EXPR_CASE: {
        aphx_buf_puts(out, "CASE");
        int32_t n = e->n_args / 2;
        for (int32_t i = 0; i < n; i++) {
            aphx_buf_puts(out, " WHEN ");
            exec_expr_format(e->args[2 * i], out);
            aphx_buf_puts(out, " THEN ");
            exec_expr_format(e->args[2 * i + 1], out);
        }
        if (e->has_else) {
            aphx_buf_puts(out, " ELSE ");
            exec_expr_format(e->args[e->n_args - 1], out);
        }
        aphx_buf_puts(out, " END");
        return;
    }
    case EXEC_EXPR_CAST:
        aphx_buf_puts(out, "CAST(");
        exec_expr_format(e->args[0], out);
        aphx_buf_puts(out, " AS ");
        exec_type_format(e->type, out);
        aphx_buf_putc(out, ')');
        return;
    case EXEC_EXPR_COALESCE: case EXEC_EXPR_NULLIF: case EXEC_EXPR_FUNC: {
        int32_t n = e->kind == EXEC_EXPR_NULLIF ? 2 : e->n_args;
        aphx_buf_puts(out, e->kind == EXEC_EXPR_COALESCE ? "COALESCE"
                           : e->kind == EXEC_EXPR_NULLIF ? "NULLIF" : e->fn->name);
        aphx_buf_putc(out, '(');
        for (int32_t i = 0; i < n; i++) {
            if (i) aphx_buf_puts(out, ", ");
            exec_expr_format(e->args[i], out);
        }
        aphx_buf_putc(out, ')');
        return;
    }
    }
}
