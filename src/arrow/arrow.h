/*
 * arrow.h — ArrowPhoenix's Apache Arrow columnar core: the public header of
 * src/arrow. Every batch of data in the system (query results, node-to-node
 * exchange, storage segments) is one of these.
 *
 * The model
 * ---------
 *   arrow_field   a column description: name, logical type, nullability,
 *                 custom metadata, children (nested types) and, for
 *                 dictionary-encoded columns, the dictionary encoding. For a
 *                 dictionary-encoded field, `type` is the VALUE type and
 *                 `dict->index_type` the integer type of the indices (this is
 *                 how Arrow's IPC Schema.fbs describes it).
 *   arrow_schema  the fields of a record batch plus schema-level metadata.
 *   arrow_buffer  a reference-counted byte range. Owned memory is 64-byte
 *                 aligned; a buffer may instead be a view into a parent buffer
 *                 (zero-copy IPC reads, slices) or wrap foreign memory (C Data
 *                 Interface import) with a release callback.
 *   arrow_array   a reference-counted array with the physical layout of the
 *                 Arrow spec — exactly the buffers the C Data Interface lists
 *                 for the type, in that order:
 *                   null:                 (none)
 *                   bool / primitives:    validity, values
 *                   utf8/binary (32/64):  validity, offsets, data
 *                   fixed_size_binary:    validity, values
 *                   list / large_list/map:validity, offsets  + 1 child
 *                   fixed_size_list:      validity           + 1 child
 *                   struct:               validity           + n children
 *                   sparse union:         type_ids           + n children
 *                   dense union:          type_ids, offsets  + n children
 *                   dictionary-encoded:   validity, indices  + ->dictionary
 *                 A NULL validity buffer means "no nulls". `offset` and
 *                 `length` are in elements of this array (slicing adjusts
 *                 them, never the buffers). The array does not carry its
 *                 type: it is always interpreted with its arrow_field.
 *   arrow_batch   a record batch: a schema reference plus one array per
 *                 field, all of the same length.
 *
 * Ownership: _ref/_unref counts for buffers and arrays (not thread-safe
 * atomics unless noted: an array is owned by one thread at a time). Fields and
 * schemas are plain values deep-copied with _copy and freed with _free.
 */
#ifndef APHX_ARROW_H
#define APHX_ARROW_H

#include "base/base.h"

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */
#define ARROW_TYPE_LIST(X)                                   \
    X(NA, "null")                                            \
    X(BOOL, "bool")                                          \
    X(INT8, "int8") X(INT16, "int16") X(INT32, "int32") X(INT64, "int64") \
    X(UINT8, "uint8") X(UINT16, "uint16") X(UINT32, "uint32") X(UINT64, "uint64") \
    X(FLOAT16, "float16") X(FLOAT32, "float32") X(FLOAT64, "float64") \
    X(DECIMAL128, "decimal128") X(DECIMAL256, "decimal256") \
    X(DATE32, "date32") X(DATE64, "date64")                  \
    X(TIME32, "time32") X(TIME64, "time64")                  \
    X(TIMESTAMP, "timestamp") X(DURATION, "duration")        \
    X(INTERVAL_MONTHS, "interval_months")                    \
    X(INTERVAL_DAY_TIME, "interval_day_time")                \
    X(INTERVAL_MONTH_DAY_NANO, "interval_month_day_nano")    \
    X(UTF8, "utf8") X(LARGE_UTF8, "large_utf8")              \
    X(BINARY, "binary") X(LARGE_BINARY, "large_binary")      \
    X(FIXED_SIZE_BINARY, "fixed_size_binary")                \
    X(LIST, "list") X(LARGE_LIST, "large_list")              \
    X(FIXED_SIZE_LIST, "fixed_size_list")                    \
    X(STRUCT, "struct") X(MAP, "map")                        \
    X(SPARSE_UNION, "sparse_union") X(DENSE_UNION, "dense_union")

