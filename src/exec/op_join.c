/*
 * op_join.c — joins. One operator serves both algorithms:
 *   hash join     the right input is read whole (build side), its key
 *                 columns encoded (keys.c) and chained in a hash table;
 *                 each left batch probes it row by row for candidate pairs.
 *   nested loop   every (left row, right row) pair of a chunk of left rows
 *                 is a candidate.
 * Candidates then go through the same steps: the residual predicate (if
 * any) is evaluated over the gathered pairs, and the join type decides the
 * output (INNER pairs; LEFT/FULL add unmatched left rows with NULLs;
 * RIGHT/FULL mark matched build rows and emit the unmatched ones at the
 * end; SEMI/ANTI keep or drop left rows). NULL keys never match. Output is
 * produced in left-row order, a bounded number of pairs per batch.
 */
#include "exec/exec_internal.h"

typedef struct join_op {
    exec_op        base;
    exec_join_type type;
    bool           hash;          /* hash join (else nested loop) */
    exec_expr    **left_keys, **right_keys;
    int32_t        n_keys;
    exec_expr     *residual;
    arrow_schema   key_schema;
    int32_t        n_left;        /* left columns */
    /* build side */
    bool           built;
    arrow_batch   *build;         /* whole right input (schema: right child's) */
    int64_t        n_build;
    int64_t       *head;          /* bucket -> first row, -1 */
    int64_t       *next;          /* row -> next row in chain */
    uint64_t      *hashes;
    uint8_t       *key_bytes;
    int64_t       *key_off;
    int64_t        mask;
    bool           build_has_null_key;
    uint8_t       *matched;       /* RIGHT/FULL: build rows matched */
    aphx_arena     build_arena;
    /* probe state */
    arrow_batch   *probe;
    int64_t        probe_pos;
    exec_keys      probe_keys;
    aphx_arena     probe_arena;   /* per probe batch: its keys */
    aphx_arena     pairs_arena;   /* per output batch: candidate pairs */
    bool           probe_done;
    /* single integer key fast path: keys compared as int64, no encoding */
    bool           fast_i64;
    int            shift;         /* 64 - log2(buckets) */
    arrow_array   *build_key;     /* canonical key column of the build side */
    const int64_t *bkeys;
    bool           direct;        /* dense keys: head[] indexed by key - kmin */
    int64_t        kmin, kmax;
    arrow_array   *probe_key;     /* canonical key column of the current probe batch */
    int64_t        unmatched_pos; /* RIGHT/FULL tail emission */
} join_op;

static aphx_rc join_oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory in a join");
}

static bool emits_right(exec_join_type t)
{
    return t == EXEC_JOIN_INNER || t == EXEC_JOIN_LEFT || t == EXEC_JOIN_RIGHT ||
           t == EXEC_JOIN_FULL || t == EXEC_JOIN_CROSS;
}

