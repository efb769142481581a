/*
 * builder.c — appending values into arrays, type by type, then finishing
 * them into immutable arrow_arrays.
 *
 * A builder mirrors its field: nested fields have one child builder per
 * child (reach them with arrow_builder_child). Buffers grow by doubling
 * (arrow_buffer_resize) and are handed to the finished array without a
 * copy; the validity bitmap is kept all along and dropped at finish when
 * there were no nulls.
 *
 * Nulls: a null list/binary repeats the last offset; a null struct appends
 * a null to every child; a null fixed_size_list appends list_size nulls to
 * its child; a null union slot selects the first child and gives it a null
 * (sparse unions: every child gets one). The null type only counts.
 *
 * Dictionary-encoded fields: the append_* calls go to a hidden builder for
 * the dictionary values; a hash table over the encoded value bytes
 * deduplicates them, and the builder itself records the index. For nested
 * value types (list, map, fixed_size_list, struct) the caller appends one
 * value's parts to arrow_builder_child(dict builder, i) and closes it with
 * arrow_builder_append_valid(dict builder); the value is compared through
 * a canonical encoding and, when already present, everything appended for
 * it is rolled back. Union value types are not supported yet
 * (APHX_UNSUPPORTED), nor is the null type as dictionary values.
 *
 * Finish allocates the whole result first (array shells, empty buffers) and
 * only then moves the buffers in, so an out-of-memory failure leaves the
 * builder exactly as it was; on success the builder is reset for reuse.
 * A flat append that fails leaves the builder as it was; a nested null
 * append (struct, fixed_size_list, union) that runs out of memory halfway
 * may leave the children out of step, which finish then reports as
 * APHX_INVALID naming the child.
 */
#include "arrow/core_internal.h"

#include <math.h>
#include <string.h>

struct arrow_builder {
    const arrow_field *field;       /* as given (may be dictionary-encoded) */
    arrow_field        value_field; /* field without the dictionary encoding */
    arrow_type_id      id;          /* value type id (ignored when dict) */
    int32_t            width_bits;  /* fixed width of buffers[1] (index width when dict) */
    int64_t            length;
    int64_t            null_count;
    arrow_buffer      *validity;
    arrow_buffer      *values;      /* values, offsets, indices or union type ids */
    arrow_buffer      *extra;       /* utf8/binary data, dense union offsets */
    int32_t            n_children;
    arrow_builder    **children;
    /* dictionary encoding */
    arrow_builder     *dict_values;
    int32_t           *slots;       /* hash table of dictionary indices, -1 = empty */
    int64_t            n_slots;
    int64_t            n_used;
    aphx_buf           key_a, key_b; /* scratch encodings of nested dictionary values */
    /* State after the last complete element, for rolling back the values a
     * caller appended to the children of a nested dictionary value. */
    int64_t            committed[5];
};

static bool builder_is_dict(const arrow_builder *b) { return b->dict_values != NULL; }

/* ---- construction ---- */
static arrow_builder *builder_create(const arrow_field *f, const arrow_field *as_value);

arrow_builder *arrow_builder_new(const arrow_field *f)
{
    return builder_create(f, NULL);
}

static arrow_builder *builder_create(const arrow_field *f, const arrow_field *as_value)
{
    arrow_builder *b = aphx_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->field = as_value ? as_value : f;
    b->value_field = arrow_core_value_field(f);
    b->id = f->type.id;
    if (f->dict && !as_value) {
        if (!arrow_type_is_integer(f->dict->index_type)) goto fail;
        arrow_type it = {0};
        it.id = f->dict->index_type;
        b->width_bits = arrow_type_bit_width(&it);
        b->dict_values = builder_create(f, &b->value_field);
        if (!b->dict_values) goto fail;
        /* value_field is stored inside b, so point the child at our copy. */
        b->dict_values->field = &b->value_field;
        return b;
    }
    b->width_bits = arrow_type_bit_width(&f->type);
    int32_t n = arrow_core_n_children(f);
    if (n > 0) {
        b->children = aphx_calloc((size_t)n, sizeof(arrow_builder *));
        if (!b->children) goto fail;
        for (int32_t i = 0; i < n; i++) {
            b->children[i] = builder_create(&f->children[i], NULL);
            if (!b->children[i]) goto fail;
            b->n_children = i + 1;
        }
    }
    return b;
fail:
    arrow_builder_free(b);
    return NULL;
}

