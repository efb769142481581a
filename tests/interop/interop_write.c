/*
 * interop_write.c — writes Arrow IPC files with ArrowPhoenix's writer for
 * apache-arrow (JS) to read (interop direction 1). For every file NAME it
 * also writes NAME.json: the canonical JSON (tests/interop/canon.mjs) of the
 * batches it meant to write, rendered from the in-memory arrays. It prints
 * the file names, one per line, on stdout.
 *
 *   interop_write OUT_DIR [BIG_ROWS]     (BIG_ROWS defaults to 1000000; 0 skips)
 *
 * Cases: every type of arrow.h (large_list only in its own file, which
 * apache-arrow 21 cannot read), nulls, dictionaries (shared, delta,
 * replacement), empty batches, zero batches, sliced arrays, a 1M-row batch,
 * stream and file format, uncompressed, LZ4_FRAME and ZSTD. Data comes from
 * a seeded xorshift generator, so every run writes the same bytes.
 */
#include "interop_canon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Deterministic data                                                  */
/* ------------------------------------------------------------------ */
typedef struct gen_rng { uint32_t s; } gen_rng;

static uint32_t gen_next(gen_rng *r)
{
    uint32_t s = r->s ? r->s : 1;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    r->s = s;
    return s;
}

/* An array shell with n_buffers NULL buffers and n_children NULL children. */
static arrow_array *gen_array(int64_t length, int32_t n_buffers, int32_t n_children)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refcount = 1;
    a->length = length;
    a->n_buffers = n_buffers;
    a->null_count = 0;
    if (n_children > 0) {
        a->children = aphx_calloc((size_t)n_children, sizeof(arrow_array *));
        if (!a->children) {
            aphx_free(a);
            return NULL;
        }
        a->n_children = n_children;
    }
    return a;
}

/* Validity with element i null when null_every > 0 and i % null_every ==
 * null_every - 1. Sets a->buffers[0] and a->null_count. */
static bool gen_validity(arrow_array *a, int64_t n, int null_every)
{
    if (null_every <= 0) return true;
    arrow_buffer *bm = arrow_buffer_alloc((n + 7) / 8);
    if (!bm) return false;
    int64_t nulls = 0;
    for (int64_t i = 0; i < n; i++) {
        bool is_null = i % null_every == null_every - 1;
        arrow_bit_set(bm->data, i, !is_null);
        nulls += is_null;
    }
    a->buffers[0] = bm;
    a->null_count = nulls;
    return true;
}

static arrow_buffer *gen_random_bytes(gen_rng *r, int64_t size)
{
    arrow_buffer *b = arrow_buffer_alloc(size);
    if (!b) return NULL;
    for (int64_t i = 0; i < size; i++) b->data[i] = (uint8_t)gen_next(r);
    return b;
}

/* Fixed-width (and bool) values of random bits. */
static arrow_array *gen_fixed(const arrow_field *f, int64_t n, gen_rng *r, int null_every)
{
    arrow_array *a = gen_array(n, 2, 0);
    if (!a) return NULL;
    int32_t bits = arrow_type_bit_width(&f->type);
    int64_t size = bits == 1 ? (n + 7) / 8 : n * (bits / 8);
    if (!gen_validity(a, n, null_every) || !(a->buffers[1] = gen_random_bytes(r, size))) {
        arrow_array_unref(a);
        return NULL;
    }
    return a;
}

static const char *const gen_words[] = {
    "", "a", "phoenix", "arrow", "zookeeper", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "tab\there", "quote\"back\\slash", "emoji \xf0\x9f\x9a\x80", "line\nbreak",
    "a rather longer string that goes on for a while to make offsets grow",
};

/* utf8/binary (32- or 64-bit offsets). Strings come from gen_words with a
 * number appended; binary values are random bytes. */
