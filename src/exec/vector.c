/*
 * vector.c — the executor's array plumbing: SQLSTATE errors, exec types,
 * building result arrays from raw buffers, the utf8 output builder,
 * normalized views (exec_vec) over arrays with offsets, validity bitmap
 * arithmetic, and the gather (take) and concatenate kernels every operator
 * uses.
 */
#include "exec/exec_internal.h"

#include <stdarg.h>
#include <stdio.h>

aphx_rc exec_sql_fail(aphx_error *err, aphx_rc code, const char *sqlstate, const char *fmt, ...)
{
    if (!err) return code;
    char msg[APHX_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return aphx_fail(err, code, "%s: %s", sqlstate, msg);
}

const char *exec_sqlstate(const aphx_error *err, char out[6])
{
    strcpy(out, "XX000");
    if (!err) return out;
    const char *m = err->msg;
    for (int i = 0; i < 5; i++)
        if (!((m[i] >= '0' && m[i] <= '9') || (m[i] >= 'A' && m[i] <= 'Z'))) return out;
    if (m[5] != ':') return out;
    memcpy(out, m, 5);
    out[5] = 0;
    return out;
}

void exec_ctx_init(exec_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->batch_rows = 65536;
}

int64_t exec_batch_rows(const exec_ctx *ctx)
{
    return ctx && ctx->batch_rows > 0 ? ctx->batch_rows : 65536;
}

exec_type exec_type_decimal(int32_t precision, int32_t scale)
{
    exec_type t = {ARROW_DECIMAL128, precision, scale};
    return t;
}

bool exec_is_int(arrow_type_id id)
{
    return arrow_type_is_integer(id);
}

bool exec_is_numeric(arrow_type_id id)
{
    return exec_is_int(id) || id == ARROW_FLOAT32 || id == ARROW_FLOAT64 ||
           id == ARROW_DECIMAL128;
}

exec_type exec_canon(exec_type t)
{
    if (exec_is_int(t.id)) return exec_type_of(ARROW_INT64);
    if (t.id == ARROW_FLOAT32) return exec_type_of(ARROW_FLOAT64);
    return t;
}

aphx_rc exec_type_from_field(const arrow_field *f, exec_type *out, aphx_error *err)
{
    *out = exec_type_of(ARROW_NA);
    if (f->dict)
        return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000",
                             "dictionary-encoded column '%s' not supported yet", f->name);
    switch (f->type.id) {
    case ARROW_NA: case ARROW_BOOL: case ARROW_INT8: case ARROW_INT16: case ARROW_INT32:
    case ARROW_INT64: case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32:
    case ARROW_FLOAT32: case ARROW_FLOAT64: case ARROW_UTF8: case ARROW_DATE32:
        *out = exec_type_of(f->type.id);
        return APHX_OK;
    case ARROW_DECIMAL128:
        *out = exec_type_decimal(f->type.precision, f->type.scale);
        return APHX_OK;
    case ARROW_TIMESTAMP:
        if (f->type.unit == ARROW_MICRO && !f->type.timezone) {
            *out = exec_type_of(ARROW_TIMESTAMP);
            return APHX_OK;
        }
        break;
    default:
        break;
    }
    aphx_buf b;
    aphx_buf_init(&b);
    arrow_field_format_type(f, &b);
    exec_sql_fail(err, APHX_UNSUPPORTED, "0A000", "column '%s' of type %s not supported yet",
                  f->name, b.data ? b.data : "?");
    aphx_buf_free(&b);
    return APHX_UNSUPPORTED;
}

aphx_rc exec_type_to_field(exec_type t, const char *name, bool nullable, arrow_field *out)
{
    aphx_rc rc = arrow_field_init(out, name ? name : "", t.id, nullable);
    if (rc) return rc;
    if (t.id == ARROW_DECIMAL128) {
        out->type.precision = t.precision;
        out->type.scale = t.scale;
        out->type.byte_width = 16;
    } else if (t.id == ARROW_TIMESTAMP) {
        out->type.unit = ARROW_MICRO;
    }
    return APHX_OK;
}

