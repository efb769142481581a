/*
 * ipc_write.c — Arrow IPC writer for the stream and file formats (layouts in
 * ipc_internal.h).
 *
 * Bodies: every buffer starts at a multiple of 64 within the body (8 when
 * compressed) and is zero-padded; validity bitmaps are omitted when a node
 * has no nulls. Sliced arrays are written as if they started at 0: bitmaps
 * are re-based when the offset is not a multiple of 8, offsets are rebased
 * to start at 0 and list/struct/fixed-size-list/sparse-union children are
 * sliced accordingly (dense-union children are written whole, since the
 * union's offsets index them directly).
 *
 * Compression (LZ4_FRAME or ZSTD) is applied per buffer with an int64
 * uncompressed-length prefix; when compression does not shrink a buffer it
 * is stored raw behind a -1 prefix.
 *
 * Dictionaries: before each batch, every dictionary-encoded column
 * (including those nested in other dictionaries, inner ones first) is
 * compared with the dictionary last sent for its id: same object = nothing;
 * old is a prefix of new = delta; otherwise a replacement (stream only).
 */
#include "arrow/core_internal.h"
#include "arrow/ipc_internal.h"

#include <string.h>

typedef struct ipc_wdict {
    int64_t            id;
    const arrow_field *field;
    arrow_array       *last;   /* reference to the dictionary last written */
} ipc_wdict;

typedef struct ipc_wblock {
    int64_t offset;
    int32_t meta_len;
    int64_t body_len;
} ipc_wblock;

struct arrow_ipc_writer {
    int                     fd;
    arrow_ipc_write_options opts;
    arrow_schema            schema;
    aphx_buf                out;       /* fd = -1: everything written */
    int64_t                 pos;       /* bytes written so far */
    bool                    closed;
    bool                    failed;
    int32_t                 n_dicts;
    ipc_wdict              *dicts;
    ipc_wblock             *dict_blocks;
    int64_t                 n_dict_blocks;
    ipc_wblock             *batch_blocks;
    int64_t                 n_batch_blocks;
};

/* A body is a list of segments written one after the other: borrowed
 * bytes of the arrays (no copy) or bytes the body owns (compressed or
 * re-based buffers), each followed by `pad` zero bytes. */
typedef struct ipc_seg {
    const uint8_t *p;
    int64_t        n;
    int64_t        pad;
    uint8_t       *owned;   /* freed with the body; NULL when borrowed */
} ipc_seg;

typedef struct ipc_body {
    ipc_seg          *segs;
    int64_t           n_segs;
    int64_t           cap_segs;
    int64_t           len;       /* bytes so far, padding included */
    aphx_buf          nodes;     /* FieldNode structs */
    aphx_buf          buffers;   /* Buffer structs */
    arrow_compression codec;
} ipc_body;

static const uint8_t ipc_zeros[64];

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */
static aphx_rc ipc_emit(arrow_ipc_writer *w, const void *p, size_t n, aphx_error *err)
{
    if (n == 0) return APHX_OK;
    if (w->fd >= 0) {
        aphx_rc rc = aphx_write_all(w->fd, p, n, err);
        if (rc) return rc;
    } else {
        aphx_buf_append(&w->out, p, n);
        if (w->out.oom) return aphx_fail(err, APHX_NOMEM, "out of memory writing an IPC stream");
    }
    w->pos += (int64_t)n;
    return APHX_OK;
}

/* Frame and write one message: continuation, length, flatbuffer, body.
 * Small segments are staged so that an fd sees few, large writes. */
