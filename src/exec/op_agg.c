/*
 * op_agg.c — hashing operators that consume their input before (or while)
 * producing: hash aggregate (GROUP BY), DISTINCT and the set operations
 * UNION [ALL], INTERSECT and EXCEPT.
 *
 * Hash aggregate: for each input batch the group expressions are
 * evaluated, the key columns encoded (keys.c) and each row mapped to a
 * dense group id; then every aggregate runs one plain loop
 * `state[gid[i]] op= value[i]` over the batch. COUNT/SUM/AVG/MIN/MAX(DISTINCT
 * x) first drop rows whose (group, value) pair was seen before. At the end
 * the group keys are decoded from the stored key bytes and the states
 * turned into result columns.
 */
#include "exec/exec_internal.h"

#include <math.h>

static aphx_rc agg_oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory in aggregation");
}

/* Per-aggregate running state, indexed by group id. */
typedef struct agg_state {
    exec_agg_spec spec;
    exec_type     in_type;     /* canonical argument type */
    exec_type     out_type;
    int64_t      *count;       /* COUNT, AVG, and "has a value" for SUM/MIN/MAX */
    int64_t      *i64;         /* SUM int, MIN/MAX int/timestamp/date/bool */
    double       *f64;         /* SUM/AVG float, MIN/MAX float */
    __int128     *i128;        /* SUM decimal, AVG int (exact) and decimal */
    const uint8_t **str;       /* MIN/MAX text: arena copies */
    int64_t      *str_len;
    exec_keymap   seen;        /* DISTINCT: (group, value) pairs */
    bool          seen_init;
} agg_state;

typedef struct agg_op {
    exec_op       base;
    exec_expr   **groups;
    int32_t       n_groups;
    arrow_schema  key_schema;  /* types of the group keys */
    agg_state    *aggs;
    int32_t       n_aggs;
    exec_keymap   map;
    int64_t       cap;         /* capacity of the state arrays */
    /* Single-key fast paths: no row encoding. */
    enum { KEYS_GENERIC, KEYS_I64, KEYS_STR } key_mode;
    exec_i64map   i64map;
    int64_t       n_total;     /* groups so far (fast paths) */
    int64_t      *gid_key;     /* I64: key of each group; STR: keymap id (-1: the NULL group) */
    int64_t      *kid_gid;     /* STR: group of each keymap id */
    int64_t       aux_cap;
    int64_t       null_gid;
    aphx_arena    strings;     /* MIN/MAX text values */
    bool          consumed;
    arrow_batch  *result;
    int64_t       result_pos;
} agg_op;

static bool grow_state(agg_op *a, int64_t need)
{
    if (need <= a->cap) return true;
    int64_t nc = a->cap ? a->cap : 1024;
    while (nc < need) nc *= 2;
    for (int32_t k = 0; k < a->n_aggs; k++) {
        agg_state *s = &a->aggs[k];
#define GROW(field, T)                                                           \
        do {                                                                     \
            T *p = aphx_realloc(s->field, (size_t)nc * sizeof(T));               \
            if (!p) return false;                                                \
            memset(p + a->cap, 0, (size_t)(nc - a->cap) * sizeof(T));            \
            s->field = p;                                                        \
        } while (0)
        GROW(count, int64_t);
        GROW(i64, int64_t);
        GROW(f64, double);
        GROW(i128, __int128);
        GROW(str, const uint8_t *);
        GROW(str_len, int64_t);
#undef GROW
    }
    a->cap = nc;
    return true;
}

/* Rows whose (gid, value) pair is new: mask[i] = 1. */
static aphx_rc distinct_mask(agg_state *s, const arrow_field *f, arrow_array *col,
                             const int64_t *gid, int64_t n, aphx_arena *scratch, uint8_t *mask,
                             aphx_error *err)
{
    arrow_schema one = {1, (arrow_field *)f, {0}};
    exec_keys keys;
    aphx_rc rc = exec_keys_encode(&one, &col, 1, n, scratch, &keys, err);
    if (rc) return rc;
    uint8_t tmp[256];
    for (int64_t i = 0; i < n; i++) {
        int64_t off = keys.offsets[i], len = keys.offsets[i + 1] - off;
        if (keys.any_null[i]) {
            mask[i] = 0;
            continue;
        }
        uint8_t *buf = len + 8 <= (int64_t)sizeof tmp ? tmp : aphx_arena_alloc(scratch, (size_t)len + 8);
        if (!buf) return agg_oom(err);
        memcpy(buf, &gid[i], 8);
        memcpy(buf + 8, keys.bytes + off, (size_t)len);
        bool inserted;
        uint64_t h = exec_hash_bytes(buf, len + 8);
        if (exec_keymap_upsert(&s->seen, buf, len + 8, h, &inserted) < 0) return agg_oom(err);
        mask[i] = inserted;
    }
    return APHX_OK;
}

