/*
 * validate.c — full structural validation of an arrow_array against its
 * field, for data from untrusted sources (IPC streams, C Data imports).
 *
 * Checked, for the range [offset, offset+length) of every array:
 *   - buffer count matches the type; required buffers present and long
 *     enough (validity/bool in bits, fixed-width values in bytes);
 *   - null_count is -1 or agrees with the validity bitmap;
 *   - offsets (utf8/binary/list/map, 32 and 64 bit): first >= 0, monotonic,
 *     last within the data buffer or the child's length;
 *   - fixed_size_list: child length >= (offset+length) * list_size;
 *   - struct / sparse union: child lengths >= offset+length;
 *   - unions: type ids among the field's type codes, dense offsets within
 *     the selected child's length;
 *   - dictionaries: indices (non-null slots) within the dictionary length;
 *   - utf8 well-formed (only when asked; non-null slots only).
 * Errors are APHX_CORRUPT; the message names the field path, e.g.
 * "column 'a' child 'item': offsets not monotonic at index 17".
 */
#include "arrow/core_internal.h"

#include <stdio.h>
#include <string.h>

#define VALIDATE_MAX_DEPTH 64
#define VALIDATE_PATH_MAX 256

typedef struct validate_ctx {
    bool        check_utf8;
    aphx_error *err;
} validate_ctx;

static aphx_rc validate_node(validate_ctx *cx, const arrow_field *f, const arrow_array *a,
                             const char *path, int depth);

/* Is [p, p+n) well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
static bool utf8_valid(const uint8_t *p, int64_t n)
{
    int64_t i = 0;
    while (i < n) {
        /* ASCII fast path: eight bytes at a time while no high bit is set. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (int k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static bool slot_valid(const arrow_array *a, int64_t abs_index)
{
    return !a->buffers[0] || arrow_bit_get(a->buffers[0]->data, abs_index);
}

/* Fast whole-array check for utf8 arrays whose offsets were validated: if
 * the bytes of all slots together are well-formed UTF-8 and no slot starts
 * on a continuation byte, every slot is well-formed. A false answer is not
 * a verdict (a null slot may hold anything): the caller then checks slot by
 * slot. */
static bool utf8_span_valid(const arrow_array *a, bool large)
{
    if (a->length == 0) return true;
    const uint8_t *data = a->buffers[2] ? a->buffers[2]->data : NULL;
    int64_t first = arrow_core_offset(a, large, a->offset);
    int64_t last = arrow_core_offset(a, large, a->offset + a->length);
    if (last == first) return true;
    if (!data || !utf8_valid(data + first, last - first)) return false;
    for (int64_t j = a->offset + 1; j < a->offset + a->length; j++) {
        int64_t o = arrow_core_offset(a, large, j);
        if (o < last && (data[o] & 0xC0) == 0x80) return false;
    }
    return true;
}

static aphx_rc need_buffer(validate_ctx *cx, const arrow_array *a, int32_t idx,
                           int64_t bytes, const char *what, const char *path)
{
    const arrow_buffer *buf = a->buffers[idx];
    if (bytes == 0 && (!buf || buf->size >= 0)) return APHX_OK;
    if (!buf || !buf->data)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: %s buffer missing (need %lld bytes)",
                         path, what, (long long)bytes);
    if (buf->size < bytes)
        return aphx_fail(cx->err, APHX_CORRUPT,
                         "%s: %s buffer too short: %lld bytes, need %lld for offset %lld + length %lld",
                         path, what, (long long)buf->size, (long long)bytes,
                         (long long)a->offset, (long long)a->length);
    return APHX_OK;
}

