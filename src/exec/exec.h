/*
 * exec.h — ArrowPhoenix's vectorized executor: bound, typed expressions
 * evaluated column at a time over Arrow record batches, and physical
 * operators (pull iterators producing arrow_batch*) that a planner strings
 * into a tree. Public header of src/exec.
 *
 * Expressions
 * -----------
 * An exec_expr is built bottom-up by the exec_expr_* constructors, which
 * type-check and infer the result type at construction (evaluation never
 * re-checks). Nodes live in an arena the caller provides (the plan arena)
 * and are freed with it. Value types the kernels compute on:
 *   NA (the type of a NULL literal), BOOL, INT64, FLOAT64, DECIMAL128(p,s),
 *   UTF8, DATE32 (days), TIMESTAMP (microseconds, no time zone).
 * Column references accept any integer width (read as INT64), FLOAT32
 * (read as FLOAT64), BOOL, UTF8, DATE32, TIMESTAMP[us] and DECIMAL128.
 * CAST can also produce INT8/INT16/INT32 and FLOAT32 (range-checked) so
 * values can be written to narrower storage columns.
 *
 * Evaluation (exec_expr_eval) takes a whole batch and returns one array of
 * batch->length values. Hot loops run over plain arrays and validity
 * bitmaps; literals are broadcast without materializing; CASE, COALESCE
 * and the short-circuit parts only evaluate a branch on the rows that reach
 * it (so CASE WHEN x = 0 THEN 0 ELSE 1 / x END never divides by zero).
 *
 * SQL errors: the message of a SQL-level error starts with its SQLSTATE and
 * a colon ("22003: integer overflow in +"); exec_sqlstate() extracts it.
 *   22003 numeric value out of range (integer overflow, cast out of range)
 *   22012 division by zero
 *   22P02 invalid text representation (bad CAST of a string)
 *   22007 invalid date/time format
 *   22025 invalid escape sequence (LIKE ... ESCAPE)
 *   42883 operator/function does not exist for these types
 *   42804 datatype mismatch
 *   23505 unique violation (storage: duplicate primary key)
 *   0A000 feature not supported yet
 *
 * Operators
 * ---------
 * Every exec_op produces batches of its output schema until it returns
 * *out = NULL. Batches borrow the operator's schema: free every batch
 * before exec_op_free. Constructors take ownership of their child
 * operators (a constructor that fails frees the children it was given, so
 * a planner can simply return); expressions are borrowed, so the arena
 * they live in must outlive the operator tree. Execution is
 * single-threaded per operator tree.
 */
#ifndef APHX_EXEC_H
#define APHX_EXEC_H

#include "arrow/arrow.h"
#include "storage/storage.h"

/* ------------------------------------------------------------------ */
/* Context shared by one query's expressions and operators             */
/* ------------------------------------------------------------------ */
typedef struct exec_ctx {
    bool    sqlite_compat;  /* x/0 and x%0 give NULL instead of error 22012;
                               float->int casts truncate instead of rounding */
    int64_t batch_rows;     /* target rows per produced batch (0 = 65536) */
    int64_t now_us;         /* statement time for NOW()/CURRENT_DATE (0 = clock) */
} exec_ctx;

void exec_ctx_init(exec_ctx *ctx);

/* The SQLSTATE at the start of err->msg ("22003"), or "XX000" when the
 * error carries none (out of memory, internal). Never NULL. */
const char *exec_sqlstate(const aphx_error *err, char out[6]);

/* ------------------------------------------------------------------ */
/* Types and scalars                                                   */
/* ------------------------------------------------------------------ */
typedef struct exec_type {
    arrow_type_id id;
    int32_t       precision;  /* DECIMAL128 */
    int32_t       scale;      /* DECIMAL128 */
} exec_type;

static inline exec_type exec_type_of(arrow_type_id id)
{
    exec_type t = {id, 0, 0};
    return t;
}
exec_type exec_type_decimal(int32_t precision, int32_t scale);
/* The exec type of a stored column (NA with APHX_UNSUPPORTED if the
 * column's type cannot be read by expressions). */
aphx_rc exec_type_from_field(const arrow_field *f, exec_type *out, aphx_error *err);
/* Fill an arrow_field (caller frees) describing values of type t. */
aphx_rc exec_type_to_field(exec_type t, const char *name, bool nullable, arrow_field *out);
void    exec_type_format(exec_type t, aphx_buf *out);

typedef struct exec_scalar {
    exec_type type;
    bool      is_null;
    union {
        bool        b;
        int64_t     i;      /* INT*, DATE32 (days), TIMESTAMP (us) */
        double      f;
        __int128    dec;    /* DECIMAL128 unscaled value */
        struct { const char *ptr; int64_t len; } s;  /* UTF8; not owned */
    } v;
} exec_scalar;