static aphx_rc ipc_emit_message(arrow_ipc_writer *w, const uint8_t *meta, size_t meta_len,
                                const ipc_body *body, ipc_wblock *block, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    uint32_t prefix[2] = {IPC_CONTINUATION, (uint32_t)meta_len};   /* meta_len is a multiple of 8 */
    int64_t body_len = body ? body->len : 0;
    aphx_buf stage;
    aphx_buf_init(&stage);
    if (block) {
        block->offset = w->pos;
        block->meta_len = (int32_t)(8 + meta_len);
        block->body_len = body_len;
    }
    if (w->fd < 0 && !aphx_buf_reserve(&w->out, 8 + meta_len + (size_t)body_len))
        return aphx_fail(err, APHX_NOMEM, "out of memory writing an IPC stream");
    aphx_buf_append(&stage, prefix, 8);
    aphx_buf_append(&stage, meta, meta_len);
    for (int64_t i = 0; body && i < body->n_segs; i++) {
        const ipc_seg *g = &body->segs[i];
        if (w->fd < 0 || g->n >= 65536) {   /* memory, or large: no staging copy */
            if ((rc = ipc_emit(w, stage.data, stage.len, err))) goto done;
            aphx_buf_reset(&stage);
            if ((rc = ipc_emit(w, g->p, (size_t)g->n, err))) goto done;
        } else {
            aphx_buf_append(&stage, g->p, (size_t)g->n);
        }
        aphx_buf_append(&stage, ipc_zeros, (size_t)g->pad);
        if (stage.len >= 65536 || w->fd < 0) {
            if ((rc = ipc_emit(w, stage.data, stage.len, err))) goto done;
            aphx_buf_reset(&stage);
        }
    }
    if (stage.oom) rc = aphx_fail(err, APHX_NOMEM, "out of memory writing an IPC stream");
    else rc = ipc_emit(w, stage.data, stage.len, err);
done:
    aphx_buf_free(&stage);
    return rc;
}

/* Build the Message table around a header and write it. */
static aphx_rc ipc_write_message(arrow_ipc_writer *w, fb_builder *fb, uint8_t type, fb_ref header,
                                 const ipc_body *body, ipc_wblock *block, aphx_error *err)
{
    const uint8_t *meta;
    size_t meta_len;
    fb_table_start(fb);
    fb_add_i16(fb, IPC_MESSAGE_VERSION, IPC_V5);
    fb_add_u8(fb, IPC_MESSAGE_HEADER_TYPE, type);
    fb_add_ref(fb, IPC_MESSAGE_HEADER, header);
    fb_add_i64(fb, IPC_MESSAGE_BODY_LENGTH, body ? body->len : 0);
    fb_ref msg = fb_table_end(fb);
    aphx_rc rc = fb_finish(fb, msg, &meta, &meta_len, err);
    if (rc) return rc;
    return ipc_emit_message(w, meta, meta_len, body, block, err);
}

/* ------------------------------------------------------------------ */
/* Bodies                                                              */
/* ------------------------------------------------------------------ */
static void ipc_put_pair(aphx_buf *b, int64_t x, int64_t y)
{
    int64_t v[2] = {x, y};
    aphx_buf_append(b, v, sizeof v);
}

/* Append a buffer of n bytes: borrowed (owned == NULL) or owned by the body
 * from now on (freed even when this fails). Compresses when asked. */
static aphx_rc ipc_add_segment(ipc_body *bd, const uint8_t *p, int64_t n, uint8_t *owned,
                               aphx_error *err)
{
    int64_t align = bd->codec == ARROW_COMPRESSION_NONE ? 64 : 8;
    if (bd->n_segs == bd->cap_segs) {
        int64_t cap = bd->cap_segs ? bd->cap_segs * 2 : 16;
        ipc_seg *ns = aphx_realloc(bd->segs, sizeof(ipc_seg) * (size_t)cap);
        if (!ns) {
            aphx_free(owned);
            return aphx_fail(err, APHX_NOMEM, "out of memory");
        }
        bd->segs = ns;
        bd->cap_segs = cap;
    }
    int64_t off = bd->len;   /* always a multiple of align */
    if (n > 0 && bd->codec != ARROW_COMPRESSION_NONE) {
        int64_t bound = ipc_compress_bound(bd->codec, n), clen = 0;
        uint8_t *dst = aphx_malloc((size_t)(8 + bound));
        if (!dst) {
            aphx_free(owned);
            return aphx_fail(err, APHX_NOMEM, "out of memory compressing a buffer");
        }
        aphx_rc rc = ipc_compress(bd->codec, p, n, dst + 8, bound, &clen, err);
        if (rc) {
            aphx_free(dst);
            aphx_free(owned);
            return rc;
        }
        int64_t prefix = n;
        if (clen >= n) {   /* did not shrink: store raw */
            prefix = -1;
            memcpy(dst + 8, p, (size_t)n);
            clen = n;
        }
        memcpy(dst, &prefix, 8);
        aphx_free(owned);
        owned = dst;
        p = dst;
        n = 8 + clen;
    }
    ipc_seg *g = &bd->segs[bd->n_segs++];
    g->p = p;
    g->n = n;
    g->owned = owned;
    g->pad = (int64_t)APHX_ALIGN_UP((size_t)n, (size_t)align) - n;
    bd->len += n + g->pad;
    ipc_put_pair(&bd->buffers, off, n);
    if (bd->buffers.oom) return aphx_fail(err, APHX_NOMEM, "out of memory");
    return APHX_OK;
}