void exec_type_format(exec_type t, aphx_buf *out)
{
    if (t.id == ARROW_DECIMAL128) aphx_buf_printf(out, "decimal(%d,%d)", t.precision, t.scale);
    else aphx_buf_puts(out, arrow_type_name(t.id));
}

/* ------------------------------------------------------------------ */
/* Arrays from buffers                                                 */
/* ------------------------------------------------------------------ */
static int32_t type_width_bytes(arrow_type_id id)
{
    switch (id) {
    case ARROW_INT8: case ARROW_UINT8: return 1;
    case ARROW_INT16: case ARROW_UINT16: return 2;
    case ARROW_INT32: case ARROW_UINT32: case ARROW_FLOAT32: case ARROW_DATE32: return 4;
    case ARROW_DECIMAL128: return 16;
    default: return 8;
    }
}

arrow_array *exec_array_make(exec_type t, int64_t n, arrow_buffer *validity,
                             arrow_buffer *values, arrow_buffer *data)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) {
        arrow_buffer_unref(validity);
        arrow_buffer_unref(values);
        arrow_buffer_unref(data);
        return NULL;
    }
    a->refcount = 1;
    a->length = n;
    if (t.id == ARROW_NA) {
        a->n_buffers = 0;
        a->null_count = n;
        arrow_buffer_unref(validity);
        arrow_buffer_unref(values);
        arrow_buffer_unref(data);
        return a;
    }
    a->null_count = validity ? -1 : 0;
    a->n_buffers = (t.id == ARROW_UTF8 || t.id == ARROW_BINARY) ? 3 : 2;
    a->buffers[0] = validity;
    a->buffers[1] = values;
    if (a->n_buffers == 3) a->buffers[2] = data;
    else arrow_buffer_unref(data);
    return a;
}

static void release_aligned(void *ctx)
{
    aphx_free_aligned(ctx);
}

/* A 64-byte aligned buffer whose bytes the caller will all write: no
 * zero-fill (arrow_buffer_alloc clears memory, which costs a pass over
 * every result column). */
arrow_buffer *exec_buffer_uninit(int64_t size)
{
    int64_t cap = APHX_ALIGN_UP((size_t)(size > 0 ? size : 1), 64);
    void *p = aphx_malloc_aligned((size_t)cap);
    if (!p) return NULL;
    arrow_buffer *b = arrow_buffer_wrap(p, size, release_aligned, p);
    if (!b) aphx_free_aligned(p);
    return b;
}

arrow_array *exec_array_fixed(exec_type t, int64_t n, bool with_validity)
{
    int64_t bytes = t.id == ARROW_BOOL ? (n + 7) / 8 : n * type_width_bytes(t.id);
    arrow_buffer *v = exec_buffer_uninit(bytes > 0 ? bytes : 1);
    if (!v) return NULL;
    arrow_buffer *val = NULL;
    if (with_validity) {
        val = arrow_buffer_alloc((n + 7) / 8 > 0 ? (n + 7) / 8 : 1);
        if (!val) {
            arrow_buffer_unref(v);
            return NULL;
        }
    }
    return exec_array_make(t, n, val, v, NULL);
}

arrow_array *exec_array_nulls(exec_type t, int64_t n)
{
    if (t.id == ARROW_NA) return exec_array_make(t, n, NULL, NULL, NULL);
    if (t.id == ARROW_UTF8 || t.id == ARROW_BINARY) {
        arrow_buffer *val = arrow_buffer_alloc((n + 7) / 8 + 1);
        arrow_buffer *off = arrow_buffer_alloc((n + 1) * 4);
        arrow_buffer *data = arrow_buffer_alloc(1);
        if (!val || !off || !data) {
            arrow_buffer_unref(val);
            arrow_buffer_unref(off);
            arrow_buffer_unref(data);
            return NULL;
        }
        data->size = 0;
        arrow_array *a = exec_array_make(t, n, val, off, data);
        if (a) a->null_count = n;
        return a;
    }
    arrow_array *a = exec_array_fixed(t, n, true);   /* zero-filled: all null */
    if (a) {
        memset(a->buffers[1]->data, 0, (size_t)a->buffers[1]->size);
        a->null_count = n;
    }
    return a;
}