exec_scalar exec_scalar_null(void);
exec_scalar exec_scalar_bool(bool v);
exec_scalar exec_scalar_int(int64_t v);
exec_scalar exec_scalar_float(double v);
exec_scalar exec_scalar_str(const char *p, int64_t len);   /* len < 0: strlen */
exec_scalar exec_scalar_date(int32_t days);
exec_scalar exec_scalar_decimal(__int128 unscaled, int32_t precision, int32_t scale);

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
typedef enum exec_expr_kind {
    EXEC_EXPR_COLUMN, EXEC_EXPR_LITERAL, EXEC_EXPR_ARITH, EXEC_EXPR_NEGATE,
    EXEC_EXPR_COMPARE, EXEC_EXPR_AND, EXEC_EXPR_OR, EXEC_EXPR_NOT,
    EXEC_EXPR_IS_NULL, EXEC_EXPR_IS_DISTINCT, EXEC_EXPR_BETWEEN, EXEC_EXPR_IN,
    EXEC_EXPR_LIKE, EXEC_EXPR_CASE, EXEC_EXPR_CAST, EXEC_EXPR_COALESCE,
    EXEC_EXPR_NULLIF, EXEC_EXPR_CONCAT, EXEC_EXPR_FUNC
} exec_expr_kind;

typedef enum exec_arith_op { EXEC_ADD, EXEC_SUB, EXEC_MUL, EXEC_DIV, EXEC_MOD } exec_arith_op;
typedef enum exec_cmp_op { EXEC_EQ, EXEC_NE, EXEC_LT, EXEC_LE, EXEC_GT, EXEC_GE } exec_cmp_op;

typedef struct exec_function exec_function;   /* registry entry */
typedef struct exec_like_pattern exec_like_pattern;

typedef struct exec_expr {
    exec_expr_kind     kind;
    exec_type          type;       /* result type */
    int32_t            column;     /* COLUMN: index into the input batch */
    exec_scalar        literal;    /* LITERAL (strings copied into the arena) */
    int                op;         /* exec_arith_op / exec_cmp_op */
    bool               negated;    /* NOT BETWEEN / NOT IN / NOT LIKE / IS NOT ... */
    bool               has_else;   /* CASE: last arg is the ELSE result */
    int32_t            n_args;
    struct exec_expr **args;       /* CASE: cond0, then0, cond1, then1, ..., [else] */
    const exec_function *fn;       /* FUNC */
    exec_like_pattern *pattern;    /* LIKE with a literal pattern: precompiled */
    int32_t            escape;     /* LIKE ESCAPE character (code point), -1 = none */
} exec_expr;

/* Constructors: allocate from `arena`; NULL on error with *err set
 * (APHX_INVALID + SQLSTATE 42883/42804 for type errors, APHX_NOMEM). Child
 * expressions may be NULL only if an earlier constructor failed, in which
 * case the error is passed through (so calls can be nested). */
exec_expr *exec_expr_column(aphx_arena *arena, const arrow_schema *input, int32_t index,
                            aphx_error *err);
exec_expr *exec_expr_literal(aphx_arena *arena, exec_scalar value, aphx_error *err);
exec_expr *exec_expr_arith(aphx_arena *arena, exec_arith_op op, exec_expr *a, exec_expr *b,
                           aphx_error *err);
exec_expr *exec_expr_negate(aphx_arena *arena, exec_expr *a, aphx_error *err);
exec_expr *exec_expr_compare(aphx_arena *arena, exec_cmp_op op, exec_expr *a, exec_expr *b,
                             aphx_error *err);
exec_expr *exec_expr_and(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err);
exec_expr *exec_expr_or(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err);
exec_expr *exec_expr_not(aphx_arena *arena, exec_expr *a, aphx_error *err);
exec_expr *exec_expr_is_null(aphx_arena *arena, exec_expr *a, bool negated, aphx_error *err);
/* a IS [NOT] DISTINCT FROM b (negated = IS NOT DISTINCT FROM). */
exec_expr *exec_expr_is_distinct(aphx_arena *arena, exec_expr *a, exec_expr *b, bool negated,
                                 aphx_error *err);
exec_expr *exec_expr_between(aphx_arena *arena, exec_expr *x, exec_expr *lo, exec_expr *hi,
                             bool negated, aphx_error *err);
exec_expr *exec_expr_in(aphx_arena *arena, exec_expr *x, exec_expr **list, int32_t n,
                        bool negated, aphx_error *err);
/* escape: NULL for none, else a one-character expression (literal). */
exec_expr *exec_expr_like(aphx_arena *arena, exec_expr *x, exec_expr *pattern,
                          exec_expr *escape, bool negated, aphx_error *err);
