/*
 * ipc_bench.c — Arrow IPC write/read benchmark of ArrowPhoenix's writer and
 * reader (src/arrow/ipc_*.c) against memcpy of the same bytes.
 *
 * Data (deterministic, the same every run): ROWS rows in batches of up to
 * 1M rows, five columns:
 *   i64   int64, no nulls            f64   float64, no nulls
 *   s     utf8, 4..19 bytes each     d     dictionary<utf8, int32 indices>, 1000 words
 *   n32   int32, every 10th null
 * Measured (median of RUNS): write to memory uncompressed and ZSTD, and
 * uncompressed to /dev/null (no output page faults); read
 * (open + every batch, which includes the reader's validation) of those
 * bytes; memcpy of the uncompressed byte count into a pre-faulted buffer
 * (the bandwidth limit) and into freshly allocated memory (what any writer
 * to memory also pays: page faults).
 *
 *   ipc_bench [--rows N] [--runs R] [--data-out FILE] [--zstd-out FILE]
 *
 * --data-out / --zstd-out save the written streams so that
 * bench/ipc_bench.mjs (apache-arrow JS) reads and writes the same data.
 * Prints "key value" lines on stdout (times in milliseconds, wall clock as
 * *_ms and this thread's CPU time as *_cpu_ms) for bench/run-ipc-bench.sh;
 * asserts nothing.
 */
#include "arrow/arrow.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_BATCH_ROWS 1000000
#define BENCH_MAX_RUNS 31
#define BENCH_DICT_WORDS 1000

typedef struct bench_data {
    arrow_schema  schema;
    arrow_array  *dict;
    arrow_batch **batches;
    int           n_batches;
} bench_data;

/* CPU time of this thread: the machine may be shared, and CPU time does not
 * count the time spent waiting for a core (page faults still count). */
static int64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct bench_time { double wall_ms, cpu_ms; } bench_time;

static bench_time bench_since(int64_t wall0, int64_t cpu0)
{
    bench_time t = {(double)(aphx_now_ns() - wall0) / 1e6, (double)(bench_cpu_ns() - cpu0) / 1e6};
    return t;
}

static uint64_t bench_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static arrow_array *bench_array(int64_t length, int32_t n_buffers)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refcount = 1;
    a->length = length;
    a->n_buffers = n_buffers;
    return a;
}

/* utf8 array of n strings; string i is word(i) written by `word`. */
static arrow_array *bench_strings(int64_t n, uint64_t seed, bool words)
{
    arrow_array *a = bench_array(n, 3);
    if (!a) return NULL;
    int64_t cap = n * 20;
    a->buffers[1] = arrow_buffer_alloc((n + 1) * 4);
    a->buffers[2] = arrow_buffer_alloc(cap);
    if (!a->buffers[1] || !a->buffers[2]) goto fail;
    int32_t *off = (int32_t *)a->buffers[1]->data;
    char *p = (char *)a->buffers[2]->data;
    int64_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        off[i] = (int32_t)pos;
        if (words) {
            pos += snprintf(p + pos, 20, "word-%04" PRId64, i);
        } else {
            uint64_t h = bench_mix(seed + (uint64_t)i);
            int len = 4 + (int)(h % 16);
            for (int k = 0; k < len; k++) p[pos + k] = (char)('a' + (h >> (4 + k * 3)) % 26);
            pos += len;
        }
    }
    off[n] = (int32_t)pos;
    a->buffers[2]->size = pos;
    return a;
fail:
    arrow_array_unref(a);
    return NULL;
}

