/*
 * op_basic.c — the operator framework (allocation, sticky errors, EXPLAIN,
 * collect) and the streaming operators: in-memory batches, VALUES, table
 * scan with pushed-down filter and projection, filter, project, limit.
 */
#include "exec/exec_internal.h"

/* ------------------------------------------------------------------ */
/* Framework                                                           */
/* ------------------------------------------------------------------ */
exec_op *exec_op_alloc(size_t size, const exec_op_vtable *vt, exec_ctx *ctx)
{
    exec_op *op = aphx_calloc(1, size);
    if (!op) return NULL;
    op->vt = vt;
    op->ctx = ctx;
    aphx_arena_init(&op->scratch, 4 << 20);   /* one block reused per batch */
    return op;
}

aphx_rc exec_op_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    *out = NULL;
    if (op->failed) {
        if (err) *err = op->failed_err;
        return op->failed;
    }
    aphx_arena_reset(&op->scratch);
    aphx_error local;
    aphx_error_clear(&local);
    aphx_rc rc = op->vt->next(op, out, &local);
    if (rc) {
        if (local.code == APHX_OK) aphx_fail(&local, rc, "%s failed", op->vt->name);
        op->failed = rc;
        op->failed_err = local;
        if (err) *err = local;
        if (*out) {
            arrow_batch_free(*out);
            *out = NULL;
        }
    }
    return rc;
}

const arrow_schema *exec_op_schema(const exec_op *op)
{
    return &op->schema;
}

void exec_op_free(exec_op *op)
{
    if (!op) return;
    if (op->vt->destroy) op->vt->destroy(op);
    for (int32_t i = 0; i < op->n_children; i++) exec_op_free(op->children[i]);
    arrow_schema_free(&op->schema);
    aphx_arena_destroy(&op->scratch);
    aphx_free(op);
}

static void explain_rec(const exec_op *op, int depth, aphx_buf *out)
{
    for (int i = 0; i < depth; i++) aphx_buf_puts(out, "  ");
    aphx_buf_puts(out, op->vt->name);
    if (op->vt->describe) {
        aphx_buf_putc(out, ' ');
        op->vt->describe(op, out);
    }
    aphx_buf_putc(out, '\n');
    for (int32_t i = 0; i < op->n_children; i++) explain_rec(op->children[i], depth + 1, out);
}

void exec_op_explain(const exec_op *op, aphx_buf *out)
{
    explain_rec(op, 0, out);
}

aphx_rc exec_schema_set(arrow_schema *s, int32_t i, const char *name, exec_type t, bool nullable)
{
    arrow_field_free(&s->fields[i]);
    return exec_type_to_field(t, name, nullable, &s->fields[i]);
}

aphx_rc exec_schema_copy_fields(arrow_schema *dst, int32_t at, const arrow_schema *src,
                                bool force_nullable)
{
    for (int32_t i = 0; i < src->n_fields; i++) {
        arrow_field_free(&dst->fields[at + i]);
        aphx_rc rc = arrow_field_copy(&dst->fields[at + i], &src->fields[i]);
        if (rc) return rc;
        if (force_nullable) dst->fields[at + i].nullable = true;
    }
    return APHX_OK;
}

/* A batch of op's schema sharing the columns of b. */
static arrow_batch *rebatch(exec_op *op, const arrow_batch *b)
{
    arrow_batch *r = arrow_batch_new(&op->schema, b->length);
    if (!r) return NULL;
    for (int32_t c = 0; c < b->n_columns && c < r->n_columns; c++)
        r->columns[c] = arrow_array_ref(b->columns[c]);
    return r;
}

/* Free children handed to a failing constructor. */
static exec_op *fail_with(exec_op *op, exec_op *c0, exec_op *c1)
{
    if (op) {
        exec_op_free(op);
    } else {
        exec_op_free(c0);
        exec_op_free(c1);
    }
    return NULL;
}

