/*
 * ipc_concat.c — concatenation of two arrays of the same field into new
 * buffers, used by the IPC reader to apply delta dictionaries (isDelta):
 * the dictionary becomes old ++ delta. Both inputs have been validated.
 *
 * Every layout of arrow.h is handled: validity bitmaps are re-based, offsets
 * of the second array are shifted by the data length of the first, list /
 * fixed-size-list / struct / sparse-union children are concatenated over
 * the ranges the parents use, dense-union children are concatenated whole
 * (the second array's offsets shifted by the first's child lengths), and a
 * dictionary-encoded child keeps the second array's dictionary (a nested
 * dictionary only ever grows by deltas or is replaced before the outer
 * delta that uses it).
 */
#include "arrow/core_internal.h"
#include "arrow/ipc_internal.h"

#include <string.h>

static void ipc_concat_bits(uint8_t *dst, int64_t dst_off, const uint8_t *src, int64_t src_off,
                            int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        arrow_bit_set(dst, dst_off + i, src ? arrow_bit_get(src, src_off + i) : true);
}

static const uint8_t *ipc_concat_data(const arrow_array *a, int i)
{
    return a->buffers[i] ? a->buffers[i]->data : NULL;
}

/* A new array shell of the given layout. */
static arrow_array *ipc_concat_shell(int32_t n_buffers, int32_t n_children, int64_t length)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refcount = 1;
    a->n_buffers = n_buffers;
    a->length = length;
    a->null_count = -1;
    if (n_children > 0) {
        a->children = aphx_calloc((size_t)n_children, sizeof(arrow_array *));
        if (!a->children) {
            aphx_free(a);
            return NULL;
        }
    }
    return a;
}

/* Concatenate the fixed-width values [x.offset, +x.length) and y's. */
static arrow_buffer *ipc_concat_fixed(const arrow_array *x, const arrow_array *y, int buf,
                                      int64_t width_bits)
{
    int64_t n = x->length + y->length;
    arrow_buffer *b = arrow_buffer_alloc((n * width_bits + 7) / 8);
    if (!b) return NULL;
    const uint8_t *xs = ipc_concat_data(x, buf), *ys = ipc_concat_data(y, buf);
    if (width_bits == 1) {
        if (xs) ipc_concat_bits(b->data, 0, xs, x->offset, x->length);
        if (ys) ipc_concat_bits(b->data, x->length, ys, y->offset, y->length);
        return b;
    }
    int64_t w = width_bits / 8;
    if (xs && x->length) memcpy(b->data, xs + x->offset * w, (size_t)(x->length * w));
    if (ys && y->length) memcpy(b->data + x->length * w, ys + y->offset * w, (size_t)(y->length * w));
    return b;
}

static aphx_rc ipc_concat_rec(const arrow_field *f, arrow_array *x, arrow_array *y, int depth,
                              arrow_array **out, aphx_error *err);

/* out = concat(slice(x, xo, xn), slice(y, yo, yn)) */
static aphx_rc ipc_concat_ranges(const arrow_field *f, arrow_array *x, int64_t xo, int64_t xn,
                                 arrow_array *y, int64_t yo, int64_t yn, int depth,
                                 arrow_array **out, aphx_error *err)
{
    arrow_array *xs = arrow_array_slice(x, xo, xn), *ys = arrow_array_slice(y, yo, yn);
    aphx_rc rc;
    if (!xs || !ys) rc = aphx_fail(err, APHX_NOMEM, "out of memory concatenating a dictionary");
    else rc = ipc_concat_rec(f, xs, ys, depth, out, err);
    arrow_array_unref(xs);
    arrow_array_unref(ys);
    return rc;
}

