/*
 * memtable.c — the in-memory table store (storage.h): column-wise chunks
 * of Arrow arrays with live-row bitmaps, Arrow builders for small inserts,
 * and a hash index from the order-preserving primary-key encoding to row
 * ids.
 *
 * Row ids are global and dense: chunk c holds rows [start[c], start[c] +
 * n). Rows appended to the builders get the ids after the last chunk and
 * become a chunk when sealed (by a reader, or at STORAGE_CHUNK_ROWS).
 * Deleting or replacing a row clears its live bit; its key leaves the
 * index (replace: the index points at the new row).
 *
 * Index: open addressing over entries {hash, key bytes, row}; slot -1 =
 * empty, -2 = deleted. Rebuilt when live + deleted slots exceed half.
 */
#include "storage/storage.h"

#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    arrow_array **cols;
    int64_t       n;
    int64_t       start;
    uint8_t      *live;     /* n bits */
} chunk;

typedef struct idx_entry {
    uint64_t hash;
    int64_t  key_off;
    int64_t  key_len;
    int64_t  row;
} idx_entry;

struct storage_table {
    arrow_schema    schema;
    arrow_schema    key_schema;
    int32_t        *pk;
    int32_t         n_pk;
    chunk          *chunks;
    int64_t         n_chunks, cap_chunks;
    arrow_builder **builders;
    int64_t         active_rows;
    uint8_t        *active_live;
    int64_t         active_live_cap;   /* bytes */
    int64_t         sealed_rows;
    int64_t         live_rows;
    /* index */
    int64_t        *slots;
    int64_t         n_slots, used_slots;
    idx_entry      *entries;
    int64_t         n_entries, cap_entries;
    uint8_t        *keys;
    int64_t         keys_len, keys_cap;
};

static aphx_rc st_oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory in the table store");
}

static bool type_supported(const arrow_field *f)
{
    if (f->dict) return false;
    switch (f->type.id) {
    case ARROW_BOOL: case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32: case ARROW_UINT64:
    case ARROW_FLOAT32: case ARROW_FLOAT64: case ARROW_DECIMAL128: case ARROW_UTF8:
    case ARROW_BINARY: case ARROW_DATE32: case ARROW_DATE64: case ARROW_TIME32:
    case ARROW_TIME64: case ARROW_TIMESTAMP: case ARROW_DURATION:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* Key encoding                                                        */
/* ------------------------------------------------------------------ */
static void put_be64(aphx_buf *out, uint64_t v)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++) b[k] = (uint8_t)(v >> (56 - 8 * k));
    aphx_buf_append(out, b, 8);
}

static int64_t read_int(const arrow_field *f, const arrow_array *a, int64_t j)
{
    const uint8_t *d = a->buffers[1]->data;
    switch (f->type.id) {
    case ARROW_INT8: return ((const int8_t *)d)[j];
    case ARROW_INT16: return ((const int16_t *)d)[j];
    case ARROW_INT32: case ARROW_DATE32: case ARROW_TIME32: return ((const int32_t *)d)[j];
    case ARROW_UINT8: return ((const uint8_t *)d)[j];
    case ARROW_UINT16: return ((const uint16_t *)d)[j];
    case ARROW_UINT32: return ((const uint32_t *)d)[j];
    default: return ((const int64_t *)d)[j];
    }
}

static bool is_null_at(const arrow_array *a, int64_t i)
{
    return a->n_buffers == 0 || (a->buffers[0] && !arrow_bit_get(a->buffers[0]->data, a->offset + i));
}

bool storage_encode_key(const arrow_schema *schema, arrow_array *const *columns,
                        const int32_t *cols, int32_t n_cols, int64_t row, aphx_buf *out)
{
    for (int32_t k = 0; k < n_cols; k++) {
        int32_t c = cols ? cols[k] : k;
        const arrow_field *f = &schema->fields[c];
        const arrow_array *a = columns[c];
        if (is_null_at(a, row)) return false;
        int64_t j = a->offset + row;
        switch (f->type.id) {
        case ARROW_BOOL:
            aphx_buf_putc(out, arrow_bit_get(a->buffers[1]->data, j) ? 1 : 0);
            break;
        case ARROW_UINT64:
            put_be64(out, ((const uint64_t *)a->buffers[1]->data)[j]);
            break;
        case ARROW_FLOAT32: case ARROW_FLOAT64: {
            double d = f->type.id == ARROW_FLOAT32 ? ((const float *)a->buffers[1]->data)[j]
                                                   : ((const double *)a->buffers[1]->data)[j];
            if (d == 0) d = 0;
            uint64_t u;
            memcpy(&u, &d, 8);
            u = (u >> 63) ? ~u : u | (1ULL << 63);
            put_be64(out, u);
            break;
        }
        case ARROW_DECIMAL128: {
            uint8_t le[16], be[16];
            memcpy(le, a->buffers[1]->data + j * 16, 16);
            for (int b = 0; b < 16; b++) be[b] = le[15 - b];
            be[0] ^= 0x80;
            aphx_buf_append(out, be, 16);
            break;
        }
        case ARROW_UTF8: case ARROW_BINARY: {
            const int32_t *o = (const int32_t *)a->buffers[1]->data;
            const uint8_t *d = a->buffers[2] ? a->buffers[2]->data : (const uint8_t *)"";
            for (int32_t b = o[j]; b < o[j + 1]; b++) {
                aphx_buf_putc(out, (char)d[b]);
                if (d[b] == 0) aphx_buf_putc(out, (char)0xff);
            }
            aphx_buf_putc(out, 0);
            aphx_buf_putc(out, 0);
            break;
        }
        default:
            if (!type_supported(f)) return false;
            put_be64(out, (uint64_t)read_int(f, a, j) ^ (1ULL << 63));
            break;
        }
    }
    return !out->oom;
}

