/*
 * exec_bench.c — the executor benchmark: six queries over 10M generated
 * rows, single-threaded, built from exec operators the way a planner would
 * (projection pushed into the source, then filter/aggregate/join/sort).
 * Prints "key value" lines: <query>_ms (median wall time of RUNS),
 * <query>_cpu_ms and <query>_result (a checksum the DuckDB side must
 * match). Asserts nothing. bench/exec_bench.mjs runs the same queries on
 * the same data in DuckDB; bench/run-exec-bench.sh prints both with ratios.
 *
 *   exec_bench [--rows N] [--runs R] [--query NAME]
 *
 * Data (i = 0..N-1; identical formulas in exec_bench.mjs):
 *   h   = (i * 2654435761) % 2^32
 *   v   = h % 1000000            int64
 *   g   = h % 1000               int64 (1,000 groups)
 *   s   = 'k' || ((h / 128) % 100000)   varchar (100,000 groups)
 *   x   = (i * 7919) % 10007     int64; x < 100 selects ~1%
 *   fk  = (i * 31337) % 100000   int64, joins dim.key
 * dim (100,000 rows): key = 0..99999, val = (key * 3) % 1000
 * Queries:
 *   sum      SELECT SUM(v) FROM t
 *   filter   SELECT COUNT(*), SUM(v) FROM t WHERE x < 100
 *   group_int  SELECT g, SUM(v) FROM t GROUP BY g              (checksum: sum of sums, #groups)
 *   group_str  SELECT s, COUNT(*) FROM t GROUP BY s            (checksum: #groups, max count)
 *   join     SELECT COUNT(*), SUM(d.val) FROM t JOIN dim d ON t.fk = d.key
 *   topn     SELECT i, v FROM t ORDER BY v DESC, i LIMIT 100   (checksum: sum of i)
 */
#include "exec/exec.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { C_I, C_V, C_G, C_S, C_X, C_FK, N_COLS };