aphx_rc exec_op_collect(exec_op *op, arrow_batch **out, aphx_error *err)
{
    *out = NULL;
    const arrow_schema *s = exec_op_schema(op);
    arrow_batch **list = NULL;
    int64_t n = 0, cap = 0, rows = 0;
    aphx_rc rc = APHX_OK;
    arrow_array **cols = NULL;
    for (;;) {
        arrow_batch *b;
        if ((rc = exec_op_next(op, &b, err))) goto done;
        if (!b) break;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            arrow_batch **nl = aphx_realloc(list, (size_t)cap * sizeof *nl);
            if (!nl) {
                arrow_batch_free(b);
                rc = aphx_fail(err, APHX_NOMEM, "out of memory collecting results");
                goto done;
            }
            list = nl;
        }
        list[n++] = b;
        rows += b->length;
    }
    arrow_batch *r = arrow_batch_new(s, rows);
    cols = aphx_calloc((size_t)(n > 0 ? n : 1), sizeof *cols);
    if (!r || !cols) {
        arrow_batch_free(r);
        rc = aphx_fail(err, APHX_NOMEM, "out of memory collecting results");
        goto done;
    }
    for (int32_t c = 0; c < s->n_fields; c++) {
        if (n == 0) {
            arrow_field *f = &s->fields[c];
            exec_type t = {f->type.id, f->type.precision, f->type.scale};
            int64_t zero = 0;
            arrow_array *empty = exec_array_nulls(t, 0);
            if (!empty) { rc = aphx_fail(err, APHX_NOMEM, "out of memory"); break; }
            rc = exec_take(f, empty, &zero, 0, &r->columns[c], err);
            arrow_array_unref(empty);
        } else {
            for (int64_t k = 0; k < n; k++) cols[k] = list[k]->columns[c];
            rc = exec_concat(&s->fields[c], cols, n, &r->columns[c], err);
        }
        if (rc) break;
    }
    if (rc) arrow_batch_free(r);
    else *out = r;
done:
    for (int64_t k = 0; k < n; k++) arrow_batch_free(list[k]);
    aphx_free(list);
    aphx_free(cols);
    return rc;
}

/* ------------------------------------------------------------------ */
/* In-memory batches                                                   */
/* ------------------------------------------------------------------ */
typedef struct batches_op {
    exec_op       base;
    arrow_batch **batches;
    int64_t       n, next, pos;
} batches_op;

static aphx_rc batches_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    batches_op *b = (batches_op *)op;
    int64_t limit = exec_batch_rows(op->ctx);
    while (b->next < b->n) {
        arrow_batch *src = b->batches[b->next];
        if (b->pos >= src->length) {
            b->next++;
            b->pos = 0;
            continue;
        }
        int64_t len = APHX_MIN(limit, src->length - b->pos);
        arrow_batch *s = arrow_batch_slice(src, b->pos, len);
        if (!s) return aphx_fail(err, APHX_NOMEM, "out of memory slicing a batch");
        b->pos += len;
        s->schema = &op->schema;
        *out = s;
        return APHX_OK;
    }
    return APHX_OK;
}

static void batches_describe(const exec_op *op, aphx_buf *out)
{
    const batches_op *b = (const batches_op *)op;
    aphx_buf_printf(out, "(%lld batches)", (long long)b->n);
}

static const exec_op_vtable batches_vt = {"Batches", batches_next, batches_describe, NULL};

exec_op *exec_batches_new(exec_ctx *ctx, const arrow_schema *schema, arrow_batch **batches,
                          int64_t n, aphx_error *err)
{
    batches_op *b = (batches_op *)exec_op_alloc(sizeof *b, &batches_vt, ctx);
    if (!b || arrow_schema_copy(&b->base.schema, schema)) {
        aphx_free(b);
        aphx_fail(err, APHX_NOMEM, "out of memory creating a batch source");
        return NULL;
    }
    b->batches = batches;
    b->n = n;
    return &b->base;
}