/* ------------------------------------------------------------------ */
/* utf8 builder                                                        */
/* ------------------------------------------------------------------ */
bool exec_strbuild_init(exec_strbuild *sb, int64_t n_hint, int64_t bytes_hint)
{
    memset(sb, 0, sizeof *sb);
    sb->cap = n_hint > 16 ? n_hint : 16;
    sb->offsets = arrow_buffer_alloc((sb->cap + 1) * 4);
    sb->data = arrow_buffer_alloc(bytes_hint > 64 ? bytes_hint : 64);
    if (!sb->offsets || !sb->data) {
        exec_strbuild_free(sb);
        sb->oom = true;
        return false;
    }
    return true;
}

static bool strbuild_grow_values(exec_strbuild *sb)
{
    if (sb->n < sb->cap) return true;
    int64_t cap = sb->cap * 2;
    if (arrow_buffer_resize(sb->offsets, (cap + 1) * 4)) return false;
    if (sb->validity && arrow_buffer_resize(sb->validity, (cap + 7) / 8 + 1)) return false;
    sb->cap = cap;
    return true;
}

uint8_t *exec_strbuild_reserve(exec_strbuild *sb, int64_t len)
{
    if (sb->oom) return NULL;
    if (!strbuild_grow_values(sb)) {
        sb->oom = true;
        return NULL;
    }
    if (sb->bytes + len > sb->data->size) {
        int64_t want = sb->data->size * 2;
        if (want < sb->bytes + len) want = sb->bytes + len;
        if (want > INT32_MAX) {
            sb->oom = true;
            return NULL;
        }
        if (arrow_buffer_resize(sb->data, want)) {
            sb->oom = true;
            return NULL;
        }
    }
    return sb->data->data + sb->bytes;
}

void exec_strbuild_commit(exec_strbuild *sb, int64_t len)
{
    if (sb->oom) return;
    sb->bytes += len;
    sb->n++;
    ((int32_t *)sb->offsets->data)[sb->n] = (int32_t)sb->bytes;
    if (sb->validity) arrow_bit_set(sb->validity->data, sb->n - 1, true);
}

void exec_strbuild_append(exec_strbuild *sb, const void *p, int64_t len)
{
    uint8_t *dst = exec_strbuild_reserve(sb, len);
    if (!dst) return;
    if (len) memcpy(dst, p, (size_t)len);
    exec_strbuild_commit(sb, len);
}

void exec_strbuild_null(exec_strbuild *sb)
{
    if (sb->oom) return;
    if (!strbuild_grow_values(sb)) {
        sb->oom = true;
        return;
    }
    if (!sb->validity) {
        sb->validity = arrow_buffer_alloc((sb->cap + 7) / 8 + 1);
        if (!sb->validity) {
            sb->oom = true;
            return;
        }
        if (sb->n > 0) memset(sb->validity->data, 0xff, (size_t)(sb->n + 7) / 8);
        for (int64_t i = sb->n; i < ((sb->n + 7) / 8) * 8; i++)
            arrow_bit_set(sb->validity->data, i, false);
    }
    sb->n++;
    ((int32_t *)sb->offsets->data)[sb->n] = (int32_t)sb->bytes;
    arrow_bit_set(sb->validity->data, sb->n - 1, false);
}

arrow_array *exec_strbuild_finish(exec_strbuild *sb)
{
    if (sb->oom) {
        exec_strbuild_free(sb);
        return NULL;
    }
    sb->offsets->size = (sb->n + 1) * 4;
    sb->data->size = sb->bytes;
    if (sb->validity) sb->validity->size = (sb->n + 7) / 8;
    arrow_array *a = exec_array_make(exec_type_of(ARROW_UTF8), sb->n, sb->validity,
                                     sb->offsets, sb->data);
    memset(sb, 0, sizeof *sb);
    return a;
}

void exec_strbuild_free(exec_strbuild *sb)
{
    arrow_buffer_unref(sb->offsets);
    arrow_buffer_unref(sb->data);
    arrow_buffer_unref(sb->validity);
    sb->offsets = sb->data = sb->validity = NULL;
}