void arrow_builder_free(arrow_builder *b)
{
    if (!b) return;
    arrow_buffer_unref(b->validity);
    arrow_buffer_unref(b->values);
    arrow_buffer_unref(b->extra);
    for (int32_t i = 0; i < b->n_children; i++) arrow_builder_free(b->children[i]);
    aphx_free(b->children);
    arrow_builder_free(b->dict_values);
    aphx_free(b->slots);
    aphx_buf_free(&b->key_a);
    aphx_buf_free(&b->key_b);
    aphx_free(b);
}

/* For a dictionary-encoded field with a nested value type, the children
 * are those of the value builder: append a value's parts there, then close
 * it with arrow_builder_append_valid on the dictionary builder. */
arrow_builder *arrow_builder_child(arrow_builder *b, int32_t i)
{
    if (b && builder_is_dict(b)) b = b->dict_values;
    if (!b || i < 0 || i >= b->n_children) return NULL;
    return b->children[i];
}

int64_t arrow_builder_length(const arrow_builder *b)
{
    return b->length;
}

/* ---- buffer helpers ---- */
/* Make *pb at least `size` bytes (creating it when NULL). */
static aphx_rc buf_grow(arrow_buffer **pb, int64_t size)
{
    if (!*pb) {
        *pb = arrow_buffer_alloc(size);
        return *pb ? APHX_OK : APHX_NOMEM;
    }
    if ((*pb)->size >= size) return APHX_OK;
    return arrow_buffer_resize(*pb, size);
}

/* Write n bytes at `at`, growing the buffer to at + n when needed. The
 * common case (room left in the capacity) stays inline. */
static inline aphx_rc buf_put(arrow_buffer **pb, int64_t at, const void *p, int64_t n)
{
    arrow_buffer *b = *pb;
    if (b && at + n <= b->capacity && at <= b->size) {
        if (at + n > b->size) b->size = at + n;
    } else {
        aphx_rc rc = buf_grow(pb, at + n);
        if (rc) return rc;
    }
    if (n) memcpy((*pb)->data + at, p, (size_t)n);
    return APHX_OK;
}

/* Ensure the offsets buffer exists with its leading 0. */
static aphx_rc offsets_init(arrow_builder *b, int64_t width)
{
    if (b->values) return APHX_OK;
    return buf_grow(&b->values, width);   /* zero-filled: first offset 0 */
}

static int64_t offset_at(const arrow_builder *b, bool large, int64_t i)
{
    return large ? ((const int64_t *)b->values->data)[i] : ((const int32_t *)b->values->data)[i];
}

/* Append the offsets entry for element b->length (value `end`). */
static aphx_rc offsets_push(arrow_builder *b, bool large, int64_t end)
{
    int64_t width = large ? 8 : 4;
    aphx_rc rc = offsets_init(b, width);
    if (rc) return rc;
    if (!large && end > INT32_MAX) return APHX_OVERFLOW;
    int32_t e32 = (int32_t)end;
    return buf_put(&b->values, (b->length + 1) * width, large ? (const void *)&end : (const void *)&e32,
                   width);
}

/* Reserve room for one more element's validity bit; sets it. */
static inline aphx_rc validity_push(arrow_builder *b, bool valid)
{
    if (!b->validity || b->validity->size < (b->length + 8) / 8) {
        aphx_rc rc = buf_grow(&b->validity, (b->length + 8) / 8);
        if (rc) return rc;
    }
    arrow_bit_set(b->validity->data, b->length, valid);
    return APHX_OK;
}

static bool is_offset_type(arrow_type_id id)
{
    return id == ARROW_UTF8 || id == ARROW_LARGE_UTF8 || id == ARROW_BINARY ||
           id == ARROW_LARGE_BINARY || id == ARROW_LIST || id == ARROW_LARGE_LIST ||
           id == ARROW_MAP;
}

static int64_t child_length_for_offsets(const arrow_builder *b)
{
    if (b->id == ARROW_LIST || b->id == ARROW_LARGE_LIST || b->id == ARROW_MAP)
        return b->children[0]->length;
    return b->extra ? b->extra->size : 0;
}

/* ---- state save/restore (for dictionary deduplication and failures) ---- */
typedef struct builder_mark {
    int64_t length, null_count, validity_size, values_size, extra_size;
} builder_mark;

static builder_mark builder_mark_get(const arrow_builder *b)
{
    builder_mark m = {b->length, b->null_count, b->validity ? b->validity->size : 0,
                      b->values ? b->values->size : 0, b->extra ? b->extra->size : 0};
    return m;
}