typedef enum arrow_type_id {
#define ARROW_X_ENUM(name, text) ARROW_##name,
    ARROW_TYPE_LIST(ARROW_X_ENUM)
#undef ARROW_X_ENUM
    ARROW_TYPE_COUNT
} arrow_type_id;

typedef enum arrow_time_unit {
    ARROW_SECOND = 0, ARROW_MILLI = 1, ARROW_MICRO = 2, ARROW_NANO = 3
} arrow_time_unit;

#define ARROW_MAX_UNION_CHILDREN 128

/* Parameters of a logical type. Only the members named for the type id are
 * meaningful; the rest are zero. */
typedef struct arrow_type {
    arrow_type_id   id;
    int32_t         byte_width;   /* FIXED_SIZE_BINARY (bytes), DECIMAL128 = 16, DECIMAL256 = 32 */
    int32_t         list_size;    /* FIXED_SIZE_LIST */
    int32_t         precision;    /* DECIMAL* */
    int32_t         scale;        /* DECIMAL* */
    arrow_time_unit unit;         /* TIME32 (s|ms), TIME64 (us|ns), TIMESTAMP, DURATION */
    char           *timezone;     /* TIMESTAMP; NULL when none; owned */
    bool            keys_sorted;  /* MAP */
    int32_t         n_type_codes; /* *_UNION: equals the number of children */
    int8_t         *type_codes;   /* *_UNION: type code of child i; owned */
} arrow_type;

typedef struct arrow_kv {
    char *key;      /* owned, NUL-terminated */
    char *value;    /* owned; may contain any bytes, value_len says how many */
    int64_t value_len;
} arrow_kv;

typedef struct arrow_metadata {
    int32_t   count;
    arrow_kv *items;   /* owned */
} arrow_metadata;

typedef struct arrow_dict_encoding {
    int64_t       id;          /* dictionary id (IPC); shared dictionaries share it */
    arrow_type_id index_type;  /* INT8..INT64 or UINT8..UINT64 */
    bool          ordered;
} arrow_dict_encoding;

typedef struct arrow_field {
    char                *name;       /* owned; never NULL ("" if unnamed) */
    arrow_type           type;
    bool                 nullable;
    arrow_metadata       metadata;
    int32_t              n_children;
    struct arrow_field  *children;   /* owned array of n_children */
    arrow_dict_encoding *dict;       /* owned; NULL unless dictionary-encoded */
} arrow_field;

typedef struct arrow_schema {
    int32_t        n_fields;
    arrow_field   *fields;     /* owned */
    arrow_metadata metadata;
} arrow_schema;

const char *arrow_type_name(arrow_type_id id);
/* Bits per value of the fixed-width values buffer (bool = 1, int32 = 32,
 * fixed_size_binary = 8*byte_width, interval_month_day_nano = 128, ...);
 * 0 for types without a fixed-width values buffer. */
int32_t arrow_type_bit_width(const arrow_type *t);
bool arrow_type_is_integer(arrow_type_id id);
bool arrow_type_is_signed(arrow_type_id id);
/* Number of buffers the C Data Interface lists for this field's arrays
 * (dictionary-encoded fields: 2). */
int32_t arrow_field_n_buffers(const arrow_field *f);

/* Constructors fill *f; the caller later frees with arrow_field_free.
 * Return APHX_NOMEM on allocation failure (f left zeroed). */
