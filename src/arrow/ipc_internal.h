/*
 * ipc_internal.h — shared internals of the Arrow IPC implementation
 * (ipc_schema.c, ipc_write.c, ipc_read.c, compress.c): Flatbuffer field ids
 * and enum values from Arrow's format/Schema.fbs, Message.fbs and File.fbs,
 * and the functions the stages share.
 *
 * Message framing (stream format, and inside the file format):
 *
 *   offset  size  what
 *   0       4     0xFFFFFFFF continuation marker (absent in pre-0.15 streams)
 *   4       4     int32 little-endian metadata length M (includes padding)
 *   8       M     Message flatbuffer, zero-padded so 8 + M is a multiple of 8
 *   8+M     B     body (Message.bodyLength bytes): the buffers, each padded to 8
 *   end: 0xFFFFFFFF 0x00000000 (or a bare 0x00000000 in pre-0.15 streams)
 *
 * File format:
 *
 *   0       6     "ARROW1"
 *   6       2     zero padding
 *   8       ...   the stream above (schema, dictionaries, record batches, EOS)
 *   F       L     Footer flatbuffer
 *   F+L     4     int32 L
 *   F+L+4   6     "ARROW1"
 *
 * Compressed bodies: each buffer is int64 uncompressed length followed by the
 * LZ4 frame / ZSTD frame; length -1 means the bytes that follow are raw.
 */
#ifndef APHX_ARROW_IPC_INTERNAL_H
#define APHX_ARROW_IPC_INTERNAL_H

#include "arrow/arrow.h"
#include "arrow/flatbuf.h"

/* MetadataVersion */
enum { IPC_V1 = 0, IPC_V4 = 3, IPC_V5 = 4 };

/* Type union (Schema.fbs) */
enum {
    IPC_TYPE_NONE = 0, IPC_TYPE_NULL = 1, IPC_TYPE_INT = 2, IPC_TYPE_FLOAT = 3,
    IPC_TYPE_BINARY = 4, IPC_TYPE_UTF8 = 5, IPC_TYPE_BOOL = 6, IPC_TYPE_DECIMAL = 7,
    IPC_TYPE_DATE = 8, IPC_TYPE_TIME = 9, IPC_TYPE_TIMESTAMP = 10, IPC_TYPE_INTERVAL = 11,
    IPC_TYPE_LIST = 12, IPC_TYPE_STRUCT = 13, IPC_TYPE_UNION = 14,
    IPC_TYPE_FIXED_SIZE_BINARY = 15, IPC_TYPE_FIXED_SIZE_LIST = 16, IPC_TYPE_MAP = 17,
    IPC_TYPE_DURATION = 18, IPC_TYPE_LARGE_BINARY = 19, IPC_TYPE_LARGE_UTF8 = 20,
    IPC_TYPE_LARGE_LIST = 21
};

/* MessageHeader union (Message.fbs) */
enum { IPC_MSG_NONE = 0, IPC_MSG_SCHEMA = 1, IPC_MSG_DICTIONARY = 2, IPC_MSG_RECORD_BATCH = 3 };

/* Field ids */
enum { IPC_MESSAGE_VERSION = 0, IPC_MESSAGE_HEADER_TYPE = 1, IPC_MESSAGE_HEADER = 2,
       IPC_MESSAGE_BODY_LENGTH = 3, IPC_MESSAGE_METADATA = 4 };
enum { IPC_SCHEMA_ENDIANNESS = 0, IPC_SCHEMA_FIELDS = 1, IPC_SCHEMA_METADATA = 2 };
enum { IPC_FIELD_NAME = 0, IPC_FIELD_NULLABLE = 1, IPC_FIELD_TYPE_TYPE = 2, IPC_FIELD_TYPE = 3,
       IPC_FIELD_DICTIONARY = 4, IPC_FIELD_CHILDREN = 5, IPC_FIELD_METADATA = 6 };
enum { IPC_BATCH_LENGTH = 0, IPC_BATCH_NODES = 1, IPC_BATCH_BUFFERS = 2,
       IPC_BATCH_COMPRESSION = 3 };
enum { IPC_DICT_ID = 0, IPC_DICT_DATA = 1, IPC_DICT_IS_DELTA = 2 };
enum { IPC_FOOTER_VERSION = 0, IPC_FOOTER_SCHEMA = 1, IPC_FOOTER_DICTIONARIES = 2,
       IPC_FOOTER_BATCHES = 3 };

#define IPC_CONTINUATION 0xFFFFFFFFu
#define IPC_MAX_NESTING 64
/* Sizes of the Flatbuffer structs. */
#define IPC_FIELD_NODE_SIZE 16   /* int64 length, int64 null_count */
#define IPC_BUFFER_SIZE 16       /* int64 offset, int64 length */
#define IPC_BLOCK_SIZE 24        /* int64 offset, int32 metaDataLength, pad, int64 bodyLength */

/* Encode a schema table (Schema.fbs `Schema`) into the builder. */
aphx_rc ipc_schema_encode(fb_builder *b, const arrow_schema *s, fb_ref *out, aphx_error *err);
/* Decode a Schema table. On success the caller owns *out (arrow_schema_free). */
aphx_rc ipc_schema_decode(const fb_table *t, arrow_schema *out, aphx_error *err);

/* Worst-case compressed size of n bytes (for the output allocation). */
int64_t ipc_compress_bound(arrow_compression codec, int64_t n);
/* Compress src into dst (capacity dst_cap); *out_len = compressed bytes. */
aphx_rc ipc_compress(arrow_compression codec, const uint8_t *src, int64_t n, uint8_t *dst,
                     int64_t dst_cap, int64_t *out_len, aphx_error *err);
/* Cheap plausibility check of an announced uncompressed length, before
 * allocating it (ratio bounds of the codec, zstd's frame content size). */
aphx_rc ipc_decompress_check(arrow_compression codec, const uint8_t *src, int64_t n,
                             int64_t expected, aphx_error *err);
/* Decompression contexts, created on first use and reused (a reader keeps
 * one: LZ4F and ZSTD contexts hold large internal buffers). */
typedef struct ipc_codecs {
    void *lz4;    /* LZ4F_dctx */
    void *zstd;   /* ZSTD_DCtx */
} ipc_codecs;
void ipc_codecs_free(ipc_codecs *cx);
/* Decompress exactly `expected` bytes into dst; anything else is APHX_CORRUPT. */
aphx_rc ipc_decompress(ipc_codecs *cx, arrow_compression codec, const uint8_t *src, int64_t n,
                       uint8_t *dst, int64_t expected, aphx_error *err);

/* Number of IPC buffers for a field's node (dictionary-encoded: 2). Unions
 * have a validity buffer before metadata V5. */
int32_t ipc_field_buffer_count(const arrow_field *f, int version);

/* Same physical type (names and metadata aside): type parameters, children
 * and dictionary encodings. */
bool ipc_field_same_type(const arrow_field *a, const arrow_field *b, int depth);

/* Delta dictionaries: *out = x ++ y in new buffers (both arrays valid for
 * value_field). Caller owns *out. APHX_NOMEM, APHX_OVERFLOW (32-bit offsets). */
aphx_rc ipc_concat(const arrow_field *value_field, arrow_array *x, arrow_array *y,
                   arrow_array **out, aphx_error *err);

#endif /* APHX_ARROW_IPC_INTERNAL_H */