static void builder_mark_restore(arrow_builder *b, const builder_mark *m)
{
    b->length = m->length;
    b->null_count = m->null_count;
    if (b->validity) b->validity->size = m->validity_size;
    if (b->values) b->values->size = m->values_size;
    if (b->extra) b->extra->size = m->extra_size;
}

/* ---- nulls ---- */
static aphx_rc builder_append_null_n(arrow_builder *b, int64_t n);

aphx_rc arrow_builder_append_null(arrow_builder *b)
{
    return builder_append_null_n(b, 1);
}

static aphx_rc builder_append_one_null(arrow_builder *b)
{
    aphx_rc rc;
    if (builder_is_dict(b)) {
        if ((rc = validity_push(b, false))) return rc;
        if ((rc = buf_grow(&b->values, (b->length + 1) * (b->width_bits / 8)))) return rc;
        b->length++;
        b->null_count++;
        return APHX_OK;
    }
    switch (b->id) {
    case ARROW_NA:
        b->length++;
        b->null_count++;
        return APHX_OK;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        if (b->n_children == 0) return APHX_INVALID;
        const arrow_type *t = &b->field->type;
        int8_t code = t->type_codes ? t->type_codes[0] : 0;
        if ((rc = arrow_builder_append_union(b, code))) return rc;
        return arrow_builder_append_null(b->children[0]);
    }
    default:
        break;
    }
    if ((rc = validity_push(b, false))) return rc;
    if (is_offset_type(b->id)) {
        bool large = arrow_core_is_large(b->id);
        if ((rc = offsets_push(b, large, child_length_for_offsets(b)))) return rc;
    } else if (b->id == ARROW_STRUCT) {
        for (int32_t i = 0; i < b->n_children; i++)
            if ((rc = arrow_builder_append_null(b->children[i]))) return rc;
    } else if (b->id == ARROW_FIXED_SIZE_LIST) {
        if ((rc = builder_append_null_n(b->children[0], b->field->type.list_size))) return rc;
    } else {
        if ((rc = buf_grow(&b->values, ((b->length + 1) * b->width_bits + 7) / 8))) return rc;
    }
    b->length++;
    b->null_count++;
    return APHX_OK;
}

static aphx_rc builder_append_null_n(arrow_builder *b, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        aphx_rc rc = builder_append_one_null(b);
        if (rc) return rc;
    }
    return APHX_OK;
}

/* ---- dictionary deduplication ---- */
/* Remember the current state of b and everything below it as complete. */
static void builder_commit(arrow_builder *b)
{
    builder_mark m = builder_mark_get(b);
    b->committed[0] = m.length;
    b->committed[1] = m.null_count;
    b->committed[2] = m.validity_size;
    b->committed[3] = m.values_size;
    b->committed[4] = m.extra_size;
    for (int32_t i = 0; i < b->n_children; i++) builder_commit(b->children[i]);
    if (b->dict_values) builder_commit(b->dict_values);
}

/* Drop everything appended below b since its last commit. A nested
 * dictionary builder loses its hash table, rebuilt on its next append. */
static void builder_rollback(arrow_builder *b)
{
    builder_mark m = {b->committed[0], b->committed[1], b->committed[2], b->committed[3],
                      b->committed[4]};
    builder_mark_restore(b, &m);
    for (int32_t i = 0; i < b->n_children; i++) builder_rollback(b->children[i]);
    if (b->dict_values) {
        builder_rollback(b->dict_values);
        aphx_free(b->slots);
        b->slots = NULL;
        b->n_slots = 0;
        b->n_used = 0;
    }
}

/* A canonical encoding of element i of v (any type but unions inside
 * dictionaries), for comparing nested dictionary values: a null flag, then
 * the value bytes, lengths and children recursively. */
