/*
 * interop_canon.c — canonical JSON rendering of Arrow data for the
 * apache-arrow interop tests (format: tests/interop/canon.mjs). Offsets
 * follow arrow.h: an array's offset applies to all its buffers and, for
 * struct, sparse union and fixed-size list, to its children's indices.
 */
#include "interop_canon.h"

#include <inttypes.h>
#include <string.h>

static const char *canon_unit(arrow_time_unit u)
{
    switch (u) {
    case ARROW_SECOND: return "s";
    case ARROW_MILLI: return "ms";
    case ARROW_MICRO: return "us";
    default: return "ns";
    }
}

static void canon_json_string(aphx_buf *b, const uint8_t *p, int64_t n)
{
    aphx_buf_putc(b, '"');
    for (int64_t i = 0; i < n; i++) {
        uint8_t c = p[i];
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

static void canon_hex(aphx_buf *b, const uint8_t *p, int64_t n, bool reverse)
{
    static const char digits[] = "0123456789abcdef";
    aphx_buf_putc(b, '"');
    for (int64_t k = 0; k < n; k++) {
        uint8_t c = p[reverse ? n - 1 - k : k];
        aphx_buf_putc(b, digits[c >> 4]);
        aphx_buf_putc(b, digits[c & 15]);
    }
    aphx_buf_putc(b, '"');
}

void interop_canon_type(const arrow_field *f, aphx_buf *b)
{
    const arrow_type *t = &f->type;
    switch (t->id) {
    case ARROW_DECIMAL128:
    case ARROW_DECIMAL256:
        aphx_buf_printf(b, "%s(%d,%d)", arrow_type_name(t->id), t->precision, t->scale);
        break;
    case ARROW_TIME32: case ARROW_TIME64: case ARROW_DURATION:
        aphx_buf_printf(b, "%s[%s]", arrow_type_name(t->id), canon_unit(t->unit));
        break;
    case ARROW_TIMESTAMP:
        aphx_buf_printf(b, "timestamp[%s%s%s]", canon_unit(t->unit), t->timezone ? "," : "",
                        t->timezone ? t->timezone : "");
        break;
    case ARROW_FIXED_SIZE_BINARY:
        aphx_buf_printf(b, "fixed_size_binary[%d]", t->byte_width);
        break;
    case ARROW_FIXED_SIZE_LIST:
        aphx_buf_printf(b, "fixed_size_list[%d]", t->list_size);
        break;
    case ARROW_MAP:
        aphx_buf_puts(b, t->keys_sorted ? "map[sorted]" : "map");
        break;
    case ARROW_SPARSE_UNION:
    case ARROW_DENSE_UNION:
        aphx_buf_printf(b, "%s[", arrow_type_name(t->id));
        for (int32_t i = 0; i < f->n_children; i++) {
            int code = (t->type_codes && i < t->n_type_codes) ? t->type_codes[i] : i;
            aphx_buf_printf(b, "%s%d", i ? "," : "", code);
        }
        aphx_buf_putc(b, ']');
        break;
    default:
        aphx_buf_puts(b, arrow_type_name(t->id));
    }
}

void interop_canon_field(const arrow_field *f, aphx_buf *b)
{
    aphx_buf_puts(b, "{\"name\":");
    canon_json_string(b, (const uint8_t *)f->name, (int64_t)strlen(f->name));
    aphx_buf_puts(b, ",\"type\":\"");
    interop_canon_type(f, b);
    aphx_buf_printf(b, "\",\"nullable\":%s,\"children\":[", f->nullable ? "true" : "false");
    for (int32_t i = 0; i < f->n_children; i++) {
        if (i) aphx_buf_putc(b, ',');
        interop_canon_field(&f->children[i], b);
    }
    aphx_buf_putc(b, ']');
    if (f->dict)
        aphx_buf_printf(b, ",\"dict\":{\"index\":\"%s\",\"ordered\":%s}",
                        arrow_type_name(f->dict->index_type), f->dict->ordered ? "true" : "false");
    aphx_buf_putc(b, '}');
}

static int64_t canon_offset(const arrow_array *a, bool large, int64_t j)
{
    const uint8_t *d = a->buffers[1]->data;
    if (large) {
        int64_t v;
        memcpy(&v, d + 8 * j, 8);
        return v;
    }
    int32_t v;
    memcpy(&v, d + 4 * j, 4);
    return v;
}

static int64_t canon_read_int(arrow_type_id id, const uint8_t *p)
{
    switch (id) {
    case ARROW_INT8: return (int8_t)p[0];
    case ARROW_UINT8: return p[0];
    case ARROW_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
    case ARROW_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case ARROW_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
    case ARROW_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void canon_fixed(const arrow_type *t, const uint8_t *p, aphx_buf *b)
{
    int32_t v32;
    int64_t v64;
    switch (t->id) {
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32:
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32:
        aphx_buf_printf(b, "%" PRId64, canon_read_int(t->id, p));
        return;
    case ARROW_INT64:
        memcpy(&v64, p, 8);
        aphx_buf_printf(b, "\"%" PRId64 "\"", v64);
        return;
    case ARROW_UINT64: {
        uint64_t u;
        memcpy(&u, p, 8);
        aphx_buf_printf(b, "\"%" PRIu64 "\"", u);
        return;
    }
    case ARROW_FLOAT16: canon_hex(b, p, 2, true); return;
    case ARROW_FLOAT32: canon_hex(b, p, 4, true); return;
    case ARROW_FLOAT64: canon_hex(b, p, 8, true); return;
    case ARROW_DECIMAL128: canon_hex(b, p, 16, false); return;
    case ARROW_DECIMAL256: canon_hex(b, p, 32, false); return;
    case ARROW_FIXED_SIZE_BINARY: canon_hex(b, p, t->byte_width, false); return;
    case ARROW_DATE32: case ARROW_TIME32: case ARROW_INTERVAL_MONTHS:
        memcpy(&v32, p, 4);
        aphx_buf_printf(b, "%" PRId32, v32);
        return;
    case ARROW_INTERVAL_DAY_TIME: {
        int32_t d, ms;
        memcpy(&d, p, 4);
        memcpy(&ms, p + 4, 4);
        aphx_buf_printf(b, "[%" PRId32 ",%" PRId32 "]", d, ms);
        return;
    }
    case ARROW_INTERVAL_MONTH_DAY_NANO: {
        int32_t m, d;
        memcpy(&m, p, 4);
        memcpy(&d, p + 4, 4);
        memcpy(&v64, p + 8, 8);
        aphx_buf_printf(b, "[%" PRId32 ",%" PRId32 ",\"%" PRId64 "\"]", m, d, v64);
        return;
    }
    default: /* date64, time64, timestamp, duration */
        memcpy(&v64, p, 8);
        aphx_buf_printf(b, "\"%" PRId64 "\"", v64);
        return;
    }
}

void interop_canon_value(const arrow_field *f, const arrow_array *a, int64_t i, aphx_buf *b)
{
    const arrow_type *t = &f->type;
    int64_t j = a->offset + i;   /* absolute index into this array's buffers */
    if (!f->dict && t->id == ARROW_NA) {
        aphx_buf_puts(b, "null");
        return;
    }
    if (!f->dict && (t->id == ARROW_SPARSE_UNION || t->id == ARROW_DENSE_UNION)) {
        int8_t code = ((const int8_t *)a->buffers[0]->data)[j];
        int32_t c = -1;
        for (int32_t k = 0; k < f->n_children; k++) {
            int kc = (t->type_codes && k < t->n_type_codes) ? t->type_codes[k] : k;
            if (kc == code) c = k;
        }
        aphx_buf_printf(b, "[%d,", code);
        if (c < 0) {
            aphx_buf_puts(b, "\"<bad type code>\"]");
            return;
        }
        int64_t ci = j;
        if (t->id == ARROW_DENSE_UNION) {
            int32_t o;
            memcpy(&o, a->buffers[1]->data + 4 * j, 4);
            ci = o;
        }
        interop_canon_value(&f->children[c], a->children[c], ci, b);
        aphx_buf_putc(b, ']');
        return;
    }
    if (a->buffers[0] && !arrow_bit_get(a->buffers[0]->data, j)) {
        aphx_buf_puts(b, "null");
        return;
    }
    if (f->dict) {
        arrow_type index_type = {.id = f->dict->index_type};
        size_t w = (size_t)(arrow_type_bit_width(&index_type) / 8);
        int64_t k = canon_read_int(f->dict->index_type, a->buffers[1]->data + (size_t)j * w);
        arrow_field value = *f;
        value.dict = NULL;
        interop_canon_value(&value, a->dictionary, k, b);
        return;
    }
    switch (t->id) {
    case ARROW_BOOL:
        aphx_buf_puts(b, arrow_bit_get(a->buffers[1]->data, j) ? "true" : "false");
        return;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = t->id == ARROW_LARGE_UTF8 || t->id == ARROW_LARGE_BINARY;
        int64_t s = canon_offset(a, large, j), e = canon_offset(a, large, j + 1);
        const uint8_t *p = a->buffers[2] ? a->buffers[2]->data + s : (const uint8_t *)"";
        if (t->id == ARROW_UTF8 || t->id == ARROW_LARGE_UTF8) canon_json_string(b, p, e - s);
        else canon_hex(b, p, e - s, false);
        return;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        bool large = t->id == ARROW_LARGE_LIST;
        int64_t s = canon_offset(a, large, j), e = canon_offset(a, large, j + 1);
        aphx_buf_putc(b, '[');
        for (int64_t k = s; k < e; k++) {
            if (k > s) aphx_buf_putc(b, ',');
            if (t->id == ARROW_MAP) {
                const arrow_field *ef = &f->children[0];
                const arrow_array *ea = a->children[0];
                int64_t ek = ea->offset + k;  /* struct offset applies to its children */
                aphx_buf_putc(b, '[');
                interop_canon_value(&ef->children[0], ea->children[0], ek, b);
                aphx_buf_putc(b, ',');
                interop_canon_value(&ef->children[1], ea->children[1], ek, b);
                aphx_buf_putc(b, ']');
            } else {
                interop_canon_value(&f->children[0], a->children[0], k, b);
            }
        }
        aphx_buf_putc(b, ']');
        return;
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t n = t->list_size;
        aphx_buf_putc(b, '[');
        for (int64_t k = 0; k < n; k++) {
            if (k) aphx_buf_putc(b, ',');
            interop_canon_value(&f->children[0], a->children[0], j * n + k, b);
        }
        aphx_buf_putc(b, ']');
        return;
    }
    case ARROW_STRUCT:
        aphx_buf_putc(b, '[');
        for (int32_t k = 0; k < f->n_children; k++) {
            if (k) aphx_buf_putc(b, ',');
            interop_canon_value(&f->children[k], a->children[k], j, b);
        }
        aphx_buf_putc(b, ']');
        return;
    default: {
        int32_t w = arrow_type_bit_width(t) / 8;
        canon_fixed(t, a->buffers[1]->data + (size_t)j * (size_t)w, b);
        return;
    }
    }
}

void interop_canon_begin(aphx_buf *b, const arrow_schema *s)
{
    aphx_buf_puts(b, "{\"schema\":[");
    for (int32_t i = 0; i < s->n_fields; i++) {
        if (i) aphx_buf_putc(b, ',');
        interop_canon_field(&s->fields[i], b);
    }
    aphx_buf_puts(b, "],\"batches\":[");
}

aphx_rc interop_canon_batch(aphx_buf *b, const arrow_batch *batch, int64_t *n_batches,
                            aphx_error *err)
{
    aphx_rc rc = arrow_batch_validate(batch, true, err);
    if (rc) return rc;
    if (*n_batches > 0) aphx_buf_putc(b, ',');
    aphx_buf_printf(b, "{\"length\":%" PRId64 ",\"columns\":[", batch->length);
    for (int32_t c = 0; c < batch->n_columns; c++) {
        const arrow_field *f = &batch->schema->fields[c];
        if (c) aphx_buf_putc(b, ',');
        aphx_buf_putc(b, '[');
        for (int64_t i = 0; i < batch->length; i++) {
            if (i) aphx_buf_putc(b, ',');
            interop_canon_value(f, batch->columns[c], i, b);
        }
        aphx_buf_putc(b, ']');
    }
    aphx_buf_puts(b, "]}");
    (*n_batches)++;
    return b->oom ? aphx_fail(err, APHX_NOMEM, "out of memory rendering batch JSON") : APHX_OK;
}

void interop_canon_end(aphx_buf *b)
{
    aphx_buf_puts(b, "]}\n");
}