/* Validity bitmap and null_count (for layouts that have a bitmap). */
static aphx_rc validate_validity(validate_ctx *cx, const arrow_array *a, int64_t end,
                                 const char *path)
{
    if (a->buffers[0]) {
        aphx_rc rc = need_buffer(cx, a, 0, (end + 7) / 8, "validity", path);
        if (rc) return rc;
        if (a->null_count >= 0) {
            int64_t nulls = a->length - arrow_bitmap_count_set(a->buffers[0]->data, a->offset,
                                                               a->length);
            if (nulls != a->null_count)
                return aphx_fail(cx->err, APHX_CORRUPT,
                                 "%s: null_count %lld but the validity bitmap has %lld nulls",
                                 path, (long long)a->null_count, (long long)nulls);
        }
    } else if (a->null_count > 0) {
        return aphx_fail(cx->err, APHX_CORRUPT,
                         "%s: null_count %lld but there is no validity bitmap", path,
                         (long long)a->null_count);
    }
    return APHX_OK;
}

/* Offsets buffer (index 1) for [offset, offset+length]; checks first >= 0,
 * monotonic and last <= limit. */
static aphx_rc validate_offsets(validate_ctx *cx, const arrow_array *a, bool large,
                                int64_t limit, const char *limit_what, const char *path)
{
    int64_t width = large ? 8 : 4;
    if (a->length == 0 && (!a->buffers[1] || a->buffers[1]->size == 0)) return APHX_OK;
    aphx_rc rc = need_buffer(cx, a, 1, (a->offset + a->length + 1) * width, "offsets", path);
    if (rc) return rc;
    int64_t prev = arrow_core_offset(a, large, a->offset);
    if (prev < 0)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: first offset %lld is negative", path,
                         (long long)prev);
    for (int64_t i = 1; i <= a->length; i++) {
        int64_t cur = arrow_core_offset(a, large, a->offset + i);
        if (cur < prev)
            return aphx_fail(cx->err, APHX_CORRUPT,
                             "%s: offsets not monotonic at index %lld (%lld after %lld)", path,
                             (long long)(i - 1), (long long)cur, (long long)prev);
        prev = cur;
    }
    if (prev > limit)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: last offset %lld exceeds the %s (%lld)",
                         path, (long long)prev, limit_what, (long long)limit);
    return APHX_OK;
}

static aphx_rc validate_children(validate_ctx *cx, const arrow_field *f, const arrow_array *a,
                                 int64_t min_length, const char *path, int depth)
{
    char child_path[VALIDATE_PATH_MAX];
    for (int32_t i = 0; i < a->n_children; i++) {
        const arrow_array *c = a->children[i];
        snprintf(child_path, sizeof child_path, "%s child '%s'", path,
                 f->children[i].name ? f->children[i].name : "");
        if (!c) return aphx_fail(cx->err, APHX_CORRUPT, "%s: missing child array", child_path);
        if (c->length < min_length)
            return aphx_fail(cx->err, APHX_CORRUPT,
                             "%s: child length %lld is shorter than the %lld slots the parent needs",
                             child_path, (long long)c->length, (long long)min_length);
        aphx_rc rc = validate_node(cx, &f->children[i], c, child_path, depth + 1);
        if (rc) return rc;
    }
    return APHX_OK;
}

static aphx_rc validate_dictionary(validate_ctx *cx, const arrow_field *f, const arrow_array *a,
                                   int64_t end, const char *path, int depth)
{
    arrow_type t = {0};
    t.id = f->dict->index_type;
    if (!arrow_type_is_integer(t.id))
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: dictionary index type %s is not an integer",
                         path, arrow_type_name(t.id));
    aphx_rc rc = validate_validity(cx, a, end, path);
    if (rc) return rc;
    int64_t width = arrow_type_bit_width(&t) / 8;
    if ((rc = need_buffer(cx, a, 1, end * width, "indices", path))) return rc;
    if (!a->dictionary)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: dictionary-encoded array has no dictionary",
                         path);
    char dict_path[VALIDATE_PATH_MAX];
    snprintf(dict_path, sizeof dict_path, "%s dictionary", path);
    arrow_field value = arrow_core_value_field(f);
    if ((rc = validate_node(cx, &value, a->dictionary, dict_path, depth + 1))) return rc;
    int64_t dict_len = a->dictionary->length;
    const uint8_t *idx = a->length ? a->buffers[1]->data : NULL;
    bool is_unsigned64 = t.id == ARROW_UINT64;
    for (int64_t i = 0; i < a->length; i++) {
        int64_t j = a->offset + i;
        if (!slot_valid(a, j)) continue;
        int64_t v = arrow_core_read_int(t.id, idx, j);
        if (v < 0 || v >= dict_len || (is_unsigned64 && ((const uint64_t *)idx)[j] > INT64_MAX))
            return aphx_fail(cx->err, APHX_CORRUPT,
                             "%s: dictionary index %lld at index %lld out of range (dictionary length %lld)",
                             path, (long long)v, (long long)i, (long long)dict_len);
    }
    return APHX_OK;
}