/* ------------------------------------------------------------------ */
/* VALUES                                                              */
/* ------------------------------------------------------------------ */
typedef struct values_op {
    exec_op      base;
    exec_expr  **cells;
    int64_t      n_rows;
    int32_t      n_cols;
    exec_type   *types;
    bool         done;
} values_op;

static aphx_rc values_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    values_op *v = (values_op *)op;
    if (v->done) return APHX_OK;
    v->done = true;
    arrow_schema empty = {0};
    arrow_batch one = {&empty, 1, 0, NULL};
    arrow_batch *r = arrow_batch_new(&op->schema, v->n_rows);
    arrow_array **parts = aphx_calloc((size_t)(v->n_rows > 0 ? v->n_rows : 1), sizeof *parts);
    aphx_rc rc = APHX_OK;
    if (!r || !parts) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory evaluating VALUES");
        goto done;
    }
    for (int32_t c = 0; c < v->n_cols && !rc; c++) {
        int64_t made = 0;
        for (int64_t i = 0; i < v->n_rows; i++) {
            const exec_expr *e = v->cells[i * v->n_cols + c];
            arrow_array *a = NULL;
            if (e->type.id == ARROW_NA) {
                a = exec_array_nulls(v->types[c], 1);
                if (!a) rc = aphx_fail(err, APHX_NOMEM, "out of memory evaluating VALUES");
            } else {
                rc = exec_expr_eval(e, op->ctx, &one, &op->scratch, &a, err);
            }
            if (rc) break;
            parts[made++] = a;
        }
        if (!rc) rc = exec_concat(&op->schema.fields[c], parts, made, &r->columns[c], err);
        for (int64_t i = 0; i < made; i++) arrow_array_unref(parts[i]);
    }
done:
    aphx_free(parts);
    if (rc) {
        arrow_batch_free(r);
        return rc;
    }
    *out = r;
    return APHX_OK;
}

static void values_describe(const exec_op *op, aphx_buf *out)
{
    const values_op *v = (const values_op *)op;
    aphx_buf_printf(out, "(%lld rows)", (long long)v->n_rows);
}

static void values_destroy(exec_op *op)
{
    aphx_free(((values_op *)op)->types);
}

static const exec_op_vtable values_vt = {"Values", values_next, values_describe, values_destroy};