/* ------------------------------------------------------------------ */
/* Index                                                               */
/* ------------------------------------------------------------------ */
static uint64_t key_hash(const uint8_t *p, int64_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int64_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 31;
    return h * 0x9e3779b97f4a7c15ULL;
}

static int64_t idx_find_slot(const storage_table *t, const uint8_t *k, int64_t len, uint64_t h)
{
    int64_t mask = t->n_slots - 1;
    for (int64_t s = (int64_t)(h & (uint64_t)mask);; s = (s + 1) & mask) {
        int64_t e = t->slots[s];
        if (e == -1) return -1;
        if (e < 0) continue;
        const idx_entry *x = &t->entries[e];
        if (x->hash == h && x->key_len == len && !memcmp(t->keys + x->key_off, k, (size_t)len))
            return s;
    }
}

static bool idx_rebuild(storage_table *t, int64_t n_slots)
{
    int64_t *slots = aphx_malloc((size_t)n_slots * sizeof(int64_t));
    if (!slots) return false;
    for (int64_t i = 0; i < n_slots; i++) slots[i] = -1;
    int64_t used = 0;
    for (int64_t s = 0; s < t->n_slots; s++) {
        int64_t e = t->slots[s];
        if (e < 0) continue;
        int64_t p = (int64_t)(t->entries[e].hash & (uint64_t)(n_slots - 1));
        while (slots[p] >= 0) p = (p + 1) & (n_slots - 1);
        slots[p] = e;
        used++;
    }
    aphx_free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    t->used_slots = used;
    return true;
}

static bool idx_insert(storage_table *t, const uint8_t *k, int64_t len, uint64_t h, int64_t row)
{
    if ((t->used_slots + 1) * 2 > t->n_slots) {
        int64_t live = 0;
        for (int64_t s = 0; s < t->n_slots; s++) live += t->slots[s] >= 0;
        int64_t ns = t->n_slots;
        while ((live + 1) * 4 > ns) ns *= 2;
        if (!idx_rebuild(t, ns)) return false;
    }
    if (t->n_entries == t->cap_entries) {
        int64_t nc = t->cap_entries ? t->cap_entries * 2 : 1024;
        idx_entry *ne = aphx_realloc(t->entries, (size_t)nc * sizeof *ne);
        if (!ne) return false;
        t->entries = ne;
        t->cap_entries = nc;
    }
    if (t->keys_len + len > t->keys_cap) {
        int64_t nc = t->keys_cap ? t->keys_cap * 2 : 65536;
        while (nc < t->keys_len + len) nc *= 2;
        uint8_t *nk = aphx_realloc(t->keys, (size_t)nc);
        if (!nk) return false;
        t->keys = nk;
        t->keys_cap = nc;
    }
    memcpy(t->keys + t->keys_len, k, (size_t)len);
    idx_entry *e = &t->entries[t->n_entries];
    e->hash = h;
    e->key_off = t->keys_len;
    e->key_len = len;
    e->row = row;
    t->keys_len += len;
    int64_t mask = t->n_slots - 1, s = (int64_t)(h & (uint64_t)mask);
    while (t->slots[s] >= 0) s = (s + 1) & mask;
    if (t->slots[s] == -1) t->used_slots++;
    t->slots[s] = t->n_entries++;
    return true;
}