static void builder_serialize(const arrow_builder *v, int64_t i, aphx_buf *out, int depth)
{
    if (depth > 64) {
        out->oom = true;   /* refuse absurd nesting the same way as a failure */
        return;
    }
    if (builder_is_dict(v)) {
        if (v->validity && !arrow_bit_get(v->validity->data, i)) {
            aphx_buf_putc(out, 0);
            return;
        }
        arrow_type it = {0};
        it.id = v->field->dict->index_type;
        builder_serialize(v->dict_values, arrow_core_read_int(it.id, v->values->data, i), out, depth + 1);
        return;
    }
    if (i < 0 || i >= v->length) {   /* a child the caller left short: finish reports it */
        aphx_buf_putc(out, 2);
        return;
    }
    if (v->id == ARROW_NA || (v->validity && !arrow_bit_get(v->validity->data, i))) {
        aphx_buf_putc(out, 0);
        return;
    }
    aphx_buf_putc(out, 1);
    switch (v->id) {
    case ARROW_BOOL:
        aphx_buf_putc(out, (char)arrow_bit_get(v->values->data, i));
        return;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = arrow_core_is_large(v->id);
        int64_t st = offset_at(v, large, i), e = offset_at(v, large, i + 1), n = e - st;
        aphx_buf_append(out, &n, 8);
        if (n) aphx_buf_append(out, v->extra->data + st, (size_t)n);
        return;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        bool large = v->id == ARROW_LARGE_LIST;
        int64_t st = offset_at(v, large, i), e = offset_at(v, large, i + 1), n = e - st;
        aphx_buf_append(out, &n, 8);
        for (int64_t k = st; k < e; k++) builder_serialize(v->children[0], k, out, depth + 1);
        return;
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t n = v->field->type.list_size;
        for (int64_t k = i * n; k < (i + 1) * n; k++) builder_serialize(v->children[0], k, out, depth + 1);
        return;
    }
    case ARROW_STRUCT:
        for (int32_t c = 0; c < v->n_children; c++) builder_serialize(v->children[c], i, out, depth + 1);
        return;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        int8_t code = (int8_t)v->values->data[i];
        int32_t c = arrow_core_union_child(v->field, code);
        int64_t ci = v->id == ARROW_DENSE_UNION ? ((const int32_t *)v->extra->data)[i] : i;
        aphx_buf_putc(out, (char)code);
        if (c >= 0) builder_serialize(v->children[c], ci, out, depth + 1);
        return;
    }
    default:
        aphx_buf_append(out, v->values->data + i * (v->width_bits / 8), (size_t)(v->width_bits / 8));
        return;
    }
}

static bool value_is_nested(const arrow_builder *v)
{
    return v->n_children > 0;
}