static aphx_rc ipc_concat_rec(const arrow_field *f, arrow_array *x, arrow_array *y, int depth,
                              arrow_array **out, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    *out = NULL;
    if (depth > IPC_MAX_NESTING)
        return aphx_fail(err, APHX_CORRUPT, "dictionary nested deeper than %d", IPC_MAX_NESTING);
    arrow_type_id id = f->type.id;
    bool is_union = !f->dict && arrow_core_is_union(id);
    int64_t n = x->length + y->length;
    int32_t n_children = f->dict ? 0 : f->n_children;
    arrow_array *a = ipc_concat_shell(arrow_field_n_buffers(f), n_children, n);
    if (!a) return aphx_fail(err, APHX_NOMEM, "out of memory concatenating a dictionary");
    if (!f->dict && id == ARROW_NA) {
        a->null_count = n;
        *out = a;
        return APHX_OK;
    }
    if (!is_union && arrow_array_null_count(x) + arrow_array_null_count(y) > 0) {
        a->buffers[0] = arrow_buffer_alloc((n + 7) / 8);
        if (!a->buffers[0]) goto nomem;
        ipc_concat_bits(a->buffers[0]->data, 0, ipc_concat_data(x, 0), x->offset, x->length);
        ipc_concat_bits(a->buffers[0]->data, x->length, ipc_concat_data(y, 0), y->offset, y->length);
    }
    if (is_union) a->null_count = 0;
    if (f->dict) {
        arrow_type t = {.id = f->dict->index_type};
        if (!(a->buffers[1] = ipc_concat_fixed(x, y, 1, arrow_type_bit_width(&t)))) goto nomem;
        a->dictionary = arrow_array_ref(y->dictionary);
        *out = a;
        return APHX_OK;
    }
    switch (id) {
    case ARROW_UTF8: case ARROW_BINARY: case ARROW_LARGE_UTF8: case ARROW_LARGE_BINARY:
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        bool large = arrow_core_is_large(id);
        int64_t w = large ? 8 : 4;
        int64_t x0 = arrow_core_offset(x, large, x->offset), x1 = arrow_core_offset(x, large, x->offset + x->length);
        int64_t y0 = arrow_core_offset(y, large, y->offset), y1 = arrow_core_offset(y, large, y->offset + y->length);
        int64_t total = (x1 - x0) + (y1 - y0);
        if (!large && total > INT32_MAX) {
            rc = aphx_fail(err, APHX_OVERFLOW, "concatenated dictionary too large for 32-bit offsets");
            goto fail;
        }
        if (!(a->buffers[1] = arrow_buffer_alloc((n + 1) * w))) goto nomem;
        uint8_t *o = a->buffers[1]->data;
        for (int64_t i = 0; i <= n; i++) {
            int64_t v = i <= x->length
                            ? arrow_core_offset(x, large, x->offset + i) - x0
                            : (x1 - x0) + arrow_core_offset(y, large, y->offset + i - x->length) - y0;
            if (large) {
                memcpy(o + i * 8, &v, 8);
            } else {
                int32_t v32 = (int32_t)v;
                memcpy(o + i * 4, &v32, 4);
            }
        }
        if (id == ARROW_LIST || id == ARROW_LARGE_LIST || id == ARROW_MAP) {
            rc = ipc_concat_ranges(&f->children[0], x->children[0], x0, x1 - x0, y->children[0], y0,
                                   y1 - y0, depth + 1, &a->children[0], err);
            if (rc) goto fail;
            a->n_children = 1;
            break;
        }
        if (!(a->buffers[2] = arrow_buffer_alloc(total))) goto nomem;
        if (x1 > x0) memcpy(a->buffers[2]->data, x->buffers[2]->data + x0, (size_t)(x1 - x0));
        if (y1 > y0) memcpy(a->buffers[2]->data + (x1 - x0), y->buffers[2]->data + y0, (size_t)(y1 - y0));
        break;
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t k = f->type.list_size;
        rc = ipc_concat_ranges(&f->children[0], x->children[0], x->offset * k, x->length * k,
                               y->children[0], y->offset * k, y->length * k, depth + 1,
                               &a->children[0], err);
        if (rc) goto fail;
        a->n_children = 1;
        break;
    }
    case ARROW_STRUCT:
    case ARROW_SPARSE_UNION:
        if (id == ARROW_SPARSE_UNION && !(a->buffers[0] = ipc_concat_fixed(x, y, 0, 8))) goto nomem;
        for (int32_t i = 0; i < f->n_children; i++) {
            rc = ipc_concat_ranges(&f->children[i], x->children[i], x->offset, x->length,
                                   y->children[i], y->offset, y->length, depth + 1, &a->children[i],
                                   err);
            if (rc) goto fail;
            a->n_children = i + 1;
        }
        break;
    case ARROW_DENSE_UNION: {
        if (!(a->buffers[0] = ipc_concat_fixed(x, y, 0, 8))) goto nomem;
        if (!(a->buffers[1] = ipc_concat_fixed(x, y, 1, 32))) goto nomem;
        /* y's offsets move past x's whole children */
        int32_t *offs = (int32_t *)a->buffers[1]->data;
        const int8_t *codes = (const int8_t *)a->buffers[0]->data;
        for (int64_t i = x->length; i < n; i++) {
            int32_t c = arrow_core_union_child(f, codes[i]);
            if (c < 0) {
                rc = aphx_fail(err, APHX_CORRUPT, "dictionary: union type code %d unknown", codes[i]);
                goto fail;
            }
            int64_t v = (int64_t)offs[i] + x->children[c]->length;
            if (v > INT32_MAX) {
                rc = aphx_fail(err, APHX_OVERFLOW, "concatenated dense union offsets overflow");
                goto fail;
            }
            offs[i] = (int32_t)v;
        }
        for (int32_t i = 0; i < f->n_children; i++) {
            rc = ipc_concat_rec(&f->children[i], x->children[i], y->children[i], depth + 1,
                                &a->children[i], err);
            if (rc) goto fail;
            a->n_children = i + 1;
        }
        break;
    }
    default: {
        int32_t bits = arrow_type_bit_width(&f->type);
        if (bits <= 0 && !(id == ARROW_FIXED_SIZE_BINARY && f->type.byte_width == 0)) {
            rc = aphx_fail(err, APHX_UNSUPPORTED, "delta dictionaries of type %s not supported yet",
                           arrow_type_name(id));
            goto fail;
        }
        if (!(a->buffers[1] = ipc_concat_fixed(x, y, 1, bits))) goto nomem;
        break;
    }
    }
    *out = a;
    return APHX_OK;
nomem:
    rc = aphx_fail(err, APHX_NOMEM, "out of memory concatenating a dictionary");
fail:
    arrow_array_unref(a);
    return rc;
}

aphx_rc ipc_concat(const arrow_field *value_field, arrow_array *x, arrow_array *y,
                   arrow_array **out, aphx_error *err)
{
    return ipc_concat_rec(value_field, x, y, 0, out, err);
}