/* Searched CASE: conds[i]/results[i], else_result may be NULL (= NULL).
 * Simple CASE: pass operand non-NULL and conds[] are the WHEN values. */
exec_expr *exec_expr_case(aphx_arena *arena, exec_expr *operand, exec_expr **conds,
                          exec_expr **results, int32_t n, exec_expr *else_result,
                          aphx_error *err);
exec_expr *exec_expr_cast(aphx_arena *arena, exec_expr *a, exec_type to, aphx_error *err);
exec_expr *exec_expr_coalesce(aphx_arena *arena, exec_expr **args, int32_t n, aphx_error *err);
exec_expr *exec_expr_nullif(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err);
exec_expr *exec_expr_concat(aphx_arena *arena, exec_expr *a, exec_expr *b, aphx_error *err);
/* A scalar function by name (case-insensitive) from the registry:
 * ABS ROUND FLOOR CEIL CEILING LENGTH CHAR_LENGTH UPPER LOWER SUBSTR
 * SUBSTRING TRIM LTRIM RTRIM REPLACE INSTR SQRT POWER POW MOD SIGN NOW
 * CURRENT_TIMESTAMP CURRENT_DATE TO_CHAR EXP LN. Unknown name or argument
 * types: APHX_NOTFOUND / APHX_INVALID with SQLSTATE 42883. */
exec_expr *exec_expr_func(aphx_arena *arena, const char *name, exec_expr **args, int32_t n,
                          aphx_error *err);
/* Is `name` a registered scalar function? */
bool exec_function_exists(const char *name);

/* Evaluate over a whole batch. *out is a new array of in->length values of
 * e->type (caller unrefs). `scratch` receives per-batch temporaries; the
 * caller resets it after the batch. */
aphx_rc exec_expr_eval(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                       aphx_arena *scratch, arrow_array **out, aphx_error *err);
/* Render an expression for EXPLAIN ("(#0 + 1)"). */
void exec_expr_format(const exec_expr *e, aphx_buf *out);

/* ------------------------------------------------------------------ */
/* Operators                                                           */
/* ------------------------------------------------------------------ */
typedef struct exec_op exec_op;

/* *out = the next batch (caller frees with arrow_batch_free, before the
 * operator is freed) or NULL at the end. After an error the operator
 * refuses further calls with the same error. */
aphx_rc exec_op_next(exec_op *op, arrow_batch **out, aphx_error *err);
const arrow_schema *exec_op_schema(const exec_op *op);
void exec_op_free(exec_op *op);                  /* frees the subtree; NULL-safe */
/* EXPLAIN: one operator per line, children indented by two spaces. */
void exec_op_explain(const exec_op *op, aphx_buf *out);

/* Batches held in memory (tests, VALUES results, exchange). The schema is
 * copied; the batches are borrowed and must outlive the operator; each
 * produced batch is a zero-copy slice. */
exec_op *exec_batches_new(exec_ctx *ctx, const arrow_schema *schema, arrow_batch **batches,
                          int64_t n, aphx_error *err);
/* VALUES: n_rows rows of n_cols expressions each (row-major; the array is
 * borrowed and must outlive the operator), evaluated without input columns. Column i gets the name names[i] and the type of
 * the first non-NULL value (other rows must have that type or NA). */
exec_op *exec_values_new(exec_ctx *ctx, const char *const *names, int32_t n_cols,
                         exec_expr **cells, int64_t n_rows, aphx_error *err);
/* Scan a stored table: `filter` (may be NULL) is a BOOL expression over the
 * table's full schema, evaluated before the projection `columns` (indices
 * into the table schema; NULL = all). */
exec_op *exec_scan_new(exec_ctx *ctx, storage_table *table, const int32_t *columns,
                       int32_t n_columns, exec_expr *filter, aphx_error *err);
exec_op *exec_filter_new(exec_ctx *ctx, exec_op *child, exec_expr *predicate, aphx_error *err);
exec_op *exec_project_new(exec_ctx *ctx, exec_op *child, exec_expr **exprs,
                          const char *const *names, int32_t n, aphx_error *err);
/* offset rows are skipped, then at most limit rows pass (limit < 0: no limit). */
exec_op *exec_limit_new(exec_ctx *ctx, exec_op *child, int64_t limit, int64_t offset,
                        aphx_error *err);

typedef enum exec_agg_kind {
    EXEC_AGG_COUNT_STAR, EXEC_AGG_COUNT, EXEC_AGG_SUM, EXEC_AGG_AVG, EXEC_AGG_MIN, EXEC_AGG_MAX
} exec_agg_kind;

