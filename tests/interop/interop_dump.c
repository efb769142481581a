/*
 * interop_dump.c — reads an Arrow IPC stream or file with ArrowPhoenix's
 * reader and prints its canonical JSON (tests/interop/canon.mjs) on stdout.
 * Every batch is validated (with UTF-8 checks) before it is rendered.
 *
 *   interop_dump FILE        exit 0 ok, 1 read/validate error (on stderr)
 */
#include "interop_canon.h"

#include <stdio.h>

static int dump_file(const char *path)
{
    aphx_error err = {0};
    arrow_reader *r = NULL;
    arrow_batch *batch = NULL;
    aphx_buf out;
    int64_t n = 0;
    int status = 1;
    aphx_buf_init(&out);

    if (arrow_ipc_reader_open_path(path, &r, &err)) goto done;
    interop_canon_begin(&out, r->schema(r));
    for (;;) {
        if (r->next(r, &batch, &err)) goto done;
        if (!batch) break;
        if (interop_canon_batch(&out, batch, &n, &err)) {
            aphx_error_prefix(&err, "batch %lld", (long long)n);
            goto done;
        }
        arrow_batch_free(batch);
        batch = NULL;
    }
    interop_canon_end(&out);
    if (out.oom) {
        aphx_fail(&err, APHX_NOMEM, "out of memory rendering JSON");
        goto done;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        aphx_fail(&err, APHX_IO, "cannot write to stdout");
        goto done;
    }
    status = 0;
done:
    if (status) fprintf(stderr, "interop_dump: %s: %s: %s\n", path, aphx_rc_name(err.code), err.msg);
    arrow_batch_free(batch);
    if (r) r->close(r);
    aphx_buf_free(&out);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: interop_dump FILE.arrow|FILE.stream\n");
        return 2;
    }
    return dump_file(argv[1]);
}