aphx_rc arrow_field_init(arrow_field *f, const char *name, arrow_type_id id, bool nullable);
aphx_rc arrow_field_set_children(arrow_field *f, int32_t n);  /* allocates zeroed children */
aphx_rc arrow_field_set_timezone(arrow_field *f, const char *tz);
aphx_rc arrow_field_add_metadata(arrow_field *f, const char *key, const char *value);
aphx_rc arrow_metadata_add(arrow_metadata *m, const char *key, const void *value, int64_t value_len);
aphx_rc arrow_metadata_copy(arrow_metadata *dst, const arrow_metadata *src);
void    arrow_metadata_free(arrow_metadata *m);
aphx_rc arrow_field_copy(arrow_field *dst, const arrow_field *src);
void    arrow_field_free(arrow_field *f);
aphx_rc arrow_schema_init(arrow_schema *s, int32_t n_fields);  /* zeroed fields */
aphx_rc arrow_schema_copy(arrow_schema *dst, const arrow_schema *src);
void    arrow_schema_free(arrow_schema *s);
/* Structural equality (names, types, nullability, children, dictionary
 * encodings; metadata compared when check_metadata). */
bool arrow_field_equal(const arrow_field *a, const arrow_field *b, bool check_metadata);
bool arrow_schema_equal(const arrow_schema *a, const arrow_schema *b, bool check_metadata);
/* Render a type for humans: "timestamp[us, tz=UTC]", "list<item: int32>",
 * "dictionary<values=utf8, indices=int16>". Appends to b. */
void arrow_field_format_type(const arrow_field *f, aphx_buf *b);
/* Render a schema, one field per line. */
void arrow_schema_format(const arrow_schema *s, aphx_buf *b);

/* ------------------------------------------------------------------ */
/* Buffers                                                             */
/* ------------------------------------------------------------------ */
typedef struct arrow_buffer arrow_buffer;
typedef void (*arrow_release_fn)(void *ctx);

struct arrow_buffer {
    int64_t          refcount;
    uint8_t         *data;      /* 64-byte aligned when allocated here */
    int64_t          size;      /* bytes in use */
    int64_t          capacity;  /* bytes allocated (owned buffers only) */
    arrow_buffer    *parent;    /* for views: holds one reference */
    arrow_release_fn release;   /* for wrapped foreign memory */
    void            *release_ctx;
    bool             owned;     /* data was allocated by arrow_buffer_alloc */
};

/* A new owned, zero-filled buffer of `size` bytes (capacity rounded to 64).
 * Returns NULL on out of memory. refcount = 1. */
arrow_buffer *arrow_buffer_alloc(int64_t size);
/* Grow an owned buffer with refcount 1 to at least `size` (zero-filling the
 * new part). APHX_NOMEM on failure (buffer unchanged). */
aphx_rc arrow_buffer_resize(arrow_buffer *b, int64_t size);
/* Wrap foreign memory; release(ctx) runs when the last reference goes. */
arrow_buffer *arrow_buffer_wrap(void *data, int64_t size, arrow_release_fn release, void *ctx);
/* A view of bytes [offset, offset+size) of parent (takes a reference on it). */
arrow_buffer *arrow_buffer_view(arrow_buffer *parent, int64_t offset, int64_t size);
arrow_buffer *arrow_buffer_ref(arrow_buffer *b);   /* returns b; NULL-safe */
void          arrow_buffer_unref(arrow_buffer *b); /* NULL-safe */

