/*
 * cmd_demo.c — `aphx demo`, the README's main job: the most complete thing
 * that works end to end today, with timings.
 *
 * Today that is the Arrow core: build a 1M-row orders table with builders
 * (int64, float64, utf8, dictionary-encoded utf8, nullable int32), write it
 * as Arrow IPC in the stream and file formats with each body compression,
 * read every file back zero-copy, validate and compare it with the original,
 * hand it through the Arrow C Data Interface and back, and print a few rows.
 * The files stay under <data-dir>/demo for `aphx arrow cat` to look at.
 * Then the keeper (demo_keeper.c): an embedded ZooKeeper-compatible server
 * holding the table's definition, with a change seen through a watch.
 */
#include "arrow/arrow.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_COLUMNS 5

typedef struct demo_ctx {
    const char  *data_dir;
    int64_t      rows;
    arrow_schema schema;
    arrow_batch *batch;
} demo_ctx;

static void demo_usage(FILE *f)
{
    fprintf(f,
            "Usage: aphx demo [--rows N] [--data-dir DIR]\n\n"
            "Runs ArrowPhoenix end to end and prints what it does, with timings:\n"
            "builds an orders table in Arrow, writes it as Arrow IPC (stream and file\n"
            "formats; no compression, LZ4_FRAME and ZSTD), reads every file back\n"
            "zero-copy, validates and compares it, passes it through the Arrow C Data\n"
            "Interface, and shows the first rows. Then starts the embedded keeper (a\n"
            "ZooKeeper-compatible server) and shows two ZooKeeper clients sharing the\n"
            "table's definition through it, a change reaching the second by a watch.\n\n"
            "Options:\n"
            "  --rows N         rows to generate (default 1000000)\n"
            "  --data-dir DIR   where the demo's files go (default ./aphx-data)\n"
            "  -h, --help       show this help\n");
}

static double ms_since(int64_t t0) { return (double)(aphx_now_ns() - t0) / 1e6; }

static aphx_rc demo_make_schema(arrow_schema *s, aphx_error *err)
{
    if (arrow_schema_init(s, DEMO_COLUMNS) != APHX_OK) goto oom;
    if (arrow_field_init(&s->fields[0], "order_id", ARROW_INT64, false) ||
        arrow_field_init(&s->fields[1], "amount", ARROW_FLOAT64, false) ||
        arrow_field_init(&s->fields[2], "customer", ARROW_UTF8, false) ||
        arrow_field_init(&s->fields[3], "region", ARROW_UTF8, false) ||
        arrow_field_init(&s->fields[4], "quantity", ARROW_INT32, true))
        goto oom;
    s->fields[3].dict = aphx_calloc(1, sizeof *s->fields[3].dict);
    if (!s->fields[3].dict) goto oom;
    *s->fields[3].dict = (arrow_dict_encoding){.id = 0, .index_type = ARROW_INT8};
    if (arrow_metadata_add(&s->metadata, "aphx.demo", "orders", 6) != APHX_OK) goto oom;
    return APHX_OK;
oom:
    return aphx_fail(err, APHX_NOMEM, "out of memory building the schema");
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t demo_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static aphx_rc demo_generate(demo_ctx *d, aphx_error *err)
{
    static const char *const regions[] = {"north", "south", "east", "west", "central",
                                          "overseas"};
    static const char *const names[] = {"ada", "brian", "chen", "dana", "emeka", "fatima",
                                        "gustav", "hana", "ivan", "jun"};
    aphx_rc rc = APHX_OK;
    arrow_builder *b[DEMO_COLUMNS] = {0};
    d->batch = arrow_batch_new(&d->schema, d->rows);
    if (!d->batch) return aphx_fail(err, APHX_NOMEM, "out of memory");
    for (int c = 0; c < DEMO_COLUMNS; c++)
        if (!(b[c] = arrow_builder_new(&d->schema.fields[c]))) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto done;
        }
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    char name[32];
    for (int64_t i = 0; i < d->rows && rc == APHX_OK; i++) {
        uint64_t r = demo_rand(&seed);
        int n = snprintf(name, sizeof name, "%s-%llu", names[r % 10],
                         (unsigned long long)(r >> 40) % 10000);
        const char *region = regions[(r >> 8) % APHX_ARRAY_LEN(regions)];
        rc = arrow_builder_append_int(b[0], 1000000 + i);
        if (!rc) rc = arrow_builder_append_double(b[1], (double)((r >> 16) % 100000) / 100.0);
        if (!rc) rc = arrow_builder_append_bytes(b[2], name, n);
        if (!rc) rc = arrow_builder_append_bytes(b[3], region, (int64_t)strlen(region));
        if (!rc) rc = (r % 17 == 0) ? arrow_builder_append_null(b[4])
                                    : arrow_builder_append_int(b[4], (int64_t)((r >> 24) % 50) + 1);
    }
    if (rc != APHX_OK) {
        aphx_fail(err, rc, "building row data: %s", aphx_rc_text(rc));
        goto done;
    }
    for (int c = 0; c < DEMO_COLUMNS; c++) {
        d->batch->columns[c] = arrow_builder_finish(b[c], err);
        if (!d->batch->columns[c]) {
            rc = err ? err->code : APHX_NOMEM;
            goto done;
        }
    }
    rc = arrow_batch_validate(d->batch, true, err);
done:
    for (int c = 0; c < DEMO_COLUMNS; c++) arrow_builder_free(b[c]);
    return rc;
}