static uint64_t hash_bytes(const uint8_t *p, int64_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int64_t k = 0; k < n; k++) h = (h ^ p[k]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* The encoded bytes of element i of a flat builder. */
static const uint8_t *builder_value_bytes(const arrow_builder *v, int64_t i, int64_t *n,
                                          uint8_t *bool_tmp)
{
    if (v->id == ARROW_BOOL) {
        *bool_tmp = arrow_bit_get(v->values->data, i);
        *n = 1;
        return bool_tmp;
    }
    if (is_offset_type(v->id)) {
        bool large = arrow_core_is_large(v->id);
        int64_t s = offset_at(v, large, i), e = offset_at(v, large, i + 1);
        *n = e - s;
        return v->extra ? v->extra->data + s : (const uint8_t *)"";
    }
    *n = v->width_bits / 8;
    return v->values->data + i * *n;
}

static int64_t index_max(arrow_type_id id)
{
    switch (id) {
    case ARROW_INT8: return INT8_MAX;
    case ARROW_UINT8: return UINT8_MAX;
    case ARROW_INT16: return INT16_MAX;
    case ARROW_UINT16: return UINT16_MAX;
    case ARROW_INT32: return INT32_MAX;
    case ARROW_UINT32: return UINT32_MAX;
    default: return INT64_MAX;
    }
}

static aphx_rc dict_push_index(arrow_builder *b, int64_t index)
{
    aphx_rc rc = validity_push(b, true);
    if (rc) return rc;
    int64_t w = b->width_bits / 8;
    if ((rc = buf_grow(&b->values, (b->length + 1) * w))) return rc;
    uint8_t *dst = b->values->data + b->length * w;
    switch (w) {
    case 1: { int8_t x = (int8_t)index; memcpy(dst, &x, 1); break; }
    case 2: { int16_t x = (int16_t)index; memcpy(dst, &x, 2); break; }
    case 4: { int32_t x = (int32_t)index; memcpy(dst, &x, 4); break; }
    default: memcpy(dst, &index, 8); break;
    }
    b->length++;
    return APHX_OK;
}

/* The key bytes of dictionary value e: the value bytes themselves for flat
 * types, a canonical encoding (in scratch) for nested ones. NULL on OOM. */
static const uint8_t *dict_key(const arrow_builder *v, int64_t e, int64_t *n, uint8_t *tmp,
                               aphx_buf *scratch)
{
    if (!value_is_nested(v)) return builder_value_bytes(v, e, n, tmp);
    aphx_buf_reset(scratch);
    scratch->oom = false;
    builder_serialize(v, e, scratch, 0);
    if (scratch->oom) return NULL;
    *n = (int64_t)scratch->len;
    return (const uint8_t *)(scratch->data ? scratch->data : "");
}

/* Undo the value just appended to b->dict_values: to `before` for flat
 * values, to the last commit (children included) for nested ones. */
static void dict_undo(arrow_builder *b, const builder_mark *before)
{
    if (value_is_nested(b->dict_values)) builder_rollback(b->dict_values);
    else builder_mark_restore(b->dict_values, before);
}

/* The value just appended to b->dict_values (at its last index): keep it
 * as a new dictionary entry or roll it back to an existing one. */
static aphx_rc dict_settle(arrow_builder *b, const builder_mark *before)
{
    arrow_builder *v = b->dict_values;
    int64_t last = v->length - 1;
    aphx_rc rc = APHX_NOMEM;
    uint8_t tmp, tmp2;
    int64_t len, len2;
    if (b->n_used * 2 >= b->n_slots) {   /* grow and rehash */
        int64_t n = b->n_slots ? b->n_slots * 2 : 64;
        while (n < 2 * (last + 1)) n *= 2;
        int32_t *slots = aphx_malloc((size_t)n * sizeof(int32_t));
        if (!slots) goto rollback;
        for (int64_t k = 0; k < n; k++) slots[k] = -1;
        for (int64_t e = 0; e < last; e++) {
            const uint8_t *p = dict_key(v, e, &len, &tmp, &b->key_b);
            if (!p) {
                aphx_free(slots);
                goto rollback;
            }
            uint64_t h = hash_bytes(p, len) & (uint64_t)(n - 1);
            while (slots[h] >= 0) h = (h + 1) & (uint64_t)(n - 1);
            slots[h] = (int32_t)e;
        }
        aphx_free(b->slots);
        b->slots = slots;
        b->n_slots = n;
        b->n_used = last;
    }
    const uint8_t *p = dict_key(v, last, &len, &tmp, &b->key_a);
    if (!p) goto rollback;
    uint64_t mask = (uint64_t)(b->n_slots - 1);
    uint64_t h = hash_bytes(p, len) & mask;
    while (b->slots[h] >= 0) {
        const uint8_t *q = dict_key(v, b->slots[h], &len2, &tmp2, &b->key_b);
        if (!q) goto rollback;
        if (len2 == len && (len == 0 || memcmp(p, q, (size_t)len) == 0)) {
            int64_t existing = b->slots[h];
            dict_undo(b, before);
            if ((rc = dict_push_index(b, existing))) return rc;
            if (value_is_nested(v)) builder_commit(v);
            return APHX_OK;
        }
        h = (h + 1) & mask;
    }
    if (last > index_max(b->field->dict->index_type) || last > INT32_MAX) {
        rc = APHX_RANGE;
        goto rollback;
    }
    if ((rc = dict_push_index(b, last))) goto rollback;
    b->slots[h] = (int32_t)last;
    b->n_used++;
    if (value_is_nested(v)) builder_commit(v);
    return APHX_OK;
rollback:
    dict_undo(b, before);
    return rc;
}

#define DICT_ROUTE(b, call)                                                  \
    do {                                                                     \
        if (builder_is_dict(b)) {                                            \
            arrow_builder *v_ = (b)->dict_values;                            \
            if (value_is_nested(v_)) return APHX_INVALID;                   \
            if (v_->id == ARROW_NA) return APHX_UNSUPPORTED;                 \
            builder_mark m_ = builder_mark_get(v_);                          \
            aphx_rc rc_ = (call);                                            \
            if (rc_) {                                                       \
                builder_mark_restore(v_, &m_);                               \
                return rc_;                                                  \
            }                                                                \
            return dict_settle((b), &m_);                                    \
        }                                                                    \
    } while (0)

/* ---- fixed-width values ---- */
static aphx_rc fixed_push(arrow_builder *b, const void *p, int64_t nbytes)
{
    aphx_rc rc = validity_push(b, true);
    if (rc) return rc;
    if ((rc = buf_put(&b->values, b->length * nbytes, p, nbytes))) return rc;
    b->length++;
    return APHX_OK;
}

aphx_rc arrow_builder_append_bool(arrow_builder *b, bool v)
{
    DICT_ROUTE(b, arrow_builder_append_bool(b->dict_values, v));
    if (b->id != ARROW_BOOL) return APHX_INVALID;
    aphx_rc rc = validity_push(b, true);
    if (rc) return rc;
    if ((rc = buf_grow(&b->values, (b->length + 8) / 8))) return rc;
    arrow_bit_set(b->values->data, b->length, v);
    b->length++;
    return APHX_OK;
}

static aphx_rc append_decimal_int(arrow_builder *b, int64_t v)
{
    uint8_t bytes[32];
    int64_t w = b->width_bits / 8;
    memset(bytes, v < 0 ? 0xff : 0, sizeof bytes);
    memcpy(bytes, &v, 8);
    return fixed_push(b, bytes, w);
}

aphx_rc arrow_builder_append_int(arrow_builder *b, int64_t v)
{
    DICT_ROUTE(b, arrow_builder_append_int(b->dict_values, v));
    switch (b->id) {
    case ARROW_INT8:
        if (v < INT8_MIN || v > INT8_MAX) return APHX_RANGE;
        return fixed_push(b, &(int8_t){(int8_t)v}, 1);
    case ARROW_INT16:
        if (v < INT16_MIN || v > INT16_MAX) return APHX_RANGE;
        return fixed_push(b, &(int16_t){(int16_t)v}, 2);
    case ARROW_INT32: case ARROW_DATE32: case ARROW_TIME32: case ARROW_INTERVAL_MONTHS:
        if (v < INT32_MIN || v > INT32_MAX) return APHX_RANGE;
        return fixed_push(b, &(int32_t){(int32_t)v}, 4);
    case ARROW_INT64: case ARROW_DATE64: case ARROW_TIME64: case ARROW_TIMESTAMP:
    case ARROW_DURATION:
        return fixed_push(b, &v, 8);
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32: case ARROW_UINT64:
        if (v < 0) return APHX_RANGE;
        return arrow_builder_append_uint(b, (uint64_t)v);
    case ARROW_FLOAT16: case ARROW_FLOAT32: case ARROW_FLOAT64:
        return arrow_builder_append_double(b, (double)v);
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        return append_decimal_int(b, v);
    default:
        return APHX_INVALID;
    }
}

aphx_rc arrow_builder_append_uint(arrow_builder *b, uint64_t v)
{
    DICT_ROUTE(b, arrow_builder_append_uint(b->dict_values, v));
    switch (b->id) {
    case ARROW_UINT8:
        if (v > UINT8_MAX) return APHX_RANGE;
        return fixed_push(b, &(uint8_t){(uint8_t)v}, 1);
    case ARROW_UINT16:
        if (v > UINT16_MAX) return APHX_RANGE;
        return fixed_push(b, &(uint16_t){(uint16_t)v}, 2);
    case ARROW_UINT32:
        if (v > UINT32_MAX) return APHX_RANGE;
        return fixed_push(b, &(uint32_t){(uint32_t)v}, 4);
    case ARROW_UINT64:
        return fixed_push(b, &v, 8);
    case ARROW_FLOAT16: case ARROW_FLOAT32: case ARROW_FLOAT64:
        return arrow_builder_append_double(b, (double)v);
    default:
        if (v > INT64_MAX) return APHX_RANGE;
        return arrow_builder_append_int(b, (int64_t)v);
    }
}

aphx_rc arrow_builder_append_double(arrow_builder *b, double v)
{
    DICT_ROUTE(b, arrow_builder_append_double(b->dict_values, v));
    switch (b->id) {
    case ARROW_FLOAT16: return fixed_push(b, &(uint16_t){arrow_core_double_to_half(v)}, 2);
    case ARROW_FLOAT32: return fixed_push(b, &(float){(float)v}, 4);
    case ARROW_FLOAT64: return fixed_push(b, &v, 8);
    default: return APHX_INVALID;
    }
}

aphx_rc arrow_builder_append_bytes(arrow_builder *b, const void *p, int64_t len)
{
    DICT_ROUTE(b, arrow_builder_append_bytes(b->dict_values, p, len));
    if (len < 0 || (len > 0 && !p)) return APHX_INVALID;
    aphx_rc rc;
    switch (b->id) {
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = arrow_core_is_large(b->id);
        int64_t start = b->extra ? b->extra->size : 0;
        if (!large && start + len > INT32_MAX) return APHX_OVERFLOW;
        builder_mark m = builder_mark_get(b);
        if ((rc = validity_push(b, true))) return rc;
        if ((rc = buf_put(&b->extra, start, p, len))) goto undo;
        if (!b->extra) {   /* len == 0 on an empty data buffer: create it */
            if ((rc = buf_grow(&b->extra, 0))) goto undo;
        }
        if ((rc = offsets_push(b, large, start + len))) goto undo;
        b->length++;
        return APHX_OK;
    undo:
        builder_mark_restore(b, &m);
        return rc;
    }
    case ARROW_BOOL: case ARROW_NA:
        return APHX_INVALID;
    default:
        if (b->width_bits <= 0 || arrow_core_n_children(b->field) > 0) return APHX_INVALID;
        if (len != b->width_bits / 8) return APHX_INVALID;
        return fixed_push(b, p, len);
    }
}

