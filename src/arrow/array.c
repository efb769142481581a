/*
 * array.c — arrow_array lifetime (new, ref, unref), zero-copy slicing,
 * null counting and per-element null tests.
 *
 * Layout rules (arrow.h): `offset` applies to every buffer of the array
 * (bit offset for validity and bool values); children of nested arrays are
 * NOT sliced with the parent: list offsets index into the child, struct and
 * sparse-union children are read at parent offset + i, dense-union children
 * through the offsets buffer.
 *
 * null_count: -1 means "unknown" and is computed from the validity bitmap on
 * demand. Union arrays have no validity bitmap; their null_count is 0 (the
 * nulls live in the children), which arrow_array_new and slicing keep.
 */
#include "arrow/core_internal.h"

#include <math.h>
#include <string.h>

int32_t arrow_core_n_children(const arrow_field *f)
{
    switch (f->type.id) {
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_FIXED_SIZE_LIST: case ARROW_MAP:
    case ARROW_STRUCT: case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        return f->n_children;
    default:
        return 0;
    }
}

double arrow_core_half_to_double(uint16_t h)
{
    int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v;
    if (exp == 0) v = ldexp((double)mant, -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = ldexp((double)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

uint16_t arrow_core_double_to_half(double d)
{
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    if (isnan(d)) return 0x7e00;
    double a = fabs(d);
    if (a >= 65520.0) return sign | 0x7c00;             /* rounds to infinity */
    if (a < ldexp(1.0, -25)) return sign;                /* rounds to zero */
    int e;
    frexp(a, &e);                                        /* a = m * 2^e, m in [0.5,1) */
    int exp = e - 1 + 15;
    if (exp <= 0) {                                      /* subnormal */
        long m = lrint(ldexp(a, 24));
        return (uint16_t)(sign | (uint16_t)m);
    }
    long m = lrint(ldexp(a, 11 - e)) ;                   /* 11 significant bits */
    if (m == 2048) {
        m = 1024;
        exp++;
    }
    if (exp >= 31) return sign | 0x7c00;
    return (uint16_t)(sign | (uint16_t)(exp << 10) | (uint16_t)(m & 0x3ff));
}

arrow_array *arrow_array_new(const arrow_field *f)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refcount = 1;
    a->n_buffers = arrow_field_n_buffers(f);
    if (f->dict) {
        arrow_field value = arrow_core_value_field(f);
        a->dictionary = arrow_array_new(&value);
        if (!a->dictionary) goto fail;
        return a;
    }
    int32_t n = arrow_core_n_children(f);
    if (n > 0) {
        a->children = aphx_calloc((size_t)n, sizeof(arrow_array *));
        if (!a->children) goto fail;
        for (int32_t i = 0; i < n; i++) {
            a->children[i] = arrow_array_new(&f->children[i]);
            if (!a->children[i]) goto fail;
            a->n_children = i + 1;
        }
    }
    return a;
fail:
    arrow_array_unref(a);
    return NULL;
}

arrow_array *arrow_array_ref(arrow_array *a)
{
    if (a) a->refcount++;
    return a;
}

void arrow_array_unref(arrow_array *a)
{
    if (!a || --a->refcount > 0) return;
    for (int32_t i = 0; i < a->n_buffers && i < ARROW_MAX_BUFFERS; i++)
        arrow_buffer_unref(a->buffers[i]);
    for (int32_t i = 0; i < a->n_children; i++) arrow_array_unref(a->children[i]);
    aphx_free(a->children);
    arrow_array_unref(a->dictionary);
    aphx_free(a);
}

/* The null type is the only layout without buffers and children. */
static bool array_is_null_type(const arrow_array *a)
{
    return a->n_buffers == 0 && a->n_children == 0 && !a->dictionary;
}

arrow_array *arrow_array_slice(arrow_array *a, int64_t offset, int64_t length)
{
    if (!a || offset < 0 || length < 0 || offset > a->length || length > a->length - offset)
        return NULL;
    arrow_array *s = aphx_calloc(1, sizeof *s);
    if (!s) return NULL;
    if (a->n_children > 0) {
        s->children = aphx_calloc((size_t)a->n_children, sizeof(arrow_array *));
        if (!s->children) {
            aphx_free(s);
            return NULL;
        }
    }
    s->refcount = 1;
    s->offset = a->offset + offset;
    s->length = length;
    s->n_buffers = a->n_buffers;
    for (int32_t i = 0; i < a->n_buffers && i < ARROW_MAX_BUFFERS; i++)
        s->buffers[i] = arrow_buffer_ref(a->buffers[i]);
    s->n_children = a->n_children;
    for (int32_t i = 0; i < a->n_children; i++) s->children[i] = arrow_array_ref(a->children[i]);
    s->dictionary = arrow_array_ref(a->dictionary);
    if (array_is_null_type(s)) s->null_count = length;
    else if (a->null_count == 0 || (a->n_buffers > 0 && !a->buffers[0])) s->null_count = 0;
    else if (offset == 0 && length == a->length) s->null_count = a->null_count;
    else s->null_count = -1;
    return s;
}

int64_t arrow_array_null_count(arrow_array *a)
{
    if (a->null_count >= 0) return a->null_count;
    if (array_is_null_type(a)) a->null_count = a->length;
    else if (a->n_buffers == 0 || !a->buffers[0] || !a->buffers[0]->data) a->null_count = 0;
    else a->null_count = a->length - arrow_bitmap_count_set(a->buffers[0]->data, a->offset,
                                                            a->length);
    return a->null_count;
}

bool arrow_array_is_null(const arrow_field *f, const arrow_array *a, int64_t i)
{
    if (!f->dict) {
        if (f->type.id == ARROW_NA) return true;
        if (arrow_core_is_union(f->type.id)) {
            if (!a->buffers[0]) return true;
            int64_t j = a->offset + i;
            int8_t code = ((const int8_t *)a->buffers[0]->data)[j];
            int32_t c = arrow_core_union_child(f, code);
            if (c < 0 || c >= a->n_children) return true;
            int64_t ci = j;
            if (f->type.id == ARROW_DENSE_UNION) {
                if (!a->buffers[1]) return true;
                ci = ((const int32_t *)a->buffers[1]->data)[j];
            }
            const arrow_array *child = a->children[c];
            return arrow_array_is_null(&f->children[c], child, ci);
        }
    }
    if (a->n_buffers == 0 || !a->buffers[0]) return false;
    return !arrow_bit_get(a->buffers[0]->data, a->offset + i);
}
