/*
 * ipc_read.c — Arrow IPC reader for the stream and file formats (layouts in
 * ipc_internal.h) over a complete in-memory input.
 *
 * The input is untrusted. Every message length, Flatbuffer offset, field
 * node, buffer offset/length and compressed length is checked against the
 * message and body sizes before use; node and buffer counts must match the
 * schema; nesting depth is bounded; every batch (and dictionary) is run
 * through arrow_array_validate before it is returned. Errors are
 * APHX_CORRUPT with a message naming the message and what is wrong.
 *
 * Body buffers become zero-copy views into the input when 8-byte aligned
 * (copied otherwise); decompressed buffers are new allocations.
 *
 * Dictionaries: a DictionaryBatch replaces the dictionary with its id, or
 * with isDelta appends to it (ipc_concat.c). Batches keep references to the
 * dictionary they were read with.
 */
#include "arrow/core_internal.h"
#include "arrow/ipc_internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Limits on what a compressed body may expand to: per buffer and per
 * message (smaller when fuzzing, where memory and time are tight). */
#ifdef APHX_FUZZING
#define IPC_MAX_DECOMPRESSED ((int64_t)64 << 20)
#define IPC_MAX_DECOMPRESSED_MESSAGE ((int64_t)128 << 20)
#define IPC_MAX_DECOMPRESSED_INPUT ((int64_t)256 << 20)
#else
#define IPC_MAX_DECOMPRESSED ((int64_t)1 << 31)
#define IPC_MAX_DECOMPRESSED_MESSAGE ((int64_t)1 << 36)
#define IPC_MAX_DECOMPRESSED_INPUT INT64_MAX
#endif

typedef struct ipc_dict {
    int64_t            id;
    const arrow_field *field;    /* the dictionary-encoded field (in the schema) */
    arrow_array       *values;   /* NULL until the first DictionaryBatch */
} ipc_dict;

typedef struct ipc_block {
    int64_t offset;
    int32_t meta_len;
    int64_t body_len;
} ipc_block;

typedef struct ipc_reader {
    arrow_reader   base;        /* first: the public interface */
    arrow_buffer  *data;        /* holds a reference */
    const uint8_t *bytes;
    size_t         size;
    bool           is_file;
    bool           done;
    arrow_schema   schema;
    int32_t        n_dicts;
    ipc_dict      *dicts;
    size_t         pos;          /* stream: next message position */
    int64_t        n_batches;    /* batches returned so far (for messages) */
    int64_t        n_dict_msgs;
    ipc_block     *batch_blocks; /* file format */
    uint32_t       n_batch_blocks;
    int64_t        decompress_left; /* bytes all messages may still expand to */
    ipc_codecs     codecs;
} ipc_reader;

typedef struct ipc_message {
    uint8_t  type;          /* IPC_MSG_* ; IPC_MSG_NONE at end of stream */
    int16_t  version;
    fb_table header;
    size_t   body_pos;      /* in the input */
    int64_t  body_len;
    size_t   next_pos;
} ipc_message;

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */
static uint32_t ipc_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Parse the message framed at pos. End of stream (marker or end of input)
 * gives type IPC_MSG_NONE. */