/* Bitmaps: LSB-first, 1 = valid/true. */
static inline bool arrow_bit_get(const uint8_t *bits, int64_t i) {
    return (bits[i >> 3] >> (i & 7)) & 1;
}
static inline void arrow_bit_set(uint8_t *bits, int64_t i, bool v) {
    if (v) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else   bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
int64_t arrow_bitmap_count_set(const uint8_t *bits, int64_t offset, int64_t length);

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */
#define ARROW_MAX_BUFFERS 3

typedef struct arrow_array {
    int64_t             refcount;
    int64_t             length;
    int64_t             offset;
    int64_t             null_count;              /* -1 = not yet computed */
    int32_t             n_buffers;
    arrow_buffer       *buffers[ARROW_MAX_BUFFERS]; /* each may be NULL (validity) */
    int32_t             n_children;
    struct arrow_array **children;               /* owned references */
    struct arrow_array  *dictionary;             /* owned reference; dictionary-encoded only */
} arrow_array;

/* An empty array shell for `f` (n_buffers set, children allocated and
 * recursively created for nested types, buffers NULL, length 0). */
arrow_array *arrow_array_new(const arrow_field *f);
arrow_array *arrow_array_ref(arrow_array *a);
void         arrow_array_unref(arrow_array *a);
/* Zero-copy slice [offset, offset+length) (shares buffers/children).
 * NULL when the range is outside the array, or on out of memory. */
arrow_array *arrow_array_slice(arrow_array *a, int64_t offset, int64_t length);
/* null_count, computing and caching it when -1. Union arrays (no validity
 * bitmap) must carry null_count 0: their nulls live in the children. */
int64_t arrow_array_null_count(arrow_array *a);
/* Is element i (relative to the array's offset) null? Handles the validity
 * bitmap, the null type, and unions (a union slot is null if its child is). */
bool arrow_array_is_null(const arrow_field *f, const arrow_array *a, int64_t i);
/* Full validation against the field: buffer count and sizes for
 * offset+length, offsets monotonic and in range of data/children, child
 * lengths, null_count agrees with the bitmap, union type codes valid and
 * dense offsets in range, dictionary indices in range, utf8 valid UTF-8
 * (when check_utf8). APHX_CORRUPT with a message naming the field path and
 * what is wrong. */
aphx_rc arrow_array_validate(const arrow_field *f, const arrow_array *a,
                             bool check_utf8, aphx_error *err);
/* Deep value equality of two arrays of the same field (respects offsets,
 * ignores the values behind nulls). On inequality, and when msg is
 * non-NULL, appends a description of the first difference. */
bool arrow_array_equal(const arrow_field *f, const arrow_array *a,
                       const arrow_array *b, aphx_buf *msg);
/* Append element i rendered for humans (NULL as "null", strings unquoted
 * when !quote, nested as [..] / {..}) to b. */
void arrow_array_format_value(const arrow_field *f, const arrow_array *a,
                              int64_t i, bool quote, aphx_buf *b);
/* Append element i as a JSON value. */
void arrow_array_format_json(const arrow_field *f, const arrow_array *a,
                             int64_t i, aphx_buf *b);

/* ------------------------------------------------------------------ */
/* Builders: append values, then finish into an arrow_array.           */
/* ------------------------------------------------------------------ */
typedef struct arrow_builder arrow_builder;

/* A builder for field f (which must outlive the builder). NULL on OOM (or
 * when a dictionary index type is not an integer).
 * For nested fields the child builders are reachable with
 * arrow_builder_child(). For dictionary-encoded fields, values are appended
 * to the value builder and deduplicated into indices; a nested value (list,
 * map, fixed_size_list, struct) is appended in parts through
 * arrow_builder_child(b, i) and closed with arrow_builder_append_valid(b). */
arrow_builder *arrow_builder_new(const arrow_field *f);
void           arrow_builder_free(arrow_builder *b);
arrow_builder *arrow_builder_child(arrow_builder *b, int32_t i);
int64_t        arrow_builder_length(const arrow_builder *b);
aphx_rc arrow_builder_append_null(arrow_builder *b);
aphx_rc arrow_builder_append_bool(arrow_builder *b, bool v);
aphx_rc arrow_builder_append_int(arrow_builder *b, int64_t v);    /* ints, dates, times, ts, duration, interval_months */
aphx_rc arrow_builder_append_uint(arrow_builder *b, uint64_t v);
aphx_rc arrow_builder_append_double(arrow_builder *b, double v);  /* float16/32/64 */
/* utf8/binary/fixed_size_binary (len must equal byte_width), and the raw
 * little-endian bytes of decimal and interval values. */
aphx_rc arrow_builder_append_bytes(arrow_builder *b, const void *p, int64_t len);
/* list/large_list/map/fixed_size_list/struct: append the children's values
 * first through arrow_builder_child(), then close the element with this. */
aphx_rc arrow_builder_append_valid(arrow_builder *b);
/* unions: choose child by type code; the value itself goes to the child
 * builder (for sparse unions, the other children get a null). */
aphx_rc arrow_builder_append_union(arrow_builder *b, int8_t type_code);
/* Finish: the builder is reset and may be reused. NULL on OOM (APHX_NOMEM)
 * or when child lengths do not line up (APHX_INVALID, message names the
 * child); on failure the builder keeps everything appended so far. */
arrow_array *arrow_builder_finish(arrow_builder *b, aphx_error *err);

/* ------------------------------------------------------------------ */
/* Record batches                                                      */
/* ------------------------------------------------------------------ */
typedef struct arrow_batch {
    const arrow_schema *schema;   /* borrowed: must outlive the batch */
    int64_t             length;
    int32_t             n_columns;
    arrow_array       **columns;  /* owned references */
} arrow_batch;

/* Allocates columns (NULL entries) for schema->n_fields. NULL on OOM. */
arrow_batch *arrow_batch_new(const arrow_schema *schema, int64_t length);
void         arrow_batch_free(arrow_batch *b);
arrow_batch *arrow_batch_slice(const arrow_batch *b, int64_t offset, int64_t length);
aphx_rc      arrow_batch_validate(const arrow_batch *b, bool check_utf8, aphx_error *err);
bool         arrow_batch_equal(const arrow_batch *a, const arrow_batch *b, aphx_buf *msg);

/* ------------------------------------------------------------------ */
/* The Arrow C Data Interface and C Stream Interface (ABI-stable).     */
/* ------------------------------------------------------------------ */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};
#endif

