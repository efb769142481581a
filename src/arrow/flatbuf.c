/*
 * flatbuf.c — the minimal Flatbuffers builder and bounds-checked reader used
 * by the Arrow IPC code. The byte layout is described in flatbuf.h.
 */
#include "arrow/flatbuf.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Builder                                                             */
/* ------------------------------------------------------------------ */
void fb_builder_init(fb_builder *b)
{
    memset(b, 0, sizeof *b);
    b->min_align = 1;
}

void fb_builder_free(fb_builder *b)
{
    aphx_free(b->buf);
    memset(b, 0, sizeof *b);
}

static bool fb_grow(fb_builder *b, size_t need)
{
    if (b->oom) return false;
    if (b->cap - b->size >= need) return true;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->size < need) {
        if (ncap > SIZE_MAX / 2 || ncap >= ((size_t)1 << 31)) {
            b->oom = true;
            return false;
        }
        ncap *= 2;
    }
    uint8_t *nb = aphx_malloc(ncap);
    if (!nb) {
        b->oom = true;
        return false;
    }
    if (b->size) memcpy(nb + ncap - b->size, b->buf + b->cap - b->size, b->size);
    aphx_free(b->buf);
    b->buf = nb;
    b->cap = ncap;
    return true;
}

/* Pad with zeros so that after adding `n` more bytes the front is aligned
 * to `align`; makes room for the n bytes too. */
static bool fb_prep(fb_builder *b, size_t align, size_t n)
{
    if (align > b->min_align) b->min_align = align;
    size_t pad = (align - ((b->size + n) & (align - 1))) & (align - 1);
    if (!fb_grow(b, pad + n)) return false;
    if (pad) memset(b->buf + b->cap - b->size - pad, 0, pad);
    b->size += pad;
    return true;
}

/* Prepend bytes (fb_prep must have made room). Returns the new ref. */
static fb_ref fb_push(fb_builder *b, const void *p, size_t n)
{
    b->size += n;
    memcpy(b->buf + b->cap - b->size, p, n);
    return (fb_ref)b->size;
}

static void fb_push_u32(fb_builder *b, uint32_t v)
{
    fb_push(b, &v, 4);
}

fb_ref fb_create_string(fb_builder *b, const char *s, size_t len)
{
    if (!fb_prep(b, 4, len + 1)) return 0;
    b->size += 1;
    b->buf[b->cap - b->size] = 0;
    if (len) fb_push(b, s, len);
    if (!fb_prep(b, 4, 4)) return 0;
    fb_push_u32(b, (uint32_t)len);
    return (fb_ref)b->size;
}

fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t elem_size, size_t count,
                        size_t align)
{
    size_t bytes = elem_size * count;
    if (align < 4) align = 4;
    if (!fb_prep(b, align, bytes)) return 0;
    if (bytes) fb_push(b, elems, bytes);
    if (!fb_prep(b, 4, 4)) return 0;
    fb_push_u32(b, (uint32_t)count);
    return (fb_ref)b->size;
}

fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t count)
{
    if (!fb_prep(b, 4, 4 * count)) return 0;
    /* Element i ends up at distance (size + 4*count - 4*i) from the end. */
    for (size_t k = count; k-- > 0;) {
        uint32_t here = (uint32_t)(b->size + 4);
        uint32_t v = here - refs[k];
        fb_push_u32(b, v);
    }
    if (!fb_prep(b, 4, 4)) return 0;
    fb_push_u32(b, (uint32_t)count);
    return (fb_ref)b->size;
}

void fb_table_start(fb_builder *b)
{
    b->in_table = true;
    b->n_slots = 0;
}

static fb_field_slot *fb_slot(fb_builder *b, uint16_t id, size_t size, size_t align)
{
    if (b->n_slots >= FB_MAX_TABLE_FIELDS || size > 32) {
        b->oom = true;   /* programming error: surfaces as a failed finish */
        return NULL;
    }
    fb_field_slot *s = &b->slots[b->n_slots++];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->size = (uint8_t)size;
    s->align = (uint8_t)align;
    return s;
}