/* ------------------------------------------------------------------ */
/* Views and bitmaps                                                   */
/* ------------------------------------------------------------------ */
arrow_buffer *exec_bits_copy(const uint8_t *bits, int64_t offset, int64_t n)
{
    int64_t nbytes = (n + 7) / 8;
    arrow_buffer *b = arrow_buffer_alloc(nbytes > 0 ? nbytes : 1);
    if (!b) return NULL;
    uint8_t *d = b->data;
    if ((offset & 7) == 0) {
        memcpy(d, bits + offset / 8, (size_t)nbytes);
    } else {
        const uint8_t *s = bits + offset / 8;
        int sh = (int)(offset & 7);
        int64_t full = n / 8;
        int64_t src_bytes = (sh + n + 7) / 8;
        for (int64_t j = 0; j < full; j++)
            d[j] = (uint8_t)((s[j] >> sh) | (j + 1 < src_bytes ? s[j + 1] << (8 - sh) : 0));
        for (int64_t i = full * 8; i < n; i++) arrow_bit_set(d, i, arrow_bit_get(bits, offset + i));
    }
    return b;
}

static const uint8_t *bits_view(const uint8_t *bits, int64_t offset, int64_t n,
                                aphx_arena *scratch)
{
    if ((offset & 7) == 0) return bits + offset / 8;
    uint8_t *d = aphx_arena_alloc(scratch, (size_t)(n + 7) / 8 + 1);
    if (!d) return NULL;
    const uint8_t *s = bits + offset / 8;
    int sh = (int)(offset & 7);
    int64_t nbytes = (n + 7) / 8;
    int64_t src_bytes = (sh + n + 7) / 8;
    for (int64_t j = 0; j < nbytes; j++) {
        uint8_t hi = j + 1 < src_bytes ? s[j + 1] : 0;
        d[j] = (uint8_t)((s[j] >> sh) | (hi << (8 - sh)));
    }
    return d;
}

aphx_rc exec_vec_init(exec_vec *v, exec_type t, arrow_array *a, bool scalar, int64_t len,
                      aphx_arena *scratch, aphx_error *err)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    v->len = len;
    v->scalar = scalar;
    if (t.id == ARROW_NA || a->n_buffers == 0) {
        v->all_null = true;
        return APHX_OK;
    }
    int64_t rows = scalar ? 1 : a->length;
    if (a->buffers[0] && arrow_array_null_count(a) > 0) {
        if (scalar && a->null_count == 1) {
            v->all_null = true;
            return APHX_OK;
        }
        v->valid = bits_view(a->buffers[0]->data, a->offset, rows, scratch);
        if (!v->valid) return aphx_fail(err, APHX_NOMEM, "out of memory viewing a column");
    }
    const uint8_t *vals = a->buffers[1] ? a->buffers[1]->data : NULL;
    switch (t.id) {
    case ARROW_BOOL:
        v->values = bits_view(vals, a->offset, rows, scratch);
        if (!v->values) return aphx_fail(err, APHX_NOMEM, "out of memory viewing a column");
        break;
    case ARROW_UTF8: case ARROW_BINARY:
        v->values = (const int32_t *)vals + a->offset;
        v->data = a->buffers[2] ? a->buffers[2]->data : (const uint8_t *)"";
        break;
    default:
        v->values = vals + a->offset * type_width_bytes(t.id);
        break;
    }
    return APHX_OK;
}

arrow_buffer *exec_valid_and(const exec_vec *a, const exec_vec *b, int64_t n, bool *oom)
{
    const uint8_t *va = a->scalar ? NULL : a->valid;
    const uint8_t *vb = b->scalar ? NULL : b->valid;
    if (!va && !vb) return NULL;
    int64_t nbytes = (n + 7) / 8;
    arrow_buffer *r = arrow_buffer_alloc(nbytes > 0 ? nbytes : 1);
    if (!r) {
        *oom = true;
        return NULL;
    }
    uint8_t *d = r->data;
    if (va && vb) for (int64_t j = 0; j < nbytes; j++) d[j] = va[j] & vb[j];
    else memcpy(d, va ? va : vb, (size_t)nbytes);
    return r;
}

arrow_buffer *exec_valid_copy(const exec_vec *a, int64_t n, bool *oom)
{
    if (a->scalar || !a->valid) return NULL;
    arrow_buffer *r = arrow_buffer_alloc((n + 7) / 8 > 0 ? (n + 7) / 8 : 1);
    if (!r) {
        *oom = true;
        return NULL;
    }
    memcpy(r->data, a->valid, (size_t)(n + 7) / 8);
    return r;
}

