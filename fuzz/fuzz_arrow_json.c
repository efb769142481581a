/*
 * fuzz_arrow_json.c — libFuzzer target for arrow_json_read, the Arrow
 * integration-JSON reader (src/arrow/json_integration.c), and through it a
 * differential check of the IPC writer and reader: any input must either be
 * refused with an error, or produce batches that pass full validation
 * (arrow_batch_validate) and that come back equal after a trip through
 * arrow_ipc_writer_* and arrow_ipc_reader_open_buffer (stream or file and
 * compression chosen by the input's length). A crash, leak, sanitizer
 * report, a batch that does not validate, a refused write or a difference
 * is a finding.
 */
#include "arrow/arrow.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_arrow_json: %s: %s\n", what, detail);
    abort();
}

static void fuzz_roundtrip(const arrow_schema *schema, arrow_batch **batches, int64_t n,
                           size_t size)
{
    static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE,
                                              ARROW_COMPRESSION_LZ4_FRAME,
                                              ARROW_COMPRESSION_ZSTD};
    arrow_ipc_write_options opts = {.compression = comps[size % 3], .file_format = (size / 3) % 2};
    arrow_ipc_writer *w = NULL;
    arrow_reader *r = NULL;
    arrow_buffer *copy = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    aphx_error err = {0};
    aphx_buf msg;
    aphx_buf_init(&msg);
    if (arrow_ipc_writer_open(-1, schema, &opts, &w, &err)) fuzz_die("writer_open", err.msg);
    for (int64_t i = 0; i < n; i++) {
        aphx_rc rc = arrow_ipc_writer_write(w, batches[i], &err);
        /* The file format refuses dictionary replacements (spec): not a finding. */
        if (rc == APHX_UNSUPPORTED && opts.file_format) goto done;
        if (rc) fuzz_die("writer_write", err.msg);
    }
    if (arrow_ipc_writer_close(w, &err)) fuzz_die("writer_close", err.msg);
    arrow_ipc_writer_take_buffer(w, &bytes, &len);
    if (!(copy = arrow_buffer_alloc((int64_t)len))) fuzz_die("alloc", "out of memory");
    if (len) memcpy(copy->data, bytes, len);
    if (arrow_ipc_reader_open_buffer(copy, &r, &err)) fuzz_die("reader_open", err.msg);
    if (!arrow_schema_equal(schema, r->schema(r), true)) fuzz_die("schema", "differs after the round trip");
    for (int64_t i = 0;; i++) {
        arrow_batch *b = NULL;
        if (r->next(r, &b, &err)) fuzz_die("reader_next", err.msg);
        if (!b) {
            if (i != n) fuzz_die("reader", "fewer batches than written");
            break;
        }
        if (i >= n) fuzz_die("reader", "more batches than written");
        if (arrow_batch_validate(b, true, &err)) fuzz_die("read-back batch does not validate", err.msg);
        if (!arrow_batch_equal(batches[i], b, &msg)) fuzz_die("read-back batch differs", msg.data);
        arrow_batch_free(b);
    }
done:
    if (r) r->close(r);
    arrow_buffer_unref(copy);
    aphx_free(bytes);
    arrow_ipc_writer_free(w);
    aphx_buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arrow_schema schema;
    arrow_batch **batches = NULL;
    int64_t n = 0;
    aphx_error err = {0};
    if (arrow_json_read((const char *)data, size, &schema, &batches, &n, &err) != APHX_OK)
        return 0;
    for (int64_t i = 0; i < n; i++)
        if (arrow_batch_validate(batches[i], true, &err) != APHX_OK)
            fuzz_die("accepted a batch that does not validate", err.msg);
    fuzz_roundtrip(&schema, batches, n, size);
    arrow_json_batches_free(batches, n);
    arrow_schema_free(&schema);
    return 0;
}