/* ------------------------------------------------------------------ */
/* Table                                                               */
/* ------------------------------------------------------------------ */
aphx_rc storage_table_create(const arrow_schema *schema, const int32_t *pk, int32_t n_pk,
                             storage_table **out, aphx_error *err)
{
    *out = NULL;
    if (n_pk < 1) return aphx_fail(err, APHX_INVALID, "a table needs at least one key column");
    for (int32_t i = 0; i < schema->n_fields; i++)
        if (!type_supported(&schema->fields[i]))
            return aphx_fail(err, APHX_INVALID, "0A000: column '%s' of type %s not supported by the table store",
                             schema->fields[i].name, arrow_type_name(schema->fields[i].type.id));
    for (int32_t k = 0; k < n_pk; k++) {
        if (pk[k] < 0 || pk[k] >= schema->n_fields)
            return aphx_fail(err, APHX_INVALID, "key column %d out of range", pk[k]);
        for (int32_t q = 0; q < k; q++)
            if (pk[q] == pk[k]) return aphx_fail(err, APHX_INVALID, "key column %d repeated", pk[k]);
    }
    storage_table *t = aphx_calloc(1, sizeof *t);
    if (!t) return st_oom(err);
    t->n_pk = n_pk;
    t->pk = aphx_malloc((size_t)n_pk * sizeof(int32_t));
    t->builders = aphx_calloc((size_t)(schema->n_fields > 0 ? schema->n_fields : 1), sizeof(arrow_builder *));
    t->n_slots = 1024;
    t->slots = aphx_malloc((size_t)t->n_slots * sizeof(int64_t));
    if (!t->pk || !t->builders || !t->slots || arrow_schema_copy(&t->schema, schema) ||
        arrow_schema_init(&t->key_schema, n_pk))
        goto nomem;
    for (int64_t i = 0; i < t->n_slots; i++) t->slots[i] = -1;
    memcpy(t->pk, pk, (size_t)n_pk * sizeof(int32_t));
    for (int32_t k = 0; k < n_pk; k++) {
        arrow_field_free(&t->key_schema.fields[k]);
        if (arrow_field_copy(&t->key_schema.fields[k], &t->schema.fields[pk[k]])) goto nomem;
        t->schema.fields[pk[k]].nullable = false;
    }
    for (int32_t c = 0; c < schema->n_fields; c++) {
        t->builders[c] = arrow_builder_new(&t->schema.fields[c]);
        if (!t->builders[c]) goto nomem;
    }
    *out = t;
    return APHX_OK;
nomem:
    storage_table_free(t);
    return st_oom(err);
}

void storage_table_free(storage_table *t)
{
    if (!t) return;
    for (int64_t c = 0; c < t->n_chunks; c++) {
        for (int32_t k = 0; k < t->schema.n_fields; k++) arrow_array_unref(t->chunks[c].cols[k]);
        aphx_free(t->chunks[c].cols);
        aphx_free(t->chunks[c].live);
    }
    aphx_free(t->chunks);
    if (t->builders)
        for (int32_t c = 0; c < t->schema.n_fields; c++) arrow_builder_free(t->builders[c]);
    aphx_free(t->builders);
    aphx_free(t->active_live);
    aphx_free(t->slots);
    aphx_free(t->entries);
    aphx_free(t->keys);
    aphx_free(t->pk);
    arrow_schema_free(&t->schema);
    arrow_schema_free(&t->key_schema);
    aphx_free(t);
}

const arrow_schema *storage_table_schema(const storage_table *t) { return &t->schema; }
const arrow_schema *storage_table_key_schema(const storage_table *t) { return &t->key_schema; }
int64_t storage_table_row_count(const storage_table *t) { return t->live_rows; }

int32_t storage_table_key(const storage_table *t, const int32_t **cols)
{
    if (cols) *cols = t->pk;
    return t->n_pk;
}

static bool add_chunk(storage_table *t, arrow_array **cols, int64_t n, uint8_t *live)
{
    if (t->n_chunks == t->cap_chunks) {
        int64_t nc = t->cap_chunks ? t->cap_chunks * 2 : 16;
        chunk *c = aphx_realloc(t->chunks, (size_t)nc * sizeof *c);
        if (!c) return false;
        t->chunks = c;
        t->cap_chunks = nc;
    }
    chunk *c = &t->chunks[t->n_chunks++];
    c->cols = cols;
    c->n = n;
    c->start = t->sealed_rows;
    c->live = live;
    t->sealed_rows += n;
    return true;
}

/* Turn the builders' rows into a chunk. */
static aphx_rc seal_active(storage_table *t, aphx_error *err)
{
    if (t->active_rows == 0) return APHX_OK;
    int32_t nc = t->schema.n_fields;
    arrow_array **cols = aphx_calloc((size_t)nc, sizeof *cols);
    if (!cols) return st_oom(err);
    for (int32_t c = 0; c < nc; c++) {
        cols[c] = arrow_builder_finish(t->builders[c], err);
        if (!cols[c]) {
            /* Builders of earlier columns were reset: this table is now
             * inconsistent, which only out-of-memory can cause. */
            for (int32_t k = 0; k < c; k++) arrow_array_unref(cols[k]);
            aphx_free(cols);
            return aphx_fail(err, APHX_NOMEM, "out of memory sealing rows (table left inconsistent)");
        }
    }
    if (!add_chunk(t, cols, t->active_rows, t->active_live)) {
        for (int32_t k = 0; k < nc; k++) arrow_array_unref(cols[k]);
        aphx_free(cols);
        return st_oom(err);
    }
    t->active_live = NULL;
    t->active_live_cap = 0;
    t->active_rows = 0;
    return APHX_OK;
}