/* ---- nested ---- */
aphx_rc arrow_builder_append_valid(arrow_builder *b)
{
    aphx_rc rc;
    if (builder_is_dict(b)) {
        /* Close the nested value built through arrow_builder_child(), then
         * deduplicate it. */
        arrow_builder *v = b->dict_values;
        if (!value_is_nested(v)) return APHX_INVALID;
        if (arrow_core_is_union(v->id)) return APHX_UNSUPPORTED;
        if ((rc = arrow_builder_append_valid(v))) {
            builder_rollback(v);
            return rc;
        }
        for (int32_t i = 0; i < v->n_children; i++) {
            int64_t want = v->id == ARROW_STRUCT ? v->length
                         : v->id == ARROW_FIXED_SIZE_LIST ? v->length * v->field->type.list_size : -1;
            if (want >= 0 && v->children[i]->length != want) {
                builder_rollback(v);
                return APHX_INVALID;   /* the value's parts were not all appended */
            }
        }
        return dict_settle(b, NULL);
    }
    switch (b->id) {
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        builder_mark m = builder_mark_get(b);
        if ((rc = validity_push(b, true))) return rc;
        if ((rc = offsets_push(b, b->id == ARROW_LARGE_LIST, b->children[0]->length))) {
            builder_mark_restore(b, &m);
            return rc;
        }
        b->length++;
        return APHX_OK;
    }
    case ARROW_FIXED_SIZE_LIST: case ARROW_STRUCT:
        if ((rc = validity_push(b, true))) return rc;
        b->length++;
        return APHX_OK;
    default:
        return APHX_INVALID;
    }
}

