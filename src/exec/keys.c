/*
 * keys.c — row keys for hashing operators (aggregate, join, DISTINCT, set
 * operations): the key columns of every row of a batch are encoded column
 * at a time into one byte string per row, such that two rows' strings are
 * equal exactly when their key values are equal with NULL equal to NULL;
 * then each string is hashed. exec_keymap maps those strings to dense ids.
 *
 * Row key layout, per key column in order:
 *   byte 0        0 = NULL (nothing follows), 1 = value
 *   fixed width   the value's little-endian bytes (floats: -0.0 as 0.0,
 *                 every NaN as one NaN); bool: one byte 0/1
 *   utf8/binary   uint32 length, then the bytes
 */
#include "exec/exec_internal.h"

#include <math.h>

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t exec_hash_bytes(const uint8_t *p, int64_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    int64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, p + i, (size_t)(len - i));
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    }
    return mix64(h);
}

typedef enum key_kind { KEY_NULL, KEY_BOOL, KEY_FIXED, KEY_F32, KEY_F64, KEY_STR32, KEY_STR64 } key_kind;

static bool key_kind_of(const arrow_field *f, key_kind *k, int32_t *w)
{
    *w = 0;
    if (f->dict) return false;
    switch (f->type.id) {
    case ARROW_NA: *k = KEY_NULL; return true;
    case ARROW_BOOL: *k = KEY_BOOL; *w = 1; return true;
    case ARROW_FLOAT32: *k = KEY_F32; *w = 4; return true;
    case ARROW_FLOAT64: *k = KEY_F64; *w = 8; return true;
    case ARROW_UTF8: case ARROW_BINARY: *k = KEY_STR32; return true;
    case ARROW_LARGE_UTF8: case ARROW_LARGE_BINARY: *k = KEY_STR64; return true;
    default: {
        int32_t bits = arrow_type_bit_width(&f->type);
        if (bits < 8 || bits % 8 || arrow_field_n_buffers(f) != 2) return false;
        *k = KEY_FIXED;
        *w = bits / 8;
        return true;
    }
    }
}