static aphx_rc append_value(arrow_builder *b, const arrow_field *f, const arrow_array *a, int64_t i)
{
    if (is_null_at(a, i)) return arrow_builder_append_null(b);
    int64_t j = a->offset + i;
    const uint8_t *d = a->buffers[1]->data;
    switch (f->type.id) {
    case ARROW_BOOL: return arrow_builder_append_bool(b, arrow_bit_get(d, j));
    case ARROW_UINT64: return arrow_builder_append_uint(b, ((const uint64_t *)d)[j]);
    case ARROW_FLOAT32: return arrow_builder_append_double(b, ((const float *)d)[j]);
    case ARROW_FLOAT64: return arrow_builder_append_double(b, ((const double *)d)[j]);
    case ARROW_DECIMAL128: return arrow_builder_append_bytes(b, d + j * 16, 16);
    case ARROW_UTF8: case ARROW_BINARY: {
        const int32_t *o = (const int32_t *)d;
        return arrow_builder_append_bytes(b, a->buffers[2] ? a->buffers[2]->data + o[j] : (const uint8_t *)"",
                                          o[j + 1] - o[j]);
    }
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32:
        return arrow_builder_append_uint(b, (uint64_t)read_int(f, a, j));
    default:
        return arrow_builder_append_int(b, read_int(f, a, j));
    }
}

static aphx_rc check_batch(const storage_table *t, const arrow_schema *want, const arrow_batch *b,
                           aphx_error *err)
{
    if (b->n_columns != want->n_fields)
        return aphx_fail(err, APHX_INVALID, "42804: batch has %d columns, expected %d", b->n_columns,
                         want->n_fields);
    for (int32_t c = 0; c < want->n_fields; c++) {
        const arrow_type *x = &b->schema->fields[c].type, *y = &want->fields[c].type;
        if (x->id != y->id || x->precision != y->precision || x->scale != y->scale || x->unit != y->unit)
            return aphx_fail(err, APHX_INVALID, "42804: column %d ('%s') is %s, expected %s", c + 1,
                             want->fields[c].name, arrow_type_name(x->id), arrow_type_name(y->id));
        if (b->columns[c]->length < b->length)
            return aphx_fail(err, APHX_INVALID, "column %d shorter than the batch", c + 1);
    }
    (void)t;
    return APHX_OK;
}

/* Append all rows of b; their row ids are first..first+n-1. */
static aphx_rc append_rows(storage_table *t, const arrow_batch *b, int64_t *first, aphx_error *err)
{
    int64_t n = b->length;
    aphx_rc rc;
    if (n >= STORAGE_ADOPT_MIN_ROWS) {
        if ((rc = seal_active(t, err))) return rc;
        int32_t nc = t->schema.n_fields;
        arrow_array **cols = aphx_calloc((size_t)nc, sizeof *cols);
        uint8_t *live = aphx_malloc((size_t)(n + 7) / 8);
        if (!cols || !live) {
            aphx_free(cols);
            aphx_free(live);
            return st_oom(err);
        }
        memset(live, 0xff, (size_t)(n + 7) / 8);
        for (int32_t c = 0; c < nc; c++) {
            cols[c] = b->columns[c]->length == n ? arrow_array_ref(b->columns[c])
                                                 : arrow_array_slice(b->columns[c], 0, n);
            if (!cols[c]) {
                for (int32_t k = 0; k < c; k++) arrow_array_unref(cols[k]);
                aphx_free(cols);
                aphx_free(live);
                return st_oom(err);
            }
        }
        *first = t->sealed_rows;
        if (!add_chunk(t, cols, n, live)) {
            for (int32_t k = 0; k < nc; k++) arrow_array_unref(cols[k]);
            aphx_free(cols);
            aphx_free(live);
            return st_oom(err);
        }
        t->live_rows += n;
        return APHX_OK;
    }
    *first = t->sealed_rows + t->active_rows;
    for (int64_t i = 0; i < n; i++) {
        if (t->active_rows >= STORAGE_CHUNK_ROWS) {
            if ((rc = seal_active(t, err))) return rc;
        }
        int64_t need = (t->active_rows + 8) / 8 + 1;
        if (need > t->active_live_cap) {
            int64_t nc = t->active_live_cap ? t->active_live_cap * 2 : 64;
            while (nc < need) nc *= 2;
            uint8_t *nl = aphx_realloc(t->active_live, (size_t)nc);
            if (!nl) return st_oom(err);
            memset(nl + t->active_live_cap, 0, (size_t)(nc - t->active_live_cap));
            t->active_live = nl;
            t->active_live_cap = nc;
        }
        for (int32_t c = 0; c < t->schema.n_fields; c++)
            if ((rc = append_value(t->builders[c], &t->schema.fields[c], b->columns[c], i)))
                return aphx_fail(err, rc, "appending a row failed");
        arrow_bit_set(t->active_live, t->active_rows, true);
        t->active_rows++;
        t->live_rows++;
    }
    return APHX_OK;
}