static aphx_rc join_build(join_op *j, aphx_error *err)
{
    exec_op *op = &j->base;
    aphx_rc rc = exec_op_collect(op->children[1], &j->build, err);
    if (rc) return rc;
    int64_t n = j->build->length;
    j->n_build = n;
    if (j->type == EXEC_JOIN_RIGHT || j->type == EXEC_JOIN_FULL) {
        j->matched = aphx_arena_calloc(&j->build_arena, (size_t)(n + 1));
        if (!j->matched) return join_oom(err);
    }
    if (!j->hash) return APHX_OK;
    if (j->fast_i64) {
        rc = exec_eval_canon(j->right_keys[0], op->ctx, j->build, &j->build_arena, &j->build_key, err);
        if (rc) return rc;
        int64_t nb = 16, bits = 4;
        while (nb < n * 2) {
            nb *= 2;
            bits++;
        }
        j->shift = (int)(64 - bits);
        j->mask = nb - 1;
        j->head = aphx_arena_alloc(&j->build_arena, (size_t)nb * sizeof(int64_t));
        j->next = aphx_arena_alloc(&j->build_arena, (size_t)(n + 1) * sizeof(int64_t));
        if (!j->head || !j->next) return join_oom(err);
        memset(j->head, 0xff, (size_t)nb * sizeof(int64_t));
        arrow_array *ka = j->build_key;
        if (ka->n_buffers == 0) {          /* NULL-typed key: nothing can match */
            j->build_has_null_key = n > 0;
            return APHX_OK;
        }
        const uint8_t *valid = ka->buffers[0] ? ka->buffers[0]->data : NULL;
        j->bkeys = (const int64_t *)ka->buffers[1]->data + ka->offset;
        /* Dense keys (a range at most twice the row count): index the
         * chains by key - min instead of by hash, one lookup per probe. */
        int64_t kmin = INT64_MAX, kmax = INT64_MIN, n_valid = 0;
        for (int64_t i = 0; i < n; i++) {
            if (valid && !arrow_bit_get(valid, ka->offset + i)) continue;
            int64_t k = j->bkeys[i];
            if (k < kmin) kmin = k;
            if (k > kmax) kmax = k;
            n_valid++;
        }
        uint64_t range = n_valid ? (uint64_t)kmax - (uint64_t)kmin + 1 : 0;
        if (n_valid > 0 && range > 0 && range <= (uint64_t)(2 * n + 1024)) {
            j->direct = true;
            j->kmin = kmin;
            j->kmax = kmax;
            j->head = aphx_arena_alloc(&j->build_arena, (size_t)range * sizeof(int64_t));
            if (!j->head) return join_oom(err);
            memset(j->head, 0xff, (size_t)range * sizeof(int64_t));
        }
        for (int64_t i = n - 1; i >= 0; i--) {
            if (valid && !arrow_bit_get(valid, ka->offset + i)) {
                j->build_has_null_key = true;
                continue;
            }
            int64_t b = j->direct ? j->bkeys[i] - j->kmin : (int64_t)(exec_i64_hash(j->bkeys[i]) >> j->shift);
            j->next[i] = j->head[b];
            j->head[b] = i;
        }
        return APHX_OK;
    }
    arrow_array *cols[64] = {0};
    for (int32_t k = 0; k < j->n_keys && !rc; k++)
        rc = exec_eval_canon(j->right_keys[k], op->ctx, j->build, &j->build_arena, &cols[k], err);
    exec_keys keys;
    if (!rc) rc = exec_keys_encode(&j->key_schema, cols, j->n_keys, n, &j->build_arena, &keys, err);
    for (int32_t k = 0; k < j->n_keys; k++) arrow_array_unref(cols[k]);
    if (rc) return rc;
    int64_t nb = 16;
    while (nb < n * 2) nb *= 2;
    j->mask = nb - 1;
    j->head = aphx_arena_alloc(&j->build_arena, (size_t)nb * sizeof(int64_t));
    j->next = aphx_arena_alloc(&j->build_arena, (size_t)(n + 1) * sizeof(int64_t));
    if (!j->head || !j->next) return join_oom(err);
    memset(j->head, 0xff, (size_t)nb * sizeof(int64_t));
    j->hashes = keys.hashes;
    j->key_bytes = keys.bytes;
    j->key_off = keys.offsets;
    /* Insert in reverse so chains list rows in input order. */
    for (int64_t i = n - 1; i >= 0; i--) {
        if (keys.any_null[i]) {
            j->build_has_null_key = true;
            j->next[i] = -1;
            continue;
        }
        int64_t b = (int64_t)(keys.hashes[i] & (uint64_t)j->mask);
        j->next[i] = j->head[b];
        j->head[b] = i;
    }
    return APHX_OK;
}

/* Growable pair lists in the probe arena. */
typedef struct pairs {
    int64_t *l, *r;
    int64_t  n, cap;
} pairs;

static bool pairs_push(pairs *p, aphx_arena *a, int64_t l, int64_t r)
{
    if (p->n == p->cap) {
        int64_t nc = p->cap ? p->cap * 2 : 65536;
        int64_t *nl = aphx_arena_alloc(a, (size_t)nc * sizeof(int64_t));
        int64_t *nr = aphx_arena_alloc(a, (size_t)nc * sizeof(int64_t));
        if (!nl || !nr) return false;
        if (p->n) {
            memcpy(nl, p->l, (size_t)p->n * sizeof(int64_t));
            memcpy(nr, p->r, (size_t)p->n * sizeof(int64_t));
        }
        p->l = nl;
        p->r = nr;
        p->cap = nc;
    }
    p->l[p->n] = l;
    p->r[p->n] = r;
    p->n++;
    return true;
}