static arrow_array *gen_varbin(const arrow_field *f, int64_t n, gen_rng *r, int null_every)
{
    bool large = f->type.id == ARROW_LARGE_UTF8 || f->type.id == ARROW_LARGE_BINARY;
    bool text = f->type.id == ARROW_UTF8 || f->type.id == ARROW_LARGE_UTF8;
    arrow_array *a = gen_array(n, 3, 0);
    aphx_buf data;
    aphx_buf_init(&data);
    if (!a || !gen_validity(a, n, null_every)) goto fail;
    a->buffers[1] = arrow_buffer_alloc((n + 1) * (large ? 8 : 4));
    if (!a->buffers[1]) goto fail;
    for (int64_t i = 0; i < n; i++) {
        bool is_null = a->buffers[0] && !arrow_bit_get(a->buffers[0]->data, i);
        if (!is_null) {
            if (text) {
                aphx_buf_puts(&data, gen_words[gen_next(r) % APHX_ARRAY_LEN(gen_words)]);
                if (i % 3 == 0) aphx_buf_printf(&data, "%" PRId64, i);
            } else {
                uint32_t len = gen_next(r) % 9;
                for (uint32_t k = 0; k < len; k++) aphx_buf_putc(&data, (char)gen_next(r));
            }
        }
        int64_t end = (int64_t)data.len;
        if (large) memcpy(a->buffers[1]->data + 8 * (i + 1), &end, 8);
        else {
            int32_t e32 = (int32_t)end;
            memcpy(a->buffers[1]->data + 4 * (i + 1), &e32, 4);
        }
    }
    if (data.oom || !(a->buffers[2] = arrow_buffer_alloc((int64_t)data.len))) goto fail;
    if (data.len) memcpy(a->buffers[2]->data, data.data, data.len);
    aphx_buf_free(&data);
    return a;
fail:
    aphx_buf_free(&data);
    arrow_array_unref(a);
    return NULL;
}

/* Any leaf column of field f. */
static arrow_array *gen_leaf(const arrow_field *f, int64_t n, gen_rng *r, int null_every)
{
    switch (f->type.id) {
    case ARROW_NA: {
        arrow_array *a = gen_array(n, 0, 0);
        if (a) a->null_count = n;
        return a;
    }
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        return gen_varbin(f, n, r, null_every);
    default:
        return gen_fixed(f, n, r, null_every);
    }
}

/* Offsets 0, k1, k1+k2, ... with k_i in [0, max_len]; returns the total. */
static arrow_buffer *gen_list_offsets(int64_t n, bool large, gen_rng *r, int max_len,
                                      const arrow_buffer *validity, int64_t *total)
{
    arrow_buffer *o = arrow_buffer_alloc((n + 1) * (large ? 8 : 4));
    if (!o) return NULL;
    int64_t end = 0;
    for (int64_t i = 0; i < n; i++) {
        bool is_null = validity && !arrow_bit_get(validity->data, i);
        if (!is_null) end += gen_next(r) % (uint32_t)(max_len + 1);
        if (large) memcpy(o->data + 8 * (i + 1), &end, 8);
        else {
            int32_t e32 = (int32_t)end;
            memcpy(o->data + 4 * (i + 1), &e32, 4);
        }
    }
    *total = end;
    return o;
}