static aphx_rc agg_update(agg_op *a, agg_state *s, const exec_vec *v, const int64_t *gid,
                          int64_t n, const uint8_t *mask, aphx_error *err)
{
    exec_agg_kind kind = s->spec.kind;
    if (kind == EXEC_AGG_COUNT_STAR) {
        for (int64_t i = 0; i < n; i++) s->count[gid[i]]++;
        return APHX_OK;
    }
    if (v->all_null) return APHX_OK;
    const uint8_t *valid = v->valid;
    bool sc = v->scalar;
#define ROW_SKIP(i) ((mask && !mask[i]) || (valid && !arrow_bit_get(valid, sc ? 0 : (i))))
    if (kind == EXEC_AGG_COUNT) {
        if (!mask && !valid) for (int64_t i = 0; i < n; i++) s->count[gid[i]]++;
        else for (int64_t i = 0; i < n; i++) if (!ROW_SKIP(i)) s->count[gid[i]]++;
        return APHX_OK;
    }
    arrow_type_id t = v->type.id;
    switch (kind) {
    case EXEC_AGG_SUM: case EXEC_AGG_AVG:
        if (t == ARROW_INT64 && kind == EXEC_AGG_SUM) {
            const int64_t *x = v->values;
            int ovf = 0;
            if (!mask && !valid && !sc) {
                for (int64_t i = 0; i < n; i++) {
                    int64_t g = gid[i];
                    ovf |= __builtin_add_overflow(s->i64[g], x[i], &s->i64[g]);
                    s->count[g]++;
                }
            } else {
                for (int64_t i = 0; i < n; i++) {
                    if (ROW_SKIP(i)) continue;
                    int64_t g = gid[i];
                    ovf |= __builtin_add_overflow(s->i64[g], x[sc ? 0 : i], &s->i64[g]);
                    s->count[g]++;
                }
            }
            if (ovf) return exec_sql_fail(err, APHX_OVERFLOW, "22003", "bigint out of range in SUM");
        } else if (t == ARROW_INT64) {   /* AVG of ints: exact sum */
            const int64_t *x = v->values;
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                s->i128[gid[i]] += x[sc ? 0 : i];
                s->count[gid[i]]++;
            }
        } else if (t == ARROW_FLOAT64) {
            const double *x = v->values;
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                s->f64[gid[i]] += x[sc ? 0 : i];
                s->count[gid[i]]++;
            }
        } else if (t == ARROW_DECIMAL128) {
            const __int128 *x = v->values;
            __int128 limit = 1;
            for (int k = 0; k < 38; k++) limit *= 10;
            int ovf = 0;
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                __int128 *acc = &s->i128[gid[i]];
                ovf |= __builtin_add_overflow(*acc, x[sc ? 0 : i], acc);
                ovf |= *acc >= limit || *acc <= -limit;
                s->count[gid[i]]++;
            }
            if (ovf) return exec_sql_fail(err, APHX_OVERFLOW, "22003", "decimal out of range in %s",
                                          kind == EXEC_AGG_SUM ? "SUM" : "AVG");
        }
        return APHX_OK;
    case EXEC_AGG_MIN: case EXEC_AGG_MAX: {
        bool is_min = kind == EXEC_AGG_MIN;
        if (t == ARROW_INT64 || t == ARROW_TIMESTAMP || t == ARROW_DATE32 || t == ARROW_BOOL) {
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                int64_t j = sc ? 0 : i, x;
                if (t == ARROW_DATE32) x = ((const int32_t *)v->values)[j];
                else if (t == ARROW_BOOL) x = arrow_bit_get(v->values, j);
                else x = ((const int64_t *)v->values)[j];
                int64_t g = gid[i];
                if (!s->count[g] || (is_min ? x < s->i64[g] : x > s->i64[g])) s->i64[g] = x;
                s->count[g]++;
            }
        } else if (t == ARROW_FLOAT64) {
            const double *x = v->values;
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                int64_t g = gid[i];
                double y = x[sc ? 0 : i];
                if (!s->count[g] || (is_min ? y < s->f64[g] : y > s->f64[g])) s->f64[g] = y;
                s->count[g]++;
            }
        } else if (t == ARROW_DECIMAL128) {
            const __int128 *x = v->values;
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                int64_t g = gid[i];
                __int128 y = x[sc ? 0 : i];
                if (!s->count[g] || (is_min ? y < s->i128[g] : y > s->i128[g])) s->i128[g] = y;
                s->count[g]++;
            }
        } else if (t == ARROW_UTF8 || t == ARROW_BINARY) {
            for (int64_t i = 0; i < n; i++) {
                if (ROW_SKIP(i)) continue;
                int64_t g = gid[i];
                const uint8_t *p;
                int64_t len;
                exec_vec_str(v, i, &p, &len);
                bool take = !s->count[g];
                if (!take) {
                    int64_t m = APHX_MIN(len, s->str_len[g]);
                    int c = m ? memcmp(p, s->str[g], (size_t)m) : 0;
                    if (c == 0) c = len < s->str_len[g] ? -1 : len > s->str_len[g];
                    take = is_min ? c < 0 : c > 0;
                }
                if (take) {
                    uint8_t *copy = aphx_arena_alloc(&a->strings, (size_t)(len > 0 ? len : 1));
                    if (!copy) return agg_oom(err);
                    if (len) memcpy(copy, p, (size_t)len);
                    s->str[g] = copy;
                    s->str_len[g] = len;
                }
                s->count[g]++;
            }
        }
        return APHX_OK;
    }
    default:
        return APHX_OK;
    }
