/*
 * table.c — render Arrow record batches as aligned text tables for people
 * (the demo, `aphx arrow cat`, and later the SQL shell). Numbers are right
 * aligned, everything else left aligned, NULL shown as "null"; embedded
 * newlines and tabs become spaces so that one row stays on one line.
 *
 * Streaming: cli_table_add() may be called once per batch; column widths
 * grow as wider values arrive and the header goes out with the first rows,
 * using their widths.
 */
#include "cli/cli.h"

#include <string.h>

/* Display width of UTF-8 text: code points (good enough for alignment). */
static size_t table_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

static void table_pad(FILE *f, size_t n)
{
    for (size_t i = 0; i < n; i++) fputc(' ', f);
}

static bool table_right_aligned(const arrow_field *f)
{
    if (f->dict) return false;
    return arrow_type_is_integer(f->type.id) || f->type.id == ARROW_FLOAT16 ||
           f->type.id == ARROW_FLOAT32 || f->type.id == ARROW_FLOAT64 ||
           f->type.id == ARROW_DECIMAL128 || f->type.id == ARROW_DECIMAL256;
}

static void table_cell(FILE *out, const char *p, size_t n, size_t width, bool right, bool last)
{
    size_t w = table_width(p, n);
    if (right) table_pad(out, width - w);
    fwrite(p, 1, n, out);
    if (!right && !last) table_pad(out, width - w);
}

static void table_header(cli_table *t)
{
    const arrow_schema *s = t->schema;
    int32_t nc = s->n_fields;
    fputs(t->indent, t->out);
    for (int32_t c = 0; c < nc; c++) {
        const char *name = s->fields[c].name;
        fputs(c ? " | " : "", t->out);
        table_cell(t->out, name, strlen(name), t->widths[c], table_right_aligned(&s->fields[c]),
                   c + 1 == nc);
    }
    fputc('\n', t->out);
    fputs(t->indent, t->out);
    for (int32_t c = 0; c < nc; c++) {
        fputs(c ? "-+-" : "", t->out);
        for (size_t i = 0; i < t->widths[c]; i++) fputc('-', t->out);
    }
    fputc('\n', t->out);
    t->header_done = true;
}

aphx_rc cli_table_init(cli_table *t, FILE *out, const arrow_schema *schema, const char *indent)
{
    *t = (cli_table){.out = out, .schema = schema, .indent = indent ? indent : ""};
    t->widths = aphx_calloc((size_t)schema->n_fields + 1, sizeof(size_t));
    if (!t->widths) return APHX_NOMEM;
    for (int32_t c = 0; c < schema->n_fields; c++)
        t->widths[c] = table_width(schema->fields[c].name, strlen(schema->fields[c].name));
    return APHX_OK;
}

aphx_rc cli_table_add(cli_table *t, const arrow_batch *bt, int64_t rows)
{
    int32_t nc = t->schema->n_fields;
    const arrow_schema *s = t->schema;
    if (rows > bt->length) rows = bt->length;
    if (rows <= 0) return APHX_OK;
    size_t cells = (size_t)rows * (size_t)nc;
    size_t *start = aphx_calloc(cells + 1, sizeof(size_t));
    aphx_buf text;
    aphx_buf_init(&text);
    aphx_rc rc = APHX_NOMEM;
    if (!start) goto done;
    for (int64_t r = 0; r < rows; r++)
        for (int32_t c = 0; c < nc; c++) {
            size_t k = (size_t)r * (size_t)nc + (size_t)c;
            start[k] = text.len;
            arrow_array_format_value(&s->fields[c], bt->columns[c], r, false, &text);
            for (size_t i = start[k]; i < text.len; i++)
                if (text.data[i] == '\n' || text.data[i] == '\t' || text.data[i] == '\r')
                    text.data[i] = ' ';
            size_t w = table_width(text.data + start[k], text.len - start[k]);
            if (w > t->widths[c]) t->widths[c] = w;
        }
    start[cells] = text.len;
    if (text.oom) goto done;
    if (!t->header_done) table_header(t);
    for (int64_t r = 0; r < rows; r++) {
        fputs(t->indent, t->out);
        for (int32_t c = 0; c < nc; c++) {
            size_t k = (size_t)r * (size_t)nc + (size_t)c;
            fputs(c ? " | " : "", t->out);
            table_cell(t->out, text.data + start[k], start[k + 1] - start[k], t->widths[c],
                       table_right_aligned(&s->fields[c]), c + 1 == nc);
        }
        fputc('\n', t->out);
    }
    rc = APHX_OK;
done:
    aphx_free(start);
    aphx_buf_free(&text);
    return rc;
}

void cli_table_finish(cli_table *t)
{
    if (t->widths && !t->header_done && t->schema->n_fields > 0) table_header(t);
    aphx_free(t->widths);
    t->widths = NULL;
}

aphx_rc cli_table_print(FILE *out, const arrow_batch *bt, int64_t rows, const char *indent)
{
    cli_table t;
    aphx_rc rc = cli_table_init(&t, out, bt->schema, indent);
    if (rc == APHX_OK) rc = cli_table_add(&t, bt, rows);
    cli_table_finish(&t);
    return rc;
}