/* Gather left rows li and build rows rj (-1 = NULL) into an output batch
 * (left columns, then right columns when emitted). */
static aphx_rc join_gather(join_op *j, const arrow_batch *left, const int64_t *li,
                           const int64_t *rj, int64_t n, bool with_right, const arrow_schema *schema,
                           arrow_batch **out, aphx_error *err)
{
    arrow_batch *r = arrow_batch_new(schema, n);
    if (!r) return join_oom(err);
    aphx_rc rc = APHX_OK;
    /* Every probe row matched once, in order: share the left columns. */
    bool identity = n > 0 && li[0] >= 0 && li[n - 1] - li[0] == n - 1;
    for (int64_t k = 1; k < n && identity; k++) identity = li[k] == li[k - 1] + 1;
    for (int32_t c = 0; c < j->n_left && !rc; c++) {
        if (identity) {
            r->columns[c] = arrow_array_slice(left->columns[c], li[0], n);
            if (!r->columns[c]) rc = join_oom(err);
        } else {
            rc = exec_take(&left->schema->fields[c], left->columns[c], li, n, &r->columns[c], err);
        }
    }
    if (with_right)
        for (int32_t c = 0; c < j->build->n_columns && !rc; c++)
            rc = exec_take(&j->build->schema->fields[c], j->build->columns[c], rj, n,
                           &r->columns[j->n_left + c], err);
    if (rc) {
        arrow_batch_free(r);
        return rc;
    }
    *out = r;
    return APHX_OK;
}

/* Keep the candidate pairs for which the residual is TRUE. */
static aphx_rc apply_residual(join_op *j, const arrow_batch *left, pairs *p, aphx_error *err)
{
    if (!j->residual || p->n == 0) return APHX_OK;
    exec_op *op = &j->base;
    arrow_schema *full = j->type == EXEC_JOIN_SEMI || j->type == EXEC_JOIN_ANTI ||
                                 j->type == EXEC_JOIN_ANTI_NULL_AWARE
                             ? NULL : &op->schema;
    arrow_schema tmp = {0};
    if (!full) {
        /* SEMI/ANTI output only the left columns; the residual sees both. */
        if (arrow_schema_init(&tmp, j->n_left + j->build->n_columns) ||
            exec_schema_copy_fields(&tmp, 0, left->schema, true) ||
            exec_schema_copy_fields(&tmp, j->n_left, j->build->schema, true)) {
            arrow_schema_free(&tmp);
            return join_oom(err);
        }
        full = &tmp;
    }
    arrow_batch *cand = NULL;
    arrow_array *res = NULL;
    aphx_rc rc = join_gather(j, left, p->l, p->r, p->n, true, full, &cand, err);
    if (!rc) rc = exec_expr_eval(j->residual, op->ctx, cand, &j->pairs_arena, &res, err);
    if (!rc) {
        int64_t k = 0;
        const uint8_t *v = res->n_buffers > 1 && res->buffers[1] ? res->buffers[1]->data : NULL;
        const uint8_t *ok = res->n_buffers > 0 ? (res->buffers[0] ? res->buffers[0]->data : NULL) : NULL;
        bool all_null = res->n_buffers == 0;
        for (int64_t i = 0; i < p->n; i++) {
            bool t = !all_null && v && arrow_bit_get(v, i) && (!ok || arrow_bit_get(ok, i));
            if (t) {
                p->l[k] = p->l[i];
                p->r[k] = p->r[i];
                k++;
            }
        }
        p->n = k;
    }
    arrow_array_unref(res);
    arrow_batch_free(cand);
    arrow_schema_free(&tmp);
    return rc;
}

/* Candidates for left rows [i0, i1). */
/* Candidates for left rows [i0, *i1). Hash joins stop early once `limit`
 * pairs are collected (after a whole row), lowering *i1, so one batch of
 * output stays bounded even with many duplicate keys. */
