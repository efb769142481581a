/*
 * flatbuf.h — a minimal, internal Flatbuffers builder and a bounds-checked
 * reader, enough for Arrow's IPC metadata (Schema.fbs, Message.fbs,
 * File.fbs). Not a general Flatbuffers library: no code generation, no
 * vtable deduplication, little-endian hosts only.
 *
 * Wire format reminders (all little-endian):
 *
 *   offset  size  what
 *   0       4     uoffset of the root table (relative to byte 0)
 *   table   4     soffset: vtable position = table position - soffset
 *   table+k  n    field bytes (k from the vtable)
 *   vtable  2     vtable size in bytes (4 + 2 * number of fields)
 *   vtable+2 2    table size in bytes (including the soffset)
 *   vtable+4 2*n  per field: offset of the field inside the table, 0 = absent
 *   vector  4     element count, then the elements (structs inline,
 *                 tables/strings as uoffsets relative to each element)
 *   string  4     byte count, then the bytes, then a NUL (not counted)
 *   uoffset       unsigned 32-bit, relative to the position where it is stored
 *
 * Builder: objects are built back to front (children before parents), as in
 * the reference implementation; an fb_ref is the distance of an object from
 * the END of the buffer, which stays valid as the buffer grows at the front.
 *
 * Reader: every access checks the position, vtable size, field size, vector
 * length and nesting depth against the buffer; failures are APHX_CORRUPT
 * with a message naming the problem.
 */
#ifndef APHX_ARROW_FLATBUF_H
#define APHX_ARROW_FLATBUF_H

#include "base/base.h"

/* ------------------------------------------------------------------ */
/* Builder                                                             */
/* ------------------------------------------------------------------ */
typedef uint32_t fb_ref;   /* 0 = none */

#define FB_MAX_TABLE_FIELDS 16

typedef struct fb_field_slot {
    uint16_t id;
    uint8_t  size;       /* 1, 2, 4, 8 or struct size (<= 32) */
    uint8_t  align;
    bool     is_ref;     /* a uoffset to another object */
    uint8_t  bytes[32];  /* scalar/struct value; for refs the target fb_ref */
} fb_field_slot;

typedef struct fb_builder {
    uint8_t *buf;        /* data lives in [cap - size, cap) */
    size_t   cap;
    size_t   size;
    size_t   min_align;
    bool     oom;        /* sticky */
    bool     in_table;
    int      n_slots;
    fb_field_slot slots[FB_MAX_TABLE_FIELDS];
} fb_builder;

void   fb_builder_init(fb_builder *b);
void   fb_builder_free(fb_builder *b);
fb_ref fb_create_string(fb_builder *b, const char *s, size_t len);
/* Vector of inline elements (scalars or structs) of elem_size bytes each. */
fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t elem_size, size_t count,
                        size_t align);
/* Vector of references (tables or strings). */
fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t count);

void   fb_table_start(fb_builder *b);
void   fb_add_i64(fb_builder *b, uint16_t id, int64_t v);
void   fb_add_i32(fb_builder *b, uint16_t id, int32_t v);
void   fb_add_i16(fb_builder *b, uint16_t id, int16_t v);
void   fb_add_u8(fb_builder *b, uint16_t id, uint8_t v);
void   fb_add_bool(fb_builder *b, uint16_t id, bool v);
void   fb_add_ref(fb_builder *b, uint16_t id, fb_ref r);  /* r == 0: field omitted */
void   fb_add_struct(fb_builder *b, uint16_t id, const void *p, size_t size, size_t align);
fb_ref fb_table_end(fb_builder *b);

/* Finish with `root` as the root table. On success *data and *len point into the
 * builder (valid until it is freed) and the length is a multiple of 8. */
aphx_rc fb_finish(fb_builder *b, fb_ref root, const uint8_t **data, size_t *len,
                  aphx_error *err);

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */
#define FB_MAX_DEPTH 160   /* 2 per nested Field (vector + table): fits IPC_MAX_NESTING */

typedef struct fb_table {
    const uint8_t *data;   /* whole flatbuffer */
    size_t         size;
    size_t         pos;    /* table position */
    size_t         vt_pos;
    uint16_t       vt_size;
    uint16_t       tbl_size;
    int            depth;
} fb_table;

typedef struct fb_vector {
    const uint8_t *data;
    size_t         size;
    size_t         pos;    /* first element */
    uint32_t       len;
    size_t         elem_size;
    int            depth;
} fb_vector;

/* The root table of a flatbuffer of `size` bytes. */
aphx_rc fb_root(const uint8_t *data, size_t size, fb_table *out, aphx_error *err);
/* Does the table have field `id`? */
bool    fb_has(const fb_table *t, uint16_t id);
/* Scalars: absent fields give `dflt`; error when the field lies outside the table. */
aphx_rc fb_get_i64(const fb_table *t, uint16_t id, int64_t dflt, int64_t *out, aphx_error *err);
aphx_rc fb_get_i32(const fb_table *t, uint16_t id, int32_t dflt, int32_t *out, aphx_error *err);
aphx_rc fb_get_i16(const fb_table *t, uint16_t id, int16_t dflt, int16_t *out, aphx_error *err);
aphx_rc fb_get_u8(const fb_table *t, uint16_t id, uint8_t dflt, uint8_t *out, aphx_error *err);
aphx_rc fb_get_bool(const fb_table *t, uint16_t id, bool dflt, bool *out, aphx_error *err);
/* Sub-table; *present = false when absent (out untouched). */
aphx_rc fb_get_table(const fb_table *t, uint16_t id, fb_table *out, bool *present,
                     aphx_error *err);
/* Vector of elem_size-byte elements (use 4 for vectors of tables/strings);
 * an absent vector reads as empty. */
aphx_rc fb_get_vector(const fb_table *t, uint16_t id, size_t elem_size, fb_vector *out,
                      aphx_error *err);
/* String; absent gives *s = NULL, *len = 0. Not necessarily NUL-terminated. */
aphx_rc fb_get_string(const fb_table *t, uint16_t id, const char **s, size_t *len,
                      aphx_error *err);
/* Element i of a vector of tables / strings. */
aphx_rc fb_vector_table(const fb_vector *v, uint32_t i, fb_table *out, aphx_error *err);
aphx_rc fb_vector_string(const fb_vector *v, uint32_t i, const char **s, size_t *len,
                         aphx_error *err);
/* Pointer to inline element i (elem_size bytes, possibly unaligned). */
const uint8_t *fb_vector_elem(const fb_vector *v, uint32_t i);

static inline int64_t fb_read_i64(const uint8_t *p)
{
    int64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}
static inline int32_t fb_read_i32(const uint8_t *p)
{
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

#endif /* APHX_ARROW_FLATBUF_H */