#undef ROW_SKIP
}

static int64_t group_count(const agg_op *a)
{
    return a->key_mode == KEYS_GENERIC ? a->map.count : a->n_total;
}

static bool grow_aux(agg_op *a, int64_t need)
{
    if (need <= a->aux_cap) return true;
    int64_t nc = a->aux_cap ? a->aux_cap * 2 : 1024;
    while (nc < need) nc *= 2;
    int64_t *gk = aphx_realloc(a->gid_key, (size_t)nc * sizeof(int64_t));
    if (!gk) return false;
    a->gid_key = gk;
    int64_t *kg = aphx_realloc(a->kid_gid, (size_t)nc * sizeof(int64_t));
    if (!kg) return false;
    a->kid_gid = kg;
    a->aux_cap = nc;
    return true;
}

/* Group ids for one batch through the single-key fast paths. */
static aphx_rc fast_gids(agg_op *a, arrow_array *kc, int64_t n, int64_t *gid, aphx_error *err)
{
    const uint8_t *valid = kc->n_buffers > 0 && kc->buffers[0] ? kc->buffers[0]->data : NULL;
    int64_t off = kc->offset;
    if (kc->n_buffers == 0) {   /* NA-typed key: everything in the NULL group */
        if (a->null_gid < 0) {
            if (!grow_aux(a, a->n_total + 1)) return agg_oom(err);
            a->gid_key[a->n_total] = -1;
            a->null_gid = a->n_total++;
        }
        for (int64_t i = 0; i < n; i++) gid[i] = a->null_gid;
        return APHX_OK;
    }
    if (!grow_aux(a, a->n_total + n + 1)) return agg_oom(err);
    if (a->key_mode == KEYS_I64) {
        const int64_t *v = (const int64_t *)kc->buffers[1]->data + off;
        for (int64_t i = 0; i < n; i++) {
            if (valid && !arrow_bit_get(valid, off + i)) {
                if (a->null_gid < 0) a->null_gid = a->n_total++;
                gid[i] = a->null_gid;
                continue;
            }
            bool ins;
            int64_t g = exec_i64map_upsert(&a->i64map, v[i], a->n_total, &ins);
            if (g < 0) return agg_oom(err);
            if (ins) a->gid_key[a->n_total++] = v[i];
            gid[i] = g;
        }
        return APHX_OK;
    }
    const int32_t *o = (const int32_t *)kc->buffers[1]->data + off;
    const uint8_t *d = kc->buffers[2] ? kc->buffers[2]->data : (const uint8_t *)"";
    /* Hash the whole batch first, then probe while prefetching the slot a
     * few rows ahead: the table is bigger than the caches. */
    uint64_t *hs = aphx_arena_alloc(&a->base.scratch, (size_t)(n > 0 ? n : 1) * sizeof(uint64_t));
    if (!hs) return agg_oom(err);
    for (int64_t i = 0; i < n; i++) hs[i] = exec_hash_bytes(d + o[i], o[i + 1] - o[i]);
    enum { AHEAD = 16 };
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(&a->map.slots[hs[i + AHEAD] & (uint64_t)(a->map.n_slots - 1)]);
        if (valid && !arrow_bit_get(valid, off + i)) {
            if (a->null_gid < 0) {
                a->gid_key[a->n_total] = -1;
                a->null_gid = a->n_total++;
            }
            gid[i] = a->null_gid;
            continue;
        }
        const uint8_t *p = d + o[i];
        int64_t len = o[i + 1] - o[i];
        bool ins;
        int64_t kid = exec_keymap_upsert(&a->map, p, len, hs[i], &ins);
        if (kid < 0) return agg_oom(err);
        if (ins) {
            if (!grow_aux(a, kid + 1)) return agg_oom(err);
            a->kid_gid[kid] = a->n_total;
            a->gid_key[a->n_total++] = kid;
        }
        gid[i] = a->kid_gid[kid];
    }
    return APHX_OK;
}