/* Any column of field f, nested ones recursively. */
static arrow_array *gen_column(const arrow_field *f, int64_t n, gen_rng *r, int null_every)
{
    arrow_array *a = NULL;
    int64_t total = 0;
    int ne = f->nullable ? null_every : 0;
    switch (f->type.id) {
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP:
        a = gen_array(n, 2, 1);
        if (!a || !gen_validity(a, n, ne)) goto fail;
        a->buffers[1] = gen_list_offsets(n, f->type.id == ARROW_LARGE_LIST, r, 3, a->buffers[0],
                                         &total);
        if (!a->buffers[1]) goto fail;
        if (f->type.id == ARROW_MAP) {
            /* entries: struct<key not null, value>, never null itself */
            const arrow_field *ef = &f->children[0];
            arrow_array *e = gen_array(total, 1, 2);
            if (!e) goto fail;
            a->children[0] = e;
            if (!(e->children[0] = gen_column(&ef->children[0], total, r, 0))) goto fail;
            if (!(e->children[1] = gen_column(&ef->children[1], total, r, 4))) goto fail;
        } else if (!(a->children[0] = gen_column(&f->children[0], total, r, 4))) {
            goto fail;
        }
        return a;
    case ARROW_FIXED_SIZE_LIST:
        a = gen_array(n, 1, 1);
        if (!a || !gen_validity(a, n, ne)) goto fail;
        if (!(a->children[0] = gen_column(&f->children[0], n * f->type.list_size, r, 5)))
            goto fail;
        return a;
    case ARROW_STRUCT:
        a = gen_array(n, 1, f->n_children);
        if (!a || !gen_validity(a, n, ne)) goto fail;
        for (int32_t k = 0; k < f->n_children; k++)
            if (!(a->children[k] = gen_column(&f->children[k], n, r, 3 + k))) goto fail;
        return a;
    case ARROW_SPARSE_UNION:
    case ARROW_DENSE_UNION: {
        bool dense = f->type.id == ARROW_DENSE_UNION;
        int32_t nc = f->n_children;
        int64_t counts[ARROW_MAX_UNION_CHILDREN] = {0};
        a = gen_array(n, dense ? 2 : 1, nc);
        if (!a || !(a->buffers[0] = arrow_buffer_alloc(n))) goto fail;
        if (dense && !(a->buffers[1] = arrow_buffer_alloc(4 * n))) goto fail;
        for (int64_t i = 0; i < n; i++) {
            int32_t c = (int32_t)(gen_next(r) % (uint32_t)nc);
            a->buffers[0]->data[i] = (uint8_t)f->type.type_codes[c];
            if (dense) {
                int32_t o = (int32_t)counts[c];
                memcpy(a->buffers[1]->data + 4 * i, &o, 4);
            }
            counts[c]++;
        }
        for (int32_t k = 0; k < nc; k++)
            if (!(a->children[k] = gen_column(&f->children[k], dense ? counts[k] : n, r, 4 + k)))
                goto fail;
        return a;
    }
    default:
        return gen_leaf(f, n, r, ne);
    }
fail:
    arrow_array_unref(a);
    return NULL;
}