static aphx_rc ipc_add_buffer(ipc_body *bd, const uint8_t *p, int64_t n, aphx_error *err)
{
    return ipc_add_segment(bd, p, n, NULL, err);
}

/* A bitmap of n bits starting at bit `off`: written directly when byte
 * aligned, otherwise re-based into a temporary copy. src NULL = all set. */
static aphx_rc ipc_add_bitmap(ipc_body *bd, const uint8_t *src, int64_t off, int64_t n,
                              aphx_error *err)
{
    int64_t bytes = (n + 7) / 8;
    if (src && (off & 7) == 0) return ipc_add_buffer(bd, src + off / 8, bytes, err);
    uint8_t *tmp = aphx_calloc(1, (size_t)(bytes ? bytes : 1));
    if (!tmp) return aphx_fail(err, APHX_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++)
        if (!src || arrow_bit_get(src, off + i)) tmp[i >> 3] |= (uint8_t)(1u << (i & 7));
    return ipc_add_segment(bd, tmp, bytes, tmp, err);
}

/* Offsets [off, off+n] rebased to start at 0; returns the first/last values. */
static aphx_rc ipc_add_offsets(ipc_body *bd, const arrow_array *a, bool large, int64_t *first,
                               int64_t *last, aphx_error *err)
{
    int64_t n = a->length, w = large ? 8 : 4;
    if (!a->buffers[1] || !a->buffers[1]->data) {
        *first = *last = 0;
        return ipc_add_buffer(bd, ipc_zeros, w, err);
    }
    *first = arrow_core_offset(a, large, a->offset);
    *last = arrow_core_offset(a, large, a->offset + n);
    const uint8_t *src = a->buffers[1]->data + a->offset * w;
    if (*first == 0) return ipc_add_buffer(bd, src, (n + 1) * w, err);
    uint8_t *tmp = aphx_malloc((size_t)((n + 1) * w));
    if (!tmp) return aphx_fail(err, APHX_NOMEM, "out of memory");
    for (int64_t i = 0; i <= n; i++) {
        if (large) {
            int64_t v = arrow_core_offset(a, true, a->offset + i) - *first;
            memcpy(tmp + i * 8, &v, 8);
        } else {
            int32_t v = (int32_t)(arrow_core_offset(a, false, a->offset + i) - *first);
            memcpy(tmp + i * 4, &v, 4);
        }
    }
    return ipc_add_segment(bd, tmp, (n + 1) * w, tmp, err);
}

static aphx_rc ipc_write_array(ipc_body *bd, const arrow_field *f, arrow_array *a, int depth,
                               aphx_error *err);

/* Byte `off` of buffer i, or NULL when the array has no such buffer. */
static const uint8_t *ipc_ptr(const arrow_array *a, int i, int64_t off)
{
    if (!a->buffers[i] || !a->buffers[i]->data) return NULL;
    return a->buffers[i]->data + off;
}