static aphx_rc agg_consume(agg_op *a, aphx_error *err)
{
    exec_op *op = &a->base;
    aphx_rc rc = APHX_OK;
    int64_t *gid = NULL;
    if (a->n_groups == 0) {
        bool ins;
        if (exec_keymap_upsert(&a->map, (const uint8_t *)"", 0, exec_hash_bytes((const uint8_t *)"", 0), &ins) < 0 ||
            !grow_state(a, 1))
            return agg_oom(err);
    }
    for (;;) {
        arrow_batch *b = NULL;
        arrow_array *keys_cols[64] = {0};
        aphx_arena_reset(&op->scratch);
        if ((rc = exec_op_next(op->children[0], &b, err)) || !b) break;
        int64_t n = b->length;
        gid = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
        if (!gid) {
            rc = agg_oom(err);
            arrow_batch_free(b);
            break;
        }
        if (a->n_groups == 0) {
            memset(gid, 0, (size_t)n * sizeof(int64_t));
        } else {
            for (int32_t g = 0; g < a->n_groups && !rc; g++)
                rc = exec_eval_canon(a->groups[g], op->ctx, b, &op->scratch, &keys_cols[g], err);
            exec_keys keys;
            if (!rc && a->key_mode != KEYS_GENERIC) rc = fast_gids(a, keys_cols[0], n, gid, err);
            else if (!rc) rc = exec_keys_encode(&a->key_schema, keys_cols, a->n_groups, n, &op->scratch, &keys, err);
            for (int64_t i = 0; i < n && !rc && a->key_mode == KEYS_GENERIC; i++) {
                if (i + 16 < n)
                    __builtin_prefetch(&a->map.slots[keys.hashes[i + 16] & (uint64_t)(a->map.n_slots - 1)]);
                bool ins;
                int64_t off = keys.offsets[i];
                gid[i] = exec_keymap_upsert(&a->map, keys.bytes + off, keys.offsets[i + 1] - off,
                                            keys.hashes[i], &ins);
                if (gid[i] < 0) rc = agg_oom(err);
            }
            if (!rc && !grow_state(a, group_count(a))) rc = agg_oom(err);
        }
        for (int32_t k = 0; k < a->n_aggs && !rc; k++) {
            agg_state *s = &a->aggs[k];
            exec_val hold = {0};
            exec_vec v;
            memset(&v, 0, sizeof v);
            uint8_t *mask = NULL;
            if (s->spec.arg) {
                rc = exec_eval_vec(s->spec.arg, op->ctx, b, &op->scratch, &hold, &v, err);
                if (!rc && s->spec.distinct) {
                    rc = exec_val_materialize(&hold, s->in_type, n, err);
                    arrow_field f;
                    if (!rc && exec_type_to_field(s->in_type, "", true, &f)) rc = agg_oom(err);
                    else if (!rc) {
                        mask = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1));
                        rc = mask ? distinct_mask(s, &f, hold.arr, gid, n, &op->scratch, mask, err)
                                  : agg_oom(err);
                        arrow_field_free(&f);
                        if (!rc) rc = exec_vec_init(&v, s->in_type, hold.arr, false, n, &op->scratch, err);
                    }
                }
            }
            if (!rc) rc = agg_update(a, s, &v, gid, n, mask, err);
            arrow_array_unref(hold.arr);
        }
        for (int32_t g = 0; g < a->n_groups; g++) arrow_array_unref(keys_cols[g]);
        arrow_batch_free(b);
        if (rc) break;
    }
    return rc;
}

/* Decode group keys from the key map's bytes into columns. */
static aphx_rc decode_fast_keys(agg_op *a, arrow_batch *r, aphx_error *err)
{
    int64_t n = a->n_total;
    exec_type t = exec_canon(a->groups[0]->type);
    if (a->key_mode == KEYS_I64) {
        arrow_array *col = exec_array_fixed(t, n, a->null_gid >= 0);
        if (!col) return agg_oom(err);
        int64_t *d = (int64_t *)exec_values(col);
        for (int64_t g = 0; g < n; g++) d[g] = g == a->null_gid ? 0 : a->gid_key[g];
        if (a->null_gid >= 0) {
            memset(col->buffers[0]->data, 0xff, (size_t)(n + 7) / 8);
            arrow_bit_set(col->buffers[0]->data, a->null_gid, false);
            col->null_count = 1;
        }
        r->columns[0] = col;
        return APHX_OK;
    }
    exec_strbuild sb;
    if (!exec_strbuild_init(&sb, n, a->map.key_bytes_len + 64)) return agg_oom(err);
    for (int64_t g = 0; g < n; g++) {
        int64_t kid = a->gid_key[g];
        if (g == a->null_gid || kid < 0) exec_strbuild_null(&sb);
        else exec_strbuild_append(&sb, a->map.key_bytes + a->map.key_off[kid],
                                  a->map.key_off[kid + 1] - a->map.key_off[kid]);
    }
    r->columns[0] = exec_strbuild_finish(&sb);
    return r->columns[0] ? APHX_OK : agg_oom(err);
}