/* Export a field (out is a struct-typed schema for a whole arrow_schema).
 * On success the consumer owns *out and must call out->release. */
aphx_rc arrow_export_field(const arrow_field *f, struct ArrowSchema *out, aphx_error *err);
aphx_rc arrow_export_schema(const arrow_schema *s, struct ArrowSchema *out, aphx_error *err);
/* Export an array: takes its own references; the producer's array may be
 * unref'd right after. */
aphx_rc arrow_export_array(const arrow_field *f, arrow_array *a, struct ArrowArray *out,
                           aphx_error *err);
aphx_rc arrow_export_batch(arrow_batch *b, struct ArrowArray *out, aphx_error *err);
/* Import: moves from *in (in->release is set to NULL on success; on
 * failure *in is left untouched and still owned by the caller). */
aphx_rc arrow_import_field(struct ArrowSchema *in, arrow_field *out, aphx_error *err);
aphx_rc arrow_import_schema(struct ArrowSchema *in, arrow_schema *out, aphx_error *err);
aphx_rc arrow_import_array(const arrow_field *f, struct ArrowArray *in, arrow_array **out,
                           aphx_error *err);
aphx_rc arrow_import_batch(const arrow_schema *s, struct ArrowArray *in, arrow_batch **out,
                           aphx_error *err);

/* A producer of batches (IPC readers, query results). */
typedef struct arrow_reader {
    /* Borrowed schema, valid until close. */
    const arrow_schema *(*schema)(struct arrow_reader *r);
    /* *out = next batch (caller frees), or NULL at end of stream. */
    aphx_rc (*next)(struct arrow_reader *r, arrow_batch **out, aphx_error *err);
    void (*close)(struct arrow_reader *r);
} arrow_reader;

/* Export a reader as a C stream (takes ownership of r). */
aphx_rc arrow_export_stream(arrow_reader *r, struct ArrowArrayStream *out);
/* Import a C stream as a reader (moves from *in). */
aphx_rc arrow_import_stream(struct ArrowArrayStream *in, arrow_reader **out, aphx_error *err);