static void kill_row(storage_table *t, int64_t row)
{
    if (row >= t->sealed_rows) {
        int64_t r = row - t->sealed_rows;
        if (arrow_bit_get(t->active_live, r)) t->live_rows--;
        arrow_bit_set(t->active_live, r, false);
        return;
    }
    int64_t lo = 0, hi = t->n_chunks - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (t->chunks[mid].start <= row) lo = mid;
        else hi = mid - 1;
    }
    chunk *c = &t->chunks[lo];
    if (arrow_bit_get(c->live, row - c->start)) t->live_rows--;
    arrow_bit_set(c->live, row - c->start, false);
}

/* Encode keys of all rows of b (key columns `cols` of b). */
static aphx_rc encode_all(const arrow_batch *b, const int32_t *cols, int32_t n_cols, aphx_buf *bytes,
                          int64_t *offs, aphx_error *err)
{
    offs[0] = 0;
    for (int64_t i = 0; i < b->length; i++) {
        if (!storage_encode_key(b->schema, b->columns, cols, n_cols, i, bytes)) {
            if (bytes->oom) return st_oom(err);
            return aphx_fail(err, APHX_INVALID, "23502: NULL value in primary-key column (row %lld)",
                             (long long)i + 1);
        }
        offs[i + 1] = (int64_t)bytes->len;
    }
    return APHX_OK;
}

static aphx_rc write_rows(storage_table *t, const arrow_batch *rows, bool upsert,
                          int64_t *n_replaced, aphx_error *err)
{
    if (n_replaced) *n_replaced = 0;
    aphx_rc rc = check_batch(t, &t->schema, rows, err);
    if (rc) return rc;
    int64_t n = rows->length;
    aphx_buf bytes;
    aphx_buf_init(&bytes);
    int64_t *offs = aphx_malloc((size_t)(n + 1) * sizeof(int64_t));
    uint64_t *hs = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(uint64_t));
    if (!offs || !hs) {
        rc = st_oom(err);
        goto done;
    }
    if ((rc = encode_all(rows, t->pk, t->n_pk, &bytes, offs, err))) goto done;
    const uint8_t *kb = (const uint8_t *)bytes.data;
    for (int64_t i = 0; i < n; i++) hs[i] = key_hash(kb + offs[i], offs[i + 1] - offs[i]);
    if (!upsert) {
        /* All or nothing: any existing or repeated key fails the batch. */
        int64_t ns = 16;
        while (ns < n * 2) ns *= 2;
        int64_t *seen = aphx_malloc((size_t)ns * sizeof(int64_t));
        if (!seen) {
            rc = st_oom(err);
            goto done;
        }
        for (int64_t s = 0; s < ns; s++) seen[s] = -1;
        for (int64_t i = 0; i < n && !rc; i++) {
            const uint8_t *k = kb + offs[i];
            int64_t len = offs[i + 1] - offs[i];
            bool dup = idx_find_slot(t, k, len, hs[i]) >= 0;
            int64_t s = (int64_t)(hs[i] & (uint64_t)(ns - 1));
            for (; !dup && seen[s] >= 0; s = (s + 1) & (ns - 1)) {
                int64_t q = seen[s];
                if (hs[q] == hs[i] && offs[q + 1] - offs[q] == len && !memcmp(kb + offs[q], k, (size_t)len))
                    dup = true;
            }
            if (dup) rc = aphx_fail(err, APHX_EXISTS, "23505: duplicate key value violates the primary key (row %lld)",
                                    (long long)i + 1);
            else seen[s] = i;
        }
        aphx_free(seen);
        if (rc) goto done;
    }
    int64_t first = 0;
    if ((rc = append_rows(t, rows, &first, err))) goto done;
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *k = kb + offs[i];
        int64_t len = offs[i + 1] - offs[i];
        int64_t s = idx_find_slot(t, k, len, hs[i]);
        if (s >= 0) {
            idx_entry *e = &t->entries[t->slots[s]];
            kill_row(t, e->row);
            e->row = first + i;
            if (n_replaced) (*n_replaced)++;
        } else if (!idx_insert(t, k, len, hs[i], first + i)) {
            rc = st_oom(err);
            goto done;
        }
    }
done:
    aphx_buf_free(&bytes);
    aphx_free(offs);
    aphx_free(hs);
    return rc;
}