static aphx_rc decode_keys(agg_op *a, arrow_batch *r, aphx_error *err)
{
    if (a->key_mode != KEYS_GENERIC) return decode_fast_keys(a, r, err);
    int64_t n = a->map.count;
    aphx_rc rc = APHX_OK;
    int64_t *cursor = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!cursor) return agg_oom(err);
    for (int64_t g = 0; g < n; g++) cursor[g] = a->map.key_off[g];
    for (int32_t c = 0; c < a->n_groups && !rc; c++) {
        const arrow_field *f = &a->key_schema.fields[c];
        arrow_builder *bld = arrow_builder_new(f);
        if (!bld) {
            rc = agg_oom(err);
            break;
        }
        int32_t w = arrow_type_bit_width(&f->type) / 8;
        for (int64_t g = 0; g < n && !rc; g++) {
            const uint8_t *p = a->map.key_bytes + cursor[g];
            if (p[0] == 0) {
                rc = arrow_builder_append_null(bld);
                cursor[g] += 1;
                continue;
            }
            switch (f->type.id) {
            case ARROW_BOOL: rc = arrow_builder_append_bool(bld, p[1]); cursor[g] += 2; break;
            case ARROW_UTF8: case ARROW_BINARY: {
                uint32_t l;
                memcpy(&l, p + 1, 4);
                rc = arrow_builder_append_bytes(bld, p + 5, l);
                cursor[g] += 5 + l;
                break;
            }
            case ARROW_FLOAT64: {
                double d;
                memcpy(&d, p + 1, 8);
                rc = arrow_builder_append_double(bld, d);
                cursor[g] += 9;
                break;
            }
            case ARROW_DATE32: {
                int32_t d;
                memcpy(&d, p + 1, 4);
                rc = arrow_builder_append_int(bld, d);
                cursor[g] += 5;
                break;
            }
            case ARROW_DECIMAL128:
                rc = arrow_builder_append_bytes(bld, p + 1, 16);
                cursor[g] += 17;
                break;
            case ARROW_NA:
                rc = arrow_builder_append_null(bld);
                cursor[g] += 1;
                break;
            default: {
                int64_t v;
                memcpy(&v, p + 1, 8);
                rc = arrow_builder_append_int(bld, v);
                cursor[g] += 1 + w;
                break;
            }
            }
        }
        if (!rc) {
            r->columns[c] = arrow_builder_finish(bld, err);
            if (!r->columns[c]) rc = agg_oom(err);
        }
        arrow_builder_free(bld);
    }
    aphx_free(cursor);
    return rc;
}

static aphx_rc agg_result_column(agg_state *s, int64_t n, arrow_array **out, aphx_error *err)
{
    exec_type t = s->out_type;
    exec_agg_kind kind = s->spec.kind;
    if (kind == EXEC_AGG_COUNT || kind == EXEC_AGG_COUNT_STAR) {
        arrow_array *r = exec_array_fixed(t, n, false);
        if (!r) return agg_oom(err);
        if (n) memcpy(exec_values(r), s->count, (size_t)n * 8);
        *out = r;
        return APHX_OK;
    }
    if (t.id == ARROW_NA) {
        *out = exec_array_nulls(t, n);
        return *out ? APHX_OK : agg_oom(err);
    }
    if (t.id == ARROW_UTF8) {
        exec_strbuild sb;
        if (!exec_strbuild_init(&sb, n, 64)) return agg_oom(err);
        for (int64_t g = 0; g < n; g++) {
            if (!s->count[g]) exec_strbuild_null(&sb);
            else exec_strbuild_append(&sb, s->str[g], s->str_len[g]);
        }
        *out = exec_strbuild_finish(&sb);
        return *out ? APHX_OK : agg_oom(err);
    }
    arrow_array *r = exec_array_fixed(t, n, true);
    if (!r) return agg_oom(err);
    uint8_t *valid = r->buffers[0]->data, *d = exec_values(r);
    memset(d, 0, (size_t)r->buffers[1]->size);
    arrow_type_id in = s->in_type.id;
    for (int64_t g = 0; g < n; g++) {
        if (!s->count[g]) continue;
        valid[g >> 3] |= (uint8_t)(1u << (g & 7));
        switch (kind) {
        case EXEC_AGG_SUM:
            if (t.id == ARROW_INT64) ((int64_t *)d)[g] = s->i64[g];
            else if (t.id == ARROW_FLOAT64) ((double *)d)[g] = s->f64[g];
            else ((__int128 *)d)[g] = s->i128[g];
            break;
        case EXEC_AGG_AVG:
            if (in == ARROW_FLOAT64) ((double *)d)[g] = s->f64[g] / (double)s->count[g];
            else if (in == ARROW_DECIMAL128)
                ((double *)d)[g] = (double)s->i128[g] / pow(10, s->in_type.scale) / (double)s->count[g];
            else ((double *)d)[g] = (double)s->i128[g] / (double)s->count[g];
            break;
        default: /* MIN / MAX */
            switch (t.id) {
            case ARROW_FLOAT64: ((double *)d)[g] = s->f64[g]; break;
            case ARROW_DECIMAL128: ((__int128 *)d)[g] = s->i128[g]; break;
            case ARROW_DATE32: ((int32_t *)d)[g] = (int32_t)s->i64[g]; break;
            case ARROW_BOOL: if (s->i64[g]) d[g >> 3] |= (uint8_t)(1u << (g & 7)); break;
            default: ((int64_t *)d)[g] = s->i64[g]; break;
            }
            break;
        }
    }
    r->null_count = -1;
    *out = r;
    return APHX_OK;
}