static arrow_batch *bench_batch(bench_data *d, int64_t first, int64_t n)
{
    arrow_batch *b = arrow_batch_new(&d->schema, n);
    if (!b) return NULL;
    arrow_array *i64 = bench_array(n, 2), *f64 = bench_array(n, 2), *d32 = bench_array(n, 2),
                *n32 = bench_array(n, 2);
    b->columns[0] = i64;
    b->columns[1] = f64;
    b->columns[2] = bench_strings(n, 1000 + (uint64_t)first, false);
    b->columns[3] = d32;
    b->columns[4] = n32;
    if (!i64 || !f64 || !b->columns[2] || !d32 || !n32) goto fail;
    if (!(i64->buffers[1] = arrow_buffer_alloc(n * 8)) ||
        !(f64->buffers[1] = arrow_buffer_alloc(n * 8)) ||
        !(d32->buffers[1] = arrow_buffer_alloc(n * 4)) ||
        !(n32->buffers[0] = arrow_buffer_alloc((n + 7) / 8)) ||
        !(n32->buffers[1] = arrow_buffer_alloc(n * 4)))
        goto fail;
    d32->dictionary = arrow_array_ref(d->dict);
    int64_t *iv = (int64_t *)i64->buffers[1]->data;
    double *fv = (double *)f64->buffers[1]->data;
    int32_t *dv = (int32_t *)d32->buffers[1]->data;
    int32_t *nv = (int32_t *)n32->buffers[1]->data;
    uint8_t *nb = n32->buffers[0]->data;
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t h = bench_mix((uint64_t)(first + i));
        iv[i] = (int64_t)h;
        fv[i] = (double)(h % 10000000) / 100.0;
        dv[i] = (int32_t)((h >> 20) % BENCH_DICT_WORDS);
        bool is_null = (first + i) % 10 == 9;
        nv[i] = is_null ? 0 : (int32_t)(h >> 32);
        arrow_bit_set(nb, i, !is_null);
        nulls += is_null;
    }
    n32->null_count = nulls;
    return b;
fail:
    arrow_batch_free(b);
    return NULL;
}

static aphx_rc bench_make(bench_data *d, int64_t rows)
{
    if (arrow_schema_init(&d->schema, 5) ||
        arrow_field_init(&d->schema.fields[0], "i64", ARROW_INT64, false) ||
        arrow_field_init(&d->schema.fields[1], "f64", ARROW_FLOAT64, false) ||
        arrow_field_init(&d->schema.fields[2], "s", ARROW_UTF8, false) ||
        arrow_field_init(&d->schema.fields[3], "d", ARROW_UTF8, false) ||
        arrow_field_init(&d->schema.fields[4], "n32", ARROW_INT32, true))
        return APHX_NOMEM;
    d->schema.fields[3].dict = aphx_calloc(1, sizeof *d->schema.fields[3].dict);
    if (!d->schema.fields[3].dict) return APHX_NOMEM;
    d->schema.fields[3].dict->id = 0;
    d->schema.fields[3].dict->index_type = ARROW_INT32;
    if (!(d->dict = bench_strings(BENCH_DICT_WORDS, 0, true))) return APHX_NOMEM;
    d->n_batches = (int)((rows + BENCH_BATCH_ROWS - 1) / BENCH_BATCH_ROWS);
    d->batches = aphx_calloc((size_t)APHX_MAX(d->n_batches, 1), sizeof(arrow_batch *));
    if (!d->batches) return APHX_NOMEM;
    for (int i = 0; i < d->n_batches; i++) {
        int64_t first = (int64_t)i * BENCH_BATCH_ROWS;
        d->batches[i] = bench_batch(d, first, APHX_MIN(BENCH_BATCH_ROWS, rows - first));
        if (!d->batches[i]) return APHX_NOMEM;
    }
    return APHX_OK;
}

static void bench_free(bench_data *d)
{
    for (int i = 0; i < d->n_batches && d->batches; i++) arrow_batch_free(d->batches[i]);
    aphx_free(d->batches);
    arrow_array_unref(d->dict);
    arrow_schema_free(&d->schema);
}

/* Write every batch to memory (fd < 0) or to fd; with memory, *bytes
 * (caller frees) and *len receive the stream. */
static aphx_rc bench_write(bench_data *d, arrow_compression c, int fd, uint8_t **bytes,
                           size_t *len, bench_time *t, aphx_error *err)
{
    arrow_ipc_write_options opts = {.compression = c, .file_format = false};
    arrow_ipc_writer *w = NULL;
    int64_t t0 = aphx_now_ns(), c0 = bench_cpu_ns();
    aphx_rc rc = arrow_ipc_writer_open(fd, &d->schema, &opts, &w, err);
    for (int i = 0; rc == APHX_OK && i < d->n_batches; i++)
        rc = arrow_ipc_writer_write(w, d->batches[i], err);
    if (rc == APHX_OK) rc = arrow_ipc_writer_close(w, err);
    if (rc == APHX_OK && fd < 0) arrow_ipc_writer_take_buffer(w, bytes, len);
    *t = bench_since(t0, c0);
    if (w) arrow_ipc_writer_free(w);
    return rc;
}