aphx_rc arrow_builder_append_union(arrow_builder *b, int8_t type_code)
{
    if (builder_is_dict(b)) return arrow_core_is_union(b->dict_values->id) ? APHX_UNSUPPORTED : APHX_INVALID;
    if (!arrow_core_is_union(b->id)) return APHX_INVALID;
    int32_t c = arrow_core_union_child(b->field, type_code);
    if (c < 0 || c >= b->n_children) return APHX_INVALID;
    builder_mark m = builder_mark_get(b);
    aphx_rc rc = buf_put(&b->values, b->length, &type_code, 1);
    if (rc) return rc;
    if (b->id == ARROW_DENSE_UNION) {
        int64_t off = b->children[c]->length;
        if (off > INT32_MAX) {
            rc = APHX_OVERFLOW;
            goto undo;
        }
        int32_t o32 = (int32_t)off;
        if ((rc = buf_put(&b->extra, b->length * 4, &o32, 4))) goto undo;
    } else {
        for (int32_t k = 0; k < b->n_children; k++) {
            if (k == c) continue;
            if ((rc = arrow_builder_append_null(b->children[k]))) goto undo;
        }
    }
    b->length++;
    return APHX_OK;
undo:
    /* Children that already got their null keep it; validation of the
     * finished array reports the mismatch if the caller carries on. */
    builder_mark_restore(b, &m);
    return rc;
}

/* ---- finish ---- */
static void builder_reset(arrow_builder *b)
{
    b->length = 0;
    b->null_count = 0;
    if (b->validity) b->validity->size = 0;
    b->n_used = 0;
    for (int64_t k = 0; k < b->n_slots; k++) b->slots[k] = -1;
    memset(b->committed, 0, sizeof b->committed);
}

/* Structural checks before finishing (child lengths line up). */
static aphx_rc builder_check(const arrow_builder *b, const char *path, aphx_error *err)
{
    if (builder_is_dict(b)) return builder_check(b->dict_values, path, err);
    const arrow_field *f = b->field;
    for (int32_t i = 0; i < b->n_children; i++) {
        const arrow_builder *c = b->children[i];
        int64_t want = -1;
        if (b->id == ARROW_STRUCT || b->id == ARROW_SPARSE_UNION) want = b->length;
        if (b->id == ARROW_FIXED_SIZE_LIST) want = b->length * f->type.list_size;
        if (want >= 0 && c->length != want)
            return aphx_fail(err, APHX_INVALID,
                             "builder for '%s' child '%s': %lld values appended, %lld expected",
                             path, f->children[i].name ? f->children[i].name : "",
                             (long long)c->length, (long long)want);
        aphx_rc rc = builder_check(c, f->children[i].name ? f->children[i].name : "", err);
        if (rc) return rc;
    }
    return APHX_OK;
}

