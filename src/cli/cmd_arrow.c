/*
 * cmd_arrow.c — `aphx arrow`: inspect and convert Arrow IPC data.
 *
 *   aphx arrow cat FILE [--json] [--limit N]    schema + rows as a table (or JSON lines)
 *   aphx arrow schema FILE                      the schema, one field per line
 *   aphx arrow convert IN OUT [--to file|stream] [--compression none|lz4|zstd]
 *
 * Stream or file format is detected from the input; "-" means stdin/stdout.
 * Errors read "aphx arrow: FILE: corrupt: record batch 3: ...".
 */
#include "arrow/arrow.h"
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void arrow_cli_usage(FILE *f)
{
    fprintf(f,
            "Usage: aphx arrow <command> [options]\n\n"
            "Inspect and convert Arrow IPC streams and files (format detected from the\n"
            "input; '-' means stdin or stdout).\n\n"
            "Commands:\n"
            "  cat FILE [--json] [--limit N]   print the schema and rows as a table, or one\n"
            "                                  JSON object per row with --json\n"
            "  schema FILE                     print the schema\n"
            "  convert IN OUT [--to file|stream] [--compression none|lz4|zstd]\n"
            "                                  rewrite IN as OUT (default: same format,\n"
            "                                  no compression)\n\n"
            "Run 'aphx arrow <command> --help' for details.\n");
}

/* "aphx arrow: FILE: corrupt: message" */
static int arrow_cli_fail(const char *path, const aphx_error *err)
{
    char kind[32];
    const char *name = aphx_rc_name(err->code);
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof kind; i++) kind[i] = (char)tolower((unsigned char)name[i]);
    kind[i] = 0;
    const char *shown = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (err->code == APHX_IO)   /* the message is the system's ("No such file or directory") */
        fprintf(stderr, "aphx arrow: %s: %s\n", shown, err->msg[0] ? err->msg : aphx_rc_text(err->code));
    else
        fprintf(stderr, "aphx arrow: %s: %s: %s\n", shown, kind,
                err->msg[0] ? err->msg : aphx_rc_text(err->code));
    return 1;
}

static aphx_rc arrow_cli_open(const char *path, arrow_reader **out, aphx_error *err)
{
    return arrow_ipc_reader_open_path(path, out, err);
}

/* Strip the "path: " prefix open_path adds, so messages name the file once. */
static void arrow_cli_strip_path(aphx_error *err, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(err->msg, path, n) == 0 && err->msg[n] == ':' && err->msg[n + 1] == ' ')
        memmove(err->msg, err->msg + n + 2, strlen(err->msg + n + 2) + 1);
}

/* ------------------------------------------------------------------ */
/* cat                                                                 */
/* ------------------------------------------------------------------ */
static void arrow_cli_json_string(aphx_buf *b, const char *s)
{
    aphx_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            aphx_buf_putc(b, '\\');
            aphx_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            aphx_buf_printf(b, "\\u%04x", c);
        } else {
            aphx_buf_putc(b, (char)c);
        }
    }
    aphx_buf_putc(b, '"');
}

static void arrow_cli_print_json(const arrow_batch *bt, int64_t rows)
{
    aphx_buf line;
    aphx_buf_init(&line);
    for (int64_t r = 0; r < rows; r++) {
        aphx_buf_reset(&line);
        aphx_buf_putc(&line, '{');
        for (int32_t c = 0; c < bt->n_columns; c++) {
            if (c) aphx_buf_puts(&line, ", ");
            arrow_cli_json_string(&line, bt->schema->fields[c].name);
            aphx_buf_puts(&line, ": ");
            arrow_array_format_json(&bt->schema->fields[c], bt->columns[c], r, &line);
        }
        aphx_buf_puts(&line, "}\n");
        fwrite(line.data, 1, line.len, stdout);
    }
    aphx_buf_free(&line);
}