static aphx_rc agg_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    agg_op *a = (agg_op *)op;
    if (!a->consumed) {
        a->consumed = true;
        aphx_rc rc = agg_consume(a, err);
        if (rc) return rc;
        int64_t n = group_count(a);
        arrow_batch *r = arrow_batch_new(&op->schema, n);
        if (!r) return agg_oom(err);
        rc = decode_keys(a, r, err);
        for (int32_t k = 0; k < a->n_aggs && !rc; k++)
            rc = agg_result_column(&a->aggs[k], n, &r->columns[a->n_groups + k], err);
        if (rc) {
            arrow_batch_free(r);
            return rc;
        }
        a->result = r;
    }
    if (!a->result || a->result_pos >= a->result->length) {
        if (a->result && a->result->length == 0 && a->result_pos == 0) {
            a->result_pos = 1;   /* an empty GROUP BY result: no batch at all */
        }
        return APHX_OK;
    }
    int64_t len = APHX_MIN(exec_batch_rows(op->ctx), a->result->length - a->result_pos);
    *out = arrow_batch_slice(a->result, a->result_pos, len);
    if (!*out) return agg_oom(err);
    a->result_pos += len;
    return APHX_OK;
}

static void agg_describe(const exec_op *op, aphx_buf *out)
{
    static const char *names[] = {"COUNT(*)", "COUNT", "SUM", "AVG", "MIN", "MAX"};
    const agg_op *a = (const agg_op *)op;
    aphx_buf_puts(out, "groups=[");
    for (int32_t g = 0; g < a->n_groups; g++) {
        if (g) aphx_buf_puts(out, ", ");
        exec_expr_format(a->groups[g], out);
    }
    aphx_buf_puts(out, "] aggs=[");
    for (int32_t k = 0; k < a->n_aggs; k++) {
        const exec_agg_spec *s = &a->aggs[k].spec;
        if (k) aphx_buf_puts(out, ", ");
        aphx_buf_puts(out, names[s->kind]);
        if (s->kind != EXEC_AGG_COUNT_STAR) {
            aphx_buf_puts(out, s->distinct ? "(DISTINCT " : "(");
            exec_expr_format(s->arg, out);
            aphx_buf_putc(out, ')');
        }
    }
    aphx_buf_putc(out, ']');
}

static void agg_destroy(exec_op *op)
{
    agg_op *a = (agg_op *)op;
    for (int32_t k = 0; a->aggs && k < a->n_aggs; k++) {
        agg_state *s = &a->aggs[k];
        aphx_free(s->count);
        aphx_free(s->i64);
        aphx_free(s->f64);
        aphx_free(s->i128);
        aphx_free(s->str);
        aphx_free(s->str_len);
        if (s->seen_init) exec_keymap_free(&s->seen);
    }
    aphx_free(a->aggs);
    aphx_free(a->groups);
    exec_keymap_free(&a->map);
    exec_i64map_free(&a->i64map);
    aphx_free(a->gid_key);
    aphx_free(a->kid_gid);
    arrow_schema_free(&a->key_schema);
    aphx_arena_destroy(&a->strings);
    arrow_batch_free(a->result);
}

static const exec_op_vtable agg_vt = {"HashAggregate", agg_next, agg_describe, agg_destroy};