static aphx_rc candidates(join_op *j, const arrow_batch *left, int64_t i0, int64_t *i1_io,
                          int64_t limit, pairs *p, aphx_error *err)
{
    int64_t i1 = *i1_io;
    if (j->hash && j->fast_i64) {
        arrow_array *ka = j->probe_key;
        if (ka->n_buffers == 0 || !j->bkeys) return apply_residual(j, left, p, err);
        const uint8_t *valid = ka->buffers[0] ? ka->buffers[0]->data : NULL;
        const int64_t *v = (const int64_t *)ka->buffers[1]->data + ka->offset;
        const int64_t *head = j->head, *next = j->next, *bkeys = j->bkeys;
        int shift = j->shift;
        if (j->direct) {
            int64_t kmin = j->kmin;
            uint64_t span = (uint64_t)j->kmax - (uint64_t)kmin;
            for (int64_t i = i0; i < i1; i++) {
                if (i + 16 < i1) {
                    uint64_t dp = (uint64_t)v[i + 16] - (uint64_t)kmin;
                    if (dp <= span) __builtin_prefetch(&head[dp]);
                }
                if (valid && !arrow_bit_get(valid, ka->offset + i)) continue;
                uint64_t d = (uint64_t)v[i] - (uint64_t)kmin;
                if (d > span) continue;
                for (int64_t r = head[d]; r >= 0; r = next[r])
                    if (!pairs_push(p, &j->pairs_arena, i, r)) return join_oom(err);
                if (p->n >= limit && i + 1 < i1) {
                    *i1_io = i1 = i + 1;
                    break;
                }
            }
            return apply_residual(j, left, p, err);
        }
        for (int64_t i = i0; i < i1; i++) {
            if (i + 16 < i1) __builtin_prefetch(&head[exec_i64_hash(v[i + 16]) >> shift]);
            if (valid && !arrow_bit_get(valid, ka->offset + i)) continue;
            int64_t k = v[i];
            for (int64_t r = head[exec_i64_hash(k) >> shift]; r >= 0; r = next[r]) {
                if (bkeys[r] != k) continue;
                if (!pairs_push(p, &j->pairs_arena, i, r)) return join_oom(err);
            }
            if (p->n >= limit && i + 1 < i1) {
                *i1_io = i1 = i + 1;
                break;
            }
        }
    } else if (j->hash) {
        const exec_keys *k = &j->probe_keys;
        for (int64_t i = i0; i < i1; i++) {
            if (i + 16 < i1) __builtin_prefetch(&j->head[k->hashes[i + 16] & (uint64_t)j->mask]);
            if (k->any_null[i]) continue;
            uint64_t h = k->hashes[i];
            const uint8_t *kb = k->bytes + k->offsets[i];
            int64_t kl = k->offsets[i + 1] - k->offsets[i];
            for (int64_t r = j->head[h & (uint64_t)j->mask]; r >= 0; r = j->next[r]) {
                if (j->hashes[r] != h) continue;
                int64_t o = j->key_off[r];
                if (j->key_off[r + 1] - o != kl || memcmp(j->key_bytes + o, kb, (size_t)kl)) continue;
                if (!pairs_push(p, &j->pairs_arena, i, r)) return join_oom(err);
            }
            if (p->n >= limit && i + 1 < i1) {
                *i1_io = i1 = i + 1;
                break;
            }
        }
    } else {
        for (int64_t i = i0; i < i1; i++)
            for (int64_t r = 0; r < j->n_build; r++)
                if (!pairs_push(p, &j->pairs_arena, i, r)) return join_oom(err);
    }
    return apply_residual(j, left, p, err);
}

static bool probe_key_null(const join_op *j, int64_t i)
{
    if (!j->fast_i64) return j->probe_keys.any_null[i];
    const arrow_array *ka = j->probe_key;
    return ka->n_buffers == 0 || (ka->buffers[0] && !arrow_bit_get(ka->buffers[0]->data, ka->offset + i));
}