static aphx_rc ipc_read_message(const ipc_reader *r, size_t pos, size_t limit, ipc_message *m,
                                aphx_error *err)
{
    aphx_rc rc;
    memset(m, 0, sizeof *m);
    if (pos >= limit) {
        m->type = IPC_MSG_NONE;
        m->next_pos = limit;
        return APHX_OK;
    }
    if (limit - pos < 4)
        return aphx_fail(err, APHX_CORRUPT, "message at %zu: truncated length prefix", pos);
    size_t hdr = 4;
    uint32_t len = ipc_u32(r->bytes + pos);
    if (len == IPC_CONTINUATION) {
        if (limit - pos < 8)
            return aphx_fail(err, APHX_CORRUPT, "message at %zu: truncated length prefix", pos);
        len = ipc_u32(r->bytes + pos + 4);
        hdr = 8;
    }
    if (len == 0) {
        m->type = IPC_MSG_NONE;
        m->next_pos = pos + hdr;
        return APHX_OK;
    }
    if (len > 0x7fffffffu || len > limit - pos - hdr)
        return aphx_fail(err, APHX_CORRUPT,
                         "message at %zu: metadata length %u extends past the input (%zu bytes)", pos,
                         len, limit);
    const uint8_t *meta = r->bytes + pos + hdr;
    fb_table msg;
    if ((rc = fb_root(meta, len, &msg, err))) goto bad;
    int64_t body_len;
    bool present;
    if ((rc = fb_get_i16(&msg, IPC_MESSAGE_VERSION, 0, &m->version, err)) ||
        (rc = fb_get_u8(&msg, IPC_MESSAGE_HEADER_TYPE, 0, &m->type, err)) ||
        (rc = fb_get_i64(&msg, IPC_MESSAGE_BODY_LENGTH, 0, &body_len, err)) ||
        (rc = fb_get_table(&msg, IPC_MESSAGE_HEADER, &m->header, &present, err)))
        goto bad;
    if (!present || m->type == IPC_MSG_NONE)
        return aphx_fail(err, APHX_CORRUPT, "message at %zu: no header", pos);
    if (m->version < IPC_V4 || m->version > IPC_V5)
        return aphx_fail(err, APHX_UNSUPPORTED, "message at %zu: metadata version V%d not supported",
                         pos, m->version + 1);
    size_t body_pos = pos + hdr + len;
    if (body_len < 0 || (uint64_t)body_len > limit - body_pos)
        return aphx_fail(err, APHX_CORRUPT,
                         "message at %zu: body of %lld bytes extends past the input (%zu bytes left)",
                         pos, (long long)body_len, limit - body_pos);
    m->body_pos = body_pos;
    m->body_len = body_len;
    m->next_pos = body_pos + (size_t)body_len;
    return APHX_OK;
bad:
    aphx_error_prefix(err, "message at %zu", pos);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Record batch bodies                                                 */
/* ------------------------------------------------------------------ */
typedef struct ipc_body_ctx {
    ipc_reader       *r;
    fb_vector         nodes;
    fb_vector         buffers;
    uint32_t          node_i;
    uint32_t          buffer_i;
    size_t            body_pos;
    int64_t           body_len;
    int               version;
    bool              compressed;
    arrow_compression codec;
    int64_t           decompress_budget;   /* bytes this message may still expand to */
} ipc_body_ctx;

static aphx_rc ipc_next_node(ipc_body_ctx *c, const arrow_field *f, int64_t *length,
                             int64_t *null_count, aphx_error *err)
{
    if (c->node_i >= c->nodes.len)
        return aphx_fail(err, APHX_CORRUPT, "field '%s': fewer field nodes (%u) than the schema needs",
                         f->name, c->nodes.len);
    const uint8_t *p = fb_vector_elem(&c->nodes, c->node_i++);
    *length = fb_read_i64(p);
    *null_count = fb_read_i64(p + 8);
    if (*length < 0 || *null_count < 0 || *null_count > *length)
        return aphx_fail(err, APHX_CORRUPT, "field '%s': bad field node (length %lld, null count %lld)",
                         f->name, (long long)*length, (long long)*null_count);
    return APHX_OK;
}

/* The next buffer: NULL for a zero-length buffer. */
static aphx_rc ipc_next_buffer(ipc_body_ctx *c, const arrow_field *f, arrow_buffer **out,
                               aphx_error *err)
{
    *out = NULL;
    uint32_t idx = c->buffer_i;
    if (idx >= c->buffers.len)
        return aphx_fail(err, APHX_CORRUPT, "field '%s': fewer buffers (%u) than the schema needs",
                         f->name, c->buffers.len);
    c->buffer_i++;
    const uint8_t *p = fb_vector_elem(&c->buffers, idx);
    int64_t off = fb_read_i64(p), len = fb_read_i64(p + 8);
    if (off < 0 || len < 0 || off > c->body_len || len > c->body_len - off)
        return aphx_fail(err, APHX_CORRUPT,
                         "buffer %u extends past the body (offset %lld, length %lld, body %lld)", idx,
                         (long long)off, (long long)len, (long long)c->body_len);
    if (len == 0) return APHX_OK;
    size_t at = c->body_pos + (size_t)off;
    if (c->compressed) {
        if (len < 8)
            return aphx_fail(err, APHX_CORRUPT, "buffer %u: compressed buffer of %lld bytes has no length prefix",
                             idx, (long long)len);
        int64_t ulen = fb_read_i64(c->r->bytes + at);
        at += 8;
        len -= 8;
        if (ulen != -1) {
            if (ulen < 0 || ulen > IPC_MAX_DECOMPRESSED)
                return aphx_fail(err, APHX_CORRUPT, "buffer %u: bad uncompressed length %lld", idx,
                                 (long long)ulen);
            if (ulen > c->decompress_budget || ulen > c->r->decompress_left)
                return aphx_fail(err, APHX_CORRUPT,
                                 "buffer %u: the input decompresses to more than this reader allows", idx);
            c->decompress_budget -= ulen;
            c->r->decompress_left -= ulen;
            if (ipc_decompress_check(c->codec, c->r->bytes + at, len, ulen, err)) {
                aphx_error_prefix(err, "buffer %u", idx);
                return APHX_CORRUPT;
            }
            arrow_buffer *b = arrow_buffer_alloc(ulen);
            if (!b) return aphx_fail(err, APHX_NOMEM, "buffer %u: out of memory (%lld bytes)", idx,
                                     (long long)ulen);
            aphx_rc rc = ipc_decompress(&c->r->codecs, c->codec, c->r->bytes + at, len, b->data, ulen,
                                        err);
            if (rc) {
                arrow_buffer_unref(b);
                aphx_error_prefix(err, "buffer %u", idx);
                return rc;
            }
            *out = b;
            return APHX_OK;
        }
    }
    if (((uintptr_t)(c->r->bytes + at) & 7) == 0) {
        *out = arrow_buffer_view(c->r->data, (int64_t)(c->r->bytes + at - c->r->data->data), len);
    } else {
        *out = arrow_buffer_alloc(len);
        if (*out) memcpy((*out)->data, c->r->bytes + at, (size_t)len);
    }
    if (!*out) return aphx_fail(err, APHX_NOMEM, "buffer %u: out of memory", idx);
    return APHX_OK;
}

static arrow_array *ipc_array_alloc(int32_t n_buffers, int32_t n_children)
{
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refcount = 1;
    a->n_buffers = n_buffers;
    if (n_children > 0) {
        a->children = aphx_calloc((size_t)n_children, sizeof(arrow_array *));
        if (!a->children) {
            aphx_free(a);
            return NULL;
        }
    }
    return a;
}

static ipc_dict *ipc_find_dict(ipc_reader *r, int64_t id)
{
    for (int32_t i = 0; i < r->n_dicts; i++)
        if (r->dicts[i].id == id) return &r->dicts[i];
    return NULL;
}

/* An empty offsets buffer (one zero) for zero-length arrays written without one. */
static arrow_buffer *ipc_zero_offsets(void)
{
    return arrow_buffer_alloc(8);
}

static aphx_rc ipc_load_array(ipc_body_ctx *c, const arrow_field *f, int depth, arrow_array **out,
                              aphx_error *err)
{
    aphx_rc rc;
    int64_t length = 0, null_count = 0;
    arrow_array *a = NULL;
    *out = NULL;
    if (depth > IPC_MAX_NESTING)
        return aphx_fail(err, APHX_CORRUPT, "field '%s': nested deeper than %d", f->name,
                         IPC_MAX_NESTING);
    if ((rc = ipc_next_node(c, f, &length, &null_count, err))) return rc;
    bool is_union = !f->dict && arrow_core_is_union(f->type.id);
    int32_t n_children = f->dict ? 0 : f->n_children;
    int32_t n_buffers = arrow_field_n_buffers(f);
    a = ipc_array_alloc(n_buffers, n_children);
    if (!a) return aphx_fail(err, APHX_NOMEM, "out of memory reading field '%s'", f->name);
    a->length = length;
    a->null_count = null_count;
    if (!f->dict && f->type.id == ARROW_NA) a->null_count = length;
    if (is_union) a->null_count = 0;
    int32_t ipc_buffers = ipc_field_buffer_count(f, c->version);
    int32_t skip = ipc_buffers - n_buffers;   /* pre-V5 union validity */
    for (int32_t i = 0; i < skip; i++) {
        arrow_buffer *ignored;
        if ((rc = ipc_next_buffer(c, f, &ignored, err))) goto fail;
        arrow_buffer_unref(ignored);
    }
    for (int32_t i = 0; i < n_buffers; i++) {
        if ((rc = ipc_next_buffer(c, f, &a->buffers[i], err))) goto fail;
    }
    bool has_validity = !is_union && n_buffers > 0;
    if (has_validity && !a->buffers[0] && null_count != 0) {
        rc = aphx_fail(err, APHX_CORRUPT, "field '%s': null count %lld but no validity bitmap", f->name,
                       (long long)null_count);
        goto fail;
    }
    if (has_validity && a->buffers[0] && null_count == 0) {
        arrow_buffer_unref(a->buffers[0]);
        a->buffers[0] = NULL;
    }
    /* Zero-length arrays may come without their offsets/values buffers. */
    for (int32_t i = has_validity ? 1 : 0; i < n_buffers; i++) {
        if (a->buffers[i]) continue;
        bool offsets = !f->dict && i == 1 &&
                       (f->type.id == ARROW_UTF8 || f->type.id == ARROW_LARGE_UTF8 ||
                        f->type.id == ARROW_BINARY || f->type.id == ARROW_LARGE_BINARY ||
                        f->type.id == ARROW_LIST || f->type.id == ARROW_LARGE_LIST ||
                        f->type.id == ARROW_MAP);
        a->buffers[i] = offsets && length == 0 ? ipc_zero_offsets() : arrow_buffer_alloc(0);
        if (!a->buffers[i]) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory reading field '%s'", f->name);
            goto fail;
        }
    }
    if (f->dict) {
        ipc_dict *d = ipc_find_dict(c->r, f->dict->id);
        if (!d || !d->values) {
            rc = aphx_fail(err, APHX_CORRUPT, "field '%s': dictionary id %lld used before it was sent",
                           f->name, (long long)f->dict->id);
            goto fail;
        }
        a->dictionary = arrow_array_ref(d->values);
    }
    for (int32_t i = 0; i < n_children; i++) {
        if ((rc = ipc_load_array(c, &f->children[i], depth + 1, &a->children[i], err))) goto fail;
        a->n_children = i + 1;
    }
    *out = a;
    return APHX_OK;
fail:
    arrow_array_unref(a);
    return rc;
}

