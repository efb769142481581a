/*
 * op_sort.c — ORDER BY: a stable multi-key sort of the whole input, and a
 * top-N variant for ORDER BY ... LIMIT that keeps only the best
 * offset+limit rows.
 *
 * Keys are evaluated column at a time into canonical arrays; rows are
 * ordered through a permutation sorted with a comparator that walks the
 * keys (NULLs placed first or last as asked, independent of direction) and
 * breaks ties by input position, which makes the sort stable. Top-N: once
 * N rows are kept, each new batch is first screened against the current
 * N-th row (only rows strictly before it can enter), and the survivors are
 * merged with the kept rows and re-sorted.
 */
#include "exec/exec_internal.h"

#include <stdlib.h>

typedef struct sort_col {
    arrow_type_id  type;
    const uint8_t *valid;     /* NULL = no nulls */
    const uint8_t *vals;
    const uint8_t *data;      /* utf8 bytes */
    int64_t        offset;
    bool           desc, nulls_first;
} sort_col;

typedef struct sort_op {
    exec_op        base;
    exec_sort_key *keys;
    int32_t        n_keys;
    int64_t        limit, offset;
    bool           done_input;
    arrow_batch   *sorted;    /* final rows (child schema) */
    int64_t        pos;
} sort_op;

static int cmp_value(const sort_col *a, int64_t i, const sort_col *b, int64_t j)
{
    int64_t x = a->offset + i, y = b->offset + j;
    switch (a->type) {
    case ARROW_INT64: case ARROW_TIMESTAMP: {
        int64_t p = ((const int64_t *)a->vals)[x], q = ((const int64_t *)b->vals)[y];
        return (p > q) - (p < q);
    }
    case ARROW_FLOAT64: {
        double p = ((const double *)a->vals)[x], q = ((const double *)b->vals)[y];
        int pn = p != p, qn = q != q;     /* NaN sorts after every number */
        if (pn || qn) return pn - qn;
        return (p > q) - (p < q);
    }
    case ARROW_DATE32: {
        int32_t p = ((const int32_t *)a->vals)[x], q = ((const int32_t *)b->vals)[y];
        return (p > q) - (p < q);
    }
    case ARROW_DECIMAL128: {
        __int128 p, q;
        memcpy(&p, a->vals + x * 16, 16);
        memcpy(&q, b->vals + y * 16, 16);
        return (p > q) - (p < q);
    }
    case ARROW_BOOL:
        return (int)arrow_bit_get(a->vals, x) - (int)arrow_bit_get(b->vals, y);
    case ARROW_UTF8: case ARROW_BINARY: {
        const int32_t *oa = (const int32_t *)a->vals, *ob = (const int32_t *)b->vals;
        int64_t la = oa[x + 1] - oa[x], lb = ob[y + 1] - ob[y], m = la < lb ? la : lb;
        int c = m ? memcmp(a->data + oa[x], b->data + ob[y], (size_t)m) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (la > lb) - (la < lb);
    }
    default:
        return 0;
    }
}

static int cmp_rows(const sort_col *a, int64_t i, const sort_col *b, int64_t j, int32_t n)
{
    for (int32_t k = 0; k < n; k++) {
        bool an = a[k].type == ARROW_NA || (a[k].valid && !arrow_bit_get(a[k].valid, a[k].offset + i));
        bool bn = b[k].type == ARROW_NA || (b[k].valid && !arrow_bit_get(b[k].valid, b[k].offset + j));
        if (an || bn) {
            if (an && bn) continue;
            return an == a[k].nulls_first ? -1 : 1;
        }
        int c = cmp_value(&a[k], i, &b[k], j);
        if (c) return a[k].desc ? -c : c;
    }
    return 0;
}

typedef struct sort_ctx {
    const sort_col *cols;
    int32_t         n;
} sort_ctx;

static int perm_cmp(const void *pa, const void *pb, void *arg)
{
    const sort_ctx *c = arg;
    int64_t i = *(const int64_t *)pa, j = *(const int64_t *)pb;
    int r = cmp_rows(c->cols, i, c->cols, j, c->n);
    if (r) return r;
    return (i > j) - (i < j);
}