exec_op *exec_agg_new(exec_ctx *ctx, exec_op *child, exec_expr **groups,
                      const char *const *group_names, int32_t n_groups,
                      const exec_agg_spec *aggs, int32_t n_aggs, aphx_error *err)
{
    if (!child) return NULL;
    if (n_groups > 64) {
        exec_sql_fail(err, APHX_UNSUPPORTED, "54011", "more than 64 GROUP BY keys not supported");
        exec_op_free(child);
        return NULL;
    }
    agg_op *a = (agg_op *)exec_op_alloc(sizeof *a, &agg_vt, ctx);
    if (!a) {
        exec_op_free(child);
        aphx_fail(err, APHX_NOMEM, "out of memory creating an aggregate");
        return NULL;
    }
    a->base.children[0] = child;
    a->base.n_children = 1;
    aphx_arena_init(&a->strings, 64 * 1024);
    a->n_groups = n_groups;
    a->n_aggs = n_aggs;
    a->groups = aphx_calloc((size_t)(n_groups + 1), sizeof(exec_expr *));
    a->aggs = aphx_calloc((size_t)(n_aggs + 1), sizeof(agg_state));
    if (!a->groups || !a->aggs || !exec_keymap_init(&a->map) ||
        arrow_schema_init(&a->key_schema, n_groups) ||
        arrow_schema_init(&a->base.schema, n_groups + n_aggs))
        goto nomem;
    for (int32_t g = 0; g < n_groups; g++) {
        if (!groups[g]) goto bad;
        a->groups[g] = groups[g];
        exec_type t = exec_canon(groups[g]->type);
        char name[32];
        snprintf(name, sizeof name, "group%d", g + 1);
        if (exec_schema_set(&a->key_schema, g, "", t, true) ||
            exec_schema_set(&a->base.schema, g, group_names && group_names[g] ? group_names[g] : name, t, true))
            goto nomem;
    }
    a->null_gid = -1;
    if (n_groups == 1) {
        arrow_type_id kt = exec_canon(groups[0]->type).id;
        if (kt == ARROW_INT64 || kt == ARROW_TIMESTAMP) a->key_mode = KEYS_I64;
        else if (kt == ARROW_UTF8) a->key_mode = KEYS_STR;
        if (a->key_mode == KEYS_I64 && !exec_i64map_init(&a->i64map)) goto nomem;
    }
    for (int32_t k = 0; k < n_aggs; k++) {
        agg_state *s = &a->aggs[k];
        s->spec = aggs[k];
        exec_type in = s->spec.arg ? exec_canon(s->spec.arg->type) : exec_type_of(ARROW_INT64);
        if (s->spec.kind != EXEC_AGG_COUNT_STAR && !s->spec.arg) goto bad;
        s->in_type = in;
        switch (s->spec.kind) {
        case EXEC_AGG_COUNT_STAR: case EXEC_AGG_COUNT:
            s->out_type = exec_type_of(ARROW_INT64);
            break;
        case EXEC_AGG_SUM: case EXEC_AGG_AVG:
            if (in.id != ARROW_NA && !exec_is_numeric(in.id)) {
                exec_sql_fail(err, APHX_INVALID, "42883", "%s(%s) does not exist",
                              s->spec.kind == EXEC_AGG_SUM ? "sum" : "avg", arrow_type_name(in.id));
                exec_op_free(&a->base);
                return NULL;
            }
            if (s->spec.kind == EXEC_AGG_AVG) s->out_type = exec_type_of(ARROW_FLOAT64);
            else if (in.id == ARROW_DECIMAL128) s->out_type = exec_type_decimal(38, in.scale);
            else if (in.id == ARROW_NA) s->out_type = exec_type_of(ARROW_INT64);
            else s->out_type = in;
            break;
        default:
            s->out_type = in;
            break;
        }
        if (s->spec.distinct) {
            if (!exec_keymap_init(&s->seen)) goto nomem;
            s->seen_init = true;
        }
        char name[32];
        snprintf(name, sizeof name, "agg%d", k + 1);
        if (exec_schema_set(&a->base.schema, n_groups + k, s->spec.name ? s->spec.name : name,
                            s->out_type, true))
            goto nomem;
    }
    return &a->base;
bad:
    aphx_fail(err, APHX_INVALID, "aggregate or group expression missing");
    exec_op_free(&a->base);
    return NULL;
nomem:
    aphx_fail(err, APHX_NOMEM, "out of memory creating an aggregate");
    exec_op_free(&a->base);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* DISTINCT and set operations                                         */
/* ------------------------------------------------------------------ */
typedef struct setop_op {
    exec_op         base;
    exec_setop_kind kind;        /* DISTINCT = UNION with one child */
    bool            is_distinct;
    exec_keymap     emitted;     /* rows already produced */
    exec_keymap     right;       /* INTERSECT/EXCEPT: rows of the right input */
    bool            right_done;
    int32_t         current;     /* child being read */
} setop_op;

static aphx_rc setop_build_right(setop_op *s, aphx_error *err)
{
    exec_op *op = &s->base;
    for (;;) {
        arrow_batch *b;
        aphx_arena_reset(&op->scratch);
        aphx_rc rc = exec_op_next(op->children[1], &b, err);
        if (rc || !b) return rc;
        exec_keys keys;
        rc = exec_keys_encode(b->schema, b->columns, b->n_columns, b->length, &op->scratch, &keys, err);
        for (int64_t i = 0; i < b->length && !rc; i++) {
            bool ins;
            int64_t off = keys.offsets[i];
            if (exec_keymap_upsert(&s->right, keys.bytes + off, keys.offsets[i + 1] - off,
                                   keys.hashes[i], &ins) < 0)
                rc = agg_oom(err);
        }
        arrow_batch_free(b);
        if (rc) return rc;
    }
}

static aphx_rc setop_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    setop_op *s = (setop_op *)op;
    bool filtering = s->kind == EXEC_INTERSECT || s->kind == EXEC_EXCEPT;
    if (filtering && !s->right_done) {
        s->right_done = true;
        aphx_rc rc = setop_build_right(s, err);
        if (rc) return rc;
    }
    int32_t n_inputs = filtering || s->is_distinct ? 1 : 2;
    while (s->current < n_inputs) {
        arrow_batch *b;
        aphx_arena_reset(&op->scratch);
        aphx_rc rc = exec_op_next(op->children[s->current], &b, err);
        if (rc) return rc;
        if (!b) {
            s->current++;
            continue;
        }
        if (s->kind == EXEC_UNION_ALL && !s->is_distinct) {
            arrow_batch *r = arrow_batch_new(&op->schema, b->length);
            if (!r) {
                arrow_batch_free(b);
                return agg_oom(err);
            }
            for (int32_t c = 0; c < b->n_columns; c++) r->columns[c] = arrow_array_ref(b->columns[c]);
            arrow_batch_free(b);
            *out = r;
            return APHX_OK;
        }
        exec_keys keys;
        int64_t n = b->length, k = 0;
        int64_t *idx = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
        rc = idx ? exec_keys_encode(b->schema, b->columns, b->n_columns, n, &op->scratch, &keys, err)
                 : agg_oom(err);
        for (int64_t i = 0; i < n && !rc; i++) {
            int64_t off = keys.offsets[i], len = keys.offsets[i + 1] - off;
            if (filtering) {
                bool in_right = exec_keymap_find(&s->right, keys.bytes + off, len, keys.hashes[i]) >= 0;
                if (in_right != (s->kind == EXEC_INTERSECT)) continue;
            }
            bool ins;
            if (exec_keymap_upsert(&s->emitted, keys.bytes + off, len, keys.hashes[i], &ins) < 0) {
                rc = agg_oom(err);
                break;
            }
            if (ins) idx[k++] = i;
        }
        if (rc || k == 0) {
            arrow_batch_free(b);
            if (rc) return rc;
            continue;
        }
        arrow_batch *r;
        rc = exec_batch_take(b, idx, k, &r, err);
        arrow_batch_free(b);
        if (rc) return rc;
        r->schema = &op->schema;
        *out = r;
        return APHX_OK;
    }
    return APHX_OK;
}