/* Load the columns of a RecordBatch table (fields f[0..n)). */
static aphx_rc ipc_load_batch(ipc_reader *r, const ipc_message *m, const fb_table *rb,
                              const arrow_field *fields, int32_t n_fields, int64_t *length,
                              arrow_array **cols, aphx_error *err)
{
    aphx_rc rc;
    ipc_body_ctx c = {.r = r, .body_pos = m->body_pos, .body_len = m->body_len,
                      .version = m->version, .decompress_budget = IPC_MAX_DECOMPRESSED_MESSAGE};
    fb_table comp;
    bool has_comp;
    if ((rc = fb_get_i64(rb, IPC_BATCH_LENGTH, 0, length, err)) ||
        (rc = fb_get_vector(rb, IPC_BATCH_NODES, IPC_FIELD_NODE_SIZE, &c.nodes, err)) ||
        (rc = fb_get_vector(rb, IPC_BATCH_BUFFERS, IPC_BUFFER_SIZE, &c.buffers, err)) ||
        (rc = fb_get_table(rb, IPC_BATCH_COMPRESSION, &comp, &has_comp, err)))
        return rc;
    if (*length < 0)
        return aphx_fail(err, APHX_CORRUPT, "negative length %lld", (long long)*length);
    if (has_comp) {
        uint8_t codec, method;
        if ((rc = fb_get_u8(&comp, 0, 0, &codec, err)) || (rc = fb_get_u8(&comp, 1, 0, &method, err)))
            return rc;
        if (codec > 1)
            return aphx_fail(err, APHX_UNSUPPORTED, "compression codec %u not supported", codec);
        if (method != 0)
            return aphx_fail(err, APHX_UNSUPPORTED, "body compression method %u not supported", method);
        c.compressed = true;
        c.codec = codec == 0 ? ARROW_COMPRESSION_LZ4_FRAME : ARROW_COMPRESSION_ZSTD;
    }
    for (int32_t i = 0; i < n_fields; i++) {
        if ((rc = ipc_load_array(&c, &fields[i], 0, &cols[i], err))) return rc;
        if (cols[i]->length != *length)
            return aphx_fail(err, APHX_CORRUPT, "column '%s' has length %lld, the batch %lld",
                             fields[i].name, (long long)cols[i]->length, (long long)*length);
    }
    if (c.node_i != c.nodes.len)
        return aphx_fail(err, APHX_CORRUPT, "%u field nodes for a schema that needs %u", c.nodes.len,
                         c.node_i);
    if (c.buffer_i != c.buffers.len)
        return aphx_fail(err, APHX_CORRUPT, "%u buffers for a schema that needs %u", c.buffers.len,
                         c.buffer_i);
    return APHX_OK;
}