/* Evaluate the sort keys over b into cols (holding references in arrs). */
static aphx_rc eval_keys(sort_op *s, const arrow_batch *b, arrow_array **arrs, sort_col *cols,
                         aphx_error *err)
{
    for (int32_t k = 0; k < s->n_keys; k++) {
        aphx_rc rc = exec_eval_canon(s->keys[k].expr, s->base.ctx, b, &s->base.scratch, &arrs[k], err);
        if (rc) return rc;
        arrow_array *a = arrs[k];
        sort_col *c = &cols[k];
        memset(c, 0, sizeof *c);
        c->type = a->n_buffers == 0 ? ARROW_NA : exec_canon(s->keys[k].expr->type).id;
        c->offset = a->offset;
        c->valid = a->n_buffers > 0 && a->buffers[0] ? a->buffers[0]->data : NULL;
        c->vals = a->n_buffers > 1 && a->buffers[1] ? a->buffers[1]->data : NULL;
        c->data = a->n_buffers > 2 && a->buffers[2] ? a->buffers[2]->data : NULL;
        c->desc = s->keys[k].descending;
        c->nulls_first = s->keys[k].nulls_first;
    }
    return APHX_OK;
}

static void unref_all(arrow_array **arrs, int32_t n)
{
    for (int32_t k = 0; k < n; k++) {
        arrow_array_unref(arrs[k]);
        arrs[k] = NULL;
    }
}

/* Sort b; keep the first `keep` rows (keep < 0: all). *out replaces nothing. */
static aphx_rc sort_batch(sort_op *s, const arrow_batch *b, int64_t keep, arrow_batch **out,
                          aphx_error *err)
{
    int64_t n = b->length;
    arrow_array *arrs[64] = {0};
    sort_col cols[64];
    int64_t *perm = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!perm) return aphx_fail(err, APHX_NOMEM, "out of memory sorting");
    aphx_rc rc = eval_keys(s, b, arrs, cols, err);
    if (!rc) {
        for (int64_t i = 0; i < n; i++) perm[i] = i;
        sort_ctx c = {cols, s->n_keys};
        qsort_r(perm, (size_t)n, sizeof(int64_t), perm_cmp, &c);
        if (keep >= 0 && keep < n) n = keep;
        rc = exec_batch_take(b, perm, n, out, err);
    }
    unref_all(arrs, s->n_keys);
    aphx_free(perm);
    return rc;
}

static aphx_rc concat_batches(const arrow_batch *a, const arrow_batch *b, arrow_batch **out,
                              aphx_error *err)
{
    arrow_batch *r = arrow_batch_new(b->schema, a->length + b->length);
    if (!r) return aphx_fail(err, APHX_NOMEM, "out of memory sorting");
    for (int32_t c = 0; c < b->n_columns; c++) {
        arrow_array *pair[2] = {a->columns[c], b->columns[c]};
        aphx_rc rc = exec_concat(&b->schema->fields[c], pair, 2, &r->columns[c], err);
        if (rc) {
            arrow_batch_free(r);
            return rc;
        }
    }
    *out = r;
    return APHX_OK;
}

static aphx_rc topn_consume(sort_op *s, aphx_error *err)
{
    exec_op *op = &s->base;
    int64_t k_rows = s->offset + s->limit;
    arrow_batch *kept = NULL;
    arrow_array *kept_arrs[64] = {0}, *b_arrs[64] = {0};
    sort_col kept_cols[64], b_cols[64];
    aphx_rc rc = APHX_OK;
    for (;;) {
        arrow_batch *b = NULL;
        aphx_arena_reset(&op->scratch);
        if ((rc = exec_op_next(op->children[0], &b, err)) || !b) break;
        if (k_rows == 0) {
            arrow_batch_free(b);
            continue;
        }
        arrow_batch *cand = b;
        if (kept && kept->length >= k_rows) {
            int64_t n = b->length, m = 0;
            int64_t *idx = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
            if (!idx) rc = aphx_fail(err, APHX_NOMEM, "out of memory in top-N");
            if (!rc) rc = eval_keys(s, b, b_arrs, b_cols, err);
            if (!rc) {
                int64_t last = kept->length - 1;
                const sort_col *k0 = &b_cols[0], *t0 = &kept_cols[0];
                bool t0_null = t0->type == ARROW_NA || (t0->valid && !arrow_bit_get(t0->valid, t0->offset + last));
                if (k0->type == ARROW_INT64 && !k0->valid && !t0_null) {
                    /* Screen on the first key in a plain loop; ties go to the full compare. */
                    const int64_t *x = (const int64_t *)k0->vals + k0->offset;
                    int64_t thr = ((const int64_t *)t0->vals)[t0->offset + last];
                    bool desc = k0->desc;
                    for (int64_t i = 0; i < n; i++) {
                        int64_t v = x[i];
                        if (desc ? v > thr : v < thr) idx[m++] = i;
                        else if (v == thr && cmp_rows(b_cols, i, kept_cols, last, s->n_keys) < 0) idx[m++] = i;
                    }
                } else {
                    for (int64_t i = 0; i < n; i++)
                        if (cmp_rows(b_cols, i, kept_cols, last, s->n_keys) < 0) idx[m++] = i;
                }
                cand = NULL;
                if (m > 0) rc = exec_batch_take(b, idx, m, &cand, err);
            }
            unref_all(b_arrs, s->n_keys);
            arrow_batch_free(b);
            b = NULL;
            if (rc) break;
            if (!cand) continue;
        }
        arrow_batch *merged = NULL, *next = NULL;
        if (kept) {
            rc = concat_batches(kept, cand, &merged, err);
        } else {
            merged = cand;
            cand = NULL;
        }
        if (cand) arrow_batch_free(cand);
        if (rc) break;
        rc = sort_batch(s, merged, k_rows, &next, err);
        arrow_batch_free(merged);
        if (rc) break;
        unref_all(kept_arrs, s->n_keys);
        arrow_batch_free(kept);
        kept = next;
        if ((rc = eval_keys(s, kept, kept_arrs, kept_cols, err))) break;
    }
    unref_all(kept_arrs, s->n_keys);
    if (rc) {
        arrow_batch_free(kept);
        return rc;
    }
    s->sorted = kept;
    return APHX_OK;
}

