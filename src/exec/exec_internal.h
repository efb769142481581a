/*
 * exec_internal.h — what the files of src/exec share and nobody else sees:
 * the normalized column view kernels loop over (exec_vec), array
 * construction helpers, SQLSTATE errors, the row-key encoder and hash table
 * used by aggregation, joins, DISTINCT and set operations, and the operator
 * vtable.
 */
#ifndef APHX_EXEC_INTERNAL_H
#define APHX_EXEC_INTERNAL_H

#include "exec/exec.h"

#include <string.h>

/* ---- errors ---- */
aphx_rc exec_sql_fail(aphx_error *err, aphx_rc code, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- types ---- */
/* The type kernels compute in: every integer width -> INT64, FLOAT32 -> FLOAT64. */
exec_type exec_canon(exec_type t);
bool exec_is_int(arrow_type_id id);     /* any integer width */
bool exec_is_numeric(arrow_type_id id); /* int, float, decimal */
int64_t exec_batch_rows(const exec_ctx *ctx);

/* ---- arrays ---- */
/* A new array of type t over the given buffers (references are taken over
 * by the array). n_buffers follows the type. NULL on OOM (buffers released). */
arrow_array *exec_array_make(exec_type t, int64_t n, arrow_buffer *validity,
                             arrow_buffer *values, arrow_buffer *data);
/* An array of n NULLs of type t. */
arrow_array *exec_array_nulls(exec_type t, int64_t n);
/* A buffer of `size` bytes, 64-byte aligned, NOT zeroed (all bytes must be
 * written by the caller). NULL on OOM. */
arrow_buffer *exec_buffer_uninit(int64_t size);
/* A fixed-width array with uninitialized values buffer of n*width bytes
 * (or n bits for BOOL) and no validity. */
arrow_array *exec_array_fixed(exec_type t, int64_t n, bool with_validity);
static inline uint8_t *exec_values(arrow_array *a) { return a->buffers[1]->data; }

/* Growable utf8 output: offsets + data. */
typedef struct exec_strbuild {
    arrow_buffer *offsets;
    arrow_buffer *data;
    arrow_buffer *validity;   /* allocated on the first null */
    int64_t       n;          /* values appended */
    int64_t       cap;        /* capacity in values */
    int64_t       bytes;      /* data bytes used */
    bool          oom;
} exec_strbuild;
bool exec_strbuild_init(exec_strbuild *sb, int64_t n_hint, int64_t bytes_hint);
void exec_strbuild_append(exec_strbuild *sb, const void *p, int64_t len);
void exec_strbuild_null(exec_strbuild *sb);
/* Reserve len bytes for the next value and return where to write them;
 * then exec_strbuild_commit(sb, written). */
uint8_t *exec_strbuild_reserve(exec_strbuild *sb, int64_t len);
void exec_strbuild_commit(exec_strbuild *sb, int64_t len);
arrow_array *exec_strbuild_finish(exec_strbuild *sb);   /* NULL on OOM */
void exec_strbuild_free(exec_strbuild *sb);

/* ---- normalized views ---- */
/* A column as kernels see it: values of the canonical physical type,
 * validity byte-aligned (bit 0 = row 0), or one broadcast value. */
typedef struct exec_vec {
    exec_type      type;      /* canonical */
    int64_t        len;
    bool           scalar;    /* values[0] holds the one value for every row */
    bool           all_null;  /* scalar NULL or NA type */
    const uint8_t *valid;     /* NULL = no nulls */
    const void    *values;    /* int64/double/int32(date)/__int128/bits(bool)/int32 offsets(utf8) */
    const uint8_t *data;      /* utf8 bytes */
} exec_vec;

/* The result of evaluating a node. */
typedef struct exec_val {
    arrow_array *arr;      /* owned reference */
    bool         scalar;   /* arr has one row meaning "every row" */
} exec_val;

aphx_rc exec_vec_init(exec_vec *v, exec_type t, arrow_array *a, bool scalar, int64_t len,
                      aphx_arena *scratch, aphx_error *err);
static inline bool exec_vec_valid(const exec_vec *v, int64_t i)
{
    if (v->all_null) return false;
    if (!v->valid) return true;
    int64_t j = v->scalar ? 0 : i;
    return (v->valid[j >> 3] >> (j & 7)) & 1;
}
static inline int64_t exec_vec_idx(const exec_vec *v, int64_t i) { return v->scalar ? 0 : i; }
static inline void exec_vec_str(const exec_vec *v, int64_t i, const uint8_t **p, int64_t *len)
{
    const int32_t *o = (const int32_t *)v->values;
    int64_t j = v->scalar ? 0 : i;
    *p = v->data + o[j];
    *len = o[j + 1] - o[j];
}

/* Bitmap helpers over byte-aligned bitmaps. */
/* out = AND of the two validities (NULL = all valid); returns NULL when the
 * result has no nulls; *oom set on allocation failure. */
arrow_buffer *exec_valid_and(const exec_vec *a, const exec_vec *b, int64_t n, bool *oom);
arrow_buffer *exec_valid_copy(const exec_vec *a, int64_t n, bool *oom);
/* A copy of bits starting at bit `offset` into a new byte-aligned buffer of n bits. */
arrow_buffer *exec_bits_copy(const uint8_t *bits, int64_t offset, int64_t n);

/* ---- evaluation internals ---- */
aphx_rc exec_eval_node(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                       aphx_arena *scratch, exec_val *out, aphx_error *err);
/* Evaluate and view in one step (canonical type). */
aphx_rc exec_eval_vec(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                      aphx_arena *scratch, exec_val *hold, exec_vec *v, aphx_error *err);
/* exec_expr_eval, then widened to the canonical type (keys, sort). */
aphx_rc exec_eval_canon(const exec_expr *e, exec_ctx *ctx, const arrow_batch *in,
                        aphx_arena *scratch, arrow_array **out, aphx_error *err);
/* A whole-length array for a value (broadcasts scalars). */
aphx_rc exec_val_materialize(exec_val *v, exec_type t, int64_t n, aphx_error *err);
/* Gather rows of a batch (columns by take). Caller frees. */
aphx_rc exec_batch_take(const arrow_batch *b, const int64_t *idx, int64_t n,
                        arrow_batch **out, aphx_error *err);

/* Kernels (kernels.c): a and b are canonical views of length n. */
aphx_rc exec_kernel_arith(exec_ctx *ctx, exec_arith_op op, exec_type rt, const exec_vec *a,
                          const exec_vec *b, int64_t n, arrow_array **out, aphx_error *err);
aphx_rc exec_kernel_negate(const exec_vec *a, int64_t n, arrow_array **out, aphx_error *err);
/* Comparison: result BOOL array; nulls where either side is null. */
aphx_rc exec_kernel_compare(exec_cmp_op op, const exec_vec *a, const exec_vec *b, int64_t n,
                            arrow_array **out, aphx_error *err);
aphx_rc exec_kernel_cast(exec_ctx *ctx, const exec_vec *a, exec_type to, int64_t n,
                         arrow_array **out, aphx_error *err);
aphx_rc exec_kernel_concat(const exec_vec *a, const exec_vec *b, int64_t n, arrow_array **out,
                           aphx_error *err);
exec_like_pattern *exec_like_compile(aphx_arena *arena, const uint8_t *p, int64_t len,
                                     int32_t escape, aphx_error *err);
bool exec_like_match(const exec_like_pattern *pat, const uint8_t *s, int64_t len);
/* A copy of p that always uses the generic matcher (tests, fuzzing). */
exec_like_pattern *exec_like_generic_copy(aphx_arena *arena, const exec_like_pattern *p);
/* Format one value of a canonical vec as text (CAST to varchar, TO_CHAR). */
void exec_format_value(const exec_vec *v, int64_t i, aphx_buf *out);
/* Parse text into a scalar of type t: APHX_INVALID with 22P02/22007/22003. */
aphx_rc exec_parse_value(const uint8_t *p, int64_t len, exec_type t, exec_scalar *out,
                         aphx_error *err);

/* Functions (func.c). */
typedef aphx_rc (*exec_fn_eval)(exec_ctx *ctx, const exec_expr *call, const exec_vec *args,
                                int64_t n, arrow_array **out, aphx_error *err);
/* Type-check a call: set call->type, cast call->args[i] as needed. */
typedef aphx_rc (*exec_fn_check)(aphx_arena *arena, exec_expr *call, aphx_error *err);
struct exec_function {
    const char   *name;
    int32_t       min_args, max_args;
    exec_fn_check check;
    exec_fn_eval  eval;
};
const exec_function *exec_function_find(const char *name);

/* ---- row keys and hashing (keys.c) ---- */
/* Encode the given columns of every row into bytes such that two rows
 * encode equal iff their values are equal with NULL = NULL (-0.0 = 0.0,
 * NaNs equal). any_null[i] (optional) says whether row i had a NULL. */
typedef struct exec_keys {
    int64_t   n;
    uint8_t  *bytes;      /* arena */
    int64_t  *offsets;    /* n+1, arena */
    uint64_t *hashes;     /* n, arena */
    uint8_t  *any_null;   /* n bytes, arena */
} exec_keys;
aphx_rc exec_keys_encode(const arrow_schema *schema, arrow_array *const *cols, int32_t n_cols,
                         int64_t n, aphx_arena *scratch, exec_keys *out, aphx_error *err);
uint64_t exec_hash_bytes(const uint8_t *p, int64_t len);

/* A hash table from encoded keys to dense ids 0..count-1. Keys are copied. */
/* 16 bytes, so a probe touches one slot and then the key bytes. Limits: up
 * to 2^32-1 keys of 4 GiB in total (beyond: the map reports OOM). */
typedef struct exec_keyslot {
    uint32_t tag;         /* high 32 bits of the hash */
    uint32_t id1;         /* id + 1; 0 = empty */
    uint32_t off, len;    /* the key's bytes in key_bytes */
} exec_keyslot;
typedef struct exec_keymap {
    exec_keyslot *slots;  /* one cache line holds what a probe needs */
    int64_t   n_slots;    /* power of two */
    int64_t   count;
    uint8_t  *key_bytes;  /* all keys, concatenated */
    int64_t   key_bytes_len, key_bytes_cap;
    int64_t  *key_off;    /* count+1 */
    int64_t   key_cap;
} exec_keymap;
bool    exec_keymap_init(exec_keymap *m);
void    exec_keymap_free(exec_keymap *m);
/* id of the key, inserting it if new (*inserted); -1 on OOM. */
int64_t exec_keymap_upsert(exec_keymap *m, const uint8_t *k, int64_t len, uint64_t h,
                           bool *inserted);
int64_t exec_keymap_find(const exec_keymap *m, const uint8_t *k, int64_t len, uint64_t h);

/* An open-addressing map from int64 keys to non-negative int64 values,
 * for single-column integer keys (no encoding needed). */
typedef struct exec_i64map {
    int64_t *keys;
    int64_t *vals;      /* -1 = empty slot */
    int64_t  n_slots;   /* power of two */
    int      shift;     /* 64 - log2(n_slots) */
    int64_t  count;
} exec_i64map;
static inline uint64_t exec_i64_hash(int64_t k)
{
    return (uint64_t)k * 0x9e3779b97f4a7c15ULL;
}
bool exec_i64map_init(exec_i64map *m);
void exec_i64map_free(exec_i64map *m);
bool exec_i64map_grow(exec_i64map *m);
/* Value for k, inserting `val_if_new` when absent (*inserted). -2 on OOM. */
static inline int64_t exec_i64map_upsert(exec_i64map *m, int64_t k, int64_t val_if_new, bool *inserted)
{
    int64_t mask = m->n_slots - 1;
    int64_t s = (int64_t)(exec_i64_hash(k) >> m->shift);
    for (;;) {
        int64_t v = m->vals[s];
        if (v < 0) break;
        if (m->keys[s] == k) {
            *inserted = false;
            return v;
        }
        s = (s + 1) & mask;
    }
    if ((m->count + 1) * 2 > m->n_slots) {
        if (!exec_i64map_grow(m)) return -2;
        mask = m->n_slots - 1;
        s = (int64_t)(exec_i64_hash(k) >> m->shift);
        while (m->vals[s] >= 0) s = (s + 1) & mask;
    }
    m->keys[s] = k;
    m->vals[s] = val_if_new;
    m->count++;
    *inserted = true;
    return val_if_new;
}

/* ---- operators ---- */
typedef struct exec_op_vtable {
    const char *name;
    aphx_rc (*next)(exec_op *op, arrow_batch **out, aphx_error *err);
    void (*describe)(const exec_op *op, aphx_buf *out);   /* after the name */
    void (*destroy)(exec_op *op);                         /* op-specific state */
} exec_op_vtable;

struct exec_op {
    const exec_op_vtable *vt;
    exec_ctx             *ctx;
    arrow_schema          schema;    /* owned output schema */
    exec_op              *children[2];
    int32_t               n_children;
    aphx_arena            scratch;   /* reset per produced batch */
    aphx_rc               failed;    /* sticky error */
    aphx_error            failed_err;
};
/* Allocate an operator of `size` bytes (>= sizeof(exec_op)). */
exec_op *exec_op_alloc(size_t size, const exec_op_vtable *vt, exec_ctx *ctx);
/* Set output field i from an exec type. */
aphx_rc exec_schema_set(arrow_schema *s, int32_t i, const char *name, exec_type t,
                        bool nullable);
/* Append a copy of src's fields (nullable when force_nullable) to dst at index at. */
aphx_rc exec_schema_copy_fields(arrow_schema *dst, int32_t at, const arrow_schema *src,
                                bool force_nullable);

#endif /* APHX_EXEC_INTERNAL_H */