static aphx_rc validate_union(validate_ctx *cx, const arrow_field *f, const arrow_array *a,
                              int64_t end, const char *path, int depth)
{
    bool dense = f->type.id == ARROW_DENSE_UNION;
    if (a->null_count > 0)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: union null_count must be 0, not %lld",
                         path, (long long)a->null_count);
    aphx_rc rc = need_buffer(cx, a, 0, end, "type ids", path);
    if (rc) return rc;
    if (dense && (rc = need_buffer(cx, a, 1, end * 4, "union offsets", path))) return rc;
    if (f->type.type_codes && f->type.n_type_codes != f->n_children)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: %d type codes for %d children", path,
                         f->type.n_type_codes, f->n_children);
    for (int32_t i = 0; f->type.type_codes && i < f->type.n_type_codes; i++) {
        if (f->type.type_codes[i] < 0)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: negative union type code %d", path,
                             f->type.type_codes[i]);
        for (int32_t k = 0; k < i; k++)
            if (f->type.type_codes[k] == f->type.type_codes[i])
                return aphx_fail(cx->err, APHX_CORRUPT, "%s: union type code %d used twice", path,
                                 f->type.type_codes[i]);
    }
    /* Children first (with the sparse length requirement), then the ids. */
    if ((rc = validate_children(cx, f, a, dense ? 0 : end, path, depth))) return rc;
    const int8_t *ids = a->length ? (const int8_t *)a->buffers[0]->data : NULL;
    const int32_t *offs = dense && a->length ? (const int32_t *)a->buffers[1]->data : NULL;
    for (int64_t i = 0; i < a->length; i++) {
        int64_t j = a->offset + i;
        int32_t c = arrow_core_union_child(f, ids[j]);
        if (c < 0)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: type id %d at index %lld is not a type code of the union",
                             path, ids[j], (long long)i);
        if (dense && (offs[j] < 0 || offs[j] >= a->children[c]->length))
            return aphx_fail(cx->err, APHX_CORRUPT,
                             "%s: dense union offset %d at index %lld out of range for child '%s' (length %lld)",
                             path, offs[j], (long long)i, f->children[c].name,
                             (long long)a->children[c]->length);
    }
    return APHX_OK;
}