/* ------------------------------------------------------------------ */
/* Take and concatenate                                                */
/* ------------------------------------------------------------------ */
typedef enum layout { LAYOUT_NULL, LAYOUT_BOOL, LAYOUT_FIXED, LAYOUT_STR32, LAYOUT_STR64,
                      LAYOUT_OTHER } layout;

static layout field_layout(const arrow_field *f, int32_t *width)
{
    *width = 0;
    if (f->dict) return LAYOUT_OTHER;
    switch (f->type.id) {
    case ARROW_NA: return LAYOUT_NULL;
    case ARROW_BOOL: return LAYOUT_BOOL;
    case ARROW_UTF8: case ARROW_BINARY: return LAYOUT_STR32;
    case ARROW_LARGE_UTF8: case ARROW_LARGE_BINARY: return LAYOUT_STR64;
    default: {
        int32_t bits = arrow_type_bit_width(&f->type);
        if (bits >= 8 && bits % 8 == 0 && arrow_field_n_buffers(f) == 2) {
            *width = bits / 8;
            return LAYOUT_FIXED;
        }
        return LAYOUT_OTHER;
    }
    }
}

static bool array_valid_at(const arrow_array *a, int64_t i)
{
    return !a->buffers[0] || arrow_bit_get(a->buffers[0]->data, a->offset + i);
}