/* Write the batch in one format/compression to path; return bytes written. */
static aphx_rc demo_write(demo_ctx *d, const char *path, bool file_format,
                          arrow_compression comp, int64_t *bytes, aphx_error *err)
{
    arrow_ipc_writer *w = NULL;
    aphx_rc rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return aphx_fail(err, APHX_IO, "%s: %s", path, strerror(errno));
    arrow_ipc_write_options opts = {.compression = comp, .file_format = file_format};
    /* Several record batches of 64K rows, as a server would stream them. */
    if ((rc = arrow_ipc_writer_open(fd, &d->schema, &opts, &w, err))) goto done;
    for (int64_t off = 0; off < d->rows; off += 65536) {
        int64_t n = APHX_MIN(65536, d->rows - off);
        arrow_batch *slice = arrow_batch_slice(d->batch, off, n);
        if (!slice) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto done;
        }
        rc = arrow_ipc_writer_write(w, slice, err);
        arrow_batch_free(slice);
        if (rc) goto done;
    }
    rc = arrow_ipc_writer_close(w, err);
done:
    arrow_ipc_writer_free(w);
    if (rc == APHX_OK) *bytes = lseek(fd, 0, SEEK_CUR);
    close(fd);
    return rc;
}

/* Read path back (timed: open, decode, validate), then compare every
 * batch with the matching slice of the original (not timed). */
static aphx_rc demo_read_check(demo_ctx *d, const char *path, double *read_ms,
                               aphx_error *err)
{
    arrow_reader *r = NULL;
    arrow_batch **got = NULL;
    int64_t n_got = 0, cap = 0, rows = 0;
    int64_t t0 = aphx_now_ns();
    aphx_rc rc = arrow_ipc_reader_open_path(path, &r, err);
    if (rc) return rc;
    for (;;) {
        arrow_batch *b = NULL;
        if ((rc = r->next(r, &b, err)) || !b) break;
        if (n_got == cap) {
            cap = cap ? cap * 2 : 64;
            arrow_batch **g = aphx_realloc(got, (size_t)cap * sizeof *g);
            if (!g) {
                arrow_batch_free(b);
                rc = aphx_fail(err, APHX_NOMEM, "out of memory");
                break;
            }
            got = g;
        }
        got[n_got++] = b;
    }
    *read_ms = ms_since(t0);
    for (int64_t i = 0; i < n_got && rc == APHX_OK; i++) {
        arrow_batch *want = arrow_batch_slice(d->batch, rows, got[i]->length);
        aphx_buf why;
        aphx_buf_init(&why);
        if (!want || !arrow_batch_equal(want, got[i], &why))
            rc = aphx_fail(err, APHX_CORRUPT, "%s: rows from %lld differ: %s", path,
                           (long long)rows, why.data ? why.data : "out of memory");
        aphx_buf_free(&why);
        arrow_batch_free(want);
        rows += got[i]->length;
    }
    if (rc == APHX_OK && rows != d->rows)
        rc = aphx_fail(err, APHX_CORRUPT, "%s: read %lld rows, wrote %lld", path,
                       (long long)rows, (long long)d->rows);
    for (int64_t i = 0; i < n_got; i++) arrow_batch_free(got[i]);
    aphx_free(got);
    r->close(r);
    return rc;
}

static aphx_rc demo_ipc(demo_ctx *d, aphx_error *err)
{
    static const struct {
        const char *suffix;
        bool file;
        arrow_compression comp;
        const char *label;
    } variants[] = {
        {"stream.arrows", false, ARROW_COMPRESSION_NONE, "stream  none"},
        {"file.arrow", true, ARROW_COMPRESSION_NONE, "file    none"},
        {"lz4.arrow", true, ARROW_COMPRESSION_LZ4_FRAME, "file    lz4_frame"},
        {"zstd.arrow", true, ARROW_COMPRESSION_ZSTD, "file    zstd"},
    };
    printf("\n2. Arrow IPC: write, then read back zero-copy, validate and compare\n");
    printf("   %-22s %12s %10s %10s  %s\n", "format  compression", "bytes", "write ms",
           "read ms", "file");
    for (size_t i = 0; i < APHX_ARRAY_LEN(variants); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/demo/orders.%s", d->data_dir, variants[i].suffix);
        int64_t bytes = 0;
        int64_t t0 = aphx_now_ns();
        aphx_rc rc = demo_write(d, path, variants[i].file, variants[i].comp, &bytes, err);
        if (rc) return rc;
        double wms = ms_since(t0);
        double rms = 0;
        if ((rc = demo_read_check(d, path, &rms, err))) return rc;
        printf("   %-22s %12lld %10.1f %10.1f  %s\n", variants[i].label, (long long)bytes, wms,
               rms, path);
    }
    printf("   every file read back equal to the original, row for row\n");
    return APHX_OK;
}