static int arrow_cli_cat(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    int64_t limit = -1;
    if (cli_wants_help(argc, argv)) {
        printf("Usage: aphx arrow cat FILE [--json] [--limit N]\n\n"
               "Print the schema and the rows of an Arrow IPC stream or file ('-' = stdin)\n"
               "as an aligned table.\n\n"
               "  --json      one JSON object per row instead (no schema header)\n"
               "  --limit N   stop after N rows\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (strcmp(argv[i], "--limit") == 0) {
            if (i + 1 >= argc || !aphx_parse_i64(argv[i + 1], &limit) || limit < 0)
                return cli_usage_error("arrow cat", "--limit needs a non-negative integer");
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("arrow cat", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage_error("arrow cat", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path) return cli_usage_error("arrow cat", "missing FILE");
    aphx_error err = {0};
    arrow_reader *r = NULL;
    if (arrow_cli_open(path, &r, &err)) {
        arrow_cli_strip_path(&err, path);
        return arrow_cli_fail(path, &err);
    }
    const arrow_schema *s = r->schema(r);
    int rc = 0;
    int64_t total = 0, batches = 0;
    cli_table table = {0};
    if (!json && cli_table_init(&table, stdout, s, "")) {
        r->close(r);
        fprintf(stderr, "aphx arrow: out of memory\n");
        return 1;
    }
    if (!json) {
        aphx_buf sb;
        aphx_buf_init(&sb);
        arrow_schema_format(s, &sb);
        printf("-- %s format, schema:\n%s", arrow_ipc_reader_is_file(r) ? "file" : "stream",
               sb.data ? sb.data : "");
        if (sb.len && sb.data[sb.len - 1] != '\n') putchar('\n');
        putchar('\n');
        aphx_buf_free(&sb);
    }
    while (limit < 0 || total < limit) {
        arrow_batch *bt = NULL;
        if (r->next(r, &bt, &err)) {
            fflush(stdout);
            rc = arrow_cli_fail(path, &err);
            break;
        }
        if (!bt) break;
        int64_t rows = bt->length;
        if (limit >= 0 && rows > limit - total) rows = limit - total;
        if (json) arrow_cli_print_json(bt, rows);
        else if (cli_table_add(&table, bt, rows)) {
            arrow_batch_free(bt);
            fprintf(stderr, "aphx arrow: out of memory\n");
            rc = 1;
            break;
        }
        total += rows;
        batches++;
        arrow_batch_free(bt);
    }
    if (!json && rc == 0) {
        cli_table_finish(&table);   /* the header, if no row printed it */
        printf("(%lld row%s in %lld batch%s)\n", (long long)total, total == 1 ? "" : "s",
               (long long)batches, batches == 1 ? "" : "es");
    }
    if (!json) cli_table_finish(&table);
    r->close(r);
    return rc;
}

/* ------------------------------------------------------------------ */
/* schema                                                              */
/* ------------------------------------------------------------------ */
static int arrow_cli_schema(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("Usage: aphx arrow schema FILE\n\n"
               "Print the schema of an Arrow IPC stream or file ('-' = stdin), one field\n"
               "per line, followed by the schema's custom metadata.\n");
        return 0;
    }
    if (argc != 2) return cli_usage_error("arrow schema", "expected exactly one FILE");
    const char *path = argv[1];
    aphx_error err = {0};
    arrow_reader *r = NULL;
    if (arrow_cli_open(path, &r, &err)) {
        arrow_cli_strip_path(&err, path);
        return arrow_cli_fail(path, &err);
    }
    const arrow_schema *s = r->schema(r);
    aphx_buf sb;
    aphx_buf_init(&sb);
    arrow_schema_format(s, &sb);
    printf("-- %s format\n%s", arrow_ipc_reader_is_file(r) ? "file" : "stream", sb.data ? sb.data : "");
    if (sb.len && sb.data[sb.len - 1] != '\n') putchar('\n');
    for (int32_t i = 0; i < s->n_fields; i++)
        for (int32_t k = 0; k < s->fields[i].metadata.count; k++) {
            const arrow_kv *kv = &s->fields[i].metadata.items[k];
            printf("-- field %s metadata: %s = %.*s\n", s->fields[i].name, kv->key, (int)kv->value_len,
                   kv->value);
        }
    for (int32_t i = 0; i < s->metadata.count; i++)
        printf("-- metadata: %s = %.*s\n", s->metadata.items[i].key, (int)s->metadata.items[i].value_len,
               s->metadata.items[i].value);
    aphx_buf_free(&sb);
    r->close(r);
    return 0;
}

/* ------------------------------------------------------------------ */
/* convert                                                             */
/* ------------------------------------------------------------------ */
static int arrow_cli_convert(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL, *to = NULL, *comp = "none";
    if (cli_wants_help(argc, argv)) {
        printf("Usage: aphx arrow convert IN OUT [--to file|stream] [--compression none|lz4|zstd]\n\n"
               "Read an Arrow IPC stream or file and write it again ('-' = stdin/stdout).\n\n"
               "  --to file|stream              output format (default: the input's)\n"
               "  --compression none|lz4|zstd   body compression of the output (default none)\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--to") == 0 || strcmp(argv[i], "--compression") == 0) {
            if (i + 1 >= argc) return cli_usage_error("arrow convert", "%s needs a value", argv[i]);
            if (argv[i][2] == 't') to = argv[i + 1];
            else comp = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("arrow convert", "unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!outp) {
            outp = argv[i];
        } else {
            return cli_usage_error("arrow convert", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!in || !outp) return cli_usage_error("arrow convert", "need IN and OUT");
    arrow_ipc_write_options opts = {.compression = ARROW_COMPRESSION_NONE};
    if (strcmp(comp, "lz4") == 0) opts.compression = ARROW_COMPRESSION_LZ4_FRAME;
    else if (strcmp(comp, "zstd") == 0) opts.compression = ARROW_COMPRESSION_ZSTD;
    else if (strcmp(comp, "none") != 0)
        return cli_usage_error("arrow convert", "--compression must be none, lz4 or zstd, not '%s'", comp);
    if (to && strcmp(to, "file") != 0 && strcmp(to, "stream") != 0)
        return cli_usage_error("arrow convert", "--to must be file or stream, not '%s'", to);

    aphx_error err = {0};
    arrow_reader *r = NULL;
    arrow_ipc_writer *w = NULL;
    int fd = -1, rc = 0;
    if (arrow_cli_open(in, &r, &err)) {
        arrow_cli_strip_path(&err, in);
        return arrow_cli_fail(in, &err);
    }
    opts.file_format = to ? strcmp(to, "file") == 0 : arrow_ipc_reader_is_file(r);
    if (strcmp(outp, "-") == 0) {
        fd = 1;
    } else {
        fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "aphx arrow: %s: %s\n", outp, strerror(errno));
            r->close(r);
            return 1;
        }
    }
    if (arrow_ipc_writer_open(fd, r->schema(r), &opts, &w, &err)) {
        rc = arrow_cli_fail(outp, &err);
        goto done;
    }
    for (;;) {
        arrow_batch *bt = NULL;
        if (r->next(r, &bt, &err)) {
            rc = arrow_cli_fail(in, &err);
            goto done;
        }
        if (!bt) break;
        aphx_rc wrc = arrow_ipc_writer_write(w, bt, &err);
        arrow_batch_free(bt);
        if (wrc) {
            rc = arrow_cli_fail(outp, &err);
            goto done;
        }
    }
    if (arrow_ipc_writer_close(w, &err)) rc = arrow_cli_fail(outp, &err);
done:
    arrow_ipc_writer_free(w);
    r->close(r);
    if (fd > 1 && close(fd) != 0 && rc == 0) {
        fprintf(stderr, "aphx arrow: %s: %s\n", outp, strerror(errno));
        rc = 1;
    }
    return rc;
}

int cli_cmd_arrow(int argc, char **argv)
{
    if (argc < 2) {
        arrow_cli_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        arrow_cli_usage(stdout);
        return 0;
    }
    if (strcmp(sub, "cat") == 0) return arrow_cli_cat(argc - 1, argv + 1);
    if (strcmp(sub, "schema") == 0) return arrow_cli_schema(argc - 1, argv + 1);
    if (strcmp(sub, "convert") == 0) return arrow_cli_convert(argc - 1, argv + 1);
    fprintf(stderr, "aphx arrow: unknown command '%s'\n\n", sub);
    arrow_cli_usage(stderr);
    return 2;
}