exec_op *exec_values_new(exec_ctx *ctx, const char *const *names, int32_t n_cols,
                         exec_expr **cells, int64_t n_rows, aphx_error *err)
{
    values_op *v = (values_op *)exec_op_alloc(sizeof *v, &values_vt, ctx);
    if (!v) goto nomem;
    v->cells = cells;
    v->n_rows = n_rows;
    v->n_cols = n_cols;
    v->types = aphx_calloc((size_t)(n_cols > 0 ? n_cols : 1), sizeof(exec_type));
    if (!v->types || arrow_schema_init(&v->base.schema, n_cols)) goto nomem;
    for (int32_t c = 0; c < n_cols; c++) {
        exec_type t = exec_type_of(ARROW_NA);
        for (int64_t i = 0; i < n_rows; i++) {
            exec_expr *e = cells[i * n_cols + c];
            if (!e) {
                aphx_fail(err, APHX_INVALID, "VALUES cell (%lld, %d) missing", (long long)i, c);
                return fail_with(&v->base, NULL, NULL);
            }
            exec_type ct = exec_canon(e->type);
            if (ct.id == ARROW_NA) continue;
            if (t.id == ARROW_NA) t = ct;
            else if (t.id != ct.id || (t.id == ARROW_DECIMAL128 && t.scale != ct.scale)) {
                exec_sql_fail(err, APHX_INVALID, "42804",
                              "VALUES column %d mixes types %s and %s (cast them to one type)", c + 1,
                              arrow_type_name(t.id), arrow_type_name(ct.id));
                return fail_with(&v->base, NULL, NULL);
            }
        }
        v->types[c] = t;
        char name[32];
        snprintf(name, sizeof name, "column%d", c + 1);
        if (exec_schema_set(&v->base.schema, c, names && names[c] ? names[c] : name, t, true))
            goto nomem;
    }
    return &v->base;
nomem:
    aphx_fail(err, APHX_NOMEM, "out of memory creating VALUES");
    return fail_with(v ? &v->base : NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Scan                                                                */
/* ------------------------------------------------------------------ */
typedef struct scan_op {
    exec_op        base;
    storage_table *table;
    int32_t       *columns;
    int32_t        n_columns;
    exec_expr     *filter;
    storage_scan  *scan;
    bool           opened;
    aphx_arena     filter_scratch;
} scan_op;

static aphx_rc scan_predicate(void *ctx, const arrow_batch *rows, uint8_t *keep, aphx_error *err)
{
    scan_op *s = ctx;
    aphx_arena_reset(&s->filter_scratch);
    arrow_array *r = NULL;
    aphx_rc rc = exec_expr_eval(s->filter, s->base.ctx, rows, &s->filter_scratch, &r, err);
    if (rc) return rc;
    int64_t n = rows->length;
    const uint8_t *v = r->buffers[1]->data;
    const uint8_t *ok = r->buffers[0] ? r->buffers[0]->data : NULL;
    for (int64_t j = 0; j < (n + 7) / 8; j++) {
        uint8_t m = v[j];
        if (ok) m &= ok[j];
        keep[j] &= m;
    }
    arrow_array_unref(r);
    return APHX_OK;
}

static aphx_rc scan_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    scan_op *s = (scan_op *)op;
    if (!s->opened) {
        s->opened = true;
        aphx_rc rc = storage_scan_open(s->table, s->columns, s->n_columns,
                                       s->filter ? scan_predicate : NULL, s, exec_batch_rows(op->ctx),
                                       &s->scan, err);
        if (rc) return rc;
    }
    arrow_batch *b = NULL;
    const uint8_t *sel = NULL;
    aphx_rc rc = storage_scan_next(s->scan, &b, &sel, err);
    if (rc || !b) return rc;
    if (sel) {
        /* Keep the selected rows only. */
        int64_t n = b->length, k = 0;
        int64_t *idx = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
        if (!idx) {
            arrow_batch_free(b);
            return aphx_fail(err, APHX_NOMEM, "out of memory in scan");
        }
        for (int64_t i = 0; i < n; i++)
            if (arrow_bit_get(sel, i)) idx[k++] = i;
        arrow_batch *t = NULL;
        rc = exec_batch_take(b, idx, k, &t, err);
        arrow_batch_free(b);
        if (rc) return rc;
        t->schema = &op->schema;
        *out = t;
        return APHX_OK;
    }
    *out = rebatch(op, b);
    arrow_batch_free(b);
    return *out ? APHX_OK : aphx_fail(err, APHX_NOMEM, "out of memory in scan");
}

static void scan_describe(const exec_op *op, aphx_buf *out)
{
    const scan_op *s = (const scan_op *)op;
    aphx_buf_puts(out, "columns=[");
    for (int32_t i = 0; i < op->schema.n_fields; i++)
        aphx_buf_printf(out, "%s%s", i ? ", " : "", op->schema.fields[i].name);
    aphx_buf_putc(out, ']');
    if (s->filter) {
        aphx_buf_puts(out, " filter=");
        exec_expr_format(s->filter, out);
    }
}

static void scan_destroy(exec_op *op)
{
    scan_op *s = (scan_op *)op;
    storage_scan_close(s->scan);
    aphx_free(s->columns);
    aphx_arena_destroy(&s->filter_scratch);
}

static const exec_op_vtable scan_vt = {"Scan", scan_next, scan_describe, scan_destroy};

exec_op *exec_scan_new(exec_ctx *ctx, storage_table *table, const int32_t *columns,
                       int32_t n_columns, exec_expr *filter, aphx_error *err)
{
    const arrow_schema *ts = storage_table_schema(table);
    if (filter && filter->type.id != ARROW_BOOL && filter->type.id != ARROW_NA) {
        exec_sql_fail(err, APHX_INVALID, "42804", "scan filter must be boolean");
        return NULL;
    }
    scan_op *s = (scan_op *)exec_op_alloc(sizeof *s, &scan_vt, ctx);
    if (!s) goto nomem;
    aphx_arena_init(&s->filter_scratch, 64 * 1024);
    s->table = table;
    s->filter = filter;
    if (!columns) n_columns = ts->n_fields;
    s->n_columns = n_columns;
    s->columns = aphx_calloc((size_t)(n_columns > 0 ? n_columns : 1), sizeof(int32_t));
    if (!s->columns || arrow_schema_init(&s->base.schema, n_columns)) goto nomem;
    for (int32_t i = 0; i < n_columns; i++) {
        int32_t c = columns ? columns[i] : i;
        if (c < 0 || c >= ts->n_fields) {
            aphx_fail(err, APHX_INVALID, "scan column %d out of range", c);
            return fail_with(&s->base, NULL, NULL);
        }
        s->columns[i] = c;
        arrow_field_free(&s->base.schema.fields[i]);
        if (arrow_field_copy(&s->base.schema.fields[i], &ts->fields[c])) goto nomem;
    }
    return &s->base;
nomem:
    aphx_fail(err, APHX_NOMEM, "out of memory creating a scan");
    return fail_with(s ? &s->base : NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Filter                                                              */
/* ------------------------------------------------------------------ */
typedef struct filter_op {
    exec_op    base;
    exec_expr *pred;
} filter_op;

/* Row indices where a BOOL array is TRUE (not NULL). */
static int64_t true_rows(const arrow_array *r, int64_t n, int64_t *idx)
{
    const uint8_t *v = r->n_buffers > 1 && r->buffers[1] ? r->buffers[1]->data : NULL;
    const uint8_t *ok = r->n_buffers > 0 && r->buffers[0] ? r->buffers[0]->data : NULL;
    int64_t k = 0;
    if (!v) return 0;
    for (int64_t j = 0; j < (n + 7) / 8; j++) {
        uint8_t m = v[j];
        if (ok) m &= ok[j];
        while (m) {
            int bit = __builtin_ctz(m);
            int64_t i = j * 8 + bit;
            if (i < n) idx[k++] = i;
            m &= (uint8_t)(m - 1);
        }
    }
    return k;
}

static aphx_rc filter_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    filter_op *f = (filter_op *)op;
    for (;;) {
        arrow_batch *b;
        aphx_rc rc = exec_op_next(op->children[0], &b, err);
        if (rc || !b) return rc;
        arrow_array *r = NULL;
        aphx_arena_reset(&op->scratch);
        rc = exec_expr_eval(f->pred, op->ctx, b, &op->scratch, &r, err);
        if (rc) {
            arrow_batch_free(b);
            return rc;
        }
        int64_t n = b->length;
        int64_t *idx = aphx_arena_alloc(&op->scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
        if (!idx) {
            arrow_array_unref(r);
            arrow_batch_free(b);
            return aphx_fail(err, APHX_NOMEM, "out of memory filtering");
        }
        int64_t k = true_rows(r, n, idx);
        arrow_array_unref(r);
        if (k == 0) {
            arrow_batch_free(b);
            continue;
        }
        if (k == n) {
            *out = rebatch(op, b);
            arrow_batch_free(b);
            return *out ? APHX_OK : aphx_fail(err, APHX_NOMEM, "out of memory filtering");
        }
        arrow_batch *t = NULL;
        rc = exec_batch_take(b, idx, k, &t, err);
        arrow_batch_free(b);
        if (rc) return rc;
        t->schema = &op->schema;
        *out = t;
        return APHX_OK;
    }
}

static void filter_describe(const exec_op *op, aphx_buf *out)
{
    exec_expr_format(((const filter_op *)op)->pred, out);
}

static const exec_op_vtable filter_vt = {"Filter", filter_next, filter_describe, NULL};

exec_op *exec_filter_new(exec_ctx *ctx, exec_op *child, exec_expr *predicate, aphx_error *err)
{
    if (!child) return NULL;
    if (!predicate || (predicate->type.id != ARROW_BOOL && predicate->type.id != ARROW_NA)) {
        exec_sql_fail(err, APHX_INVALID, "42804", "argument of WHERE must be boolean");
        return fail_with(NULL, child, NULL);
    }
    filter_op *f = (filter_op *)exec_op_alloc(sizeof *f, &filter_vt, ctx);
    if (!f || arrow_schema_copy(&f->base.schema, exec_op_schema(child))) {
        aphx_fail(err, APHX_NOMEM, "out of memory creating a filter");
        if (f) {
            f->base.children[0] = child;
            f->base.n_children = 1;
        }
        return fail_with(f ? &f->base : NULL, child, NULL);
    }
    f->base.children[0] = child;
    f->base.n_children = 1;
    f->pred = predicate;
    return &f->base;
}

/* ------------------------------------------------------------------ */
/* Project                                                             */
/* ------------------------------------------------------------------ */
typedef struct project_op {
    exec_op     base;
    exec_expr **exprs;
    int32_t     n;
} project_op;

static aphx_rc project_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    project_op *p = (project_op *)op;
    arrow_batch *b;
    aphx_rc rc = exec_op_next(op->children[0], &b, err);
    if (rc || !b) return rc;
    arrow_batch *r = arrow_batch_new(&op->schema, b->length);
    if (!r) {
        arrow_batch_free(b);
        return aphx_fail(err, APHX_NOMEM, "out of memory projecting");
    }
    for (int32_t i = 0; i < p->n && !rc; i++) {
        const exec_expr *e = p->exprs[i];
        if (e->kind == EXEC_EXPR_COLUMN && e->type.id == b->schema->fields[e->column].type.id)
            r->columns[i] = arrow_array_ref(b->columns[e->column]);
        else
            rc = exec_expr_eval(e, op->ctx, b, &op->scratch, &r->columns[i], err);
    }
    arrow_batch_free(b);
    if (rc) {
        arrow_batch_free(r);
        return rc;
    }
    *out = r;
    return APHX_OK;
}

static void project_describe(const exec_op *op, aphx_buf *out)
{
    const project_op *p = (const project_op *)op;
    for (int32_t i = 0; i < p->n; i++) {
        if (i) aphx_buf_puts(out, ", ");
        exec_expr_format(p->exprs[i], out);
        aphx_buf_printf(out, " AS %s", op->schema.fields[i].name);
    }
}

static void project_destroy(exec_op *op)
{
    aphx_free(((project_op *)op)->exprs);
}

static const exec_op_vtable project_vt = {"Project", project_next, project_describe, project_destroy};

exec_op *exec_project_new(exec_ctx *ctx, exec_op *child, exec_expr **exprs,
                          const char *const *names, int32_t n, aphx_error *err)
{
    if (!child) return NULL;
    project_op *p = (project_op *)exec_op_alloc(sizeof *p, &project_vt, ctx);
    if (!p) goto nomem;
    p->base.children[0] = child;
    p->base.n_children = 1;
    p->n = n;
    p->exprs = aphx_calloc((size_t)(n > 0 ? n : 1), sizeof(exec_expr *));
    if (!p->exprs || arrow_schema_init(&p->base.schema, n)) goto nomem;
    for (int32_t i = 0; i < n; i++) {
        if (!exprs[i]) {
            aphx_fail(err, APHX_INVALID, "projection %d missing", i);
            return fail_with(&p->base, NULL, NULL);
        }
        p->exprs[i] = exprs[i];
        const exec_expr *e = exprs[i];
        char name[32];
        snprintf(name, sizeof name, "column%d", i + 1);
        const char *nm = names && names[i] ? names[i] : name;
        const arrow_schema *cs = exec_op_schema(child);
        if (e->kind == EXEC_EXPR_COLUMN && e->type.id == cs->fields[e->column].type.id) {
            arrow_field_free(&p->base.schema.fields[i]);
            if (arrow_field_copy(&p->base.schema.fields[i], &cs->fields[e->column])) goto nomem;
            char *dup = aphx_strdup(nm);
            if (!dup) goto nomem;
            aphx_free(p->base.schema.fields[i].name);
            p->base.schema.fields[i].name = dup;
        } else if (exec_schema_set(&p->base.schema, i, nm, e->type, true)) {
            goto nomem;
        }
    }
    return &p->base;
nomem:
    aphx_fail(err, APHX_NOMEM, "out of memory creating a projection");
    return fail_with(p ? &p->base : NULL, child, NULL);
}

/* ------------------------------------------------------------------ */
/* Limit / offset                                                      */
/* ------------------------------------------------------------------ */
typedef struct limit_op {
    exec_op base;
    int64_t limit, offset;
    int64_t skipped, emitted;
} limit_op;

static aphx_rc limit_next(exec_op *op, arrow_batch **out, aphx_error *err)
{
    limit_op *l = (limit_op *)op;
    for (;;) {
        if (l->limit >= 0 && l->emitted >= l->limit) return APHX_OK;
        arrow_batch *b;
        aphx_rc rc = exec_op_next(op->children[0], &b, err);
        if (rc || !b) return rc;
        int64_t start = 0;
        if (l->skipped < l->offset) {
            start = APHX_MIN(b->length, l->offset - l->skipped);
            l->skipped += start;
        }
        int64_t len = b->length - start;
        if (l->limit >= 0) len = APHX_MIN(len, l->limit - l->emitted);
        if (len <= 0) {
            arrow_batch_free(b);
            continue;
        }
        arrow_batch *s = arrow_batch_slice(b, start, len);
        arrow_batch_free(b);
        if (!s) return aphx_fail(err, APHX_NOMEM, "out of memory in limit");
        s->schema = &op->schema;
        l->emitted += len;
        *out = s;
        return APHX_OK;
    }
}

static void limit_describe(const exec_op *op, aphx_buf *out)
{
    const limit_op *l = (const limit_op *)op;
    aphx_buf_printf(out, "limit=%lld offset=%lld", (long long)l->limit, (long long)l->offset);
}

static const exec_op_vtable limit_vt = {"Limit", limit_next, limit_describe, NULL};

exec_op *exec_limit_new(exec_ctx *ctx, exec_op *child, int64_t limit, int64_t offset,
                        aphx_error *err)
{
    if (!child) return NULL;
    if (offset < 0) {
        exec_sql_fail(err, APHX_INVALID, "2201X", "OFFSET must not be negative");
        return fail_with(NULL, child, NULL);
    }
    limit_op *l = (limit_op *)exec_op_alloc(sizeof *l, &limit_vt, ctx);
    if (!l || arrow_schema_copy(&l->base.schema, exec_op_schema(child))) {
        aphx_fail(err, APHX_NOMEM, "out of memory creating a limit");
        if (l) {
            l->base.children[0] = child;
            l->base.n_children = 1;
        }
        return fail_with(l ? &l->base : NULL, child, NULL);
    }
    l->base.children[0] = child;
    l->base.n_children = 1;
    l->limit = limit;
    l->offset = offset;
    return &l->base;
}