/* Open the bytes and read every batch (checking the row count). */
static aphx_rc bench_read(const uint8_t *bytes, size_t len, int64_t rows, bench_time *t,
                          aphx_error *err)
{
    arrow_reader *r = NULL;
    int64_t seen = 0;
    int64_t t0 = aphx_now_ns(), c0 = bench_cpu_ns();
    arrow_buffer *in = arrow_buffer_wrap((void *)bytes, (int64_t)len, NULL, NULL);
    if (!in) return aphx_fail(err, APHX_NOMEM, "out of memory");
    aphx_rc rc = arrow_ipc_reader_open_buffer(in, &r, err);
    while (rc == APHX_OK) {
        arrow_batch *b = NULL;
        rc = r->next(r, &b, err);
        if (rc || !b) break;
        seen += b->length;
        arrow_batch_free(b);
    }
    if (r) r->close(r);
    arrow_buffer_unref(in);
    *t = bench_since(t0, c0);
    if (rc == APHX_OK && seen != rows)
        rc = aphx_fail(err, APHX_INTERNAL, "read %" PRId64 " rows, wrote %" PRId64, seen, rows);
    return rc;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static aphx_rc bench_save(const char *path, const uint8_t *bytes, size_t len, aphx_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return aphx_fail(err, APHX_IO, "cannot create %s", path);
    aphx_rc rc = aphx_write_all(fd, bytes, len, err);
    close(fd);
    return rc;
}

/* Median write and read times for one compression; keeps the last bytes. */
static aphx_rc bench_codec(bench_data *d, int64_t rows, int runs, arrow_compression c,
                           const char *name, const char *save, uint8_t **keep, size_t *keep_len,
                           aphx_error *err)
{
    double ww[BENCH_MAX_RUNS], wc[BENCH_MAX_RUNS], rw[BENCH_MAX_RUNS], rc_[BENCH_MAX_RUNS];
    uint8_t *bytes = NULL;
    size_t len = 0;
    aphx_rc rc = APHX_OK;
    for (int k = 0; k < runs; k++) {
        bench_time wt = {0}, rt = {0};
        aphx_free(bytes);
        bytes = NULL;
        if ((rc = bench_write(d, c, -1, &bytes, &len, &wt, err))) goto done;
        if ((rc = bench_read(bytes, len, rows, &rt, err))) goto done;
        ww[k] = wt.wall_ms, wc[k] = wt.cpu_ms, rw[k] = rt.wall_ms, rc_[k] = rt.cpu_ms;
    }
    printf("ours_write_%s_ms %.3f\nours_write_%s_cpu_ms %.3f\n"
           "ours_read_%s_ms %.3f\nours_read_%s_cpu_ms %.3f\n%s_bytes %zu\n",
           name, bench_median(ww, runs), name, bench_median(wc, runs),
           name, bench_median(rw, runs), name, bench_median(rc_, runs), name, len);
    fflush(stdout);
    if (save && (rc = bench_save(save, bytes, len, err))) goto done;
    if (keep) {
        *keep = bytes;
        *keep_len = len;
        bytes = NULL;
    }
done:
    aphx_free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    int64_t rows = 10000000, runs = 5;
    const char *data_out = NULL, *zstd_out = NULL;
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (has && strcmp(argv[i], "--rows") == 0 && aphx_parse_i64(argv[i + 1], &rows) && rows >= 0) i++;
        else if (has && strcmp(argv[i], "--runs") == 0 && aphx_parse_i64(argv[i + 1], &runs) &&
                 runs >= 1 && runs <= BENCH_MAX_RUNS) i++;
        else if (has && strcmp(argv[i], "--data-out") == 0) data_out = argv[++i];
        else if (has && strcmp(argv[i], "--zstd-out") == 0) zstd_out = argv[++i];
        else {
            fprintf(stderr, "usage: ipc_bench [--rows N] [--runs 1..%d] [--data-out FILE] "
                            "[--zstd-out FILE]\n", BENCH_MAX_RUNS);
            return 2;
        }
    }
    bench_data d = {0};
    aphx_error err = {0};
    uint8_t *plain = NULL, *dst = NULL;
    size_t plain_len = 0;
    int status = 1;

    int64_t t0 = aphx_now_ns();
    if (bench_make(&d, rows)) {
        aphx_fail(&err, APHX_NOMEM, "out of memory generating %" PRId64 " rows", rows);
        goto done;
    }
    fprintf(stderr, "ipc_bench: generated %" PRId64 " rows in %.0f ms\n", rows,
            (double)(aphx_now_ns() - t0) / 1e6);
    printf("rows %" PRId64 "\nruns %" PRId64 "\n", rows, runs);
    if (bench_codec(&d, rows, (int)runs, ARROW_COMPRESSION_NONE, "none", data_out, &plain,
                    &plain_len, &err))
        goto done;
    if (bench_codec(&d, rows, (int)runs, ARROW_COMPRESSION_ZSTD, "zstd", zstd_out, NULL, NULL,
                    &err))
        goto done;

    /* uncompressed to /dev/null: the writer's own cost without the page
     * faults of a fresh output buffer */
    {
        double ww[BENCH_MAX_RUNS], wc[BENCH_MAX_RUNS];
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0) {
            aphx_fail(&err, APHX_IO, "cannot open /dev/null");
            goto done;
        }
        for (int k = 0; k < runs; k++) {
            bench_time t = {0};
            if (bench_write(&d, ARROW_COMPRESSION_NONE, fd, NULL, NULL, &t, &err)) {
                close(fd);
                goto done;
            }
            ww[k] = t.wall_ms, wc[k] = t.cpu_ms;
        }
        close(fd);
        printf("ours_write_devnull_ms %.3f\nours_write_devnull_cpu_ms %.3f\n",
               bench_median(ww, (int)runs), bench_median(wc, (int)runs));
    }

    /* memcpy of the uncompressed byte count, destination pre-faulted */
    dst = aphx_malloc_aligned(plain_len ? plain_len : 1);
    if (!dst) {
        aphx_fail(&err, APHX_NOMEM, "out of memory");
        goto done;
    }
    memset(dst, 0, plain_len);
    double mt[BENCH_MAX_RUNS], mc[BENCH_MAX_RUNS];
    for (int k = 0; k < runs; k++) {
        int64_t m0 = aphx_now_ns(), c0 = bench_cpu_ns();
        memcpy(dst, plain, plain_len);
        bench_time t = bench_since(m0, c0);
        mt[k] = t.wall_ms, mc[k] = t.cpu_ms;
        if (plain_len && dst[k % plain_len] != plain[k % plain_len]) abort(); /* keep the copy */
    }
    printf("memcpy_ms %.3f\nmemcpy_cpu_ms %.3f\n", bench_median(mt, (int)runs),
           bench_median(mc, (int)runs));
    /* and into fresh memory, page faults included, as a writer to memory pays */
    for (int k = 0; k < runs; k++) {
        int64_t m0 = aphx_now_ns(), c0 = bench_cpu_ns();
        uint8_t *fresh = aphx_malloc(plain_len ? plain_len : 1);
        if (!fresh) {
            aphx_fail(&err, APHX_NOMEM, "out of memory");
            goto done;
        }
        memcpy(fresh, plain, plain_len);
        if (plain_len && fresh[plain_len - 1] != plain[plain_len - 1]) abort();
        aphx_free(fresh);
        bench_time t = bench_since(m0, c0);
        mt[k] = t.wall_ms, mc[k] = t.cpu_ms;
    }
    printf("memcpy_fresh_ms %.3f\nmemcpy_fresh_cpu_ms %.3f\n", bench_median(mt, (int)runs),
           bench_median(mc, (int)runs));
    status = 0;
done:
    if (status) fprintf(stderr, "ipc_bench: %s: %s\n", aphx_rc_name(err.code), err.msg);
    aphx_free_aligned(dst);
    aphx_free(plain);
    bench_free(&d);
    return status;
}