static aphx_rc ipc_apply_dictionary(ipc_reader *r, const ipc_message *m, aphx_error *err)
{
    aphx_rc rc;
    int64_t id, length;
    bool is_delta, has_data;
    fb_table data;
    arrow_array *values = NULL;
    if ((rc = fb_get_i64(&m->header, IPC_DICT_ID, 0, &id, err)) ||
        (rc = fb_get_bool(&m->header, IPC_DICT_IS_DELTA, false, &is_delta, err)) ||
        (rc = fb_get_table(&m->header, IPC_DICT_DATA, &data, &has_data, err)))
        return rc;
    if (!has_data) return aphx_fail(err, APHX_CORRUPT, "dictionary batch without data");
    ipc_dict *d = ipc_find_dict(r, id);
    if (!d) return aphx_fail(err, APHX_CORRUPT, "dictionary id %lld is not in the schema", (long long)id);
    arrow_field vf = arrow_core_value_field(d->field);
    if ((rc = ipc_load_batch(r, m, &data, &vf, 1, &length, &values, err))) goto fail;
    if ((rc = arrow_array_validate(&vf, values, true, err))) goto fail;
    if (is_delta && d->values) {
        arrow_array *joined = NULL;
        if ((rc = ipc_concat(&vf, d->values, values, &joined, err))) goto fail;
        arrow_array_unref(values);
        values = joined;
    }
    arrow_array_unref(d->values);
    d->values = values;
    return APHX_OK;
fail:
    arrow_array_unref(values);
    aphx_error_prefix(err, "dictionary id %lld", (long long)id);
    return rc;
}