aphx_rc storage_insert(storage_table *t, const arrow_batch *rows, aphx_error *err)
{
    return write_rows(t, rows, false, NULL, err);
}

aphx_rc storage_upsert(storage_table *t, const arrow_batch *rows, int64_t *n_replaced,
                       aphx_error *err)
{
    return write_rows(t, rows, true, n_replaced, err);
}

/* Look up keys (a batch of key columns): rows[i] = row id or -1. */
static aphx_rc lookup(storage_table *t, const arrow_batch *keys, int64_t *rows, int64_t *slots,
                      aphx_error *err)
{
    aphx_rc rc = check_batch(t, &t->key_schema, keys, err);
    if (rc) return rc;
    aphx_buf bytes;
    aphx_buf_init(&bytes);
    for (int64_t i = 0; i < keys->length; i++) {
        aphx_buf_reset(&bytes);
        rows[i] = -1;
        if (slots) slots[i] = -1;
        if (!storage_encode_key(keys->schema, keys->columns, NULL, t->n_pk, i, &bytes)) {
            if (bytes.oom) {
                aphx_buf_free(&bytes);
                return st_oom(err);
            }
            continue;   /* a NULL key matches nothing */
        }
        const uint8_t *k = (const uint8_t *)bytes.data;
        int64_t s = idx_find_slot(t, k, (int64_t)bytes.len, key_hash(k, (int64_t)bytes.len));
        if (s >= 0) {
            rows[i] = t->entries[t->slots[s]].row;
            if (slots) slots[i] = s;
        }
    }
    aphx_buf_free(&bytes);
    return APHX_OK;
}

aphx_rc storage_delete(storage_table *t, const arrow_batch *keys, int64_t *n_deleted,
                       aphx_error *err)
{
    if (n_deleted) *n_deleted = 0;
    int64_t n = keys->length;
    int64_t *rows = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    int64_t *slots = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!rows || !slots) {
        aphx_free(rows);
        aphx_free(slots);
        return st_oom(err);
    }
    aphx_rc rc = lookup(t, keys, rows, slots, err);
    for (int64_t i = 0; i < n && !rc; i++) {
        if (rows[i] < 0 || t->slots[slots[i]] < 0) continue;   /* missing or already deleted */
        kill_row(t, rows[i]);
        t->slots[slots[i]] = -2;
        if (n_deleted) (*n_deleted)++;
    }
    aphx_free(rows);
    aphx_free(slots);
    return rc;
}

/* Locate a row: chunk index and position (sealing the builders if needed). */
static aphx_rc locate(storage_table *t, int64_t row, int64_t *ci, int64_t *pos, aphx_error *err)
{
    if (row >= t->sealed_rows) {
        aphx_rc rc = seal_active(t, err);
        if (rc) return rc;
    }
    int64_t lo = 0, hi = t->n_chunks - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (t->chunks[mid].start <= row) lo = mid;
        else hi = mid - 1;
    }
    *ci = lo;
    *pos = row - t->chunks[lo].start;
    return APHX_OK;
}

/* Gather rows by id into a batch of the table schema (builders). */
static aphx_rc gather(storage_table *t, const int64_t *rows, int64_t n, arrow_batch **out,
                      aphx_error *err)
{
    *out = NULL;
    int32_t nc = t->schema.n_fields;
    aphx_rc rc = APHX_OK;
    for (int64_t i = 0; i < n; i++)
        if (rows[i] >= t->sealed_rows && (rc = seal_active(t, err))) return rc;
    arrow_batch *b = arrow_batch_new(&t->schema, n);
    if (!b) return st_oom(err);
    for (int32_t c = 0; c < nc && !rc; c++) {
        arrow_builder *bld = arrow_builder_new(&t->schema.fields[c]);
        if (!bld) {
            rc = st_oom(err);
            break;
        }
        for (int64_t i = 0; i < n && !rc; i++) {
            int64_t ci, pos;
            if ((rc = locate(t, rows[i], &ci, &pos, err))) break;
            rc = append_value(bld, &t->schema.fields[c], t->chunks[ci].cols[c], pos);
            if (rc) rc = st_oom(err);
        }
        if (!rc) {
            b->columns[c] = arrow_builder_finish(bld, err);
            if (!b->columns[c]) rc = st_oom(err);
        }
        arrow_builder_free(bld);
    }
    if (rc) {
        arrow_batch_free(b);
        return rc;
    }
    *out = b;
    return APHX_OK;
}

aphx_rc storage_get(storage_table *t, const arrow_batch *keys, arrow_batch **out,
                    aphx_error *err)
{
    *out = NULL;
    int64_t n = keys->length;
    int64_t *rows = aphx_malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!rows) return st_oom(err);
    aphx_rc rc = lookup(t, keys, rows, NULL, err);
    int64_t k = 0;
    for (int64_t i = 0; i < n && !rc; i++)
        if (rows[i] >= 0) rows[k++] = rows[i];
    if (!rc) rc = gather(t, rows, k, out, err);
    aphx_free(rows);
    return rc;
}