aphx_rc exec_keys_encode(const arrow_schema *schema, arrow_array *const *cols, int32_t n_cols,
                         int64_t n, aphx_arena *scratch, exec_keys *out, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->offsets = aphx_arena_alloc(scratch, (size_t)(n + 1) * sizeof(int64_t));
    out->hashes = aphx_arena_alloc(scratch, (size_t)(n > 0 ? n : 1) * sizeof(uint64_t));
    out->any_null = aphx_arena_calloc(scratch, (size_t)(n > 0 ? n : 1));
    int64_t *len = aphx_arena_calloc(scratch, (size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!out->offsets || !out->hashes || !out->any_null || !len)
        return aphx_fail(err, APHX_NOMEM, "out of memory encoding keys");
    /* Pass 1: lengths. */
    for (int32_t c = 0; c < n_cols; c++) {
        const arrow_field *f = &schema->fields[c];
        const arrow_array *a = cols[c];
        key_kind k;
        int32_t w;
        if (!key_kind_of(f, &k, &w))
            return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000",
                                 "grouping/joining on %s values not supported yet",
                                 arrow_type_name(f->type.id));
        const uint8_t *valid = k != KEY_NULL && a->buffers[0] ? a->buffers[0]->data : NULL;
        for (int64_t i = 0; i < n; i++) {
            bool ok = k != KEY_NULL && (!valid || arrow_bit_get(valid, a->offset + i));
            if (!ok) {
                len[i] += 1;
                out->any_null[i] = 1;
                continue;
            }
            if (k == KEY_STR32) {
                const int32_t *o = (const int32_t *)a->buffers[1]->data + a->offset;
                len[i] += 5 + o[i + 1] - o[i];
            } else if (k == KEY_STR64) {
                const int64_t *o = (const int64_t *)a->buffers[1]->data + a->offset;
                len[i] += 5 + o[i + 1] - o[i];
            } else {
                len[i] += 1 + w;
            }
        }
    }
    out->offsets[0] = 0;
    for (int64_t i = 0; i < n; i++) out->offsets[i + 1] = out->offsets[i] + len[i];
    out->bytes = aphx_arena_alloc(scratch, (size_t)out->offsets[n] + 8);
    if (!out->bytes) return aphx_fail(err, APHX_NOMEM, "out of memory encoding keys");
    /* Pass 2: bytes; len[] becomes the write cursor. */
    for (int64_t i = 0; i < n; i++) len[i] = out->offsets[i];
    uint8_t *b = out->bytes;
    for (int32_t c = 0; c < n_cols; c++) {
        const arrow_field *f = &schema->fields[c];
        const arrow_array *a = cols[c];
        key_kind k;
        int32_t w;
        key_kind_of(f, &k, &w);
        const uint8_t *valid = k != KEY_NULL && a->buffers[0] ? a->buffers[0]->data : NULL;
        const uint8_t *vals = k != KEY_NULL ? a->buffers[1]->data : NULL;
        for (int64_t i = 0; i < n; i++) {
            uint8_t *d = b + len[i];
            bool ok = k != KEY_NULL && (!valid || arrow_bit_get(valid, a->offset + i));
            if (!ok) {
                d[0] = 0;
                len[i] += 1;
                continue;
            }
            d[0] = 1;
            int64_t j = a->offset + i;
            switch (k) {
            case KEY_BOOL:
                d[1] = arrow_bit_get(vals, j);
                len[i] += 2;
                break;
            case KEY_F64: {
                double v = ((const double *)vals)[j];
                if (v == 0) v = 0;
                if (isnan(v)) v = NAN;
                memcpy(d + 1, &v, 8);
                len[i] += 9;
                break;
            }
            case KEY_F32: {
                float v = ((const float *)vals)[j];
                if (v == 0) v = 0;
                if (isnan(v)) v = NAN;
                memcpy(d + 1, &v, 4);
                len[i] += 5;
                break;
            }
            case KEY_STR32: case KEY_STR64: {
                int64_t s0, s1;
                if (k == KEY_STR32) {
                    s0 = ((const int32_t *)vals)[j];
                    s1 = ((const int32_t *)vals)[j + 1];
                } else {
                    s0 = ((const int64_t *)vals)[j];
                    s1 = ((const int64_t *)vals)[j + 1];
                }
                uint32_t l = (uint32_t)(s1 - s0);
                memcpy(d + 1, &l, 4);
                if (l) memcpy(d + 5, a->buffers[2]->data + s0, l);
                len[i] += 5 + l;
                break;
            }
            default:
                if (w == 8) memcpy(d + 1, vals + j * 8, 8);
                else if (w == 4) memcpy(d + 1, vals + j * 4, 4);
                else memcpy(d + 1, vals + j * w, (size_t)w);
                len[i] += 1 + w;
                break;
            }
        }
    }
    for (int64_t i = 0; i < n; i++)
        out->hashes[i] = exec_hash_bytes(b + out->offsets[i], out->offsets[i + 1] - out->offsets[i]);
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Key map                                                             */
/* ------------------------------------------------------------------ */
bool exec_keymap_init(exec_keymap *m)
{
    memset(m, 0, sizeof *m);
    m->n_slots = 1024;
    m->slots = aphx_malloc((size_t)m->n_slots * sizeof(exec_keyslot));
    m->key_cap = 1024;
    m->key_off = aphx_malloc((size_t)(m->key_cap + 1) * sizeof(int64_t));
    m->key_bytes_cap = 16384;
    m->key_bytes = aphx_malloc((size_t)m->key_bytes_cap);
    if (!m->slots || !m->key_off || !m->key_bytes) {
        exec_keymap_free(m);
        return false;
    }
    memset(m->slots, 0, (size_t)m->n_slots * sizeof(exec_keyslot));
    m->key_off[0] = 0;
    return true;
}

void exec_keymap_free(exec_keymap *m)
{
    aphx_free(m->slots);
    aphx_free(m->key_off);
    aphx_free(m->key_bytes);
    memset(m, 0, sizeof *m);
}

/* Slot of a hash: low bits pick the slot, high bits are the tag. */
static inline uint32_t slot_tag(uint64_t h) { return (uint32_t)(h >> 32); }

static bool keymap_grow(exec_keymap *m)
{
    int64_t ns = m->n_slots * 2;
    exec_keyslot *slots = aphx_calloc((size_t)ns, sizeof(exec_keyslot));
    if (!slots) return false;
    for (int64_t i = 0; i < m->n_slots; i++) {
        if (!m->slots[i].id1) continue;
        /* Rehash from the stored key (the slot keeps only the tag). */
        const exec_keyslot *x = &m->slots[i];
        uint64_t h = exec_hash_bytes(m->key_bytes + x->off, x->len);
        int64_t s = (int64_t)(h & (uint64_t)(ns - 1));
        while (slots[s].id1) s = (s + 1) & (ns - 1);
        slots[s] = *x;
    }
    aphx_free(m->slots);
    m->slots = slots;
    m->n_slots = ns;
    return true;
}

int64_t exec_keymap_find(const exec_keymap *m, const uint8_t *k, int64_t len, uint64_t h)
{
    int64_t mask = m->n_slots - 1, s = (int64_t)(h & (uint64_t)mask);
    uint32_t tag = slot_tag(h);
    for (;;) {
        const exec_keyslot *x = &m->slots[s];
        if (!x->id1) return -1;
        if (x->tag == tag && x->len == len && !memcmp(m->key_bytes + x->off, k, (size_t)len))
            return (int64_t)x->id1 - 1;
        s = (s + 1) & mask;
    }
}

int64_t exec_keymap_upsert(exec_keymap *m, const uint8_t *k, int64_t len, uint64_t h,
                           bool *inserted)
{
    *inserted = false;
    int64_t mask = m->n_slots - 1, s = (int64_t)(h & (uint64_t)mask);
    uint32_t tag = slot_tag(h);
    for (;;) {
        const exec_keyslot *x = &m->slots[s];
        if (!x->id1) break;
        if (x->tag == tag && x->len == len && !memcmp(m->key_bytes + x->off, k, (size_t)len))
            return (int64_t)x->id1 - 1;
        s = (s + 1) & mask;
    }
    if (m->count >= (int64_t)UINT32_MAX - 1 || m->key_off[m->count] + len > (int64_t)UINT32_MAX)
        return -1;
    /* New key: store it, then place it (growing first if the table is 1/2 full). */
    if (m->count + 1 > m->key_cap) {
        int64_t nc = m->key_cap * 2;
        int64_t *ko = aphx_realloc(m->key_off, (size_t)(nc + 1) * sizeof(int64_t));
        if (!ko) return -1;
        m->key_off = ko;
        m->key_cap = nc;
    }
    int64_t used = m->key_off[m->count];
    if (used + len > m->key_bytes_cap) {
        int64_t nc = m->key_bytes_cap * 2;
        while (nc < used + len) nc *= 2;
        uint8_t *kb = aphx_realloc(m->key_bytes, (size_t)nc);
        if (!kb) return -1;
        m->key_bytes = kb;
        m->key_bytes_cap = nc;
    }
    if ((m->count + 1) * 2 > m->n_slots) {
        if (!keymap_grow(m)) return -1;
        mask = m->n_slots - 1;
        s = (int64_t)(h & (uint64_t)mask);
        while (m->slots[s].id1) s = (s + 1) & mask;
    }
    int64_t id = m->count++;
    if (len) memcpy(m->key_bytes + used, k, (size_t)len);
    m->key_off[id + 1] = used + len;
    exec_keyslot *x = &m->slots[s];
    x->tag = tag;
    x->id1 = (uint32_t)(id + 1);
    x->off = (uint32_t)used;
    x->len = (uint32_t)len;
    *inserted = true;
    return id;
}

/* ------------------------------------------------------------------ */
/* int64 map (single fixed-width key fast path)                        */
/* ------------------------------------------------------------------ */
bool exec_i64map_init(exec_i64map *m)
{
    memset(m, 0, sizeof *m);
    m->n_slots = 1024;
    m->shift = 64 - 10;
    m->keys = aphx_malloc((size_t)m->n_slots * sizeof(int64_t));
    m->vals = aphx_malloc((size_t)m->n_slots * sizeof(int64_t));
    if (!m->keys || !m->vals) {
        exec_i64map_free(m);
        return false;
    }
    for (int64_t i = 0; i < m->n_slots; i++) m->vals[i] = -1;
    return true;
}

void exec_i64map_free(exec_i64map *m)
{
    aphx_free(m->keys);
    aphx_free(m->vals);
    memset(m, 0, sizeof *m);
}

bool exec_i64map_grow(exec_i64map *m)
{
    int64_t ns = m->n_slots * 2;
    int64_t *keys = aphx_malloc((size_t)ns * sizeof(int64_t));
    int64_t *vals = aphx_malloc((size_t)ns * sizeof(int64_t));
    if (!keys || !vals) {
        aphx_free(keys);
        aphx_free(vals);
        return false;
    }
    int shift = m->shift - 1;
    for (int64_t i = 0; i < ns; i++) vals[i] = -1;
    for (int64_t i = 0; i < m->n_slots; i++) {
        if (m->vals[i] < 0) continue;
        int64_t s = (int64_t)(exec_i64_hash(m->keys[i]) >> shift);
        while (vals[s] >= 0) s = (s + 1) & (ns - 1);
        keys[s] = m->keys[i];
        vals[s] = m->vals[i];
    }
    aphx_free(m->keys);
    aphx_free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->n_slots = ns;
    m->shift = shift;
    return true;
}