static aphx_rc ipc_write_child_slice(ipc_body *bd, const arrow_field *f, arrow_array *child,
                                     int64_t off, int64_t len, int depth, aphx_error *err)
{
    if (off < 0 || len < 0 || off > child->length || len > child->length - off)
        return aphx_fail(err, APHX_INVALID, "field '%s': child range [%lld, +%lld) outside the child (length %lld)",
                         f->name, (long long)off, (long long)len, (long long)child->length);
    arrow_array *s = arrow_array_slice(child, off, len);
    if (!s) return aphx_fail(err, APHX_NOMEM, "field '%s': out of memory slicing a child", f->name);
    aphx_rc rc = ipc_write_array(bd, f, s, depth, err);
    arrow_array_unref(s);
    return rc;
}

static aphx_rc ipc_write_array(ipc_body *bd, const arrow_field *f, arrow_array *a, int depth,
                               aphx_error *err)
{
    aphx_rc rc;
    if (depth > IPC_MAX_NESTING)
        return aphx_fail(err, APHX_INVALID, "field '%s': nested deeper than %d", f->name, IPC_MAX_NESTING);
    int64_t n = a->length;
    arrow_type_id id = f->type.id;
    bool is_union = !f->dict && arrow_core_is_union(id);
    int64_t nulls = (!f->dict && id == ARROW_NA) ? n : is_union ? 0 : arrow_array_null_count(a);
    ipc_put_pair(&bd->nodes, n, nulls);
    if (!f->dict && id == ARROW_NA) return APHX_OK;
    if (!is_union) {   /* validity */
        if (nulls == 0 || !a->buffers[0]) rc = ipc_add_buffer(bd, NULL, 0, err);
        else rc = ipc_add_bitmap(bd, a->buffers[0]->data, a->offset, n, err);
        if (rc) return rc;
    }
    if (f->dict) {
        arrow_type t = {.id = f->dict->index_type};
        int64_t w = arrow_type_bit_width(&t) / 8;
        const uint8_t *p = ipc_ptr(a, 1, a->offset * w);
        return ipc_add_buffer(bd, p, p ? n * w : 0, err);
    }
    switch (id) {
    case ARROW_BOOL:
        if (!a->buffers[1]) return ipc_add_buffer(bd, NULL, 0, err);
        return ipc_add_bitmap(bd, a->buffers[1]->data, a->offset, n, err);
    case ARROW_UTF8: case ARROW_BINARY: case ARROW_LARGE_UTF8: case ARROW_LARGE_BINARY: {
        int64_t first, last;
        if ((rc = ipc_add_offsets(bd, a, arrow_core_is_large(id), &first, &last, err))) return rc;
        const uint8_t *data = ipc_ptr(a, 2, first);
        return ipc_add_buffer(bd, data, data ? last - first : 0, err);
    }
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        int64_t first, last;
        if ((rc = ipc_add_offsets(bd, a, id == ARROW_LARGE_LIST, &first, &last, err))) return rc;
        return ipc_write_child_slice(bd, &f->children[0], a->children[0], first, last - first,
                                     depth + 1, err);
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t k = f->type.list_size;
        return ipc_write_child_slice(bd, &f->children[0], a->children[0], a->offset * k, n * k,
                                     depth + 1, err);
    }
    case ARROW_STRUCT:
        for (int32_t i = 0; i < f->n_children; i++)
            if ((rc = ipc_write_child_slice(bd, &f->children[i], a->children[i], a->offset, n,
                                            depth + 1, err)))
                return rc;
        return APHX_OK;
    case ARROW_SPARSE_UNION:
        if ((rc = ipc_add_buffer(bd, ipc_ptr(a, 0, a->offset), a->buffers[0] ? n : 0, err))) return rc;
        for (int32_t i = 0; i < f->n_children; i++)
            if ((rc = ipc_write_child_slice(bd, &f->children[i], a->children[i], a->offset, n,
                                            depth + 1, err)))
                return rc;
        return APHX_OK;
    case ARROW_DENSE_UNION:
        if ((rc = ipc_add_buffer(bd, ipc_ptr(a, 0, a->offset), a->buffers[0] ? n : 0, err)) ||
            (rc = ipc_add_buffer(bd, ipc_ptr(a, 1, a->offset * 4), a->buffers[1] ? n * 4 : 0, err)))
            return rc;
        for (int32_t i = 0; i < f->n_children; i++)
            if ((rc = ipc_write_array(bd, &f->children[i], a->children[i], depth + 1, err))) return rc;
        return APHX_OK;
    default: {
        int32_t bits = arrow_type_bit_width(&f->type);
        if (id == ARROW_FIXED_SIZE_BINARY && f->type.byte_width == 0)
            return ipc_add_buffer(bd, NULL, 0, err);
        if (bits <= 0 || bits % 8)
            return aphx_fail(err, APHX_UNSUPPORTED, "field '%s': writing %s not supported yet", f->name,
                             arrow_type_name(id));
        int64_t w = bits / 8;
        const uint8_t *data = ipc_ptr(a, 1, a->offset * w);
        return ipc_add_buffer(bd, data, data ? n * w : 0, err);
    }
    }
}