/* Produce the output for left rows [i0, i1) from the kept pairs. */
static aphx_rc join_emit(join_op *j, const arrow_batch *left, int64_t i0, int64_t i1, pairs *p,
                         arrow_batch **out, aphx_error *err)
{
    exec_op *op = &j->base;
    exec_join_type t = j->type;
    if (t == EXEC_JOIN_RIGHT || t == EXEC_JOIN_FULL)
        for (int64_t k = 0; k < p->n; k++) j->matched[p->r[k]] = 1;
    if (t == EXEC_JOIN_INNER || t == EXEC_JOIN_RIGHT || t == EXEC_JOIN_CROSS) {
        if (p->n == 0) return APHX_OK;
        return join_gather(j, left, p->l, p->r, p->n, true, &op->schema, out, err);
    }
    pairs o = {0};
    int64_t k = 0;
    for (int64_t i = i0; i < i1; i++) {
        int64_t first = k;
        while (k < p->n && p->l[k] == i) k++;
        int64_t hits = k - first;
        bool ok = true;
        switch (t) {
        case EXEC_JOIN_LEFT: case EXEC_JOIN_FULL:
            if (hits == 0) ok = pairs_push(&o, &j->pairs_arena, i, -1);
            for (int64_t q = first; q < k && ok; q++) ok = pairs_push(&o, &j->pairs_arena, i, p->r[q]);
            break;
        case EXEC_JOIN_SEMI:
            if (hits > 0) ok = pairs_push(&o, &j->pairs_arena, i, -1);
            break;
        case EXEC_JOIN_ANTI:
            if (hits == 0) ok = pairs_push(&o, &j->pairs_arena, i, -1);
            break;
        case EXEC_JOIN_ANTI_NULL_AWARE: {
            bool keep;
            if (j->n_build == 0) keep = true;
            else if (j->build_has_null_key) keep = false;
            else if (j->hash && probe_key_null(j, i)) keep = false;
            else keep = hits == 0;
            if (keep) ok = pairs_push(&o, &j->pairs_arena, i, -1);
            break;
        }
        default:
            break;
        }
        if (!ok) return join_oom(err);
    }
    if (o.n == 0) return APHX_OK;
    return join_gather(j, left, o.l, o.r, o.n, emits_right(t), &op->schema, out, err);
}

static aphx_rc join_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    join_op *j = (join_op *)op;
    aphx_rc rc;
    if (!j->built) {
        j->built = true;
        if ((rc = join_build(j, err))) return rc;
    }
    int64_t target = exec_batch_rows(op->ctx);
    while (!j->probe_done) {
        if (!j->probe) {
            aphx_arena_reset(&j->probe_arena);
            arrow_batch *b;
            if ((rc = exec_op_next(op->children[0], &b, err))) return rc;
            if (!b) {
                j->probe_done = true;
                break;
            }
            j->probe = b;
            j->probe_pos = 0;
            if (j->hash && j->fast_i64) {
                arrow_array_unref(j->probe_key);
                j->probe_key = NULL;
                if ((rc = exec_eval_canon(j->left_keys[0], op->ctx, b, &j->probe_arena, &j->probe_key, err)))
                    return rc;
            } else if (j->hash) {
                arrow_array *cols[64] = {0};
                for (int32_t k = 0; k < j->n_keys && !rc; k++)
                    rc = exec_eval_canon(j->left_keys[k], op->ctx, b, &j->probe_arena, &cols[k], err);
                if (!rc)
                    rc = exec_keys_encode(&j->key_schema, cols, j->n_keys, b->length, &j->probe_arena,
                                          &j->probe_keys, err);
                for (int32_t k = 0; k < j->n_keys; k++) arrow_array_unref(cols[k]);
                if (rc) return rc;
            }
        }
        arrow_batch *b = j->probe;
        /* A range of left rows whose candidates stay near the batch target. */
        aphx_arena_reset(&j->pairs_arena);
        int64_t i0 = j->probe_pos, i1 = i0;
        pairs p = {0};
        if (j->hash) {
            i1 = b->length;
            if ((rc = candidates(j, b, i0, &i1, 4 * target, &p, err))) return rc;
        } else {
            int64_t per = j->n_build > 0 ? APHX_MAX(1, target / j->n_build) : b->length;
            i1 = APHX_MIN(b->length, i0 + per);
            if ((rc = candidates(j, b, i0, &i1, INT64_MAX, &p, err))) return rc;
        }
        arrow_batch *r = NULL;
        rc = join_emit(j, b, i0, i1, &p, &r, err);
        j->probe_pos = i1;
        if (j->probe_pos >= b->length) {
            arrow_batch_free(j->probe);
            j->probe = NULL;
        }
        if (rc) return rc;
        if (r) {
            *out = r;
            return APHX_OK;
        }
    }
    /* RIGHT/FULL: build rows nobody matched, with NULL left columns. */
    if (j->type == EXEC_JOIN_RIGHT || j->type == EXEC_JOIN_FULL) {
        aphx_arena_reset(&j->pairs_arena);
        pairs o = {0};
        while (j->unmatched_pos < j->n_build && o.n < target) {
            int64_t r = j->unmatched_pos++;
            if (!j->matched[r] && !pairs_push(&o, &j->pairs_arena, -1, r)) return join_oom(err);
        }
        if (o.n == 0) return APHX_OK;
        /* Left columns all NULL: gather from a zero-length view with -1. */
        arrow_batch *r = arrow_batch_new(&op->schema, o.n);
        if (!r) return join_oom(err);
        rc = APHX_OK;
        const arrow_schema *ls = exec_op_schema(op->children[0]);
        for (int32_t c = 0; c < j->n_left && !rc; c++) {
            exec_type t = {ls->fields[c].type.id, ls->fields[c].type.precision, ls->fields[c].type.scale};
            arrow_array *nulls = exec_array_nulls(t, 0);
            if (!nulls) rc = join_oom(err);
            else rc = exec_take(&ls->fields[c], nulls, o.l, o.n, &r->columns[c], err);
            arrow_array_unref(nulls);
        }
        for (int32_t c = 0; c < j->build->n_columns && !rc; c++)
            rc = exec_take(&j->build->schema->fields[c], j->build->columns[c], o.r, o.n,
                           &r->columns[j->n_left + c], err);
        if (rc) {
            arrow_batch_free(r);
            return rc;
        }
        *out = r;
    }
    return APHX_OK;
}

