/*
 * fuzz_arrow_validate.c — libFuzzer target (and the body of the
 * test_validate_random unit test): arbitrary arrays for a set of fields,
 * with buffers, offsets, lengths, null counts and children taken from the
 * input bytes, go through arrow_array_validate. Whatever validate accepts
 * must then be safe to use: every element is rendered (JSON and human),
 * compared with itself, and the array survives a C Data export/import
 * round trip. Nothing may crash, leak, or read out of bounds (ASan).
 */
#include "arrow/arrow.h"

#include <string.h>

typedef struct fz_in {
    const uint8_t *p;
    size_t         n;
} fz_in;

static uint8_t fz_byte(fz_in *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

/* ---- fields ---- */
#define FZ_N_FIELDS 16

static void fz_leaf(arrow_field *f, const char *name, arrow_type_id id)
{
    arrow_field_init(f, name, id, true);
}

static void fz_make_field(arrow_field *f, int which)
{
    switch (which) {
    case 0: fz_leaf(f, "i32", ARROW_INT32); break;
    case 1: fz_leaf(f, "bool", ARROW_BOOL); break;
    case 2: fz_leaf(f, "s", ARROW_UTF8); break;
    case 3: fz_leaf(f, "lb", ARROW_LARGE_BINARY); break;
    case 4: fz_leaf(f, "fsb", ARROW_FIXED_SIZE_BINARY); f->type.byte_width = 3; break;
    case 5: fz_leaf(f, "dec", ARROW_DECIMAL256); f->type.precision = 40; f->type.scale = 3; break;
    case 6:
        fz_leaf(f, "l", ARROW_LIST);
        arrow_field_set_children(f, 1);
        fz_leaf(&f->children[0], "item", ARROW_INT16);
        break;
    case 7:
        fz_leaf(f, "fsl", ARROW_FIXED_SIZE_LIST);
        f->type.list_size = 2;
        arrow_field_set_children(f, 1);
        fz_leaf(&f->children[0], "item", ARROW_UTF8);
        break;
    case 8:
        fz_leaf(f, "st", ARROW_STRUCT);
        arrow_field_set_children(f, 2);
        fz_leaf(&f->children[0], "a", ARROW_INT32);
        fz_leaf(&f->children[1], "b", ARROW_LARGE_UTF8);
        break;
    case 9:
        fz_leaf(f, "m", ARROW_MAP);
        arrow_field_set_children(f, 1);
        fz_leaf(&f->children[0], "entries", ARROW_STRUCT);
        arrow_field_set_children(&f->children[0], 2);
        fz_leaf(&f->children[0].children[0], "key", ARROW_UTF8);
        fz_leaf(&f->children[0].children[1], "value", ARROW_INT64);
        break;
    case 10: case 11:
        fz_leaf(f, "u", which == 10 ? ARROW_SPARSE_UNION : ARROW_DENSE_UNION);
        arrow_field_set_children(f, 2);
        f->type.type_codes[0] = 2;
        f->type.type_codes[1] = 5;
        fz_leaf(&f->children[0], "x", ARROW_INT32);
        fz_leaf(&f->children[1], "y", ARROW_UTF8);
        break;
    case 12:
        fz_leaf(f, "d", ARROW_UTF8);
        f->dict = aphx_calloc(1, sizeof *f->dict);
        if (f->dict) f->dict->index_type = ARROW_INT8;
        break;
    case 13: fz_leaf(f, "n", ARROW_NA); break;
    case 14:
        fz_leaf(f, "ts", ARROW_TIMESTAMP);
        f->type.unit = ARROW_NANO;
        arrow_field_set_timezone(f, "UTC");
        break;
    default:
        fz_leaf(f, "ll", ARROW_LARGE_LIST);
        arrow_field_set_children(f, 1);
        fz_leaf(&f->children[0], "item", ARROW_DENSE_UNION);
        arrow_field_set_children(&f->children[0], 1);
        fz_leaf(&f->children[0].children[0], "v", ARROW_FLOAT16);
        break;
    }
}

/* Vary the type parameters too (widths, scales, list sizes, union codes,
 * units), including invalid ones, when the input asks for it. */
static void fz_mutate_field(arrow_field *f, fz_in *in)
{
    uint8_t what = fz_byte(in);
    if (what % 2 == 0) return;
    switch (f->type.id) {
    case ARROW_FIXED_SIZE_BINARY: f->type.byte_width = fz_byte(in) % 6; break;
    case ARROW_DECIMAL128: case ARROW_DECIMAL256: f->type.scale = (int8_t)fz_byte(in) * 3; break;
    case ARROW_FIXED_SIZE_LIST: f->type.list_size = fz_byte(in) % 4; break;
    case ARROW_TIMESTAMP: case ARROW_TIME32: case ARROW_TIME64: case ARROW_DURATION:
        f->type.unit = (arrow_time_unit)(fz_byte(in) % 4);
        break;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        for (int32_t i = 0; i < f->type.n_type_codes; i++) f->type.type_codes[i] = (int8_t)(fz_byte(in) % 8);
        break;
    default:
        break;
    }
    for (int32_t i = 0; i < f->n_children; i++) fz_mutate_field(&f->children[i], in);
}

/* ---- arrays ---- */
static arrow_array *fz_make_array(const arrow_field *f, fz_in *in, int depth)
{
    arrow_array *a = arrow_array_new(f);
    if (!a || depth > 8) return a;
    a->length = fz_byte(in) % 20;
    a->offset = fz_byte(in) % 5;
    uint8_t nc = fz_byte(in);
    a->null_count = nc % 3 == 0 ? -1 : nc % 23;
    for (int32_t i = 0; i < a->n_buffers; i++) {
        uint8_t sel = fz_byte(in);
        if (sel % 7 == 0) continue;   /* NULL buffer */
        int64_t size = fz_byte(in) % 200;
        arrow_buffer *b = arrow_buffer_alloc(size);
        if (!b) continue;
        for (int64_t k = 0; k < size; k++) {
            uint8_t x = fz_byte(in);
            /* small values keep offsets and indices plausible */
            b->data[k] = sel & 1 ? (uint8_t)(x % 8) : x;
        }
        a->buffers[i] = b;
    }
    arrow_field value = *f;
    value.dict = NULL;
    if (f->dict) {
        arrow_array_unref(a->dictionary);
        a->dictionary = fz_make_array(&value, in, depth + 1);
    }
    for (int32_t i = 0; i < a->n_children; i++) {
        arrow_array_unref(a->children[i]);
        a->children[i] = fz_make_array(&f->children[i], in, depth + 1);
    }
    return a;
}

/* A plausible array: sizes, offsets, type ids and indices consistent, so
 * that validation passes most of the time and the later steps get
 * exercised; min_len is what the parent needs from a child. */
static arrow_buffer *fz_random_buffer(fz_in *in, int64_t size, int mod)
{
    arrow_buffer *b = arrow_buffer_alloc(size);
    if (!b) return NULL;
    for (int64_t k = 0; k < size; k++) {
        uint8_t x = fz_byte(in);
        b->data[k] = mod ? (uint8_t)(x % mod) : x;
    }
    return b;
}

static arrow_buffer *fz_offsets(fz_in *in, int64_t end, bool large, int64_t *last)
{
    int64_t w = large ? 8 : 4;
    arrow_buffer *b = arrow_buffer_alloc((end + 1) * w);
    if (!b) return NULL;
    int64_t cur = 0;
    for (int64_t k = 0; k <= end; k++) {
        if (k) cur += fz_byte(in) % 4;
        if (large) ((int64_t *)b->data)[k] = cur;
        else ((int32_t *)b->data)[k] = (int32_t)cur;
    }
    *last = cur;
    return b;
}

static arrow_array *fz_make_plausible(const arrow_field *f, fz_in *in, int depth, int64_t min_len)
{
    arrow_array *a = arrow_array_new(f);
    if (!a || depth > 8) return a;
    a->length = min_len ? min_len + fz_byte(in) % 3 : fz_byte(in) % 20;
    a->offset = fz_byte(in) % 3;
    a->null_count = -1;
    int64_t end = a->offset + a->length, last = 0;
    bool validity = fz_byte(in) % 2;
    arrow_field value = *f;
    value.dict = NULL;
    if (f->dict) {
        if (validity) a->buffers[0] = fz_random_buffer(in, (end + 7) / 8, 0);
        a->buffers[1] = fz_random_buffer(in, end, 4);
        arrow_array_unref(a->dictionary);
        a->dictionary = fz_make_plausible(&value, in, depth + 1, 4);
        return a;
    }
    arrow_type_id id = f->type.id;
    if (id == ARROW_NA) {
        a->null_count = a->length;
        return a;
    }
    bool is_union = id == ARROW_SPARSE_UNION || id == ARROW_DENSE_UNION;
    if (!is_union && validity && a->n_buffers > 0)
        a->buffers[0] = fz_random_buffer(in, (end + 7) / 8, 0);
    int64_t child_min = end;
    switch (id) {
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        a->null_count = 0;
        a->buffers[0] = arrow_buffer_alloc(end);
        if (a->buffers[0])
            for (int64_t k = 0; k < end; k++)
                a->buffers[0]->data[k] = (uint8_t)f->type.type_codes[fz_byte(in) % f->n_children];
        if (id == ARROW_DENSE_UNION) {
            a->buffers[1] = fz_random_buffer(in, end * 4, 0);
            if (a->buffers[1])
                for (int64_t k = 0; k < end; k++) ((int32_t *)a->buffers[1]->data)[k] = fz_byte(in) % 8;
            child_min = 8;
        }
        break;
    }
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = id == ARROW_LARGE_UTF8 || id == ARROW_LARGE_BINARY;
        a->buffers[1] = fz_offsets(in, end, large, &last);
        a->buffers[2] = arrow_buffer_alloc(last);
        if (a->buffers[2])
            for (int64_t k = 0; k < last; k++) {
                uint8_t x = fz_byte(in);
                a->buffers[2]->data[k] = x < 200 ? (uint8_t)('a' + x % 26) : x;
            }
        return a;
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP:
        a->buffers[1] = fz_offsets(in, end, id == ARROW_LARGE_LIST, &last);
        child_min = last;
        break;
    case ARROW_FIXED_SIZE_LIST:
        child_min = end * f->type.list_size;
        break;
    case ARROW_STRUCT:
        break;
    default:
        a->buffers[1] = fz_random_buffer(in, (end * arrow_type_bit_width(&f->type) + 7) / 8, 0);
        return a;
    }
    for (int32_t i = 0; i < a->n_children; i++) {
        arrow_array_unref(a->children[i]);
        a->children[i] = fz_make_plausible(&f->children[i], in, depth + 1, child_min);
        /* map keys must not be null in spirit; validation does not care */
    }
    return a;
}

