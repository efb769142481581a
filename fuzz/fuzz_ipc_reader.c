/*
 * fuzz_ipc_reader.c — libFuzzer target for the Arrow IPC reader
 * (src/arrow/ipc_read.c), stream and file format (detected from the
 * "ARROW1" magic, so file and stream seeds both reach their parsers).
 *
 * Each input is read twice: in place (a wrapped, exactly sized buffer, so
 * ASan sees any read past the end and 8-aligned bodies take the zero-copy
 * path) and copied to an odd address (every body buffer takes the copy
 * path). Findings, besides crashes, leaks and sanitizer reports:
 *   - a returned batch that does not pass arrow_batch_validate;
 *   - a fully accepted input whose batches, written back with our writer
 *     (stream format, uncompressed), do not read back equal.
 * Every accepted batch is also rendered with arrow_array_format_json (first
 * rows of each column), which must not crash on anything the reader returns.
 */
#include "arrow/arrow.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_BATCHES 64
#define FUZZ_FORMAT_ROWS 16
#define FUZZ_ROUNDTRIP_MAX_ROWS 65536

static void fuzz_die(const char *what, const aphx_error *err)
{
    fprintf(stderr, "fuzz_ipc_reader: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void fuzz_format(const arrow_batch *b)
{
    aphx_buf out;
    aphx_buf_init(&out);
    for (int32_t c = 0; c < b->n_columns; c++) {
        int64_t n = APHX_MIN(b->length, FUZZ_FORMAT_ROWS);
        for (int64_t i = 0; i < n; i++) {
            arrow_array_format_json(&b->schema->fields[c], b->columns[c], i, &out);
            aphx_buf_reset(&out);
        }
    }
    aphx_buf_free(&out);
}

/* Write the batches back (stream, uncompressed) and read them again: they
 * must be equal. Inputs our writer refuses (types or dictionary patterns it
 * does not support) are skipped. */
static void fuzz_roundtrip(const arrow_schema *schema, arrow_batch **batches, int n)
{
    aphx_error err = {0};
    arrow_ipc_write_options opts = {.compression = ARROW_COMPRESSION_NONE, .file_format = false};
    arrow_ipc_writer *w = NULL;
    arrow_reader *r = NULL;
    arrow_buffer *buf = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;

    if (arrow_ipc_writer_open(-1, schema, &opts, &w, &err)) goto done;
    for (int i = 0; i < n; i++)
        if (arrow_ipc_writer_write(w, batches[i], &err)) goto done;
    if (arrow_ipc_writer_close(w, &err)) goto done;
    arrow_ipc_writer_take_buffer(w, &bytes, &len);
    buf = arrow_buffer_wrap(bytes, (int64_t)len, NULL, NULL);
    if (!buf) goto done;
    if (arrow_ipc_reader_open_buffer(buf, &r, &err)) fuzz_die("our own output does not open", &err);
    if (!arrow_schema_equal(schema, r->schema(r), true)) fuzz_die("schema changed in a round trip", NULL);
    for (int i = 0; i <= n; i++) {
        arrow_batch *b = NULL;
        if (r->next(r, &b, &err)) fuzz_die("our own output does not read back", &err);
        if (i == n) {
            if (b) fuzz_die("round trip returned an extra batch", NULL);
            break;
        }
        if (!b) fuzz_die("round trip lost a batch", NULL);
        aphx_buf msg;
        aphx_buf_init(&msg);
        if (!arrow_batch_equal(batches[i], b, &msg)) {
            fprintf(stderr, "fuzz_ipc_reader: batch %d differs after a round trip: %s\n", i,
                    msg.data ? msg.data : "");
            abort();
        }
        aphx_buf_free(&msg);
        arrow_batch_free(b);
    }
done:
    if (r) r->close(r);
    arrow_buffer_unref(buf);
    aphx_free(bytes);
    if (w) arrow_ipc_writer_free(w);
}

static void fuzz_read(arrow_buffer *input, bool roundtrip)
{
    aphx_error err = {0};
    arrow_reader *r = NULL;
    arrow_batch *batches[FUZZ_MAX_BATCHES];
    int n = 0;
    int64_t rows = 0;
    bool complete = false;

    if (arrow_ipc_reader_open_buffer(input, &r, &err)) return;
    (void)arrow_ipc_reader_is_file(r);
    while (n < FUZZ_MAX_BATCHES) {
        arrow_batch *b = NULL;
        if (r->next(r, &b, &err)) break;
        if (!b) {
            complete = true;
            break;
        }
        if (arrow_batch_validate(b, true, &err)) fuzz_die("reader returned an invalid batch", &err);
        fuzz_format(b);
        rows += b->length;
        batches[n++] = b;
    }
    if (roundtrip && complete && rows <= FUZZ_ROUNDTRIP_MAX_ROWS)
        fuzz_roundtrip(r->schema(r), batches, n);
    for (int i = 0; i < n; i++) arrow_batch_free(batches[i]);
    r->close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* in place: the reader only reads its input */
    arrow_buffer *in_place = arrow_buffer_wrap((void *)data, (int64_t)size, NULL, NULL);
    if (!in_place) return 0;
    fuzz_read(in_place, true);
    arrow_buffer_unref(in_place);

    /* at an odd address, exactly sized */
    uint8_t *odd = malloc(size + 1);
    if (!odd) return 0;
    if (size) memcpy(odd + 1, data, size);
    arrow_buffer *copy = arrow_buffer_wrap(odd + 1, (int64_t)size, NULL, NULL);
    if (copy) {
        fuzz_read(copy, false);
        arrow_buffer_unref(copy);
    }
    free(odd);
    return 0;
}