/* Write a RecordBatch table (and its body) for columns of the given fields. */
static aphx_rc ipc_build_batch(arrow_ipc_writer *w, fb_builder *fb, const arrow_field *fields,
                               arrow_array **cols, int32_t n_cols, int64_t length, ipc_body *bd,
                               fb_ref *out, aphx_error *err)
{
    aphx_rc rc;
    bd->codec = w->opts.compression;
    for (int32_t i = 0; i < n_cols; i++) {
        if ((rc = ipc_write_array(bd, &fields[i], cols[i], 0, err))) return rc;
    }
    if (bd->nodes.oom || bd->buffers.oom)
        return aphx_fail(err, APHX_NOMEM, "out of memory writing a record batch");
    fb_ref comp = 0;
    if (bd->codec != ARROW_COMPRESSION_NONE) {
        fb_table_start(fb);
        fb_add_u8(fb, 0, (uint8_t)bd->codec);
        fb_add_u8(fb, 1, 0);
        comp = fb_table_end(fb);
    }
    fb_ref nodes = fb_create_vector(fb, bd->nodes.data, IPC_FIELD_NODE_SIZE,
                                    bd->nodes.len / IPC_FIELD_NODE_SIZE, 8);
    fb_ref bufs = fb_create_vector(fb, bd->buffers.data, IPC_BUFFER_SIZE,
                                   bd->buffers.len / IPC_BUFFER_SIZE, 8);
    fb_table_start(fb);
    fb_add_i64(fb, IPC_BATCH_LENGTH, length);
    fb_add_ref(fb, IPC_BATCH_NODES, nodes);
    fb_add_ref(fb, IPC_BATCH_BUFFERS, bufs);
    fb_add_ref(fb, IPC_BATCH_COMPRESSION, comp);
    *out = fb_table_end(fb);
    return APHX_OK;
}

static void ipc_body_init(ipc_body *bd)
{
    memset(bd, 0, sizeof *bd);
    aphx_buf_init(&bd->nodes);
    aphx_buf_init(&bd->buffers);
}

static void ipc_body_free(ipc_body *bd)
{
    for (int64_t i = 0; i < bd->n_segs; i++) aphx_free(bd->segs[i].owned);
    aphx_free(bd->segs);
    aphx_buf_free(&bd->nodes);
    aphx_buf_free(&bd->buffers);
}