/* A dictionary-encoded column: indices into `dict` (which it references). */
static arrow_array *gen_dict_column(const arrow_field *f, arrow_array *dict, int64_t n,
                                    gen_rng *r, int null_every)
{
    arrow_array *a = gen_array(n, 2, 0);
    if (!a || !gen_validity(a, n, null_every)) goto fail;
    arrow_type it = {.id = f->dict->index_type};
    int32_t w = arrow_type_bit_width(&it) / 8;
    if (!(a->buffers[1] = arrow_buffer_alloc(n * w))) goto fail;
    for (int64_t i = 0; i < n; i++) {
        int64_t k = dict->length ? (int64_t)(gen_next(r) % (uint32_t)dict->length) : 0;
        memcpy(a->buffers[1]->data + i * w, &k, (size_t)w);   /* little-endian */
    }
    a->dictionary = arrow_array_ref(dict);
    return a;
fail:
    arrow_array_unref(a);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Schemas                                                             */
/* ------------------------------------------------------------------ */
/* All constructors report only NOMEM; the case builders bail on it. */
#define GEN_TRY(expr) do { if ((expr) != APHX_OK) return APHX_NOMEM; } while (0)

static aphx_rc gen_field(arrow_field *f, const char *name, arrow_type_id id)
{
    return arrow_field_init(f, name, id, true);
}

static aphx_rc gen_timefield(arrow_field *f, const char *name, arrow_type_id id,
                             arrow_time_unit u, const char *tz)
{
    GEN_TRY(gen_field(f, name, id));
    f->type.unit = u;
    if (tz) GEN_TRY(arrow_field_set_timezone(f, tz));
    return APHX_OK;
}

static aphx_rc gen_primitive_schema(arrow_schema *s)
{
    static const struct { const char *name; arrow_type_id id; } plain[] = {
        {"null", ARROW_NA}, {"bool", ARROW_BOOL}, {"int8", ARROW_INT8}, {"int16", ARROW_INT16},
        {"int32", ARROW_INT32}, {"int64", ARROW_INT64}, {"uint8", ARROW_UINT8},
        {"uint16", ARROW_UINT16}, {"uint32", ARROW_UINT32}, {"uint64", ARROW_UINT64},
        {"float16", ARROW_FLOAT16}, {"float32", ARROW_FLOAT32}, {"float64", ARROW_FLOAT64},
        {"date32", ARROW_DATE32}, {"date64", ARROW_DATE64},
        {"interval_ym", ARROW_INTERVAL_MONTHS}, {"interval_dt", ARROW_INTERVAL_DAY_TIME},
        {"interval_mdn", ARROW_INTERVAL_MONTH_DAY_NANO}, {"utf8", ARROW_UTF8},
        {"large_utf8", ARROW_LARGE_UTF8}, {"binary", ARROW_BINARY},
        {"large_binary", ARROW_LARGE_BINARY},
    };
    int32_t np = (int32_t)APHX_ARRAY_LEN(plain);
    GEN_TRY(arrow_schema_init(s, np + 16));
    arrow_field *f = s->fields;
    for (int32_t i = 0; i < np; i++) GEN_TRY(gen_field(&f[i], plain[i].name, plain[i].id));
    int32_t k = np;
    GEN_TRY(arrow_field_init(&f[k++], "int32_not_null", ARROW_INT32, false));
    GEN_TRY(gen_field(&f[k], "decimal128", ARROW_DECIMAL128));
    f[k].type.precision = 10, f[k].type.scale = 2, f[k].type.byte_width = 16, k++;
    GEN_TRY(gen_field(&f[k], "decimal256", ARROW_DECIMAL256));
    f[k].type.precision = 40, f[k].type.scale = 5, f[k].type.byte_width = 32, k++;
    GEN_TRY(gen_timefield(&f[k++], "time32_s", ARROW_TIME32, ARROW_SECOND, NULL));
    GEN_TRY(gen_timefield(&f[k++], "time32_ms", ARROW_TIME32, ARROW_MILLI, NULL));
    GEN_TRY(gen_timefield(&f[k++], "time64_us", ARROW_TIME64, ARROW_MICRO, NULL));
    GEN_TRY(gen_timefield(&f[k++], "time64_ns", ARROW_TIME64, ARROW_NANO, NULL));
    GEN_TRY(gen_timefield(&f[k++], "ts_s", ARROW_TIMESTAMP, ARROW_SECOND, NULL));
    GEN_TRY(gen_timefield(&f[k++], "ts_ms_utc", ARROW_TIMESTAMP, ARROW_MILLI, "UTC"));
    GEN_TRY(gen_timefield(&f[k++], "ts_us_tz", ARROW_TIMESTAMP, ARROW_MICRO, "Europe/Paris"));
    GEN_TRY(gen_timefield(&f[k++], "ts_ns", ARROW_TIMESTAMP, ARROW_NANO, NULL));
    GEN_TRY(gen_timefield(&f[k++], "duration_s", ARROW_DURATION, ARROW_SECOND, NULL));
    GEN_TRY(gen_timefield(&f[k++], "duration_ms", ARROW_DURATION, ARROW_MILLI, NULL));
    GEN_TRY(gen_timefield(&f[k++], "duration_us", ARROW_DURATION, ARROW_MICRO, NULL));
    GEN_TRY(gen_timefield(&f[k++], "duration_ns", ARROW_DURATION, ARROW_NANO, NULL));
    GEN_TRY(gen_field(&f[k], "fsb3", ARROW_FIXED_SIZE_BINARY));
    f[k].type.byte_width = 3, k++;
    return APHX_OK;
}

static aphx_rc gen_union_field(arrow_field *f, const char *name, arrow_type_id id)
{
    GEN_TRY(gen_field(f, name, id));
    GEN_TRY(arrow_field_set_children(f, 2));
    GEN_TRY(gen_field(&f->children[0], "i", ARROW_INT32));
    GEN_TRY(gen_field(&f->children[1], "s", ARROW_UTF8));
    /* arrow_field_set_children gave the union codes 0, 1: renumber them */
    if (!f->type.type_codes || f->type.n_type_codes != 2) return APHX_NOMEM;
    f->type.type_codes[0] = 5;
    f->type.type_codes[1] = 9;
    f->type.n_type_codes = 2;
    return APHX_OK;
}

static aphx_rc gen_struct_ab(arrow_field *f, const char *name)
{
    GEN_TRY(gen_field(f, name, ARROW_STRUCT));
    GEN_TRY(arrow_field_set_children(f, 2));
    GEN_TRY(gen_field(&f->children[0], "a", ARROW_INT32));
    GEN_TRY(gen_field(&f->children[1], "b", ARROW_UTF8));
    return APHX_OK;
}

static aphx_rc gen_nested_schema(arrow_schema *s)
{
    GEN_TRY(arrow_schema_init(s, 7));
    arrow_field *f = s->fields;
    GEN_TRY(gen_field(&f[0], "list_int32", ARROW_LIST));
    GEN_TRY(arrow_field_set_children(&f[0], 1));
    GEN_TRY(gen_field(&f[0].children[0], "item", ARROW_INT32));
    GEN_TRY(gen_field(&f[1], "fsl_f64", ARROW_FIXED_SIZE_LIST));
    f[1].type.list_size = 2;
    GEN_TRY(arrow_field_set_children(&f[1], 1));
    GEN_TRY(gen_field(&f[1].children[0], "item", ARROW_FLOAT64));
    GEN_TRY(gen_struct_ab(&f[2], "struct"));
    GEN_TRY(gen_field(&f[3], "map", ARROW_MAP));
    GEN_TRY(arrow_field_set_children(&f[3], 1));
    GEN_TRY(arrow_field_init(&f[3].children[0], "entries", ARROW_STRUCT, false));
    GEN_TRY(arrow_field_set_children(&f[3].children[0], 2));
    GEN_TRY(arrow_field_init(&f[3].children[0].children[0], "key", ARROW_UTF8, false));
    GEN_TRY(gen_field(&f[3].children[0].children[1], "value", ARROW_INT32));
    GEN_TRY(gen_field(&f[4], "list_struct", ARROW_LIST));
    GEN_TRY(arrow_field_set_children(&f[4], 1));
    GEN_TRY(gen_struct_ab(&f[4].children[0], "item"));
    GEN_TRY(gen_union_field(&f[5], "sparse_union", ARROW_SPARSE_UNION));
    GEN_TRY(gen_union_field(&f[6], "dense_union", ARROW_DENSE_UNION));
    return APHX_OK;
}

static aphx_rc gen_dict_field(arrow_field *f, const char *name, arrow_type_id value,
                              arrow_type_id index, int64_t id, bool ordered)
{
    GEN_TRY(gen_field(f, name, value));
    f->dict = aphx_calloc(1, sizeof *f->dict);
    if (!f->dict) return APHX_NOMEM;
    f->dict->id = id;
    f->dict->index_type = index;
    f->dict->ordered = ordered;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Writing a case                                                      */
/* ------------------------------------------------------------------ */
typedef struct gen_out {
    const char *dir;
    int         failures;
} gen_out;

static aphx_rc gen_write_text(const char *path, const aphx_buf *b, aphx_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return aphx_fail(err, APHX_IO, "cannot create %s: %s", path, strerror(errno));
    aphx_rc rc = aphx_write_all(fd, b->data, b->len, err);
    close(fd);
    return rc;
}

/* Write batches[0..n) as NAME (format from the extension: .arrow = file)
 * with the given compression, and NAME.json with their canonical JSON. */
static void gen_write_case(gen_out *o, const char *name, const arrow_schema *s,
                           arrow_batch **batches, int n, arrow_compression compression)
{
    aphx_error err = {0};
    arrow_ipc_writer *w = NULL;
    aphx_buf json, path;
    int fd = -1;
    int64_t nb = 0;
    aphx_rc rc = APHX_OK;
    aphx_buf_init(&json);
    aphx_buf_init(&path);

    size_t nl = strlen(name);
    arrow_ipc_write_options opts = {
        .compression = compression,
        .file_format = nl > 6 && strcmp(name + nl - 6, ".arrow") == 0,
    };
    interop_canon_begin(&json, s);
    for (int i = 0; i < n; i++) {
        if ((rc = interop_canon_batch(&json, batches[i], &nb, &err))) {
            aphx_error_prefix(&err, "the batch meant to be written is invalid");
            goto done;
        }
    }
    interop_canon_end(&json);
    aphx_buf_printf(&path, "%s/%s.json", o->dir, name);
    if ((rc = gen_write_text(path.data, &json, &err))) goto done;

    aphx_buf_reset(&path);
    aphx_buf_printf(&path, "%s/%s", o->dir, name);
    fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        rc = aphx_fail(&err, APHX_IO, "cannot create %s: %s", path.data, strerror(errno));
        goto done;
    }
    if ((rc = arrow_ipc_writer_open(fd, s, &opts, &w, &err))) goto done;
    for (int i = 0; i < n; i++)
        if ((rc = arrow_ipc_writer_write(w, batches[i], &err))) goto done;
    rc = arrow_ipc_writer_close(w, &err);
done:
    if (rc) {
        fprintf(stderr, "interop_write: %s: %s: %s\n", name, aphx_rc_name(err.code), err.msg);
        o->failures++;
    } else {
        printf("%s\n", name);
    }
    if (w) arrow_ipc_writer_free(w);
    if (fd >= 0) close(fd);
    aphx_buf_free(&json);
    aphx_buf_free(&path);
}

/* A batch of `n` rows of every column of s, from seed. */
static arrow_batch *gen_batch(const arrow_schema *s, int64_t n, uint32_t seed)
{
    gen_rng r = {seed};
    arrow_batch *b = arrow_batch_new(s, n);
    if (!b) return NULL;
    for (int32_t i = 0; i < s->n_fields; i++) {
        b->columns[i] = gen_column(&s->fields[i], n, &r, 7);
        if (!b->columns[i]) {
            arrow_batch_free(b);
            return NULL;
        }
    }
    return b;
}

static void gen_free_batches(arrow_batch **b, int n)
{
    for (int i = 0; i < n; i++) arrow_batch_free(b[i]);
}

#define GEN_MAX_BATCHES 8

/* Plain schema + batches of the given sizes, written under several names. */
static void gen_sized_cases(gen_out *o, const arrow_schema *s, const int64_t *sizes, int n,
                            uint32_t seed, const char *const *names,
                            const arrow_compression *comps, int n_names)
{
    arrow_batch *b[GEN_MAX_BATCHES] = {0};
    for (int i = 0; i < n; i++) {
        if (!(b[i] = gen_batch(s, sizes[i], seed + (uint32_t)i))) {
            fprintf(stderr, "interop_write: out of memory building %s\n", names[0]);
            o->failures++;
            goto done;
        }
    }
    for (int k = 0; k < n_names; k++) gen_write_case(o, names[k], s, b, n, comps[k]);
done:
    gen_free_batches(b, n);
}

static void gen_sliced_cases(gen_out *o, const arrow_schema *s, const char *stem)
{
    static const int64_t slices[][2] = {{13, 57}, {3, 1}, {99, 1}, {0, 0}};
    arrow_batch *whole = gen_batch(s, 100, 77);
    arrow_batch *b[4] = {0};
    char name[128];
    int n = 0;
    if (!whole) goto oom;
    for (n = 0; n < 4; n++)
        if (!(b[n] = arrow_batch_slice(whole, slices[n][0], slices[n][1]))) goto oom;
    snprintf(name, sizeof name, "%s.stream", stem);
    gen_write_case(o, name, s, b, n, ARROW_COMPRESSION_NONE);
    snprintf(name, sizeof name, "%s.arrow", stem);
    gen_write_case(o, name, s, b, n, ARROW_COMPRESSION_NONE);
    snprintf(name, sizeof name, "%s_zstd.stream", stem);
    gen_write_case(o, name, s, b, n, ARROW_COMPRESSION_ZSTD);
    goto done;
oom:
    fprintf(stderr, "interop_write: out of memory building %s\n", stem);
    o->failures++;
done:
    gen_free_batches(b, n);
    arrow_batch_free(whole);
}

/* Dictionaries: shared across batches, grown (delta), replaced (streams). */
static void gen_dictionary_cases(gen_out *o)
{
    arrow_schema s = {0};
    arrow_field vf_utf8 = {0}, vf_i64 = {0};
    arrow_array *d_utf8 = NULL, *d_utf8_grown = NULL, *d_i64 = NULL, *d_u16 = NULL,
                *d_u16_new = NULL;
    arrow_batch *b[4] = {0};
    int nb = 0;
    gen_rng r = {99};

    if (arrow_schema_init(&s, 3) ||
        gen_dict_field(&s.fields[0], "dict_utf8", ARROW_UTF8, ARROW_INT32, 1, false) ||
        gen_dict_field(&s.fields[1], "dict_int64", ARROW_INT64, ARROW_INT8, 2, true) ||
        gen_dict_field(&s.fields[2], "dict_u16", ARROW_UTF8, ARROW_UINT16, 3, false) ||
        gen_field(&vf_utf8, "v", ARROW_UTF8) || gen_field(&vf_i64, "v", ARROW_INT64))
        goto oom;
    /* d_utf8_grown = d_utf8 + more values: the same generator replayed */
    {
        gen_rng r1 = {5}, r2 = {5};
        if (!(d_utf8 = gen_varbin(&vf_utf8, 5, &r1, 4))) goto oom;
        if (!(d_utf8_grown = gen_varbin(&vf_utf8, 8, &r2, 4))) goto oom;
    }
    if (!(d_i64 = gen_fixed(&vf_i64, 3, &r, 0))) goto oom;
    if (!(d_u16 = gen_varbin(&vf_utf8, 2, &r, 0))) goto oom;
    if (!(d_u16_new = gen_varbin(&vf_utf8, 3, &r, 0))) goto oom;

    static const int64_t sizes[4] = {20, 0, 30, 10};
    for (nb = 0; nb < 4; nb++) {
        arrow_array *du = nb >= 2 ? d_utf8_grown : d_utf8;
        arrow_array *d3 = nb == 3 ? d_u16_new : d_u16;
        if (!(b[nb] = arrow_batch_new(&s, sizes[nb]))) goto oom;
        if (!(b[nb]->columns[0] = gen_dict_column(&s.fields[0], du, sizes[nb], &r, 6)) ||
            !(b[nb]->columns[1] = gen_dict_column(&s.fields[1], d_i64, sizes[nb], &r, 5)) ||
            !(b[nb]->columns[2] = gen_dict_column(&s.fields[2], d3, sizes[nb], &r, 0))) {
            nb++;
            goto oom;
        }
    }
    gen_write_case(o, "ours_dictionary.stream", &s, b, 3, ARROW_COMPRESSION_NONE);
    gen_write_case(o, "ours_dictionary.arrow", &s, b, 3, ARROW_COMPRESSION_NONE);
    gen_write_case(o, "ours_dictionary_lz4.arrow", &s, b, 3, ARROW_COMPRESSION_LZ4_FRAME);
    gen_write_case(o, "ours_dictionary_replacement.stream", &s, b, 4, ARROW_COMPRESSION_NONE);
    goto done;
oom:
    fprintf(stderr, "interop_write: out of memory building the dictionary cases\n");
    o->failures++;
done:
    gen_free_batches(b, nb);
    arrow_array_unref(d_utf8);
    arrow_array_unref(d_utf8_grown);
    arrow_array_unref(d_i64);
    arrow_array_unref(d_u16);
    arrow_array_unref(d_u16_new);
    arrow_field_free(&vf_utf8);
    arrow_field_free(&vf_i64);
    arrow_schema_free(&s);
}

/* The big case: n rows of int64, float64, utf8, dictionary utf8, nullable
 * int32 and bool in one batch. */
static void gen_big_cases(gen_out *o, int64_t n)
{
    arrow_schema s = {0};
    arrow_field vf = {0};
    arrow_array *dict = NULL;
    arrow_batch *b = NULL;
    gen_rng r = {4242};

    if (arrow_schema_init(&s, 6) || arrow_field_init(&s.fields[0], "i64", ARROW_INT64, false) ||
        gen_field(&s.fields[1], "f64", ARROW_FLOAT64) || gen_field(&s.fields[2], "s", ARROW_UTF8) ||
        gen_dict_field(&s.fields[3], "d", ARROW_UTF8, ARROW_INT32, 0, false) ||
        gen_field(&s.fields[4], "i32", ARROW_INT32) || gen_field(&s.fields[5], "b", ARROW_BOOL) ||
        gen_field(&vf, "v", ARROW_UTF8))
        goto oom;
    if (!(dict = gen_varbin(&vf, 1000, &r, 0))) goto oom;
    if (!(b = arrow_batch_new(&s, n))) goto oom;
    if (!(b->columns[0] = gen_fixed(&s.fields[0], n, &r, 0)) ||
        !(b->columns[1] = gen_fixed(&s.fields[1], n, &r, 11)) ||
        !(b->columns[2] = gen_varbin(&s.fields[2], n, &r, 10)) ||
        !(b->columns[3] = gen_dict_column(&s.fields[3], dict, n, &r, 9)) ||
        !(b->columns[4] = gen_fixed(&s.fields[4], n, &r, 3)) ||
        !(b->columns[5] = gen_fixed(&s.fields[5], n, &r, 5)))
        goto oom;
    gen_write_case(o, "ours_1m.stream", &s, &b, 1, ARROW_COMPRESSION_NONE);
    gen_write_case(o, "ours_1m_zstd.arrow", &s, &b, 1, ARROW_COMPRESSION_ZSTD);
    goto done;
oom:
    fprintf(stderr, "interop_write: out of memory building the 1M-row case\n");
    o->failures++;
done:
    arrow_batch_free(b);
    arrow_array_unref(dict);
    arrow_field_free(&vf);
    arrow_schema_free(&s);
}

static void gen_large_list_case(gen_out *o)
{
    arrow_schema s = {0};
    static const int64_t sizes[] = {40, 0, 5};
    static const char *const names[] = {"ours_large_list.stream"};
    static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE};
    if (arrow_schema_init(&s, 1) || gen_field(&s.fields[0], "large_list", ARROW_LARGE_LIST) ||
        arrow_field_set_children(&s.fields[0], 1) ||
        gen_field(&s.fields[0].children[0], "item", ARROW_INT16)) {
        fprintf(stderr, "interop_write: out of memory building large_list\n");
        o->failures++;
    } else {
        gen_sized_cases(o, &s, sizes, 3, 61, names, comps, 1);
    }
    arrow_schema_free(&s);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: interop_write OUT_DIR [BIG_ROWS]\n");
        return 2;
    }
    int64_t big_rows = 1000000;
    if (argc == 3 && (!aphx_parse_i64(argv[2], &big_rows) || big_rows < 0)) {
        fprintf(stderr, "interop_write: BIG_ROWS must be a count, not '%s'\n", argv[2]);
        return 2;
    }
    gen_out o = {.dir = argv[1]};
    if (mkdir(o.dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "interop_write: cannot create %s: %s\n", o.dir, strerror(errno));
        return 1;
    }
    arrow_schema prim = {0}, nested = {0};
    if (gen_primitive_schema(&prim) || gen_nested_schema(&nested)) {
        fprintf(stderr, "interop_write: out of memory building schemas\n");
        return 1;
    }
    {
        static const int64_t sizes[] = {100, 0, 37};
        static const char *const names[] = {"ours_primitive.stream", "ours_primitive.arrow",
                                            "ours_primitive_lz4.stream",
                                            "ours_primitive_zstd.arrow"};
        static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE, ARROW_COMPRESSION_NONE,
                                                  ARROW_COMPRESSION_LZ4_FRAME,
                                                  ARROW_COMPRESSION_ZSTD};
        gen_sized_cases(&o, &prim, sizes, 3, 1, names, comps, 4);
    }
    {
        static const int64_t sizes[] = {64, 0, 9};
        static const char *const names[] = {"ours_nested.stream", "ours_nested.arrow",
                                            "ours_nested_zstd.stream"};
        static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE, ARROW_COMPRESSION_NONE,
                                                  ARROW_COMPRESSION_ZSTD};
        gen_sized_cases(&o, &nested, sizes, 3, 11, names, comps, 3);
    }
    {
        static const char *const names[] = {"ours_zero_batches.stream",
                                            "ours_zero_batches.arrow"};
        static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE, ARROW_COMPRESSION_NONE};
        gen_sized_cases(&o, &prim, NULL, 0, 0, names, comps, 2);
    }
    {
        static const int64_t sizes[] = {0, 0};
        static const char *const names[] = {"ours_empty_batches.stream",
                                            "ours_empty_batches.arrow"};
        static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE, ARROW_COMPRESSION_ZSTD};
        gen_sized_cases(&o, &prim, sizes, 2, 21, names, comps, 2);
    }
    gen_sliced_cases(&o, &prim, "ours_sliced");
    gen_sliced_cases(&o, &nested, "ours_sliced_nested");
    gen_dictionary_cases(&o);
    gen_large_list_case(&o);
    if (big_rows > 0) gen_big_cases(&o, big_rows);
    arrow_schema_free(&prim);
    arrow_schema_free(&nested);
    fflush(stdout);
    return o.failures ? 1 : 0;
}