/* Register every dictionary-encoded field (including those inside
 * dictionary value types) by id. */
static aphx_rc ipc_collect_dicts(ipc_reader *r, const arrow_field *f, aphx_error *err)
{
    ipc_dict *old = f->dict ? ipc_find_dict(r, f->dict->id) : NULL;
    if (old) {
        arrow_field x = arrow_core_value_field(old->field), y = arrow_core_value_field(f);
        if (!ipc_field_same_type(&x, &y, 0))
            return aphx_fail(err, APHX_CORRUPT,
                             "schema: fields '%s' and '%s' share dictionary id %lld but not their value type",
                             old->field->name, f->name, (long long)f->dict->id);
    }
    if (f->dict && !old) {
        ipc_dict *nd = aphx_realloc(r->dicts, sizeof(ipc_dict) * (size_t)(r->n_dicts + 1));
        if (!nd) return aphx_fail(err, APHX_NOMEM, "out of memory");
        r->dicts = nd;
        r->dicts[r->n_dicts++] = (ipc_dict){.id = f->dict->id, .field = f};
    }
    for (int32_t i = 0; i < f->n_children; i++) {
        aphx_rc rc = ipc_collect_dicts(r, &f->children[i], err);
        if (rc) return rc;
    }
    return APHX_OK;
}

