/*
 * table.c — render Arrow record batches as aligned text tables for people
 * (the demo, `aphx arrow cat`, and the SQL shell). Numbers are right
 * aligned, text left aligned, NULL shown as "null"; embedded newlines and
 * tabs become spaces so that one row stays on one line.
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
    switch (f->type.id) {
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32: case ARROW_UINT64:
    case ARROW_FLOAT16: case ARROW_FLOAT32: case ARROW_FLOAT64:
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        return true;
    default:
        return false;
    }
}

static void table_cell(FILE *out, const char *p, size_t n, size_t width, bool right, bool last)
{
    size_t w = table_width(p, n);
    if (right) table_pad(out, width - w);
    fwrite(p, 1, n, out);
    if (!right && !last) table_pad(out, width - w);
}

aphx_rc cli_table_print(FILE *out, const arrow_batch *bt, int64_t rows, const char *indent)
{
    int32_t nc = bt->n_columns;
    const arrow_schema *s = bt->schema;
    if (rows > bt->length) rows = bt->length;
    size_t cells = (size_t)rows * (size_t)nc;
    size_t *start = aphx_calloc(cells + 1, sizeof(size_t));
    size_t *widths = aphx_calloc((size_t)nc + 1, sizeof(size_t));
    aphx_buf text;
    aphx_buf_init(&text);
    aphx_rc rc = APHX_NOMEM;
    if (!start || !widths) goto done;
    for (int32_t c = 0; c < nc; c++) widths[c] = table_width(s->fields[c].name, strlen(s->fields[c].name));
    for (int64_t r = 0; r < rows; r++)
        for (int32_t c = 0; c < nc; c++) {
            size_t k = (size_t)r * (size_t)nc + (size_t)c;
            start[k] = text.len;
            arrow_array_format_value(&s->fields[c], bt->columns[c], r, false, &text);
            for (size_t i = start[k]; i < text.len; i++)
                if (text.data[i] == '\n' || text.data[i] == '\t' || text.data[i] == '\r')
                    text.data[i] = ' ';
            size_t w = table_width(text.data + start[k], text.len - start[k]);
            if (w > widths[c]) widths[c] = w;
        }
    start[cells] = text.len;
    if (text.oom) goto done;

    fputs(indent, out);
    for (int32_t c = 0; c < nc; c++) {
        const char *name = s->fields[c].name;
        fputs(c ? " | " : "", out);
        table_cell(out, name, strlen(name), widths[c], table_right_aligned(&s->fields[c]), c + 1 == nc);
    }
    fputc('\n', out);
    fputs(indent, out);
    for (int32_t c = 0; c < nc; c++) {
        fputs(c ? "-+-" : "", out);
        for (size_t i = 0; i < widths[c]; i++) fputc('-', out);
    }
    fputc('\n', out);
    for (int64_t r = 0; r < rows; r++) {
        fputs(indent, out);
        for (int32_t c = 0; c < nc; c++) {
            size_t k = (size_t)r * (size_t)nc + (size_t)c;
            fputs(c ? " | " : "", out);
            table_cell(out, text.data + start[k], start[k + 1] - start[k], widths[c],
                       table_right_aligned(&s->fields[c]), c + 1 == nc);
        }
        fputc('\n', out);
    }
    rc = APHX_OK;
done:
    aphx_free(start);
    aphx_free(widths);
    aphx_buf_free(&text);
    return rc;
}