/* Change one byte of one buffer of the top-level array or its first child. */
static void fz_corrupt(arrow_array *a, fz_in *in)
{
    uint8_t which = fz_byte(in);
    if (which % 3 == 0 && a->n_children > 0 && a->children[0]) a = a->children[0];
    if (a->n_buffers == 0) return;
    arrow_buffer *b = a->buffers[fz_byte(in) % a->n_buffers];
    if (!b || b->size == 0) return;
    b->data[fz_byte(in) % b->size] = fz_byte(in);
}

static void fz_use(const arrow_field *f, arrow_array *a)
{
    aphx_buf b;
    aphx_buf_init(&b);
    for (int64_t i = 0; i < a->length; i++) {
        arrow_array_format_json(f, a, i, &b);
        arrow_array_format_value(f, a, i, true, &b);
        (void)arrow_array_is_null(f, a, i);
    }
    aphx_buf_free(&b);
    if (!arrow_array_equal(f, a, a, NULL)) __builtin_trap();
    (void)arrow_array_null_count(a);
    arrow_array *s = arrow_array_slice(a, a->length / 2, a->length - a->length / 2);
    if (s) {
        if (arrow_array_validate(f, s, true, NULL)) __builtin_trap();
        arrow_array_unref(s);
    }
    struct ArrowArray ca;
    if (arrow_export_array(f, a, &ca, NULL) == APHX_OK) {
        arrow_array *back = NULL;
        if (arrow_import_array(f, &ca, &back, NULL) == APHX_OK) {
            if (!arrow_array_equal(f, a, back, NULL)) __builtin_trap();
            arrow_array_unref(back);
        } else if (ca.release) {
            ca.release(&ca);
        }
    }
}

/* Inputs validation accepted, per field (read by the unit test). */
static int64_t fz_accepted[FZ_N_FIELDS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    arrow_field f;
    memset(&f, 0, sizeof f);
    int which = fz_byte(&in) % FZ_N_FIELDS;
    fz_make_field(&f, which);
    if (!f.name) return 0;
    fz_mutate_field(&f, &in);
    uint8_t mode = fz_byte(&in);
    arrow_array *a = mode % 4 == 0 ? fz_make_array(&f, &in, 0) : fz_make_plausible(&f, &in, 0, 0);
    if (a && mode % 4 == 2) fz_corrupt(a, &in);
    if (a && arrow_array_validate(&f, a, true, NULL) == APHX_OK) {
        fz_accepted[which]++;
        fz_use(&f, a);
    }
    arrow_array_unref(a);
    arrow_field_free(&f);
    return 0;
}