typedef struct dataset {
    arrow_schema  schema;
    arrow_batch **batches;
    int64_t       n_batches;
    arrow_schema  dim_schema;
    arrow_batch  *dim;
} dataset;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, aphx_error *err)
{
    fprintf(stderr, "exec_bench: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static void gen(dataset *d, int64_t rows)
{
    static const char *names[N_COLS] = {"i", "v", "g", "s", "x", "fk"};
    arrow_schema_init(&d->schema, N_COLS);
    for (int c = 0; c < N_COLS; c++) {
        arrow_field_free(&d->schema.fields[c]);
        arrow_field_init(&d->schema.fields[c], names[c], c == C_S ? ARROW_UTF8 : ARROW_INT64, false);
    }
    const int64_t per = 65536;
    d->n_batches = (rows + per - 1) / per;
    d->batches = calloc((size_t)d->n_batches, sizeof *d->batches);
    for (int64_t b = 0; b < d->n_batches; b++) {
        int64_t start = b * per, n = rows - start < per ? rows - start : per;
        arrow_batch *batch = arrow_batch_new(&d->schema, n);
        arrow_buffer *vals[N_COLS];
        for (int c = 0; c < N_COLS; c++)
            if (c != C_S) vals[c] = arrow_buffer_alloc(n * 8);
        arrow_buffer *off = arrow_buffer_alloc((n + 1) * 4), *data = arrow_buffer_alloc(n * 6);
        int32_t *o = (int32_t *)off->data;
        int64_t pos = 0;
        for (int64_t k = 0; k < n; k++) {
            int64_t i = start + k;
            int64_t h = (int64_t)(((uint64_t)i * 2654435761ULL) % 4294967296ULL);
            ((int64_t *)vals[C_I]->data)[k] = i;
            ((int64_t *)vals[C_V]->data)[k] = h % 1000000;
            ((int64_t *)vals[C_G]->data)[k] = h % 1000;
            ((int64_t *)vals[C_X]->data)[k] = (i * 7919) % 10007;
            ((int64_t *)vals[C_FK]->data)[k] = (i * 31337) % 100000;
            pos += sprintf((char *)data->data + pos, "k%lld", (long long)((h / 128) % 100000));
            o[k + 1] = (int32_t)pos;
        }
        data->size = pos;
        for (int c = 0; c < N_COLS; c++) {
            arrow_array *a = calloc(1, sizeof *a);
            a->refcount = 1;
            a->length = n;
            a->n_buffers = c == C_S ? 3 : 2;
            if (c == C_S) {
                a->buffers[1] = off;
                a->buffers[2] = data;
            } else {
                a->buffers[1] = vals[c];
            }
            batch->columns[c] = a;
        }
        d->batches[b] = batch;
    }
    arrow_schema_init(&d->dim_schema, 2);
    for (int c = 0; c < 2; c++) {
        arrow_field_free(&d->dim_schema.fields[c]);
        arrow_field_init(&d->dim_schema.fields[c], c ? "val" : "key", ARROW_INT64, false);
    }
    int64_t nd = 100000;
    d->dim = arrow_batch_new(&d->dim_schema, nd);
    for (int c = 0; c < 2; c++) {
        arrow_buffer *v = arrow_buffer_alloc(nd * 8);
        for (int64_t k = 0; k < nd; k++) ((int64_t *)v->data)[k] = c ? (k * 3) % 1000 : k;
        arrow_array *a = calloc(1, sizeof *a);
        a->refcount = 1;
        a->length = nd;
        a->n_buffers = 2;
        a->buffers[1] = v;
        d->dim->columns[c] = a;
    }
}

/* A source over the chosen columns of the fact table (projection pushdown:
 * zero-copy batches sharing the columns). */
typedef struct source {
    arrow_schema  schema;
    arrow_batch **batches;
    int64_t       n;
} source;

static void source_init(source *s, const dataset *d, const int *cols, int n_cols)
{
    arrow_schema_init(&s->schema, n_cols);
    for (int c = 0; c < n_cols; c++) {
        arrow_field_free(&s->schema.fields[c]);
        arrow_field_copy(&s->schema.fields[c], &d->schema.fields[cols[c]]);
    }
    s->n = d->n_batches;
    s->batches = calloc((size_t)s->n, sizeof *s->batches);
    for (int64_t b = 0; b < s->n; b++) {
        s->batches[b] = arrow_batch_new(&s->schema, d->batches[b]->length);
        for (int c = 0; c < n_cols; c++)
            s->batches[b]->columns[c] = arrow_array_ref(d->batches[b]->columns[cols[c]]);
    }
}

static void source_free(source *s)
{
    for (int64_t b = 0; b < s->n; b++) arrow_batch_free(s->batches[b]);
    free(s->batches);
    arrow_schema_free(&s->schema);
}

static int64_t cell_i64(const arrow_batch *b, int c, int64_t r)
{
    const arrow_array *a = b->columns[c];
    if (a->buffers[0] && !arrow_bit_get(a->buffers[0]->data, a->offset + r)) return 0;
    return ((const int64_t *)a->buffers[1]->data)[a->offset + r];
}

typedef enum query { Q_SUM, Q_FILTER, Q_GROUP_INT, Q_GROUP_STR, Q_JOIN, Q_TOPN, N_Q } query;
static const char *qnames[N_Q] = {"sum", "filter", "group_int", "group_str", "join", "topn"};

/* Build, run and checksum one query. */
static void run_query(query q, const dataset *d, char *checksum, size_t cs_len)
{
    aphx_arena arena;
    aphx_arena_init(&arena, 4096);
    aphx_error err;
    aphx_error_clear(&err);
    exec_ctx ctx;
    exec_ctx_init(&ctx);
    source src;
    exec_op *op = NULL;
    switch (q) {
    case Q_SUM: {
        int cols[] = {C_V};
        source_init(&src, d, cols, 1);
        exec_agg_spec a[] = {{EXEC_AGG_SUM, exec_expr_column(&arena, &src.schema, 0, &err), false, "s"}};
        op = exec_agg_new(&ctx, exec_batches_new(&ctx, &src.schema, src.batches, src.n, &err), NULL, NULL, 0, a, 1, &err);
        break;
    }
    case Q_FILTER: {
        int cols[] = {C_V, C_X};
        source_init(&src, d, cols, 2);
        exec_expr *pred = exec_expr_compare(&arena, EXEC_LT, exec_expr_column(&arena, &src.schema, 1, &err),
                                            exec_expr_literal(&arena, exec_scalar_int(100), &err), &err);
        exec_op *f = exec_filter_new(&ctx, exec_batches_new(&ctx, &src.schema, src.batches, src.n, &err), pred, &err);
        exec_agg_spec a[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"},
                             {EXEC_AGG_SUM, exec_expr_column(&arena, &src.schema, 0, &err), false, "s"}};
        op = exec_agg_new(&ctx, f, NULL, NULL, 0, a, 2, &err);
        break;
    }
    case Q_GROUP_INT: case Q_GROUP_STR: {
        int cols[] = {q == Q_GROUP_INT ? C_G : C_S, C_V};
        source_init(&src, d, cols, 2);
        exec_expr *g[] = {exec_expr_column(&arena, &src.schema, 0, &err)};
        exec_agg_spec a[] = {{q == Q_GROUP_INT ? EXEC_AGG_SUM : EXEC_AGG_COUNT_STAR,
                              q == Q_GROUP_INT ? exec_expr_column(&arena, &src.schema, 1, &err) : NULL, false, "a"}};
        op = exec_agg_new(&ctx, exec_batches_new(&ctx, &src.schema, src.batches, src.n, &err), g, NULL, 1, a, 1, &err);
        break;
    }
    case Q_JOIN: {
        int cols[] = {C_FK};
        source_init(&src, d, cols, 1);
        exec_op *l = exec_batches_new(&ctx, &src.schema, src.batches, src.n, &err);
        arrow_batch *dim = d->dim;
        exec_op *r = exec_batches_new(&ctx, &d->dim_schema, &dim, 1, &err);
        exec_expr *lk[] = {exec_expr_column(&arena, &src.schema, 0, &err)};
        exec_expr *rk[] = {exec_expr_column(&arena, &d->dim_schema, 0, &err)};
        exec_op *j = exec_hash_join_new(&ctx, l, r, EXEC_JOIN_INNER, lk, rk, 1, NULL, &err);
        if (!j) die("join", &err);
        exec_agg_spec a[] = {{EXEC_AGG_COUNT_STAR, NULL, false, "n"},
                             {EXEC_AGG_SUM, exec_expr_column(&arena, exec_op_schema(j), 2, &err), false, "s"}};
        op = exec_agg_new(&ctx, j, NULL, NULL, 0, a, 2, &err);
        break;
    }
    case Q_TOPN: {
        int cols[] = {C_I, C_V};
        source_init(&src, d, cols, 2);
        exec_sort_key k[] = {{exec_expr_column(&arena, &src.schema, 1, &err), true, false},
                             {exec_expr_column(&arena, &src.schema, 0, &err), false, false}};
        op = exec_sort_new(&ctx, exec_batches_new(&ctx, &src.schema, src.batches, src.n, &err), k, 2, 100, 0, &err);
        break;
    }
    default:
        break;
    }
    if (!op) die("building the query", &err);
    arrow_batch *out = NULL;
    if (exec_op_collect(op, &out, &err)) die(qnames[q], &err);
    int64_t rows = out->length;
    switch (q) {
    case Q_SUM: snprintf(checksum, cs_len, "%lld", (long long)cell_i64(out, 0, 0)); break;
    case Q_FILTER: case Q_JOIN:
        snprintf(checksum, cs_len, "%lld/%lld", (long long)cell_i64(out, 0, 0), (long long)cell_i64(out, 1, 0));
        break;
    case Q_GROUP_INT: case Q_GROUP_STR: {
        int64_t total = 0, mx = 0;
        for (int64_t r = 0; r < rows; r++) {
            int64_t v = cell_i64(out, 1, r);
            total += v;
            if (v > mx) mx = v;
        }
        if (q == Q_GROUP_INT) snprintf(checksum, cs_len, "%lld/%lld", (long long)rows, (long long)total);
        else snprintf(checksum, cs_len, "%lld/%lld", (long long)rows, (long long)mx);
        break;
    }
    case Q_TOPN: {
        int64_t total = 0;
        for (int64_t r = 0; r < rows; r++) total += cell_i64(out, 0, r);
        snprintf(checksum, cs_len, "%lld/%lld", (long long)rows, (long long)total);
        break;
    }
    default:
        break;
    }
    arrow_batch_free(out);
    exec_op_free(op);
    source_free(&src);
    aphx_arena_destroy(&arena);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int64_t rows = 10000000;
    int runs = 3;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rows")) rows = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--query")) only = argv[i + 1];
    }
    if (runs < 1 || runs > 50) runs = 3;
    /* Keep freed batch buffers in the heap instead of returning them to the
     * kernel after every batch (what a server process does too; DuckDB has
     * its own buffer manager). */
    if (!getenv("EXEC_BENCH_DEFAULT_MALLOC")) {
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
    dataset d;
    memset(&d, 0, sizeof d);
    double t0 = now_ms();
    gen(&d, rows);
    fprintf(stderr, "exec_bench: generated %lld rows in %.0f ms\n", (long long)rows, now_ms() - t0);
    printf("rows %lld\n", (long long)rows);
    for (int q = 0; q < N_Q; q++) {
        if (only && strcmp(only, qnames[q])) continue;
        double wall[50], cpu[50];
        char checksum[128] = "";
        for (int r = 0; r < runs; r++) {
            double w0 = now_ms(), c0 = cpu_ms();
            run_query((query)q, &d, checksum, sizeof checksum);
            wall[r] = now_ms() - w0;
            cpu[r] = cpu_ms() - c0;
        }
        qsort(wall, (size_t)runs, sizeof(double), cmp_double);
        qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
        printf("%s_ms %.3f\n%s_cpu_ms %.3f\n%s_result %s\n", qnames[q], wall[runs / 2], qnames[q],
               cpu[runs / 2], qnames[q], checksum);
        fflush(stdout);
    }
    for (int64_t b = 0; b < d.n_batches; b++) arrow_batch_free(d.batches[b]);
    free(d.batches);
    arrow_batch_free(d.dim);
    arrow_schema_free(&d.schema);
    arrow_schema_free(&d.dim_schema);
    return 0;
}