static aphx_rc ipc_read_batch(ipc_reader *r, const ipc_message *m, arrow_batch **out,
                              aphx_error *err)
{
    aphx_rc rc;
    int64_t length;
    int32_t n = r->schema.n_fields;
    arrow_array **cols = aphx_calloc((size_t)(n > 0 ? n : 1), sizeof(arrow_array *));
    arrow_batch *b = NULL;
    if (!cols) return aphx_fail(err, APHX_NOMEM, "out of memory");
    if ((rc = ipc_load_batch(r, m, &m->header, r->schema.fields, n, &length, cols, err))) goto done;
    b = arrow_batch_new(&r->schema, length);
    if (!b) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto done;
    }
    for (int32_t i = 0; i < n; i++) {
        b->columns[i] = cols[i];
        cols[i] = NULL;
    }
    if ((rc = arrow_batch_validate(b, true, err))) {
        arrow_batch_free(b);
        goto done;
    }
    *out = b;
done:
    for (int32_t i = 0; i < n; i++) arrow_array_unref(cols[i]);
    aphx_free(cols);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The arrow_reader interface                                          */
/* ------------------------------------------------------------------ */
static const arrow_schema *ipc_reader_schema(arrow_reader *base)
{
    return &((ipc_reader *)base)->schema;
}

static void ipc_reader_close(arrow_reader *base)
{
    ipc_reader *r = (ipc_reader *)base;
    if (!r) return;
    for (int32_t i = 0; i < r->n_dicts; i++) arrow_array_unref(r->dicts[i].values);
    aphx_free(r->dicts);
    aphx_free(r->batch_blocks);
    ipc_codecs_free(&r->codecs);
    arrow_schema_free(&r->schema);
    arrow_buffer_unref(r->data);
    aphx_free(r);
}

static aphx_rc ipc_stream_next(arrow_reader *base, arrow_batch **out, aphx_error *err)
{
    ipc_reader *r = (ipc_reader *)base;
    aphx_rc rc;
    *out = NULL;
    while (!r->done) {
        ipc_message m;
        if ((rc = ipc_read_message(r, r->pos, r->size, &m, err))) goto bad;
        r->pos = m.next_pos;
        switch (m.type) {
        case IPC_MSG_NONE:
            r->done = true;
            return APHX_OK;
        case IPC_MSG_DICTIONARY:
            if ((rc = ipc_apply_dictionary(r, &m, err))) goto bad;
            r->n_dict_msgs++;
            break;
        case IPC_MSG_RECORD_BATCH:
            if ((rc = ipc_read_batch(r, &m, out, err))) {
                aphx_error_prefix(err, "record batch %lld", (long long)r->n_batches);
                goto bad;
            }
            r->n_batches++;
            return APHX_OK;
        case IPC_MSG_SCHEMA:
            rc = aphx_fail(err, APHX_CORRUPT, "a second schema message in the stream");
            goto bad;
        default:
            rc = aphx_fail(err, APHX_UNSUPPORTED, "message type %u not supported", m.type);
            goto bad;
        }
    }
    return APHX_OK;
bad:
    r->done = true;
    return rc;
}

static aphx_rc ipc_file_next(arrow_reader *base, arrow_batch **out, aphx_error *err)
{
    ipc_reader *r = (ipc_reader *)base;
    aphx_rc rc;
    ipc_message m;
    *out = NULL;
    if (r->done || r->n_batches >= (int64_t)r->n_batch_blocks) return APHX_OK;
    const ipc_block *blk = &r->batch_blocks[r->n_batches];
    if ((rc = ipc_read_message(r, (size_t)blk->offset, r->size, &m, err))) goto bad;
    if (m.type != IPC_MSG_RECORD_BATCH) {
        rc = aphx_fail(err, APHX_CORRUPT, "block does not hold a record batch (message type %u)", m.type);
        goto bad;
    }
    if ((rc = ipc_read_batch(r, &m, out, err))) goto bad;
    r->n_batches++;
    return APHX_OK;
bad:
    r->done = true;
    aphx_error_prefix(err, "record batch %lld", (long long)r->n_batches);
    return rc;
}