typedef struct range_hit {
    int64_t row;
    int64_t off, len;
} range_hit;

static const uint8_t *range_keys_base;

static int range_cmp(const void *a, const void *b)
{
    const range_hit *x = a, *y = b;
    int64_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(range_keys_base + x->off, range_keys_base + y->off, (size_t)m);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

static aphx_rc bound_bytes(storage_table *t, const arrow_batch *b, aphx_buf *out, aphx_error *err)
{
    if (!b) return APHX_OK;
    if (b->length != 1 || b->n_columns < 1 || b->n_columns > t->n_pk)
        return aphx_fail(err, APHX_INVALID, "a key bound is one row of the first 1..%d key columns", t->n_pk);
    for (int32_t c = 0; c < b->n_columns; c++)
        if (b->schema->fields[c].type.id != t->key_schema.fields[c].type.id)
            return aphx_fail(err, APHX_INVALID, "42804: key bound column %d has the wrong type", c + 1);
    if (!storage_encode_key(b->schema, b->columns, NULL, b->n_columns, 0, out))
        return out->oom ? st_oom(err) : aphx_fail(err, APHX_INVALID, "a key bound may not be NULL");
    return APHX_OK;
}

aphx_rc storage_range(storage_table *t, const arrow_batch *lo, bool lo_inclusive,
                      const arrow_batch *hi, bool hi_inclusive, arrow_batch **out,
                      aphx_error *err)
{
    *out = NULL;
    aphx_buf lb, hb, keys;
    aphx_buf_init(&lb);
    aphx_buf_init(&hb);
    aphx_buf_init(&keys);
    range_hit *hits = NULL;
    int64_t n_hits = 0, cap = 0;
    int64_t *rows = NULL;
    aphx_rc rc = bound_bytes(t, lo, &lb, err);
    if (!rc) rc = bound_bytes(t, hi, &hb, err);
    if (!rc) rc = seal_active(t, err);
    for (int64_t c = 0; c < t->n_chunks && !rc; c++) {
        chunk *ch = &t->chunks[c];
        for (int64_t i = 0; i < ch->n && !rc; i++) {
            if (!arrow_bit_get(ch->live, i)) continue;
            size_t start = keys.len;
            if (!storage_encode_key(&t->schema, ch->cols, t->pk, t->n_pk, i, &keys)) {
                rc = st_oom(err);
                break;
            }
            const uint8_t *k = (const uint8_t *)keys.data + start;
            int64_t len = (int64_t)(keys.len - start);
            if (lo) {
                int64_t m = APHX_MIN(len, (int64_t)lb.len);
                int cmp = memcmp(k, lb.data, (size_t)m);
                if (cmp == 0 && len < (int64_t)lb.len) cmp = -1;
                if (cmp < 0 || (cmp == 0 && !lo_inclusive)) { keys.len = start; continue; }
            }
            if (hi) {
                int64_t m = APHX_MIN(len, (int64_t)hb.len);
                int cmp = memcmp(k, hb.data, (size_t)m);
                if (cmp == 0 && len < (int64_t)hb.len) cmp = -1;
                if (cmp > 0 || (cmp == 0 && !hi_inclusive)) { keys.len = start; continue; }
            }
            if (n_hits == cap) {
                cap = cap ? cap * 2 : 256;
                range_hit *nh = aphx_realloc(hits, (size_t)cap * sizeof *nh);
                if (!nh) {
                    rc = st_oom(err);
                    break;
                }
                hits = nh;
            }
            hits[n_hits].row = ch->start + i;
            hits[n_hits].off = (int64_t)start;
            hits[n_hits].len = len;
            n_hits++;
        }
    }
    if (!rc) {
        range_keys_base = (const uint8_t *)keys.data;
        if (n_hits > 1) qsort(hits, (size_t)n_hits, sizeof *hits, range_cmp);
        rows = aphx_malloc((size_t)(n_hits > 0 ? n_hits : 1) * sizeof(int64_t));
        if (!rows) rc = st_oom(err);
        for (int64_t i = 0; i < n_hits && !rc; i++) rows[i] = hits[i].row;
        if (!rc) rc = gather(t, rows, n_hits, out, err);
    }
    aphx_free(rows);
    aphx_free(hits);
    aphx_buf_free(&lb);
    aphx_buf_free(&hb);
    aphx_buf_free(&keys);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Scan                                                                */
/* ------------------------------------------------------------------ */
struct storage_scan {
    storage_table       *t;
    arrow_schema         schema;     /* projected */
    int32_t             *cols;
    int32_t              n_cols;
    storage_predicate_fn pred;
    void                *pred_ctx;
    int64_t              batch_rows;
    int64_t              n_chunks;   /* chunks visible to this scan */
    int64_t              chunk, pos;
    uint8_t             *keep;
    int64_t              keep_cap;
};

aphx_rc storage_scan_open(storage_table *t, const int32_t *columns, int32_t n_columns,
                          storage_predicate_fn pred, void *pred_ctx, int64_t batch_rows,
                          storage_scan **out, aphx_error *err)
{
    *out = NULL;
    aphx_rc rc = seal_active(t, err);
    if (rc) return rc;
    if (!columns) n_columns = t->schema.n_fields;
    storage_scan *s = aphx_calloc(1, sizeof *s);
    if (!s) return st_oom(err);
    s->t = t;
    s->pred = pred;
    s->pred_ctx = pred_ctx;
    s->batch_rows = batch_rows > 0 ? batch_rows : STORAGE_CHUNK_ROWS;
    s->n_chunks = t->n_chunks;
    s->n_cols = n_columns;
    s->cols = aphx_malloc((size_t)(n_columns > 0 ? n_columns : 1) * sizeof(int32_t));
    s->keep_cap = (s->batch_rows + 7) / 8 + 8;
    s->keep = aphx_malloc((size_t)s->keep_cap);
    if (!s->cols || !s->keep || arrow_schema_init(&s->schema, n_columns)) goto nomem;
    for (int32_t i = 0; i < n_columns; i++) {
        int32_t c = columns ? columns[i] : i;
        if (c < 0 || c >= t->schema.n_fields) {
            storage_scan_close(s);
            return aphx_fail(err, APHX_INVALID, "scan column %d out of range", c);
        }
        s->cols[i] = c;
        arrow_field_free(&s->schema.fields[i]);
        if (arrow_field_copy(&s->schema.fields[i], &t->schema.fields[c])) goto nomem;
    }
    *out = s;
    return APHX_OK;
nomem:
    storage_scan_close(s);
    return st_oom(err);
}

const arrow_schema *storage_scan_schema(const storage_scan *s) { return &s->schema; }

aphx_rc storage_scan_next(storage_scan *s, arrow_batch **out, const uint8_t **selection,
                          aphx_error *err)
{
    *out = NULL;
    *selection = NULL;
    storage_table *t = s->t;
    while (s->chunk < s->n_chunks) {
        chunk *ch = &t->chunks[s->chunk];
        if (s->pos >= ch->n) {
            s->chunk++;
            s->pos = 0;
            continue;
        }
        int64_t start = s->pos, len = APHX_MIN(s->batch_rows, ch->n - start);
        s->pos += len;
        /* keep = live bits of [start, start+len), byte-aligned. */
        int64_t nb = (len + 7) / 8;
        if ((start & 7) == 0) memcpy(s->keep, ch->live + start / 8, (size_t)nb);
        else {
            memset(s->keep, 0, (size_t)nb);
            for (int64_t i = 0; i < len; i++)
                if (arrow_bit_get(ch->live, start + i)) arrow_bit_set(s->keep, i, true);
        }
        if (len % 8) s->keep[nb - 1] &= (uint8_t)((1u << (len % 8)) - 1);
        int64_t live = arrow_bitmap_count_set(s->keep, 0, len);
        if (live == 0) continue;
        if (s->pred) {
            arrow_batch full = {&t->schema, len, t->schema.n_fields, NULL};
            arrow_array **cols = aphx_calloc((size_t)t->schema.n_fields, sizeof *cols);
            if (!cols) return st_oom(err);
            full.columns = cols;
            aphx_rc rc = APHX_OK;
            for (int32_t c = 0; c < t->schema.n_fields && !rc; c++) {
                cols[c] = arrow_array_slice(ch->cols[c], start, len);
                if (!cols[c]) rc = st_oom(err);
            }
            if (!rc) rc = s->pred(s->pred_ctx, &full, s->keep, err);
            for (int32_t c = 0; c < t->schema.n_fields; c++) arrow_array_unref(cols[c]);
            aphx_free(cols);
            if (rc) return rc;
            live = arrow_bitmap_count_set(s->keep, 0, len);
            if (live == 0) continue;
        }
        arrow_batch *b = arrow_batch_new(&s->schema, len);
        if (!b) return st_oom(err);
        for (int32_t i = 0; i < s->n_cols; i++) {
            b->columns[i] = arrow_array_slice(ch->cols[s->cols[i]], start, len);
            if (!b->columns[i]) {
                arrow_batch_free(b);
                return st_oom(err);
            }
        }
        *out = b;
        *selection = live == len ? NULL : s->keep;
        return APHX_OK;
    }
    return APHX_OK;
}

void storage_scan_close(storage_scan *s)
{
    if (!s) return;
    arrow_schema_free(&s->schema);
    aphx_free(s->cols);
    aphx_free(s->keep);
    aphx_free(s);
}
