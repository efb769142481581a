/*
 * equal.c — deep value equality of two arrays of the same field.
 *
 * Logical comparison: offsets are respected, values behind nulls are
 * ignored, dictionary-encoded arrays compare their decoded values (so two
 * arrays with different dictionaries but the same values are equal), union
 * slots compare type code and child value. Floating-point values compare
 * by bit pattern (NaN equals the same NaN; 0.0 differs from -0.0), which is
 * what round-trip tests want. Arrays are assumed valid (arrow_array_validate).
 */
#include "arrow/core_internal.h"

#include <string.h>

static bool element_equal(const arrow_field *f, const arrow_array *a, int64_t i,
                          const arrow_array *b, int64_t j);

static bool range_equal(const arrow_field *f, const arrow_array *a, int64_t ai,
                        const arrow_array *b, int64_t bi, int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        if (!element_equal(f, a, ai + k, b, bi + k)) return false;
    return true;
}

/* Element i of a (relative to a->offset) vs element j of b. */
static bool element_equal(const arrow_field *f, const arrow_array *a, int64_t i,
                          const arrow_array *b, int64_t j)
{
    bool an = arrow_array_is_null(f, a, i), bn = arrow_array_is_null(f, b, j);
    if (an || bn) return an == bn;
    int64_t ia = a->offset + i, jb = b->offset + j;
    if (f->dict) {
        arrow_field value = arrow_core_value_field(f);
        int64_t x = arrow_core_read_int(f->dict->index_type, a->buffers[1]->data, ia);
        int64_t y = arrow_core_read_int(f->dict->index_type, b->buffers[1]->data, jb);
        return element_equal(&value, a->dictionary, x, b->dictionary, y);
    }
    arrow_type_id id = f->type.id;
    switch (id) {
    case ARROW_NA:
        return true;
    case ARROW_BOOL:
        return arrow_bit_get(a->buffers[1]->data, ia) == arrow_bit_get(b->buffers[1]->data, jb);
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = arrow_core_is_large(id);
        int64_t as = arrow_core_offset(a, large, ia), ae = arrow_core_offset(a, large, ia + 1);
        int64_t bs = arrow_core_offset(b, large, jb), be = arrow_core_offset(b, large, jb + 1);
        if (ae - as != be - bs) return false;
        return ae == as || memcmp(a->buffers[2]->data + as, b->buffers[2]->data + bs,
                                  (size_t)(ae - as)) == 0;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        bool large = id == ARROW_LARGE_LIST;
        int64_t as = arrow_core_offset(a, large, ia), ae = arrow_core_offset(a, large, ia + 1);
        int64_t bs = arrow_core_offset(b, large, jb), be = arrow_core_offset(b, large, jb + 1);
        if (ae - as != be - bs) return false;
        return range_equal(&f->children[0], a->children[0], as, b->children[0], bs, ae - as);
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t n = f->type.list_size;
        return range_equal(&f->children[0], a->children[0], ia * n, b->children[0], jb * n, n);
    }
    case ARROW_STRUCT:
        for (int32_t c = 0; c < f->n_children; c++)
            if (!element_equal(&f->children[c], a->children[c], ia, b->children[c], jb))
                return false;
        return true;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        int8_t ca = ((const int8_t *)a->buffers[0]->data)[ia];
        int8_t cb = ((const int8_t *)b->buffers[0]->data)[jb];
        if (ca != cb) return false;
        int32_t c = arrow_core_union_child(f, ca);
        if (c < 0) return false;
        int64_t x = ia, y = jb;
        if (id == ARROW_DENSE_UNION) {
            x = ((const int32_t *)a->buffers[1]->data)[ia];
            y = ((const int32_t *)b->buffers[1]->data)[jb];
        }
        return element_equal(&f->children[c], a->children[c], x, b->children[c], y);
    }
    default: {
        int64_t bytes = arrow_type_bit_width(&f->type) / 8;
        return memcmp(a->buffers[1]->data + ia * bytes, b->buffers[1]->data + jb * bytes,
                      (size_t)bytes) == 0;
    }
    }
}

/* Fast path: byte-wide fixed-width values without nulls on either side
 * compare as one memcmp. Returns true when it proved equality. */
static bool fixed_width_equal_fast(const arrow_field *f, const arrow_array *a, const arrow_array *b)
{
    if (f->dict || arrow_core_n_children(f) > 0 || f->type.id == ARROW_BOOL) return false;
    int32_t bits = arrow_type_bit_width(&f->type);
    if (bits <= 0 || bits % 8 || a->n_buffers < 2 || b->n_buffers < 2) return false;
    if (a->buffers[0] || b->buffers[0]) return false;   /* nulls possible */
    if (a->length == 0) return true;
    if (!a->buffers[1] || !b->buffers[1]) return false;
    int64_t w = bits / 8;
    return memcmp(a->buffers[1]->data + a->offset * w, b->buffers[1]->data + b->offset * w,
                  (size_t)(a->length * w)) == 0;
}

bool arrow_array_equal(const arrow_field *f, const arrow_array *a, const arrow_array *b,
                       aphx_buf *msg)
{
    if (a->length != b->length) {
        if (msg) aphx_buf_printf(msg, "lengths differ: %lld vs %lld", (long long)a->length,
                                 (long long)b->length);
        return false;
    }
    if (fixed_width_equal_fast(f, a, b)) return true;
    for (int64_t i = 0; i < a->length; i++) {
        if (element_equal(f, a, i, b, i)) continue;
        if (msg) {
            aphx_buf_printf(msg, "index %lld: ", (long long)i);
            arrow_array_format_value(f, a, i, true, msg);
            aphx_buf_puts(msg, " vs ");
            arrow_array_format_value(f, b, i, true, msg);
        }
        return false;
    }
    return true;
}