static aphx_rc demo_cdata(demo_ctx *d, aphx_error *err)
{
    struct ArrowSchema cs = {0};
    struct ArrowArray ca = {0};
    arrow_schema back = {0};
    arrow_batch *got = NULL;
    aphx_rc rc;
    printf("\n3. Arrow C Data Interface: export to ArrowSchema/ArrowArray, import back\n");
    int64_t t0 = aphx_now_ns();
    if ((rc = arrow_export_schema(&d->schema, &cs, err))) goto done;
    if ((rc = arrow_export_batch(d->batch, &ca, err))) goto done;
    printf("   exported: format \"%s\", %lld children, %lld rows (zero-copy)\n", cs.format,
           (long long)cs.n_children, (long long)ca.length);
    if ((rc = arrow_import_schema(&cs, &back, err))) goto done;
    if ((rc = arrow_import_batch(&back, &ca, &got, err))) goto done;
    double ms = ms_since(t0);
    aphx_buf why;
    aphx_buf_init(&why);
    bool same = arrow_schema_equal(&back, &d->schema, true) && arrow_batch_equal(d->batch, got, &why);
    printf("   imported back in %.2f ms: %s\n", ms, same ? "equal to the original" : "DIFFERENT");
    if (!same) rc = aphx_fail(err, APHX_INTERNAL, "C Data round trip differs: %s",
                              why.data ? why.data : "schema differs");
    aphx_buf_free(&why);
done:
    arrow_batch_free(got); /* releases the imported ArrowArray */
    if (ca.release) ca.release(&ca);
    if (cs.release) cs.release(&cs);
    arrow_schema_free(&back);
    return rc;
}

int cli_cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rows", required_argument, NULL, 'r'},
        {"data-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    demo_ctx d = {.data_dir = "aphx-data", .rows = 1000000};
    aphx_error err = {0};
    int opt, status = 1;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (!aphx_parse_i64(optarg, &d.rows) || d.rows < 1 || d.rows > 100000000)
                return cli_usage_error("demo", "--rows wants a number from 1 to 100000000, not '%s'",
                                       optarg);
            break;
        case 'd': d.data_dir = optarg; break;
        case 'h': demo_usage(stdout); return 0;
        default: return cli_usage_error("demo", "unknown option");
        }
    }
    if (optind < argc) return cli_usage_error("demo", "unexpected argument '%s'", argv[optind]);

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/demo", d.data_dir);
    if ((mkdir(d.data_dir, 0755) && errno != EEXIST) || (mkdir(dir, 0755) && errno != EEXIST)) {
        aphx_fail(&err, APHX_IO, "%s: %s", dir, strerror(errno));
        goto done;
    }

    printf("ArrowPhoenix %s demo\n\n", APHX_VERSION);
    printf("1. Build an orders table of %lld rows in Arrow with builders\n", (long long)d.rows);
    int64_t t0 = aphx_now_ns();
    if (demo_make_schema(&d.schema, &err) || demo_generate(&d, &err)) goto done;
    printf("   built and validated in %.1f ms; schema:\n", ms_since(t0));
    aphx_buf text;
    aphx_buf_init(&text);
    arrow_schema_format(&d.schema, &text);
    for (char *line = strtok(text.data, "\n"); line; line = strtok(NULL, "\n"))
        printf("     %s\n", line);
    aphx_buf_free(&text);
    printf("   first rows:\n");
    arrow_batch *head = arrow_batch_slice(d.batch, 0, APHX_MIN(5, d.rows));
    if (!head || cli_table_print(stdout, head, head->length, "     ") != APHX_OK) {
        arrow_batch_free(head);
        aphx_fail(&err, APHX_NOMEM, "out of memory");
        goto done;
    }
    arrow_batch_free(head);

    if (demo_ipc(&d, &err) || demo_cdata(&d, &err)) goto done;
    if (cli_demo_keeper(d.data_dir, &d.schema, &err)) goto done;

    printf("\nLook inside the files yourself:\n"
           "   build/aphx arrow schema %s/orders.zstd.arrow\n"
           "   build/aphx arrow cat %s/orders.file.arrow --limit 10\n"
           "   build/aphx arrow convert %s/orders.file.arrow - --to stream | build/aphx arrow cat - --json --limit 3\n"
           "   build/aphx keeper --data-dir %s/keeper --port 2181   (then any ZooKeeper client, e.g. zkCli.sh)\n",
           dir, dir, dir, d.data_dir);
    status = 0;
done:
    if (status) cli_report("demo", &err);
    arrow_batch_free(d.batch);
    arrow_schema_free(&d.schema);
    return status;
}