static void join_describe(const exec_op *op, aphx_buf *out)
{
    static const char *names[] = {"INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI",
                                  "ANTI(null-aware)", "CROSS"};
    const join_op *j = (const join_op *)op;
    aphx_buf_puts(out, names[j->type]);
    if (j->n_keys) {
        aphx_buf_puts(out, " on ");
        for (int32_t k = 0; k < j->n_keys; k++) {
            if (k) aphx_buf_puts(out, " AND ");
            aphx_buf_puts(out, "left.");
            exec_expr_format(j->left_keys[k], out);
            aphx_buf_puts(out, " = right.");
            exec_expr_format(j->right_keys[k], out);
        }
    }
    if (j->residual) {
        aphx_buf_puts(out, j->hash ? " residual=" : " predicate=");
        exec_expr_format(j->residual, out);
    }
}

static void join_destroy(exec_op *op)
{
    join_op *j = (join_op *)op;
    arrow_batch_free(j->probe);
    arrow_batch_free(j->build);
    arrow_array_unref(j->build_key);
    arrow_array_unref(j->probe_key);
    aphx_arena_destroy(&j->build_arena);
    aphx_arena_destroy(&j->probe_arena);
    aphx_arena_destroy(&j->pairs_arena);
    arrow_schema_free(&j->key_schema);
    aphx_free(j->left_keys);
    aphx_free(j->right_keys);
}

static const exec_op_vtable hash_join_vt = {"HashJoin", join_next, join_describe, join_destroy};
static const exec_op_vtable nl_join_vt = {"NestedLoopJoin", join_next, join_describe, join_destroy};

aphx_rc exec_join_input_schema(const arrow_schema *left, const arrow_schema *right,
                               arrow_schema *out)
{
    aphx_rc rc = arrow_schema_init(out, left->n_fields + right->n_fields);
    if (!rc) rc = exec_schema_copy_fields(out, 0, left, true);
    if (!rc) rc = exec_schema_copy_fields(out, left->n_fields, right, true);
    if (rc) arrow_schema_free(out);
    return rc;
}