void fb_add_i64(fb_builder *b, uint16_t id, int64_t v)
{
    fb_field_slot *s = fb_slot(b, id, 8, 8);
    if (s) memcpy(s->bytes, &v, 8);
}
void fb_add_i32(fb_builder *b, uint16_t id, int32_t v)
{
    fb_field_slot *s = fb_slot(b, id, 4, 4);
    if (s) memcpy(s->bytes, &v, 4);
}
void fb_add_i16(fb_builder *b, uint16_t id, int16_t v)
{
    fb_field_slot *s = fb_slot(b, id, 2, 2);
    if (s) memcpy(s->bytes, &v, 2);
}
void fb_add_u8(fb_builder *b, uint16_t id, uint8_t v)
{
    fb_field_slot *s = fb_slot(b, id, 1, 1);
    if (s) s->bytes[0] = v;
}
void fb_add_bool(fb_builder *b, uint16_t id, bool v)
{
    fb_add_u8(b, id, v ? 1 : 0);
}
void fb_add_ref(fb_builder *b, uint16_t id, fb_ref r)
{
    if (!r) return;
    fb_field_slot *s = fb_slot(b, id, 4, 4);
    if (!s) return;
    s->is_ref = true;
    memcpy(s->bytes, &r, 4);
}
void fb_add_struct(fb_builder *b, uint16_t id, const void *p, size_t size, size_t align)
{
    fb_field_slot *s = fb_slot(b, id, size, align);
    if (s) memcpy(s->bytes, p, size);
}

fb_ref fb_table_end(fb_builder *b)
{
    b->in_table = false;
    if (b->oom) return 0;
    /* Lay out the table forward: soffset, then fields by decreasing alignment. */
    uint8_t tbl[4 + FB_MAX_TABLE_FIELDS * 40];
    uint16_t field_off[FB_MAX_TABLE_FIELDS] = {0};
    size_t order[FB_MAX_TABLE_FIELDS];
    int n = b->n_slots;
    size_t max_align = 4, pos = 4, n_ids = 0;
    for (int i = 0; i < n; i++) order[i] = (size_t)i;
    for (int i = 1; i < n; i++)   /* insertion sort by alignment, descending */
        for (int j = i; j > 0 && b->slots[order[j]].align > b->slots[order[j - 1]].align; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    memset(tbl, 0, sizeof tbl);
    for (int k = 0; k < n; k++) {
        fb_field_slot *s = &b->slots[order[k]];
        if (s->align > max_align) max_align = s->align;
        pos = APHX_ALIGN_UP(pos, s->align);
        field_off[order[k]] = (uint16_t)pos;
        pos += s->size;
        if ((size_t)s->id + 1 > n_ids) n_ids = (size_t)s->id + 1;
    }
    size_t tbl_size = pos;
    if (!fb_prep(b, max_align, tbl_size)) return 0;
    size_t table_end_dist = b->size + tbl_size;   /* distance of table start from end */
    for (int i = 0; i < n; i++) {
        fb_field_slot *s = &b->slots[i];
        if (s->is_ref) {
            fb_ref target;
            memcpy(&target, s->bytes, 4);
            uint32_t v = (uint32_t)(table_end_dist - field_off[i] - target);
            memcpy(tbl + field_off[i], &v, 4);
        } else {
            memcpy(tbl + field_off[i], s->bytes, s->size);
        }
    }
    fb_push(b, tbl, tbl_size);
    fb_ref table_ref = (fb_ref)b->size;
    /* The vtable, placed just before the table. */
    uint16_t vt[2 + FB_MAX_TABLE_FIELDS * 8];
    size_t vt_entries = 2 + n_ids;
    if (vt_entries > APHX_ARRAY_LEN(vt)) {
        b->oom = true;
        return 0;
    }
    memset(vt, 0, sizeof vt);
    vt[0] = (uint16_t)(vt_entries * 2);
    vt[1] = (uint16_t)tbl_size;
    for (int i = 0; i < n; i++) vt[2 + b->slots[i].id] = field_off[i];
    if (!fb_prep(b, 2, vt_entries * 2)) return 0;
    fb_push(b, vt, vt_entries * 2);
    /* soffset = table position - vtable position = vt_dist - table_dist. */
    int32_t soff = (int32_t)(b->size - table_ref);
    memcpy(b->buf + b->cap - table_ref, &soff, 4);
    return table_ref;
}

aphx_rc fb_finish(fb_builder *b, fb_ref root, const uint8_t **data, size_t *len,
                  aphx_error *err)
{
    if (b->oom || !root) return aphx_fail(err, APHX_NOMEM, "flatbuffer builder: out of memory");
    size_t align = b->min_align < 8 ? 8 : b->min_align;
    if (!fb_prep(b, align, 4)) return aphx_fail(err, APHX_NOMEM, "flatbuffer builder: out of memory");
    uint32_t v = (uint32_t)(b->size + 4 - root);
    fb_push_u32(b, v);
    *data = b->buf + b->cap - b->size;
    *len = b->size;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */
static uint32_t rd_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint16_t rd_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static aphx_rc fb_table_at(const uint8_t *data, size_t size, size_t pos, int depth,
                           fb_table *out, aphx_error *err)
{
    if (depth > FB_MAX_DEPTH)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: tables nested deeper than %d", FB_MAX_DEPTH);
    if (pos > size || size - pos < 4)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: table at %zu outside the buffer (%zu bytes)",
                         pos, size);
    int32_t soff = (int32_t)rd_u32(data + pos);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || (uint64_t)vt > size || size - (size_t)vt < 4)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: vtable of table at %zu outside the buffer",
                         pos);
    uint16_t vt_size = rd_u16(data + vt), tbl_size = rd_u16(data + vt + 2);
    if (vt_size < 4 || (vt_size & 1) || size - (size_t)vt < vt_size)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: bad vtable size %u for table at %zu",
                         vt_size, pos);
    if (tbl_size < 4 || size - pos < tbl_size)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: table at %zu (%u bytes) extends past the buffer",
                         pos, tbl_size);
    out->data = data;
    out->size = size;
    out->pos = pos;
    out->vt_pos = (size_t)vt;
    out->vt_size = vt_size;
    out->tbl_size = tbl_size;
    out->depth = depth;
    return APHX_OK;
}