typedef struct exec_agg_spec {
    exec_agg_kind kind;
    exec_expr    *arg;       /* NULL for COUNT(*) */
    bool          distinct;  /* COUNT(DISTINCT x), SUM(DISTINCT x), ... */
    const char   *name;      /* output column name */
} exec_agg_spec;

/* Hash aggregate. Output: the group keys (named group_names[i]) then the
 * aggregates. With n_groups == 0 the result is exactly one row even for
 * empty input (COUNT = 0, others NULL). NULL keys form one group. Result
 * types: COUNT* int64; SUM int64 for integers (overflow: 22003), float64
 * for floats, decimal(38,s) for decimals; AVG float64; MIN/MAX the
 * argument's type. */
exec_op *exec_agg_new(exec_ctx *ctx, exec_op *child, exec_expr **groups,
                      const char *const *group_names, int32_t n_groups,
                      const exec_agg_spec *aggs, int32_t n_aggs, aphx_error *err);

typedef enum exec_join_type {
    EXEC_JOIN_INNER, EXEC_JOIN_LEFT, EXEC_JOIN_RIGHT, EXEC_JOIN_FULL,
    EXEC_JOIN_SEMI,            /* left rows with a match (IN / EXISTS) */
    EXEC_JOIN_ANTI,            /* left rows without a match (NOT EXISTS) */
    EXEC_JOIN_ANTI_NULL_AWARE, /* NOT IN: a NULL on either side removes the row */
    EXEC_JOIN_CROSS            /* nested loop only, no predicate */
} exec_join_type;

/* Hash equi-join: left_keys[i] = right_keys[i] (expressions over the left
 * and right input respectively, of comparable types; NULL keys never
 * match). `residual` (may be NULL) is a BOOL expression over the joined
 * row (left columns then right columns) that must also be TRUE for a
 * match. The right input is the build side. Output: left then right
 * columns; SEMI/ANTI output the left columns only. */
exec_op *exec_hash_join_new(exec_ctx *ctx, exec_op *left, exec_op *right, exec_join_type type,
                            exec_expr **left_keys, exec_expr **right_keys, int32_t n_keys,
                            exec_expr *residual, aphx_error *err);
/* The schema a join predicate/residual is bound against: the left fields
 * then the right fields, all nullable. *out is filled (caller frees). */
aphx_rc exec_join_input_schema(const arrow_schema *left, const arrow_schema *right,
                               arrow_schema *out);
/* Nested-loop join with an arbitrary predicate over the joined row (NULL =
 * always true; CROSS requires NULL). Any join type. */
exec_op *exec_nl_join_new(exec_ctx *ctx, exec_op *left, exec_op *right, exec_join_type type,
                          exec_expr *predicate, aphx_error *err);

typedef struct exec_sort_key {
    exec_expr *expr;
    bool       descending;
    bool       nulls_first;
} exec_sort_key;

/* Stable multi-key sort. limit >= 0 makes it a top-N (offset + limit rows
 * kept, then offset skipped); limit < 0 sorts everything. */
exec_op *exec_sort_new(exec_ctx *ctx, exec_op *child, const exec_sort_key *keys, int32_t n_keys,
                       int64_t limit, int64_t offset, aphx_error *err);
/* Distinct rows (NULLs equal), in order of first appearance. */
exec_op *exec_distinct_new(exec_ctx *ctx, exec_op *child, aphx_error *err);

typedef enum exec_setop_kind {
    EXEC_UNION_ALL, EXEC_UNION, EXEC_INTERSECT, EXEC_EXCEPT
} exec_setop_kind;
/* Both inputs must have the same column types (names from the left). */
exec_op *exec_setop_new(exec_ctx *ctx, exec_setop_kind kind, exec_op *left, exec_op *right,
                        aphx_error *err);

/* ------------------------------------------------------------------ */
/* Array helpers other modules may use                                 */
/* ------------------------------------------------------------------ */
/* Gather: out[i] = a[indices[i]], or NULL when indices[i] < 0. Supports
 * null, bool, fixed-width and utf8/binary (32 and 64-bit offsets) arrays;
 * other layouts: APHX_UNSUPPORTED. */
aphx_rc exec_take(const arrow_field *f, const arrow_array *a, const int64_t *indices,
                  int64_t n, arrow_array **out, aphx_error *err);
/* Concatenate arrays of field f into one. */
aphx_rc exec_concat(const arrow_field *f, arrow_array *const *arrays, int64_t n,
                    arrow_array **out, aphx_error *err);
/* Read a whole operator into one batch (concatenated; schema borrowed from
 * the operator). *out is never NULL on success (0 rows when empty). */
aphx_rc exec_op_collect(exec_op *op, arrow_batch **out, aphx_error *err);

#endif /* APHX_EXEC_H */