/* ------------------------------------------------------------------ */
/* Arrow IPC: stream and file formats                                  */
/* ------------------------------------------------------------------ */
typedef enum arrow_compression {
    ARROW_COMPRESSION_NONE = -1, ARROW_COMPRESSION_LZ4_FRAME = 0, ARROW_COMPRESSION_ZSTD = 1
} arrow_compression;

typedef struct arrow_ipc_write_options {
    arrow_compression compression;
    bool              file_format;   /* "ARROW1" magic + footer */
} arrow_ipc_write_options;

typedef struct arrow_ipc_writer arrow_ipc_writer;

/* Write to a file descriptor (not closed by the writer) or collect into
 * memory (fd = -1; take bytes with arrow_ipc_writer_take_buffer). The schema
 * is copied. Dictionary-encoded columns: dictionaries are written before the
 * batch that first uses them; a later batch whose dictionary array is a
 * different object emits a delta when the old dictionary is a prefix of the
 * new one, otherwise a replacement (stream format only; the file format
 * refuses replacements with APHX_UNSUPPORTED, as the spec requires). */
aphx_rc arrow_ipc_writer_open(int fd, const arrow_schema *schema,
                              const arrow_ipc_write_options *opts,
                              arrow_ipc_writer **out, aphx_error *err);
aphx_rc arrow_ipc_writer_write(arrow_ipc_writer *w, const arrow_batch *b, aphx_error *err);
/* Writes the end-of-stream marker (and footer for files). */
aphx_rc arrow_ipc_writer_close(arrow_ipc_writer *w, aphx_error *err);
/* For fd = -1 writers, after close: the bytes (caller frees with aphx_free). */
void    arrow_ipc_writer_take_buffer(arrow_ipc_writer *w, uint8_t **data, size_t *len);
void    arrow_ipc_writer_free(arrow_ipc_writer *w);

/* Open a reader over a complete in-memory IPC stream or file (format
 * detected from the "ARROW1" magic). The reader takes a reference on `data`
 * and returns zero-copy views into it where alignment allows. Untrusted
 * input: every offset, length and count is checked; errors are
 * APHX_CORRUPT with a message naming what is wrong. */
aphx_rc arrow_ipc_reader_open_buffer(arrow_buffer *data, arrow_reader **out, aphx_error *err);
/* Read a whole file ("-" = stdin) into an aligned buffer and open it. */
aphx_rc arrow_ipc_reader_open_path(const char *path, arrow_reader **out, aphx_error *err);
/* Was the opened input in the file format? (false for streams) */
bool    arrow_ipc_reader_is_file(arrow_reader *r);

/* ------------------------------------------------------------------ */
/* Arrow integration JSON (testing format)                             */
/* ------------------------------------------------------------------ */
/* Read the JSON format of Apache Arrow's integration tests (the .json of
 * the arrow-testing gold files; src/arrow/json_integration.c documents it).
 * [in]  text, len      the document (need not be NUL-terminated)
 * [out] schema_out     the schema incl. metadata and dictionary encodings;
 *                      caller frees with arrow_schema_free. The batches
 *                      borrow it, so it must stay at this address.
 * [out] batches_out    *n_batches_out batches (dictionary-encoded columns
 *                      carry their ->dictionary; fields sharing a dictionary
 *                      id share one array); free with arrow_json_batches_free.
 * Errors: APHX_SYNTAX (malformed JSON), APHX_CORRUPT (a member missing or
 * inconsistent; the message names batch/column/child), APHX_UNSUPPORTED
 * (view and run-end-encoded types), APHX_NOMEM. On error nothing is
 * returned and *schema_out is zeroed. */
aphx_rc arrow_json_read(const char *text, size_t len, arrow_schema *schema_out,
                        arrow_batch ***batches_out, int64_t *n_batches_out, aphx_error *err);
/* Free the batches returned by arrow_json_read (NULL-safe). */
void    arrow_json_batches_free(arrow_batch **batches, int64_t n);

#endif /* APHX_ARROW_H */