aphx_rc fb_root(const uint8_t *data, size_t size, fb_table *out, aphx_error *err)
{
    if (size < 8 || size > 0x7fffffff)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: bad size %zu", size);
    return fb_table_at(data, size, rd_u32(data), 0, out, err);
}

/* Offset of the field inside the table, 0 when absent; -1 (with err) when
 * the field's `need` bytes fall outside the table. */
static int64_t fb_field(const fb_table *t, uint16_t id, size_t need, aphx_error *err)
{
    size_t e = 4 + 2 * (size_t)id;
    if (e + 2 > t->vt_size) return 0;
    uint16_t off = rd_u16(t->data + t->vt_pos + e);
    if (off == 0) return 0;
    if ((size_t)off + need > t->tbl_size) {
        aphx_fail(err, APHX_CORRUPT, "flatbuffer: field %u of table at %zu lies outside the table",
                  id, t->pos);
        return -1;
    }
    return off;
}

bool fb_has(const fb_table *t, uint16_t id)
{
    size_t e = 4 + 2 * (size_t)id;
    if (e + 2 > t->vt_size) return false;
    return rd_u16(t->data + t->vt_pos + e) != 0;
}

#define FB_GETTER(name, type, n)                                                         \
    aphx_rc name(const fb_table *t, uint16_t id, type dflt, type *out, aphx_error *err)  \
    {                                                                                    \
        int64_t off = fb_field(t, id, n, err);                                           \
        if (off < 0) return APHX_CORRUPT;                                                \
        if (off == 0) {                                                                  \
            *out = dflt;                                                                 \
            return APHX_OK;                                                              \
        }                                                                                \
        memcpy(out, t->data + t->pos + (size_t)off, n);                                  \
        return APHX_OK;                                                                  \
    }
FB_GETTER(fb_get_i64, int64_t, 8)
FB_GETTER(fb_get_i32, int32_t, 4)
FB_GETTER(fb_get_i16, int16_t, 2)
FB_GETTER(fb_get_u8, uint8_t, 1)
#undef FB_GETTER

aphx_rc fb_get_bool(const fb_table *t, uint16_t id, bool dflt, bool *out, aphx_error *err)
{
    uint8_t v;
    aphx_rc rc = fb_get_u8(t, id, dflt ? 1 : 0, &v, err);
    if (rc) return rc;
    *out = v != 0;
    return APHX_OK;
}

/* Follow the uoffset stored in field id; *target = 0 when absent. */
static aphx_rc fb_follow(const fb_table *t, uint16_t id, size_t *target, aphx_error *err)
{
    int64_t off = fb_field(t, id, 4, err);
    if (off < 0) return APHX_CORRUPT;
    *target = 0;
    if (off == 0) return APHX_OK;
    size_t at = t->pos + (size_t)off;
    uint32_t u = rd_u32(t->data + at);
    if (u == 0 || (uint64_t)at + u >= t->size)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: offset of field %u of table at %zu points outside the buffer",
                         id, t->pos);
    *target = at + u;
    return APHX_OK;
}