static aphx_rc sort_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    sort_op *s = (sort_op *)op;
    if (!s->done_input) {
        s->done_input = true;
        aphx_rc rc;
        if (s->limit >= 0) {
            rc = topn_consume(s, err);
        } else {
            arrow_batch *all = NULL;
            rc = exec_op_collect(op->children[0], &all, err);
            if (!rc) rc = sort_batch(s, all, -1, &s->sorted, err);
            arrow_batch_free(all);
        }
        if (rc) return rc;
        s->pos = s->limit >= 0 ? s->offset : 0;
    }
    if (!s->sorted || s->pos >= s->sorted->length) return APHX_OK;
    int64_t len = APHX_MIN(exec_batch_rows(op->ctx), s->sorted->length - s->pos);
    arrow_batch *r = arrow_batch_slice(s->sorted, s->pos, len);
    if (!r) return aphx_fail(err, APHX_NOMEM, "out of memory in sort");
    r->schema = &op->schema;
    s->pos += len;
    *out = r;
    return APHX_OK;
}

static void sort_describe(const exec_op *op, aphx_buf *out)
{
    const sort_op *s = (const sort_op *)op;
    for (int32_t k = 0; k < s->n_keys; k++) {
        if (k) aphx_buf_puts(out, ", ");
        exec_expr_format(s->keys[k].expr, out);
        aphx_buf_puts(out, s->keys[k].descending ? " DESC" : " ASC");
        aphx_buf_puts(out, s->keys[k].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
    if (s->limit >= 0)
        aphx_buf_printf(out, " top-N limit=%lld offset=%lld", (long long)s->limit, (long long)s->offset);
}

static void sort_destroy(exec_op *op)
{
    sort_op *s = (sort_op *)op;
    arrow_batch_free(s->sorted);
    aphx_free(s->keys);
}

static const exec_op_vtable sort_vt = {"Sort", sort_next, sort_describe, sort_destroy};

exec_op *exec_sort_new(exec_ctx *ctx, exec_op *child, const exec_sort_key *keys, int32_t n_keys,
                       int64_t limit, int64_t offset, aphx_error *err)
{
    if (!child) return NULL;
    if (n_keys < 1 || n_keys > 64 || offset < 0) {
        aphx_fail(err, APHX_INVALID, "sort needs 1 to 64 keys and a non-negative offset");
        exec_op_free(child);
        return NULL;
    }
    sort_op *s = (sort_op *)exec_op_alloc(sizeof *s, &sort_vt, ctx);
    if (!s) {
        exec_op_free(child);
        aphx_fail(err, APHX_NOMEM, "out of memory creating a sort");
        return NULL;
    }
    s->base.children[0] = child;
    s->base.n_children = 1;
    s->limit = limit;
    s->offset = offset;
    s->n_keys = n_keys;
    s->keys = aphx_calloc((size_t)n_keys, sizeof *keys);
    if (!s->keys || arrow_schema_copy(&s->base.schema, exec_op_schema(child))) {
        aphx_fail(err, APHX_NOMEM, "out of memory creating a sort");
        exec_op_free(&s->base);
        return NULL;
    }
    for (int32_t k = 0; k < n_keys; k++) {
        if (!keys[k].expr) {
            aphx_fail(err, APHX_INVALID, "sort key %d missing", k);
            exec_op_free(&s->base);
            return NULL;
        }
        s->keys[k] = keys[k];
    }
    return &s->base;
}