aphx_rc exec_take(const arrow_field *f, const arrow_array *a, const int64_t *idx, int64_t n,
                  arrow_array **out, aphx_error *err)
{
    *out = NULL;
    int32_t w;
    layout lay = field_layout(f, &w);
    arrow_buffer *val = NULL, *vals = NULL, *data = NULL;
    arrow_array *r = NULL;
    if (lay == LAYOUT_OTHER)
        return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000",
                             "moving values of column '%s' (%s) not supported yet", f->name,
                             arrow_type_name(f->type.id));
    if (lay == LAYOUT_NULL) {
        r = exec_array_make(exec_type_of(ARROW_NA), n, NULL, NULL, NULL);
        goto done;
    }
    bool has_nulls = a->buffers[0] != NULL;
    for (int64_t i = 0; i < n && !has_nulls; i++) has_nulls = idx[i] < 0;
    int64_t nbytes = (n + 7) / 8;
    if (has_nulls) {
        val = arrow_buffer_alloc(nbytes ? nbytes : 1);
        if (!val) goto oom;
        uint8_t *vd = val->data;
        for (int64_t i = 0; i < n; i++)
            if (idx[i] >= 0 && array_valid_at(a, idx[i])) vd[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    const uint8_t *src = a->n_buffers > 1 && a->buffers[1] ? a->buffers[1]->data : NULL;
    if (lay == LAYOUT_BOOL) {
        vals = arrow_buffer_alloc(nbytes ? nbytes : 1);
        if (!vals) goto oom;
        for (int64_t i = 0; i < n; i++)
            if (idx[i] >= 0 && arrow_bit_get(src, a->offset + idx[i]))
                vals->data[i >> 3] |= (uint8_t)(1u << (i & 7));
    } else if (lay == LAYOUT_FIXED) {
        vals = exec_buffer_uninit(n * w > 0 ? n * w : 1);
        if (!vals) goto oom;
        uint8_t *d = vals->data;
        const uint8_t *s = src + a->offset * w;
        switch (w) {
        case 8:
            for (int64_t i = 0; i < n; i++)
                ((int64_t *)d)[i] = idx[i] >= 0 ? ((const int64_t *)s)[idx[i]] : 0;
            break;
        case 4:
            for (int64_t i = 0; i < n; i++)
                ((int32_t *)d)[i] = idx[i] >= 0 ? ((const int32_t *)s)[idx[i]] : 0;
            break;
        default:
            for (int64_t i = 0; i < n; i++) {
                if (idx[i] >= 0) memcpy(d + i * w, s + idx[i] * w, (size_t)w);
                else memset(d + i * w, 0, (size_t)w);
            }
            break;
        }
    } else {
        bool large = lay == LAYOUT_STR64;
        int osz = large ? 8 : 4;
        const uint8_t *sd = a->buffers[2] ? a->buffers[2]->data : NULL;
        int64_t total = 0;
        for (int64_t i = 0; i < n; i++) {
            if (idx[i] < 0) continue;
            int64_t j = a->offset + idx[i];
            total += large ? ((const int64_t *)src)[j + 1] - ((const int64_t *)src)[j]
                           : ((const int32_t *)src)[j + 1] - ((const int32_t *)src)[j];
        }
        if (!large && total > INT32_MAX)
            return exec_sql_fail(err, APHX_RANGE, "54000",
                                 "string column '%s' would exceed 2 GiB in one batch", f->name);
        vals = arrow_buffer_alloc((n + 1) * osz);
        data = arrow_buffer_alloc(total > 0 ? total : 1);
        if (!vals || !data) goto oom;
        data->size = total;
        int64_t pos = 0;
        for (int64_t i = 0; i < n; i++) {
            if (idx[i] >= 0) {
                int64_t j = a->offset + idx[i], s0, s1;
                if (large) {
                    s0 = ((const int64_t *)src)[j];
                    s1 = ((const int64_t *)src)[j + 1];
                } else {
                    s0 = ((const int32_t *)src)[j];
                    s1 = ((const int32_t *)src)[j + 1];
                }
                if (s1 > s0) memcpy(data->data + pos, sd + s0, (size_t)(s1 - s0));
                pos += s1 - s0;
            }
            if (large) ((int64_t *)vals->data)[i + 1] = pos;
            else ((int32_t *)vals->data)[i + 1] = (int32_t)pos;
        }
    }
    r = aphx_calloc(1, sizeof *r);
    if (!r) goto oom;
    r->refcount = 1;
    r->length = n;
    r->null_count = val ? -1 : 0;
    r->n_buffers = lay == LAYOUT_FIXED || lay == LAYOUT_BOOL ? 2 : 3;
    r->buffers[0] = val;
    r->buffers[1] = vals;
    r->buffers[2] = data;
done:
    if (!r) return aphx_fail(err, APHX_NOMEM, "out of memory gathering rows");
    *out = r;
    return APHX_OK;
oom:
    arrow_buffer_unref(val);
    arrow_buffer_unref(vals);
    arrow_buffer_unref(data);
    return aphx_fail(err, APHX_NOMEM, "out of memory gathering rows");
}

aphx_rc exec_concat(const arrow_field *f, arrow_array *const *arrays, int64_t n,
                    arrow_array **out, aphx_error *err)
{
    *out = NULL;
    if (n == 1) {
        *out = arrow_array_ref(arrays[0]);
        return APHX_OK;
    }
    int32_t w;
    layout lay = field_layout(f, &w);
    if (lay == LAYOUT_OTHER)
        return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000",
                             "concatenating column '%s' (%s) not supported yet", f->name,
                             arrow_type_name(f->type.id));
    int64_t total = 0, total_bytes = 0;
    bool nulls = false;
    for (int64_t k = 0; k < n; k++) {
        total += arrays[k]->length;
        if (lay != LAYOUT_NULL && arrays[k]->buffers[0]) nulls = true;
        if (lay == LAYOUT_STR32 || lay == LAYOUT_STR64) {
            const arrow_array *a = arrays[k];
            if (a->length == 0) continue;
            if (lay == LAYOUT_STR32)
                total_bytes += ((const int32_t *)a->buffers[1]->data)[a->offset + a->length] -
                               ((const int32_t *)a->buffers[1]->data)[a->offset];
            else
                total_bytes += ((const int64_t *)a->buffers[1]->data)[a->offset + a->length] -
                               ((const int64_t *)a->buffers[1]->data)[a->offset];
        }
    }
    if (lay == LAYOUT_NULL) {
        *out = exec_array_make(exec_type_of(ARROW_NA), total, NULL, NULL, NULL);
        return *out ? APHX_OK : aphx_fail(err, APHX_NOMEM, "out of memory concatenating");
    }
    if (lay == LAYOUT_STR32 && total_bytes > INT32_MAX)
        return exec_sql_fail(err, APHX_RANGE, "54000",
                             "string column '%s' would exceed 2 GiB in one array", f->name);
    arrow_buffer *val = NULL, *vals = NULL, *data = NULL;
    int64_t nbytes = (total + 7) / 8;
    if (nulls) {
        val = arrow_buffer_alloc(nbytes ? nbytes : 1);
        if (!val) goto oom;
    }
    if (lay == LAYOUT_BOOL) vals = arrow_buffer_alloc(nbytes ? nbytes : 1);
    else if (lay == LAYOUT_FIXED) vals = arrow_buffer_alloc(total * w > 0 ? total * w : 1);
    else {
        vals = arrow_buffer_alloc((total + 1) * (lay == LAYOUT_STR64 ? 8 : 4));
        data = arrow_buffer_alloc(total_bytes > 0 ? total_bytes : 1);
        if (!data) goto oom;
        data->size = total_bytes;
    }
    if (!vals) goto oom;
    int64_t pos = 0, bpos = 0;
    for (int64_t k = 0; k < n; k++) {
        const arrow_array *a = arrays[k];
        int64_t len = a->length;
        if (val) {
            if (a->buffers[0]) {
                for (int64_t i = 0; i < len; i++)
                    if (arrow_bit_get(a->buffers[0]->data, a->offset + i))
                        val->data[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
            } else {
                for (int64_t i = 0; i < len; i++)
                    val->data[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
            }
        }
        const uint8_t *src = len ? a->buffers[1]->data : NULL;
        if (lay == LAYOUT_BOOL) {
            for (int64_t i = 0; i < len; i++)
                if (arrow_bit_get(src, a->offset + i))
                    vals->data[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
        } else if (lay == LAYOUT_FIXED) {
            if (len) memcpy(vals->data + pos * w, src + a->offset * w, (size_t)(len * w));
        } else if (lay == LAYOUT_STR32) {
            const int32_t *o = (const int32_t *)src + a->offset;
            int32_t *d = (int32_t *)vals->data;
            for (int64_t i = 0; i < len; i++) d[pos + i + 1] = (int32_t)(bpos + o[i + 1] - o[0]);
            if (len && o[len] > o[0])
                memcpy(data->data + bpos, a->buffers[2]->data + o[0], (size_t)(o[len] - o[0]));
            if (len) bpos += o[len] - o[0];
        } else {
            const int64_t *o = (const int64_t *)src + a->offset;
            int64_t *d = (int64_t *)vals->data;
            for (int64_t i = 0; i < len; i++) d[pos + i + 1] = bpos + o[i + 1] - o[0];
            if (len && o[len] > o[0])
                memcpy(data->data + bpos, a->buffers[2]->data + o[0], (size_t)(o[len] - o[0]));
            if (len) bpos += o[len] - o[0];
        }
        pos += len;
    }
    arrow_array *r = aphx_calloc(1, sizeof *r);
    if (!r) goto oom;
    r->refcount = 1;
    r->length = total;
    r->null_count = val ? -1 : 0;
    r->n_buffers = (lay == LAYOUT_BOOL || lay == LAYOUT_FIXED) ? 2 : 3;
    r->buffers[0] = val;
    r->buffers[1] = vals;
    r->buffers[2] = data;
    *out = r;
    return APHX_OK;
oom:
    arrow_buffer_unref(val);
    arrow_buffer_unref(vals);
    arrow_buffer_unref(data);
    return aphx_fail(err, APHX_NOMEM, "out of memory concatenating arrays");
}

aphx_rc exec_batch_take(const arrow_batch *b, const int64_t *idx, int64_t n, arrow_batch **out,
                        aphx_error *err)
{
    *out = NULL;
    arrow_batch *r = arrow_batch_new(b->schema, n);
    if (!r) return aphx_fail(err, APHX_NOMEM, "out of memory gathering a batch");
    for (int32_t c = 0; c < b->n_columns; c++) {
        aphx_rc rc = exec_take(&b->schema->fields[c], b->columns[c], idx, n, &r->columns[c], err);
        if (rc) {
            arrow_batch_free(r);
            return rc;
        }
    }
    *out = r;
    return APHX_OK;
}