static aphx_rc ipc_read_blocks(const fb_table *footer, uint16_t id, size_t file_size,
                               ipc_block **out, uint32_t *n, aphx_error *err)
{
    fb_vector v;
    aphx_rc rc = fb_get_vector(footer, id, IPC_BLOCK_SIZE, &v, err);
    if (rc) return rc;
    *n = v.len;
    *out = aphx_calloc(v.len ? v.len : 1, sizeof(ipc_block));
    if (!*out) return aphx_fail(err, APHX_NOMEM, "out of memory");
    for (uint32_t i = 0; i < v.len; i++) {
        const uint8_t *p = fb_vector_elem(&v, i);
        ipc_block *b = &(*out)[i];
        b->offset = fb_read_i64(p);
        b->meta_len = fb_read_i32(p + 8);
        b->body_len = fb_read_i64(p + 16);
        if (b->offset < 8 || (uint64_t)b->offset >= file_size)
            return aphx_fail(err, APHX_CORRUPT, "footer: block %u offset %lld outside the file", i,
                             (long long)b->offset);
    }
    return APHX_OK;
}

static aphx_rc ipc_open_file(ipc_reader *r, aphx_error *err)
{
    aphx_rc rc;
    fb_table footer, schema;
    bool present;
    ipc_block *dict_blocks = NULL;
    uint32_t n_dict_blocks = 0;
    if (r->size < 8 + 10 || memcmp(r->bytes + r->size - 6, "ARROW1", 6) != 0)
        return aphx_fail(err, APHX_CORRUPT, "file: missing trailing ARROW1 magic (truncated file?)");
    int32_t flen = fb_read_i32(r->bytes + r->size - 10);
    if (flen <= 0 || (size_t)flen > r->size - 18)
        return aphx_fail(err, APHX_CORRUPT, "file: footer length %d does not fit the file", flen);
    size_t fpos = r->size - 10 - (size_t)flen;
    if ((rc = fb_root(r->bytes + fpos, (size_t)flen, &footer, err))) goto bad_footer;
    if ((rc = fb_get_table(&footer, IPC_FOOTER_SCHEMA, &schema, &present, err))) goto bad_footer;
    if (!present) {
        rc = aphx_fail(err, APHX_CORRUPT, "no schema");
        goto bad_footer;
    }
    if ((rc = ipc_schema_decode(&schema, &r->schema, err))) goto bad_footer;
    for (int32_t i = 0; i < r->schema.n_fields; i++)
        if ((rc = ipc_collect_dicts(r, &r->schema.fields[i], err))) goto done;
    if ((rc = ipc_read_blocks(&footer, IPC_FOOTER_DICTIONARIES, fpos, &dict_blocks, &n_dict_blocks, err)) ||
        (rc = ipc_read_blocks(&footer, IPC_FOOTER_BATCHES, fpos, &r->batch_blocks, &r->n_batch_blocks, err)))
        goto bad_footer;
    for (uint32_t i = 0; i < n_dict_blocks; i++) {
        ipc_message m;
        if ((rc = ipc_read_message(r, (size_t)dict_blocks[i].offset, fpos, &m, err))) goto bad_dict;
        if (m.type != IPC_MSG_DICTIONARY) {
            rc = aphx_fail(err, APHX_CORRUPT, "block does not hold a dictionary (message type %u)", m.type);
            goto bad_dict;
        }
        if ((rc = ipc_apply_dictionary(r, &m, err))) goto bad_dict;
        continue;
    bad_dict:
        aphx_error_prefix(err, "dictionary block %u", i);
        goto done;
    }
    /* Messages must lie before the footer: limit reads to fpos. */
    r->size = fpos;
    goto done;
bad_footer:
    aphx_error_prefix(err, "file footer");
done:
    aphx_free(dict_blocks);
    return rc;
}

static aphx_rc ipc_open_stream(ipc_reader *r, aphx_error *err)
{
    ipc_message m;
    aphx_rc rc = ipc_read_message(r, 0, r->size, &m, err);
    if (rc) return rc;
    if (m.type != IPC_MSG_SCHEMA)
        return aphx_fail(err, APHX_CORRUPT, "stream does not start with a schema message (type %u)",
                         m.type);
    if ((rc = ipc_schema_decode(&m.header, &r->schema, err))) {
        aphx_error_prefix(err, "schema");
        return rc;
    }
    for (int32_t i = 0; i < r->schema.n_fields; i++)
        if ((rc = ipc_collect_dicts(r, &r->schema.fields[i], err))) return rc;
    r->pos = m.next_pos;
    return APHX_OK;
}

