/*
 * core_internal.h — helpers shared by the Arrow core files (array, validate,
 * equal, format, builder, cdata). Internal to src/arrow; not part of the
 * public API in arrow.h.
 */
#ifndef APHX_ARROW_CORE_INTERNAL_H
#define APHX_ARROW_CORE_INTERNAL_H

#include "arrow/arrow.h"

/* The field describing a dictionary's values: a shallow copy of f with the
 * dictionary encoding removed (shares f's names, children, metadata). */
static inline arrow_field arrow_core_value_field(const arrow_field *f)
{
    arrow_field v = *f;
    v.dict = NULL;
    return v;
}

static inline bool arrow_core_is_union(arrow_type_id id)
{
    return id == ARROW_SPARSE_UNION || id == ARROW_DENSE_UNION;
}

/* Child index of a union type code, or -1 when the code is unknown. */
static inline int32_t arrow_core_union_child(const arrow_field *f, int8_t code)
{
    if (!f->type.type_codes) return (code >= 0 && code < f->n_children) ? code : -1;
    for (int32_t i = 0; i < f->type.n_type_codes && i < f->n_children; i++)
        if (f->type.type_codes[i] == code) return i;
    return -1;
}

/* Read an integer of the given integer type id at index i of data. */
static inline int64_t arrow_core_read_int(arrow_type_id id, const uint8_t *data, int64_t i)
{
    switch (id) {
    case ARROW_INT8: return ((const int8_t *)data)[i];
    case ARROW_UINT8: return ((const uint8_t *)data)[i];
    case ARROW_INT16: return ((const int16_t *)data)[i];
    case ARROW_UINT16: return ((const uint16_t *)data)[i];
    case ARROW_INT32: return ((const int32_t *)data)[i];
    case ARROW_UINT32: return ((const uint32_t *)data)[i];
    case ARROW_INT64: return ((const int64_t *)data)[i];
    case ARROW_UINT64: return (int64_t)((const uint64_t *)data)[i];
    default: return 0;
    }
}

/* Start/end of element i (absolute index) of a 32- or 64-bit offsets buffer. */
static inline int64_t arrow_core_offset(const arrow_array *a, bool large, int64_t i)
{
    const uint8_t *d = a->buffers[1]->data;
    return large ? ((const int64_t *)d)[i] : ((const int32_t *)d)[i];
}

static inline bool arrow_core_is_large(arrow_type_id id)
{
    return id == ARROW_LARGE_UTF8 || id == ARROW_LARGE_BINARY || id == ARROW_LARGE_LIST;
}

/* Number of child arrays an array of this (non-dictionary) field has. */
int32_t arrow_core_n_children(const arrow_field *f);

/* IEEE half -> double. */
double arrow_core_half_to_double(uint16_t h);
uint16_t arrow_core_double_to_half(double d);

#endif