static aphx_rc validate_node(validate_ctx *cx, const arrow_field *f, const arrow_array *a,
                             const char *path, int depth)
{
    if (depth > VALIDATE_MAX_DEPTH)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: nesting deeper than %d levels", path,
                         VALIDATE_MAX_DEPTH);
    if (!a) return aphx_fail(cx->err, APHX_CORRUPT, "%s: missing array", path);
    if (a->length < 0 || a->offset < 0 || a->length > INT64_MAX / 16 - a->offset)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: bad offset %lld / length %lld", path,
                         (long long)a->offset, (long long)a->length);
    if (a->null_count < -1 || a->null_count > a->length)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: null_count %lld out of range for length %lld",
                         path, (long long)a->null_count, (long long)a->length);
    int32_t want = arrow_field_n_buffers(f);
    if (a->n_buffers != want)
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: %d buffers, a %s array has %d", path,
                         a->n_buffers, f->dict ? "dictionary" : arrow_type_name(f->type.id), want);
    int32_t want_children = f->dict ? 0 : arrow_core_n_children(f);
    if (a->n_children != want_children || (want_children && !a->children))
        return aphx_fail(cx->err, APHX_CORRUPT, "%s: %d child arrays, the field has %d", path,
                         a->n_children, want_children);
    int64_t end = a->offset + a->length;
    if (f->dict) return validate_dictionary(cx, f, a, end, path, depth);
    switch (f->type.id) {
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_FIXED_SIZE_LIST: case ARROW_MAP:
        if (f->n_children != 1)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: a %s field needs exactly one child, not %d",
                             path, arrow_type_name(f->type.id), f->n_children);
        break;
    default:
        break;
    }

    aphx_rc rc;
    arrow_type_id id = f->type.id;
    switch (id) {
    case ARROW_NA:
        if (a->null_count >= 0 && a->null_count != a->length)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: null array with null_count %lld != length %lld",
                             path, (long long)a->null_count, (long long)a->length);
        return APHX_OK;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        return validate_union(cx, f, a, end, path, depth);
    default:
        break;
    }
    if ((rc = validate_validity(cx, a, end, path))) return rc;

    switch (id) {
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = arrow_core_is_large(id);
        int64_t data_size = a->buffers[2] ? a->buffers[2]->size : 0;
        if (a->buffers[2] && !a->buffers[2]->data && data_size)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: data buffer missing", path);
        if ((rc = validate_offsets(cx, a, large, data_size, "data buffer size", path))) return rc;
        if (cx->check_utf8 && (id == ARROW_UTF8 || id == ARROW_LARGE_UTF8) &&
            !utf8_span_valid(a, large)) {
            for (int64_t i = 0; i < a->length; i++) {
                int64_t j = a->offset + i;
                if (!slot_valid(a, j)) continue;
                int64_t s = arrow_core_offset(a, large, j), e = arrow_core_offset(a, large, j + 1);
                if (e > s && !utf8_valid(a->buffers[2]->data + s, e - s))
                    return aphx_fail(cx->err, APHX_CORRUPT, "%s: invalid UTF-8 at index %lld",
                                     path, (long long)i);
            }
        }
        return APHX_OK;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        if (!a->children[0])
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: missing child array", path);
        if (id == ARROW_MAP && (f->children[0].type.id != ARROW_STRUCT ||
                                f->children[0].n_children != 2))
            return aphx_fail(cx->err, APHX_CORRUPT,
                             "%s: map entries must be a struct of key and value", path);
        if ((rc = validate_offsets(cx, a, id == ARROW_LARGE_LIST, a->children[0]->length,
                                   "child length", path)))
            return rc;
        return validate_children(cx, f, a, 0, path, depth);
    }
    case ARROW_FIXED_SIZE_LIST:
        if (f->type.list_size < 0)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: negative list size %d", path,
                             f->type.list_size);
        if (f->type.list_size > 0 && end > INT64_MAX / f->type.list_size)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: %lld lists of %d values overflow", path,
                             (long long)end, f->type.list_size);
        return validate_children(cx, f, a, end * f->type.list_size, path, depth);
    case ARROW_STRUCT:
        return validate_children(cx, f, a, end, path, depth);
    default: {
        int64_t bits = arrow_type_bit_width(&f->type);
        if (bits <= 0)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: type %s has no valid width", path,
                             arrow_type_name(id));
        if (end > (INT64_MAX - 7) / bits)
            return aphx_fail(cx->err, APHX_CORRUPT, "%s: %lld values of %lld bits overflow", path,
                             (long long)end, (long long)bits);
        return need_buffer(cx, a, 1, (end * bits + 7) / 8, "values", path);
    }
    }
}

aphx_rc arrow_array_validate(const arrow_field *f, const arrow_array *a, bool check_utf8,
                             aphx_error *err)
{
    validate_ctx cx = {check_utf8, err};
    char path[VALIDATE_PATH_MAX];
    snprintf(path, sizeof path, "column '%s'", f->name ? f->name : "");
    return validate_node(&cx, f, a, path, 0);
}