static aphx_rc ipc_add_block(ipc_wblock **blocks, int64_t *n, ipc_wblock b, aphx_error *err)
{
    ipc_wblock *nb = aphx_realloc(*blocks, sizeof(ipc_wblock) * (size_t)(*n + 1));
    if (!nb) return aphx_fail(err, APHX_NOMEM, "out of memory");
    *blocks = nb;
    nb[(*n)++] = b;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Dictionaries                                                        */
/* ------------------------------------------------------------------ */
static ipc_wdict *ipc_wfind(arrow_ipc_writer *w, int64_t id)
{
    for (int32_t i = 0; i < w->n_dicts; i++)
        if (w->dicts[i].id == id) return &w->dicts[i];
    return NULL;
}

static aphx_rc ipc_wcollect(arrow_ipc_writer *w, const arrow_field *f, aphx_error *err)
{
    if (f->dict) {
        ipc_wdict *d = ipc_wfind(w, f->dict->id);
        if (d) {
            arrow_field a = arrow_core_value_field(d->field), b = arrow_core_value_field(f);
            if (a.type.id != b.type.id)
                return aphx_fail(err, APHX_INVALID,
                                 "fields '%s' and '%s' share dictionary id %lld with different value types",
                                 d->field->name, f->name, (long long)f->dict->id);
        } else {
            ipc_wdict *nd = aphx_realloc(w->dicts, sizeof(ipc_wdict) * (size_t)(w->n_dicts + 1));
            if (!nd) return aphx_fail(err, APHX_NOMEM, "out of memory");
            w->dicts = nd;
            w->dicts[w->n_dicts++] = (ipc_wdict){.id = f->dict->id, .field = f};
        }
    }
    for (int32_t i = 0; i < f->n_children; i++) {
        aphx_rc rc = ipc_wcollect(w, &f->children[i], err);
        if (rc) return rc;
    }
    return APHX_OK;
}

static aphx_rc ipc_write_dict_batch(arrow_ipc_writer *w, const arrow_field *vf, int64_t id,
                                    arrow_array *values, bool is_delta, aphx_error *err)
{
    fb_builder fb;
    ipc_body bd;
    fb_ref rb;
    ipc_wblock blk;
    fb_builder_init(&fb);
    ipc_body_init(&bd);
    aphx_rc rc = ipc_build_batch(w, &fb, vf, &values, 1, values->length, &bd, &rb, err);
    if (rc) goto done;
    fb_table_start(&fb);
    fb_add_i64(&fb, IPC_DICT_ID, id);
    fb_add_ref(&fb, IPC_DICT_DATA, rb);
    fb_add_bool(&fb, IPC_DICT_IS_DELTA, is_delta);
    fb_ref hdr = fb_table_end(&fb);
    if ((rc = ipc_write_message(w, &fb, IPC_MSG_DICTIONARY, hdr, &bd, &blk, err))) goto done;
    if (w->opts.file_format) rc = ipc_add_block(&w->dict_blocks, &w->n_dict_blocks, blk, err);
done:
    ipc_body_free(&bd);
    fb_builder_free(&fb);
    return rc;
}

/* Send the dictionaries a column needs (inner ones first). */
static aphx_rc ipc_write_dicts(arrow_ipc_writer *w, const arrow_field *f, arrow_array *a, int depth,
                               aphx_error *err)
{
    aphx_rc rc;
    if (!a || depth > IPC_MAX_NESTING) return APHX_OK;
    if (!f->dict) {
        for (int32_t i = 0; i < f->n_children && i < a->n_children; i++)
            if ((rc = ipc_write_dicts(w, &f->children[i], a->children[i], depth + 1, err))) return rc;
        return APHX_OK;
    }
    arrow_array *dict = a->dictionary;
    if (!dict) return aphx_fail(err, APHX_INVALID, "field '%s': dictionary-encoded array without a dictionary",
                                f->name);
    arrow_field vf = arrow_core_value_field(f);
    for (int32_t i = 0; i < vf.n_children && i < dict->n_children; i++)
        if ((rc = ipc_write_dicts(w, &vf.children[i], dict->children[i], depth + 1, err))) return rc;
    ipc_wdict *d = ipc_wfind(w, f->dict->id);
    if (!d) return aphx_fail(err, APHX_INTERNAL, "dictionary id %lld not registered", (long long)f->dict->id);
    if (d->last == dict) return APHX_OK;
    if (d->last && dict->length >= d->last->length) {
        arrow_array *prefix = arrow_array_slice(dict, 0, d->last->length);
        if (!prefix) return aphx_fail(err, APHX_NOMEM, "out of memory comparing dictionaries");
        bool same = arrow_array_equal(&vf, prefix, d->last, NULL);
        arrow_array_unref(prefix);
        if (same) {
            if (dict->length > d->last->length) {
                arrow_array *delta = arrow_array_slice(dict, d->last->length,
                                                       dict->length - d->last->length);
                if (!delta) return aphx_fail(err, APHX_NOMEM, "out of memory");
                rc = ipc_write_dict_batch(w, &vf, d->id, delta, true, err);
                arrow_array_unref(delta);
                if (rc) return rc;
            }
            arrow_array_unref(d->last);
            d->last = arrow_array_ref(dict);
            return APHX_OK;
        }
    }
    if (d->last && w->opts.file_format)
        return aphx_fail(err, APHX_UNSUPPORTED,
                         "field '%s': the IPC file format cannot replace dictionary %lld (only deltas)",
                         f->name, (long long)d->id);
    if ((rc = ipc_write_dict_batch(w, &vf, d->id, dict, false, err))) return rc;
    arrow_array_unref(d->last);
    d->last = arrow_array_ref(dict);
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */
aphx_rc arrow_ipc_writer_open(int fd, const arrow_schema *schema,
                              const arrow_ipc_write_options *opts, arrow_ipc_writer **out,
                              aphx_error *err)
{
    aphx_rc rc;
    fb_builder fb;
    *out = NULL;
    arrow_ipc_writer *w = aphx_calloc(1, sizeof *w);
    if (!w) return aphx_fail(err, APHX_NOMEM, "out of memory");
    fb_builder_init(&fb);
    w->fd = fd;
    w->opts.compression = ARROW_COMPRESSION_NONE;
    if (opts) w->opts = *opts;
    if (w->opts.compression != ARROW_COMPRESSION_NONE &&
        w->opts.compression != ARROW_COMPRESSION_LZ4_FRAME && w->opts.compression != ARROW_COMPRESSION_ZSTD) {
        rc = aphx_fail(err, APHX_INVALID, "unknown compression %d", (int)w->opts.compression);
        goto fail;
    }
    aphx_buf_init(&w->out);
    if (arrow_schema_copy(&w->schema, schema)) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory copying the schema");
        goto fail;
    }
    for (int32_t i = 0; i < w->schema.n_fields; i++)
        if ((rc = ipc_wcollect(w, &w->schema.fields[i], err))) goto fail;
    if (w->opts.file_format && (rc = ipc_emit(w, "ARROW1\0\0", 8, err))) goto fail;
    fb_ref sch;
    if ((rc = ipc_schema_encode(&fb, &w->schema, &sch, err))) goto fail;
    if ((rc = ipc_write_message(w, &fb, IPC_MSG_SCHEMA, sch, NULL, NULL, err))) goto fail;
    fb_builder_free(&fb);
    *out = w;
    return APHX_OK;
fail:
    fb_builder_free(&fb);
    arrow_ipc_writer_free(w);
    return rc;
}

aphx_rc arrow_ipc_writer_write(arrow_ipc_writer *w, const arrow_batch *b, aphx_error *err)
{
    aphx_rc rc;
    fb_builder fb;
    ipc_body bd;
    fb_ref rb;
    ipc_wblock blk;
    if (w->closed || w->failed)
        return aphx_fail(err, APHX_INVALID, "IPC writer is %s", w->closed ? "closed" : "failed");
    if (b->n_columns != w->schema.n_fields)
        return aphx_fail(err, APHX_INVALID, "batch has %d columns, the schema %d fields", b->n_columns,
                         w->schema.n_fields);
    for (int32_t i = 0; i < b->n_columns; i++) {
        if (!b->columns[i] || b->columns[i]->length != b->length)
            return aphx_fail(err, APHX_INVALID, "column %d: missing or of the wrong length", i);
        if (b->schema && b->schema != &w->schema && b->schema->n_fields == b->n_columns &&
            !ipc_field_same_type(&b->schema->fields[i], &w->schema.fields[i], 0))
            return aphx_fail(err, APHX_INVALID, "column %d ('%s'): type differs from the writer's schema",
                             i, w->schema.fields[i].name);
        if ((rc = ipc_write_dicts(w, &w->schema.fields[i], b->columns[i], 0, err))) {
            w->failed = true;
            return rc;
        }
    }
    fb_builder_init(&fb);
    ipc_body_init(&bd);
    if ((rc = ipc_build_batch(w, &fb, w->schema.fields, b->columns, b->n_columns, b->length, &bd, &rb,
                              err)))
        goto done;
    if ((rc = ipc_write_message(w, &fb, IPC_MSG_RECORD_BATCH, rb, &bd, &blk, err))) goto done;
    if (w->opts.file_format) rc = ipc_add_block(&w->batch_blocks, &w->n_batch_blocks, blk, err);
done:
    if (rc) w->failed = true;
    ipc_body_free(&bd);
    fb_builder_free(&fb);
    return rc;
}

static fb_ref ipc_blocks_vector(fb_builder *fb, const ipc_wblock *blocks, int64_t n)
{
    uint8_t *raw = aphx_calloc((size_t)(n ? n : 1), IPC_BLOCK_SIZE);
    if (!raw) {
        fb->oom = true;
        return 0;
    }
    for (int64_t i = 0; i < n; i++) {
        memcpy(raw + i * IPC_BLOCK_SIZE, &blocks[i].offset, 8);
        memcpy(raw + i * IPC_BLOCK_SIZE + 8, &blocks[i].meta_len, 4);
        memcpy(raw + i * IPC_BLOCK_SIZE + 16, &blocks[i].body_len, 8);
    }
    fb_ref r = fb_create_vector(fb, raw, IPC_BLOCK_SIZE, (size_t)n, 8);
    aphx_free(raw);
    return r;
}

aphx_rc arrow_ipc_writer_close(arrow_ipc_writer *w, aphx_error *err)
{
    aphx_rc rc;
    if (w->closed) return APHX_OK;
    if (w->failed) return aphx_fail(err, APHX_INVALID, "IPC writer failed earlier");
    static const uint32_t eos[2] = {IPC_CONTINUATION, 0};
    if ((rc = ipc_emit(w, eos, 8, err))) goto fail;
    if (w->opts.file_format) {
        fb_builder fb;
        const uint8_t *footer = NULL;
        size_t footer_len = 0;
        fb_ref sch;
        fb_builder_init(&fb);
        rc = ipc_schema_encode(&fb, &w->schema, &sch, err);
        if (!rc) {
            fb_ref dicts = ipc_blocks_vector(&fb, w->dict_blocks, w->n_dict_blocks);
            fb_ref batches = ipc_blocks_vector(&fb, w->batch_blocks, w->n_batch_blocks);
            fb_table_start(&fb);
            fb_add_i16(&fb, IPC_FOOTER_VERSION, IPC_V5);
            fb_add_ref(&fb, IPC_FOOTER_SCHEMA, sch);
            fb_add_ref(&fb, IPC_FOOTER_DICTIONARIES, dicts);
            fb_add_ref(&fb, IPC_FOOTER_BATCHES, batches);
            fb_ref root = fb_table_end(&fb);
            rc = fb_finish(&fb, root, &footer, &footer_len, err);
        }
        if (!rc) rc = ipc_emit(w, footer, footer_len, err);
        int32_t flen = (int32_t)footer_len;
        if (!rc) rc = ipc_emit(w, &flen, 4, err);
        if (!rc) rc = ipc_emit(w, "ARROW1", 6, err);
        fb_builder_free(&fb);
        if (rc) goto fail;
    }
    w->closed = true;
    return APHX_OK;
fail:
    w->failed = true;
    return rc;
}

void arrow_ipc_writer_take_buffer(arrow_ipc_writer *w, uint8_t **data, size_t *len)
{
    *len = w->out.len;
    *data = (uint8_t *)aphx_buf_steal(&w->out);
}

void arrow_ipc_writer_free(arrow_ipc_writer *w)
{
    if (!w) return;
    for (int32_t i = 0; i < w->n_dicts; i++) arrow_array_unref(w->dicts[i].last);
    aphx_free(w->dicts);
    aphx_free(w->dict_blocks);
    aphx_free(w->batch_blocks);
    aphx_buf_free(&w->out);
    arrow_schema_free(&w->schema);
    aphx_free(w);
}