static exec_op *join_new(exec_ctx *ctx, exec_op *left, exec_op *right, exec_join_type type,
                         bool hash, exec_expr **lk, exec_expr **rk, int32_t n_keys,
                         exec_expr *residual, aphx_error *err)
{
    if (!left || !right) {
        exec_op_free(left);
        exec_op_free(right);
        return NULL;
    }
    join_op *j = (join_op *)exec_op_alloc(sizeof *j, hash ? &hash_join_vt : &nl_join_vt, ctx);
    if (!j) {
        exec_op_free(left);
        exec_op_free(right);
        aphx_fail(err, APHX_NOMEM, "out of memory creating a join");
        return NULL;
    }
    j->base.children[0] = left;
    j->base.children[1] = right;
    j->base.n_children = 2;
    aphx_arena_init(&j->build_arena, 1 << 20);
    aphx_arena_init(&j->probe_arena, 4 << 20);
    aphx_arena_init(&j->pairs_arena, 8 << 20);
    j->type = type;
    j->hash = hash;
    j->residual = residual;
    j->n_keys = n_keys;
    const arrow_schema *ls = exec_op_schema(left), *rs = exec_op_schema(right);
    j->n_left = ls->n_fields;
    if (residual && residual->type.id != ARROW_BOOL && residual->type.id != ARROW_NA) {
        exec_sql_fail(err, APHX_INVALID, "42804", "join condition must be boolean");
        goto fail;
    }
    if (hash && (n_keys < 1 || n_keys > 64)) {
        aphx_fail(err, APHX_INVALID, "hash join needs 1 to 64 key pairs, got %d", n_keys);
        goto fail;
    }
    if (type == EXEC_JOIN_CROSS && residual) {
        aphx_fail(err, APHX_INVALID, "CROSS JOIN takes no predicate");
        goto fail;
    }
    j->left_keys = aphx_calloc((size_t)(n_keys + 1), sizeof(exec_expr *));
    j->right_keys = aphx_calloc((size_t)(n_keys + 1), sizeof(exec_expr *));
    if (!j->left_keys || !j->right_keys || arrow_schema_init(&j->key_schema, n_keys)) goto nomem;
    for (int32_t k = 0; k < n_keys; k++) {
        if (!lk[k] || !rk[k]) {
            aphx_fail(err, APHX_INVALID, "join key %d missing", k);
            goto fail;
        }
        exec_type a = exec_canon(lk[k]->type), b = exec_canon(rk[k]->type);
        if (a.id != b.id || a.scale != b.scale) {
            if (a.id != ARROW_NA && b.id != ARROW_NA) {
                exec_sql_fail(err, APHX_INVALID, "42804",
                              "join key %d compares %s with %s: cast one side", k + 1,
                              arrow_type_name(a.id), arrow_type_name(b.id));
                goto fail;
            }
        }
        j->left_keys[k] = lk[k];
        j->right_keys[k] = rk[k];
        if (exec_schema_set(&j->key_schema, k, "", a.id == ARROW_NA ? b : a, true)) goto nomem;
    }
    if (hash && n_keys == 1) {
        arrow_type_id kt = j->key_schema.fields[0].type.id;
        j->fast_i64 = kt == ARROW_INT64 || kt == ARROW_TIMESTAMP;
    }
    bool right_cols = emits_right(type);
    if (arrow_schema_init(&j->base.schema, ls->n_fields + (right_cols ? rs->n_fields : 0)) ||
        exec_schema_copy_fields(&j->base.schema, 0, ls,
                                type == EXEC_JOIN_RIGHT || type == EXEC_JOIN_FULL) ||
        (right_cols && exec_schema_copy_fields(&j->base.schema, ls->n_fields, rs,
                                               type == EXEC_JOIN_LEFT || type == EXEC_JOIN_FULL)))
        goto nomem;
    return &j->base;
nomem:
    aphx_fail(err, APHX_NOMEM, "out of memory creating a join");
fail:
    exec_op_free(&j->base);
    return NULL;
}

exec_op *exec_hash_join_new(exec_ctx *ctx, exec_op *left, exec_op *right, exec_join_type type,
                            exec_expr **left_keys, exec_expr **right_keys, int32_t n_keys,
                            exec_expr *residual, aphx_error *err)
{
    if (type == EXEC_JOIN_CROSS) {
        aphx_fail(err, APHX_INVALID, "CROSS JOIN is a nested-loop join");
        exec_op_free(left);
        exec_op_free(right);
        return NULL;
    }
    return join_new(ctx, left, right, type, true, left_keys, right_keys, n_keys, residual, err);
}

exec_op *exec_nl_join_new(exec_ctx *ctx, exec_op *left, exec_op *right, exec_join_type type,
                          exec_expr *predicate, aphx_error *err)
{
    return join_new(ctx, left, right, type, false, NULL, NULL, 0, predicate, err);
}