aphx_rc arrow_ipc_reader_open_buffer(arrow_buffer *data, arrow_reader **out, aphx_error *err)
{
    aphx_rc rc;
    *out = NULL;
    if (!data || data->size < 0) return aphx_fail(err, APHX_INVALID, "no input");
    ipc_reader *r = aphx_calloc(1, sizeof *r);
    if (!r) return aphx_fail(err, APHX_NOMEM, "out of memory");
    r->data = arrow_buffer_ref(data);
    r->decompress_left = IPC_MAX_DECOMPRESSED_INPUT;
    r->bytes = data->data;
    r->size = (size_t)data->size;
    r->base.schema = ipc_reader_schema;
    r->base.close = ipc_reader_close;
    if (r->size == 0) {
        rc = aphx_fail(err, APHX_CORRUPT, "empty input: not an Arrow IPC stream or file");
        goto fail;
    }
    r->is_file = r->size >= 6 && memcmp(r->bytes, "ARROW1", 6) == 0;
    if (r->is_file) {
        r->base.next = ipc_file_next;
        rc = ipc_open_file(r, err);
    } else {
        r->base.next = ipc_stream_next;
        rc = ipc_open_stream(r, err);
    }
    if (rc) goto fail;
    *out = &r->base;
    return APHX_OK;
fail:
    ipc_reader_close(&r->base);
    return rc;
}

static void ipc_free_input(void *ctx)
{
    aphx_free(ctx);
}

typedef struct ipc_mapping {
    void  *addr;
    size_t len;
} ipc_mapping;

static void ipc_unmap_input(void *ctx)
{
    ipc_mapping *m = ctx;
    munmap(m->addr, m->len);
    aphx_free(m);
}

/* Map a regular, non-empty file read-only (page-aligned, so views stay
 * aligned, and no copy through read()). *out = NULL (and APHX_OK) when the
 * file is not a regular file or cannot be mapped: the caller then reads it
 * into memory. APHX_NOMEM when an allocation fails. A file truncated by
 * someone else while mapped would fault on access, as with any mmap reader;
 * files being rewritten should be copied first. */
static aphx_rc ipc_map_file(const char *path, arrow_buffer **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return APHX_OK;
    struct stat st;
    aphx_rc rc = APHX_OK;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (addr != MAP_FAILED) {
            ipc_mapping *m = aphx_malloc(sizeof *m);
            if (m) {
                *m = (ipc_mapping){.addr = addr, .len = (size_t)st.st_size};
                *out = arrow_buffer_wrap(addr, (int64_t)st.st_size, ipc_unmap_input, m);
                if (!*out) ipc_unmap_input(m);
            } else {
                munmap(addr, (size_t)st.st_size);
            }
            if (!*out) rc = APHX_NOMEM;
        }
    }
    close(fd);
    return rc;
}

aphx_rc arrow_ipc_reader_open_path(const char *path, arrow_reader **out, aphx_error *err)
{
    arrow_buffer *b = NULL;
    aphx_rc rc = strcmp(path, "-") == 0 ? APHX_OK : ipc_map_file(path, &b);
    if (rc) return aphx_fail(err, rc, "%s: out of memory", path);
    if (!b) {
        char *data;
        size_t len;
        if ((rc = aphx_read_file(path, &data, &len, err))) return rc;
        /* aphx_malloc memory is at least 16-byte aligned: views stay 8-aligned. */
        b = arrow_buffer_wrap(data, (int64_t)len, ipc_free_input, data);
        if (!b) {
            aphx_free(data);
            return aphx_fail(err, APHX_NOMEM, "out of memory");
        }
    }
    rc = arrow_ipc_reader_open_buffer(b, out, err);
    arrow_buffer_unref(b);
    if (rc) aphx_error_prefix(err, "%s", path);
    return rc;
}

bool arrow_ipc_reader_is_file(arrow_reader *r)
{
    return r && r->schema == ipc_reader_schema && ((ipc_reader *)r)->is_file;
}