static void setop_describe(const exec_op *op, aphx_buf *out)
{
    (void)op;
    (void)out;
}

static void setop_destroy(exec_op *op)
{
    setop_op *s = (setop_op *)op;
    exec_keymap_free(&s->emitted);
    exec_keymap_free(&s->right);
}

static const exec_op_vtable distinct_vt = {"Distinct", setop_next, NULL, setop_destroy};
static const exec_op_vtable union_all_vt = {"UnionAll", setop_next, NULL, setop_destroy};
static const exec_op_vtable union_vt = {"Union", setop_next, NULL, setop_destroy};
static const exec_op_vtable intersect_vt = {"Intersect", setop_next, setop_describe, setop_destroy};
static const exec_op_vtable except_vt = {"Except", setop_next, setop_describe, setop_destroy};

static setop_op *setop_alloc(exec_ctx *ctx, const exec_op_vtable *vt, exec_op *left, exec_op *right,
                             aphx_error *err)
{
    setop_op *s = (setop_op *)exec_op_alloc(sizeof *s, vt, ctx);
    if (!s) {
        exec_op_free(left);
        exec_op_free(right);
        aphx_fail(err, APHX_NOMEM, "out of memory creating a set operation");
        return NULL;
    }
    s->base.children[0] = left;
    s->base.children[1] = right;
    s->base.n_children = right ? 2 : 1;
    if (!exec_keymap_init(&s->emitted) || !exec_keymap_init(&s->right) ||
        arrow_schema_copy(&s->base.schema, exec_op_schema(left))) {
        exec_op_free(&s->base);
        aphx_fail(err, APHX_NOMEM, "out of memory creating a set operation");
        return NULL;
    }
    for (int32_t i = 0; i < s->base.schema.n_fields; i++) s->base.schema.fields[i].nullable = true;
    return s;
}

exec_op *exec_distinct_new(exec_ctx *ctx, exec_op *child, aphx_error *err)
{
    if (!child) return NULL;
    setop_op *s = setop_alloc(ctx, &distinct_vt, child, NULL, err);
    if (!s) return NULL;
    s->kind = EXEC_UNION;
    s->is_distinct = true;
    return &s->base;
}

exec_op *exec_setop_new(exec_ctx *ctx, exec_setop_kind kind, exec_op *left, exec_op *right,
                        aphx_error *err)
{
    if (!left || !right) {
        exec_op_free(left);
        exec_op_free(right);
        return NULL;
    }
    const arrow_schema *ls = exec_op_schema(left), *rs = exec_op_schema(right);
    bool same = ls->n_fields == rs->n_fields;
    for (int32_t i = 0; same && i < ls->n_fields; i++) {
        const arrow_type *a = &ls->fields[i].type, *b = &rs->fields[i].type;
        same = a->id == b->id && a->precision == b->precision && a->scale == b->scale &&
               a->unit == b->unit;
    }
    if (!same) {
        exec_sql_fail(err, APHX_INVALID, "42601",
                      "each side of a set operation must have the same number and types of columns");
        exec_op_free(left);
        exec_op_free(right);
        return NULL;
    }
    const exec_op_vtable *vt = kind == EXEC_UNION_ALL ? &union_all_vt : kind == EXEC_UNION ? &union_vt
                             : kind == EXEC_INTERSECT ? &intersect_vt : &except_vt;
    setop_op *s = setop_alloc(ctx, vt, left, right, err);
    if (!s) return NULL;
    s->kind = kind;
    return &s->base;
}