/* Allocation phase: make sure every buffer the finished array needs exists. */
static aphx_rc builder_prepare(arrow_builder *b)
{
    aphx_rc rc;
    if (builder_is_dict(b)) {
        if ((rc = buf_grow(&b->values, 0))) return rc;
        return builder_prepare(b->dict_values);
    }
    if (b->id == ARROW_NA) return APHX_OK;
    if (is_offset_type(b->id)) {
        if ((rc = offsets_init(b, arrow_core_is_large(b->id) ? 8 : 4))) return rc;
        if (b->id != ARROW_LIST && b->id != ARROW_LARGE_LIST && b->id != ARROW_MAP &&
            (rc = buf_grow(&b->extra, 0)))
            return rc;
    } else if (b->id == ARROW_DENSE_UNION) {
        if ((rc = buf_grow(&b->values, 0)) || (rc = buf_grow(&b->extra, 0))) return rc;
    } else if (b->id != ARROW_STRUCT && b->id != ARROW_FIXED_SIZE_LIST) {
        if ((rc = buf_grow(&b->values, 0))) return rc;
    }
    for (int32_t i = 0; i < b->n_children; i++)
        if ((rc = builder_prepare(b->children[i]))) return rc;
    return APHX_OK;
}

static arrow_buffer *take(arrow_buffer **pb, int64_t size)
{
    arrow_buffer *x = *pb;
    *pb = NULL;
    if (x) x->size = size;
    return x;
}

/* Move phase: no allocation, cannot fail. `a` is a shell from arrow_array_new. */
static void builder_move(arrow_builder *b, arrow_array *a)
{
    a->length = b->length;
    a->null_count = b->null_count;
    a->offset = 0;
    bool has_validity = !arrow_core_is_union(b->id) || builder_is_dict(b);
    if (has_validity && a->n_buffers > 0 && b->null_count > 0 && b->validity)
        a->buffers[0] = take(&b->validity, (b->length + 7) / 8);
    if (builder_is_dict(b)) {
        a->buffers[1] = take(&b->values, b->length * (b->width_bits / 8));
        builder_move(b->dict_values, a->dictionary);
        builder_reset(b);
        return;
    }
    switch (b->id) {
    case ARROW_NA:
        break;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        int64_t w = arrow_core_is_large(b->id) ? 8 : 4;
        int64_t data_size = offset_at(b, w == 8, b->length);
        a->buffers[1] = take(&b->values, (b->length + 1) * w);
        a->buffers[2] = take(&b->extra, data_size);
        break;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        int64_t w = b->id == ARROW_LARGE_LIST ? 8 : 4;
        a->buffers[1] = take(&b->values, (b->length + 1) * w);
        break;
    }
    case ARROW_STRUCT: case ARROW_FIXED_SIZE_LIST:
        break;
    case ARROW_SPARSE_UNION:
        a->buffers[0] = take(&b->values, b->length);
        a->null_count = 0;
        break;
    case ARROW_DENSE_UNION:
        a->buffers[0] = take(&b->values, b->length);
        a->buffers[1] = take(&b->extra, b->length * 4);
        a->null_count = 0;
        break;
    default:
        a->buffers[1] = take(&b->values, (b->length * b->width_bits + 7) / 8);
        break;
    }
    for (int32_t i = 0; i < b->n_children; i++) builder_move(b->children[i], a->children[i]);
    builder_reset(b);
}

arrow_array *arrow_builder_finish(arrow_builder *b, aphx_error *err)
{
    aphx_rc rc = builder_check(b, b->field->name ? b->field->name : "", err);
    if (rc) return NULL;
    if (builder_prepare(b)) {
        aphx_fail(err, APHX_NOMEM, "out of memory finishing the builder for '%s'",
                  b->field->name ? b->field->name : "");
        return NULL;
    }
    arrow_array *a = arrow_array_new(b->field);
    if (!a) {
        aphx_fail(err, APHX_NOMEM, "out of memory finishing the builder for '%s'",
                  b->field->name ? b->field->name : "");
        return NULL;
    }
    builder_move(b, a);
    return a;
}