aphx_rc fb_get_table(const fb_table *t, uint16_t id, fb_table *out, bool *present,
                     aphx_error *err)
{
    size_t target = 0;
    aphx_rc rc = fb_follow(t, id, &target, err);
    if (rc) return rc;
    *present = target != 0;
    if (!target) return APHX_OK;
    return fb_table_at(t->data, t->size, target, t->depth + 1, out, err);
}

static aphx_rc fb_vector_at(const uint8_t *data, size_t size, size_t pos, size_t elem_size,
                            int depth, fb_vector *out, aphx_error *err)
{
    if (pos > size || size - pos < 4)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: vector at %zu outside the buffer", pos);
    uint32_t len = rd_u32(data + pos);
    if ((uint64_t)len * elem_size > size - pos - 4)
        return aphx_fail(err, APHX_CORRUPT,
                         "flatbuffer: vector at %zu of %u elements extends past the buffer (%zu bytes)",
                         pos, len, size);
    out->data = data;
    out->size = size;
    out->pos = pos + 4;
    out->len = len;
    out->elem_size = elem_size;
    out->depth = depth;
    return APHX_OK;
}

aphx_rc fb_get_vector(const fb_table *t, uint16_t id, size_t elem_size, fb_vector *out,
                      aphx_error *err)
{
    size_t target = 0;
    aphx_rc rc = fb_follow(t, id, &target, err);
    if (rc) return rc;
    if (!target) {
        memset(out, 0, sizeof *out);
        out->data = t->data;
        out->elem_size = elem_size;
        out->depth = t->depth + 1;
        return APHX_OK;
    }
    if (t->depth + 1 > FB_MAX_DEPTH)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: nested deeper than %d", FB_MAX_DEPTH);
    return fb_vector_at(t->data, t->size, target, elem_size, t->depth + 1, out, err);
}

aphx_rc fb_get_string(const fb_table *t, uint16_t id, const char **s, size_t *len,
                      aphx_error *err)
{
    fb_vector v;
    *s = NULL;
    *len = 0;
    size_t target = 0;
    aphx_rc rc = fb_follow(t, id, &target, err);
    if (rc || !target) return rc;
    rc = fb_vector_at(t->data, t->size, target, 1, t->depth + 1, &v, err);
    if (rc) return rc;
    *s = (const char *)v.data + v.pos;
    *len = v.len;
    return APHX_OK;
}

const uint8_t *fb_vector_elem(const fb_vector *v, uint32_t i)
{
    return v->data + v->pos + (size_t)i * v->elem_size;
}

static aphx_rc fb_vector_follow(const fb_vector *v, uint32_t i, size_t *target, aphx_error *err)
{
    if (i >= v->len || v->elem_size != 4)
        return aphx_fail(err, APHX_INTERNAL, "flatbuffer: vector index %u out of range", i);
    size_t at = v->pos + 4 * (size_t)i;
    uint32_t u = rd_u32(v->data + at);
    if (u == 0 || (uint64_t)at + u >= v->size)
        return aphx_fail(err, APHX_CORRUPT, "flatbuffer: element %u of vector at %zu points outside the buffer",
                         i, v->pos);
    *target = at + u;
    return APHX_OK;
}

aphx_rc fb_vector_table(const fb_vector *v, uint32_t i, fb_table *out, aphx_error *err)
{
    size_t target = 0;
    aphx_rc rc = fb_vector_follow(v, i, &target, err);
    if (rc) return rc;
    return fb_table_at(v->data, v->size, target, v->depth + 1, out, err);
}

aphx_rc fb_vector_string(const fb_vector *v, uint32_t i, const char **s, size_t *len,
                         aphx_error *err)
{
    size_t target = 0;
    fb_vector sv;
    aphx_rc rc = fb_vector_follow(v, i, &target, err);
    if (rc) return rc;
    rc = fb_vector_at(v->data, v->size, target, 1, v->depth + 1, &sv, err);
    if (rc) return rc;
    *s = (const char *)sv.data + sv.pos;
    *len = sv.len;
    return APHX_OK;
}
