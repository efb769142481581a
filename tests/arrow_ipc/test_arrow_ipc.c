/*
 * test_arrow_ipc.c — unit tests of the Arrow IPC layer: the Flatbuffers
 * builder/reader, round trips of every type through the stream and file
 * formats with each compression, empty/zero batches, sliced arrays,
 * dictionaries (delta, replacement, shared, nested), pre-0.15 framing,
 * corrupt input (every truncation, many byte flips) and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "arrow/arrow.h"
#include "arrow/flatbuf.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */
static void field_init(arrow_field *f, const char *name, arrow_type_id id)
{
    assert_int_equal(arrow_field_init(f, name, id, true), APHX_OK);
}

static arrow_field *child(arrow_field *f, int32_t n)
{
    assert_int_equal(arrow_field_set_children(f, n), APHX_OK);
    return f->children;
}

static void make_dict(arrow_field *f, int64_t id, arrow_type_id index)
{
    f->dict = aphx_calloc(1, sizeof *f->dict);
    assert_non_null(f->dict);
    f->dict->id = id;
    f->dict->index_type = index;
}

/* Append a deterministic value (or null) for row r. */
static void append_value(arrow_builder *b, const arrow_field *f, int64_t r)
{
    aphx_rc rc = APHX_OK;
    if (f->nullable && r % 5 == 3) {
        assert_int_equal(arrow_builder_append_null(b), APHX_OK);
        return;
    }
    char text[32];
    uint8_t bytes[32];
    for (int i = 0; i < 32; i++) bytes[i] = (uint8_t)(r * 7 + i);
    snprintf(text, sizeof text, "v%lld-%s", (long long)(r % 4), r % 2 ? "éx" : "");
    switch (f->type.id) {
    case ARROW_NA: rc = arrow_builder_append_null(b); break;
    case ARROW_BOOL: rc = arrow_builder_append_bool(b, r % 3 == 0); break;
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_DATE32: case ARROW_DATE64: case ARROW_TIME32: case ARROW_TIME64:
    case ARROW_TIMESTAMP: case ARROW_DURATION: case ARROW_INTERVAL_MONTHS:
        rc = arrow_builder_append_int(b, (r * 37) % 100 - 50);
        break;
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32: case ARROW_UINT64:
        rc = arrow_builder_append_uint(b, (uint64_t)(r * 13) % 200);
        break;
    case ARROW_FLOAT16: case ARROW_FLOAT32: case ARROW_FLOAT64:
        rc = arrow_builder_append_double(b, (double)r * 0.5 - 3);
        break;
    case ARROW_DECIMAL128: case ARROW_DECIMAL256: case ARROW_INTERVAL_DAY_TIME:
    case ARROW_INTERVAL_MONTH_DAY_NANO: case ARROW_FIXED_SIZE_BINARY:
        rc = arrow_builder_append_bytes(b, bytes, arrow_type_bit_width(&f->type) / 8);
        break;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        rc = arrow_builder_append_bytes(b, text, (int64_t)strlen(text));
        break;
    case ARROW_LIST: case ARROW_LARGE_LIST:
        for (int64_t k = 0; k < r % 4; k++)
            append_value(arrow_builder_child(b, 0), &f->children[0], r + k);
        rc = arrow_builder_append_valid(b);
        break;
    case ARROW_FIXED_SIZE_LIST:
        for (int64_t k = 0; k < f->type.list_size; k++)
            append_value(arrow_builder_child(b, 0), &f->children[0], r + k);
        rc = arrow_builder_append_valid(b);
        break;
    case ARROW_STRUCT:
        for (int32_t i = 0; i < f->n_children; i++)
            append_value(arrow_builder_child(b, i), &f->children[i], r + i);
        rc = arrow_builder_append_valid(b);
        break;
    case ARROW_MAP: {
        arrow_builder *entries = arrow_builder_child(b, 0);
        const arrow_field *ef = &f->children[0];
        for (int64_t k = 0; k < r % 3; k++) {
            arrow_field key = ef->children[0];
            key.nullable = false;
            append_value(arrow_builder_child(entries, 0), &key, r + k);
            append_value(arrow_builder_child(entries, 1), &ef->children[1], r + k);
            assert_int_equal(arrow_builder_append_valid(entries), APHX_OK);
        }
        rc = arrow_builder_append_valid(b);
        break;
    }
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        int32_t i = (int32_t)(r % f->n_children);
        assert_int_equal(arrow_builder_append_union(b, f->type.type_codes[i]), APHX_OK);
        append_value(arrow_builder_child(b, i), &f->children[i], r);
        break;
    }
    default: fail_msg("unhandled type %s", arrow_type_name(f->type.id));
    }
    assert_int_equal(rc, APHX_OK);
}

static arrow_batch *make_batch(const arrow_schema *s, int64_t n, int64_t seed)
{
    arrow_batch *b = arrow_batch_new(s, n);
    assert_non_null(b);
    for (int32_t c = 0; c < s->n_fields; c++) {
        arrow_builder *bld = arrow_builder_new(&s->fields[c]);
        assert_non_null(bld);
        for (int64_t r = 0; r < n; r++) append_value(bld, &s->fields[c], r + seed);
        aphx_error err = {0};
        b->columns[c] = arrow_builder_finish(bld, &err);
        if (!b->columns[c]) fail_msg("finish %s: %s", s->fields[c].name, err.msg);
        arrow_builder_free(bld);
    }
    aphx_error err = {0};
    if (arrow_batch_validate(b, true, &err)) fail_msg("built batch invalid: %s", err.msg);
    return b;
}

/* The schema with every type of arrow.h (plus metadata and dictionaries). */
static void make_all_types_schema(arrow_schema *s)
{
    static const arrow_type_id flat[] = {
        ARROW_NA, ARROW_BOOL, ARROW_INT8, ARROW_INT16, ARROW_INT32, ARROW_INT64, ARROW_UINT8,
        ARROW_UINT16, ARROW_UINT32, ARROW_UINT64, ARROW_FLOAT16, ARROW_FLOAT32, ARROW_FLOAT64,
        ARROW_DECIMAL128, ARROW_DECIMAL256, ARROW_DATE32, ARROW_DATE64, ARROW_TIME32, ARROW_TIME64,
        ARROW_TIMESTAMP, ARROW_DURATION, ARROW_INTERVAL_MONTHS, ARROW_INTERVAL_DAY_TIME,
        ARROW_INTERVAL_MONTH_DAY_NANO, ARROW_UTF8, ARROW_LARGE_UTF8, ARROW_BINARY,
        ARROW_LARGE_BINARY, ARROW_FIXED_SIZE_BINARY};
    int32_t nflat = (int32_t)APHX_ARRAY_LEN(flat);
    int32_t n = nflat + 10;
    assert_int_equal(arrow_schema_init(s, n), APHX_OK);
    for (int32_t i = 0; i < nflat; i++) field_init(&s->fields[i], arrow_type_name(flat[i]), flat[i]);
    for (int32_t i = 0; i < nflat; i++) {
        arrow_field *f = &s->fields[i];
        if (f->type.id == ARROW_DECIMAL128) f->type.precision = 38, f->type.scale = 4;
        if (f->type.id == ARROW_DECIMAL256) f->type.precision = 70, f->type.scale = 2;
        if (f->type.id == ARROW_FIXED_SIZE_BINARY) f->type.byte_width = 5;
        if (f->type.id == ARROW_TIME64) f->type.unit = ARROW_NANO;
        if (f->type.id == ARROW_TIMESTAMP) arrow_field_set_timezone(f, "Europe/Paris");
        if (f->type.id == ARROW_DURATION) f->type.unit = ARROW_SECOND;
        if (f->type.id == ARROW_INT32) f->nullable = false;
    }
    arrow_field_add_metadata(&s->fields[3], "field-key", "field value");
    arrow_field *f = &s->fields[nflat];
    field_init(f, "list", ARROW_LIST);
    field_init(child(f, 1), "item", ARROW_INT32);
    f++;
    field_init(f, "large_list", ARROW_LARGE_LIST);
    field_init(child(f, 1), "item", ARROW_UTF8);
    f++;
    field_init(f, "fixed_size_list", ARROW_FIXED_SIZE_LIST);
    f->type.list_size = 3;
    field_init(child(f, 1), "item", ARROW_INT16);
    f++;
    field_init(f, "struct", ARROW_STRUCT);
    field_init(child(f, 2), "a", ARROW_INT32);
    field_init(&f->children[1], "b", ARROW_UTF8);
    f++;
    field_init(f, "map", ARROW_MAP);
    f->type.keys_sorted = true;
    {
        arrow_field *e = child(f, 1);
        assert_int_equal(arrow_field_init(e, "entries", ARROW_STRUCT, false), APHX_OK);
        arrow_field *kv = child(e, 2);
        assert_int_equal(arrow_field_init(&kv[0], "key", ARROW_UTF8, false), APHX_OK);
        field_init(&kv[1], "value", ARROW_INT64);
    }
    f++;
    field_init(f, "sparse_union", ARROW_SPARSE_UNION);
    field_init(child(f, 2), "i", ARROW_INT32);
    field_init(&f->children[1], "s", ARROW_UTF8);
    f->type.type_codes[0] = 5;
    f->type.type_codes[1] = 7;
    f++;
    field_init(f, "dense_union", ARROW_DENSE_UNION);
    field_init(child(f, 2), "d", ARROW_FLOAT64);
    field_init(&f->children[1], "b", ARROW_BOOL);
    f++;
    field_init(f, "dict", ARROW_UTF8);
    make_dict(f, 7, ARROW_INT16);
    f->dict->ordered = true;
    f++;
    field_init(f, "dict_u8", ARROW_INT64);
    make_dict(f, 8, ARROW_UINT8);
    f++;
    field_init(f, "list_of_dict", ARROW_LIST);
    field_init(child(f, 1), "item", ARROW_UTF8);
    make_dict(&f->children[0], 9, ARROW_INT32);
    assert_int_equal(arrow_metadata_add(&s->metadata, "schema-key", "v\0bin", 5), APHX_OK);
}

static void write_batches(const arrow_schema *s, arrow_batch **batches, int n,
                          arrow_compression comp, bool file, uint8_t **data, size_t *len)
{
    arrow_ipc_write_options o = {.compression = comp, .file_format = file};
    arrow_ipc_writer *w = NULL;
    aphx_error err = {0};
    if (arrow_ipc_writer_open(-1, s, &o, &w, &err)) fail_msg("open: %s", err.msg);
    for (int i = 0; i < n; i++)
        if (arrow_ipc_writer_write(w, batches[i], &err)) fail_msg("write %d: %s", i, err.msg);
    if (arrow_ipc_writer_close(w, &err)) fail_msg("close: %s", err.msg);
    arrow_ipc_writer_take_buffer(w, data, len);
    arrow_ipc_writer_free(w);
}

static arrow_buffer *wrap_copy(const uint8_t *data, size_t len)
{
    arrow_buffer *b = arrow_buffer_alloc((int64_t)len);
    assert_non_null(b);
    if (len) memcpy(b->data, data, len);
    return b;
}

/* Read everything back and compare with the expected batches. */
static void read_and_compare(const uint8_t *data, size_t len, const arrow_schema *s,
                             arrow_batch **expect, int n, bool file)
{
    arrow_buffer *buf = wrap_copy(data, len);
    arrow_reader *r = NULL;
    aphx_error err = {0};
    if (arrow_ipc_reader_open_buffer(buf, &r, &err)) fail_msg("reader open: %s", err.msg);
    arrow_buffer_unref(buf);
    assert_int_equal(arrow_ipc_reader_is_file(r), file);
    const arrow_schema *rs = r->schema(r);
    assert_true(arrow_schema_equal(s, rs, true));
    for (int i = 0; i <= n; i++) {
        arrow_batch *b = NULL;
        if (r->next(r, &b, &err)) fail_msg("next %d: %s", i, err.msg);
        if (i == n) {
            assert_null(b);
            break;
        }
        assert_non_null(b);
        aphx_buf msg;
        aphx_buf_init(&msg);
        arrow_batch cmp = *b;
        cmp.schema = expect[i]->schema;
        if (!arrow_batch_equal(expect[i], &cmp, &msg)) fail_msg("batch %d differs: %s", i, msg.data);
        aphx_buf_free(&msg);
        arrow_batch_free(b);
    }
    r->close(r);
}

static const arrow_compression comps[] = {ARROW_COMPRESSION_NONE, ARROW_COMPRESSION_LZ4_FRAME,
                                          ARROW_COMPRESSION_ZSTD};

/* ------------------------------------------------------------------ */
/* Flatbuffers                                                         */
/* ------------------------------------------------------------------ */
static void test_flatbuf_round_trip(void **state)
{
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    fb_ref s = fb_create_string(&b, "hello", 5);
    fb_table_start(&b);
    fb_add_i32(&b, 0, 42);
    fb_ref inner = fb_table_end(&b);
    fb_ref kids[2] = {inner, inner};
    fb_ref vec = fb_create_vector_refs(&b, kids, 2);
    int64_t pairs[4] = {1, 2, 3, 4};
    fb_ref structs = fb_create_vector(&b, pairs, 16, 2, 8);
    fb_table_start(&b);
    fb_add_u8(&b, 0, 7);
    fb_add_i64(&b, 1, -5);
    fb_add_ref(&b, 2, s);
    fb_add_ref(&b, 3, vec);
    fb_add_i16(&b, 5, 300);
    fb_add_ref(&b, 6, structs);
    fb_ref root = fb_table_end(&b);
    const uint8_t *data;
    size_t len;
    assert_int_equal(fb_finish(&b, root, &data, &len, NULL), APHX_OK);
    assert_int_equal(len % 8, 0);

    fb_table t, k;
    aphx_error err = {0};
    assert_int_equal(fb_root(data, len, &t, &err), APHX_OK);
    uint8_t u8;
    int64_t i64;
    int16_t i16;
    int32_t i32;
    assert_int_equal(fb_get_u8(&t, 0, 0, &u8, &err), APHX_OK);
    assert_int_equal(u8, 7);
    assert_int_equal(fb_get_i64(&t, 1, 0, &i64, &err), APHX_OK);
    assert_int_equal(i64, -5);
    assert_int_equal(fb_get_i16(&t, 5, 0, &i16, &err), APHX_OK);
    assert_int_equal(i16, 300);
    assert_int_equal(fb_get_i32(&t, 4, 99, &i32, &err), APHX_OK);   /* absent: default */
    assert_int_equal(i32, 99);
    assert_false(fb_has(&t, 4));
    const char *str;
    size_t slen;
    assert_int_equal(fb_get_string(&t, 2, &str, &slen, &err), APHX_OK);
    assert_int_equal(slen, 5);
    assert_memory_equal(str, "hello", 5);
    fb_vector v;
    assert_int_equal(fb_get_vector(&t, 3, 4, &v, &err), APHX_OK);
    assert_int_equal(v.len, 2);
    assert_int_equal(fb_vector_table(&v, 1, &k, &err), APHX_OK);
    assert_int_equal(fb_get_i32(&k, 0, 0, &i32, &err), APHX_OK);
    assert_int_equal(i32, 42);
    assert_int_equal(fb_get_vector(&t, 6, 16, &v, &err), APHX_OK);
    assert_int_equal(v.len, 2);
    assert_int_equal(fb_read_i64(fb_vector_elem(&v, 1) + 8), 4);

    /* Every truncation of the buffer is rejected or read within bounds. */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = aphx_malloc(cut ? cut : 1);
        memcpy(copy, data, cut);
        fb_table tt;
        if (fb_root(copy, cut, &tt, NULL) == APHX_OK) {
            fb_vector vv;
            if (fb_get_vector(&tt, 3, 4, &vv, NULL) == APHX_OK)
                for (uint32_t i = 0; i < vv.len; i++) (void)fb_vector_table(&vv, i, &k, NULL);
            (void)fb_get_string(&tt, 2, &str, &slen, NULL);
        }
        aphx_free(copy);
    }
    fb_builder_free(&b);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                         */
/* ------------------------------------------------------------------ */
static void test_round_trip_all_types(void **state)
{
    (void)state;
    arrow_schema s;
    make_all_types_schema(&s);
    arrow_batch *batches[4];
    batches[0] = make_batch(&s, 23, 0);
    batches[1] = arrow_batch_slice(batches[0], 5, 0);  /* empty, same dictionaries */
    batches[2] = make_batch(&s, 0, 0);    /* empty, empty dictionaries: replacement */
    batches[3] = make_batch(&s, 9, 100);  /* dictionaries differ: replacement (stream) */
    for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
        uint8_t *data;
        size_t len;
        write_batches(&s, batches, 4, comps[c], false, &data, &len);
        read_and_compare(data, len, &s, batches, 4, false);
        aphx_free(data);
        /* The file format refuses replacements: write the first two only. */
        write_batches(&s, batches, 2, comps[c], true, &data, &len);
        read_and_compare(data, len, &s, batches, 2, true);
        aphx_free(data);
    }
    for (int i = 0; i < 4; i++) arrow_batch_free(batches[i]);
    arrow_schema_free(&s);
}

static void test_zero_batches(void **state)
{
    (void)state;
    arrow_schema s;
    make_all_types_schema(&s);
    for (int file = 0; file < 2; file++) {
        uint8_t *data;
        size_t len;
        write_batches(&s, NULL, 0, ARROW_COMPRESSION_NONE, file, &data, &len);
        read_and_compare(data, len, &s, NULL, 0, file);
        aphx_free(data);
    }
    arrow_schema_free(&s);
    /* A schema without fields. */
    arrow_schema e;
    assert_int_equal(arrow_schema_init(&e, 0), APHX_OK);
    uint8_t *data;
    size_t len;
    write_batches(&e, NULL, 0, ARROW_COMPRESSION_ZSTD, true, &data, &len);
    read_and_compare(data, len, &e, NULL, 0, true);
    aphx_free(data);
    arrow_schema_free(&e);
}

static void test_sliced_arrays(void **state)
{
    (void)state;
    arrow_schema s;
    make_all_types_schema(&s);
    arrow_batch *full = make_batch(&s, 40, 3);
    static const int64_t cuts[][2] = {{3, 7}, {8, 16}, {13, 27}, {0, 1}, {39, 1}, {5, 0}};
    for (size_t k = 0; k < APHX_ARRAY_LEN(cuts); k++) {
        arrow_batch *sl = arrow_batch_slice(full, cuts[k][0], cuts[k][1]);
        assert_non_null(sl);
        for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
            uint8_t *data;
            size_t len;
            write_batches(&s, &sl, 1, comps[c], k % 2, &data, &len);
            read_and_compare(data, len, &s, &sl, 1, k % 2);
            aphx_free(data);
        }
        arrow_batch_free(sl);
    }
    arrow_batch_free(full);
    arrow_schema_free(&s);
}

/* ------------------------------------------------------------------ */
/* Dictionaries                                                        */
/* ------------------------------------------------------------------ */
static arrow_array *utf8_array(const char *const *v, int n)
{
    arrow_field f;
    field_init(&f, "v", ARROW_UTF8);
    arrow_builder *b = arrow_builder_new(&f);
    for (int i = 0; i < n; i++) {
        if (v[i]) arrow_builder_append_bytes(b, v[i], (int64_t)strlen(v[i]));
        else arrow_builder_append_null(b);
    }
    arrow_array *a = arrow_builder_finish(b, NULL);
    assert_non_null(a);
    arrow_builder_free(b);
    arrow_field_free(&f);
    return a;
}

/* A dictionary-encoded int32-indexed array over `dict`. */
static arrow_array *dict_array(const arrow_field *f, arrow_array *dict, const int32_t *idx, int n)
{
    arrow_field ix;
    field_init(&ix, "i", ARROW_INT32);
    arrow_builder *b = arrow_builder_new(&ix);
    for (int i = 0; i < n; i++) {
        if (idx[i] < 0) arrow_builder_append_null(b);
        else arrow_builder_append_int(b, idx[i]);
    }
    arrow_array *indices = arrow_builder_finish(b, NULL);
    arrow_builder_free(b);
    arrow_field_free(&ix);
    arrow_array *a = arrow_array_new(f);
    assert_non_null(a);
    a->length = n;
    a->null_count = indices->null_count;
    a->buffers[0] = arrow_buffer_ref(indices->buffers[0]);
    a->buffers[1] = arrow_buffer_ref(indices->buffers[1]);
    arrow_array_unref(a->dictionary);
    a->dictionary = arrow_array_ref(dict);
    arrow_array_unref(indices);
    return a;
}

static int count_dict_messages(const uint8_t *data, size_t len, int *deltas)
{
    /* Crude scan of the stream: count DictionaryBatch headers by reading frames. */
    size_t pos = 0;
    int n = 0;
    *deltas = 0;
    if (len >= 8 && memcmp(data, "ARROW1", 6) == 0) pos = 8;
    while (pos + 8 <= len) {
        uint32_t cont, mlen;
        memcpy(&cont, data + pos, 4);
        memcpy(&mlen, data + pos + 4, 4);
        if (cont != 0xFFFFFFFFu || mlen == 0) break;
        fb_table m, h;
        bool present;
        uint8_t type;
        int64_t body;
        bool delta;
        assert_int_equal(fb_root(data + pos + 8, mlen, &m, NULL), APHX_OK);
        fb_get_u8(&m, 1, 0, &type, NULL);
        fb_get_i64(&m, 3, 0, &body, NULL);
        fb_get_table(&m, 2, &h, &present, NULL);
        if (type == 2) {
            n++;
            fb_get_bool(&h, 2, false, &delta, NULL);
            if (delta) (*deltas)++;
        }
        pos += 8 + mlen + (size_t)body;
    }
    return n;
}

static void test_dictionaries(void **state)
{
    (void)state;
    arrow_schema s;
    assert_int_equal(arrow_schema_init(&s, 3), APHX_OK);
    field_init(&s.fields[0], "a", ARROW_UTF8);
    make_dict(&s.fields[0], 1, ARROW_INT32);
    field_init(&s.fields[1], "b_shares_a", ARROW_UTF8);
    make_dict(&s.fields[1], 1, ARROW_INT32);
    field_init(&s.fields[2], "nested", ARROW_LIST);
    field_init(child(&s.fields[2], 1), "item", ARROW_UTF8);
    make_dict(&s.fields[2].children[0], 2, ARROW_INT32);

    static const char *const v1[] = {"x", "y"};
    static const char *const v2[] = {"x", "y", "z", NULL};
    static const char *const v3[] = {"q", "r"};
    arrow_array *d1 = utf8_array(v1, 2), *d2 = utf8_array(v2, 4), *d3 = utf8_array(v3, 2);
    static const int32_t i1[] = {0, 1, -1, 1}, i2[] = {2, 3, 0, 1}, i3[] = {1, 0, 1, -1};
    arrow_batch *b[3];
    arrow_array *dicts[3] = {d1, d2, d3};
    const int32_t *idx[3] = {i1, i2, i3};
    for (int k = 0; k < 3; k++) {
        b[k] = arrow_batch_new(&s, 4);
        b[k]->columns[0] = dict_array(&s.fields[0], dicts[k], idx[k], 4);
        b[k]->columns[1] = dict_array(&s.fields[1], dicts[k], idx[k], 4);
        /* list<dict>: 2 lists of 2 elements */
        arrow_array *l = arrow_array_new(&s.fields[2]);
        l->length = 4;
        l->null_count = 0;
        l->buffers[1] = arrow_buffer_alloc(5 * 4);
        int32_t offs[5] = {0, 1, 2, 3, 4};
        memcpy(l->buffers[1]->data, offs, sizeof offs);
        arrow_array_unref(l->children[0]);
        l->children[0] = dict_array(&s.fields[2].children[0], dicts[k], idx[k], 4);
        b[k]->columns[2] = l;
        aphx_error err = {0};
        if (arrow_batch_validate(b[k], true, &err)) fail_msg("dict batch %d: %s", k, err.msg);
    }
    for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
        uint8_t *data;
        size_t len;
        int deltas;
        /* stream: d1, delta (d2 extends d1), replacement (d3) — for ids 1 and 2 */
        write_batches(&s, b, 3, comps[c], false, &data, &len);
        assert_int_equal(count_dict_messages(data, len, &deltas), 6);
        assert_int_equal(deltas, 2);
        read_and_compare(data, len, &s, b, 3, false);
        aphx_free(data);
        /* file: deltas are fine */
        write_batches(&s, b, 2, comps[c], true, &data, &len);
        read_and_compare(data, len, &s, b, 2, true);
        aphx_free(data);
    }
    /* file: a replacement is refused */
    {
        arrow_ipc_write_options o = {.compression = ARROW_COMPRESSION_NONE, .file_format = true};
        arrow_ipc_writer *w;
        aphx_error err = {0};
        assert_int_equal(arrow_ipc_writer_open(-1, &s, &o, &w, &err), APHX_OK);
        assert_int_equal(arrow_ipc_writer_write(w, b[0], &err), APHX_OK);
        assert_int_equal(arrow_ipc_writer_write(w, b[2], &err), APHX_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "replace"));
        arrow_ipc_writer_free(w);
    }
    for (int k = 0; k < 3; k++) arrow_batch_free(b[k]);
    arrow_array_unref(d1);
    arrow_array_unref(d2);
    arrow_array_unref(d3);
    arrow_schema_free(&s);
}

/* Delta dictionaries of every kind of value type: the writer sends the
 * grown part, the reader concatenates. */
static arrow_array *build_values(const arrow_field *vf, int64_t n)
{
    arrow_builder *b = arrow_builder_new(vf);
    assert_non_null(b);
    for (int64_t r = 0; r < n; r++) append_value(b, vf, r);
    arrow_array *a = arrow_builder_finish(b, NULL);
    assert_non_null(a);
    arrow_builder_free(b);
    return a;
}

static void test_delta_dictionary_types(void **state)
{
    (void)state;
    arrow_schema all;
    make_all_types_schema(&all);
    int tested = 0;
    for (int32_t k = 0; k < all.n_fields; k++) {
        const arrow_field *src = &all.fields[k];
        if (src->dict || src->type.id == ARROW_NA) continue;
        arrow_schema s;
        assert_int_equal(arrow_schema_init(&s, 1), APHX_OK);
        assert_int_equal(arrow_field_copy(&s.fields[0], src), APHX_OK);
        make_dict(&s.fields[0], 3, ARROW_INT32);
        arrow_field vf = s.fields[0];
        vf.dict = NULL;
        arrow_array *d1 = build_values(&vf, 5), *d2 = build_values(&vf, 9);
        static const int32_t i1[] = {0, 4, -1, 2}, i2[] = {8, 0, 5, -1};
        arrow_batch *b[2] = {arrow_batch_new(&s, 4), arrow_batch_new(&s, 4)};
        b[0]->columns[0] = dict_array(&s.fields[0], d1, i1, 4);
        b[1]->columns[0] = dict_array(&s.fields[0], d2, i2, 4);
        for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++)
            for (int file = 0; file < 2; file++) {
                uint8_t *data;
                size_t len;
                int deltas;
                write_batches(&s, b, 2, comps[c], file, &data, &len);
                int msgs = count_dict_messages(data, len, &deltas);
                /* one full dictionary then one delta per dictionary (nested ones too) */
                if (deltas < 1 || msgs != 2 * deltas)
                    fail_msg("%s: %d dictionary messages, %d deltas", src->name, msgs, deltas);
                read_and_compare(data, len, &s, b, 2, file);
                aphx_free(data);
            }
        tested++;
        arrow_batch_free(b[0]);
        arrow_batch_free(b[1]);
        arrow_array_unref(d1);
        arrow_array_unref(d2);
        arrow_schema_free(&s);
    }
    assert_true(tested > 30);
    arrow_schema_free(&all);
}

/* list<list<...<int32>>>: 60 levels round-trip; 70 are refused. */
static void make_nested_lists(arrow_schema *s, int depth)
{
    assert_int_equal(arrow_schema_init(s, 1), APHX_OK);
    arrow_field *f = &s->fields[0];
    for (int d = 0; d < depth; d++) {
        field_init(f, "l", ARROW_LIST);
        f = child(f, 1);
    }
    field_init(f, "leaf", ARROW_INT32);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    arrow_schema s;
    make_nested_lists(&s, 60);
    arrow_builder *b = arrow_builder_new(&s.fields[0]);
    arrow_batch *bt = arrow_batch_new(&s, 1);
    /* one row: [[[...[]...]]] with the innermost list empty */
    arrow_builder *chain[61];
    chain[0] = b;
    for (int d = 1; d <= 60; d++) chain[d] = arrow_builder_child(chain[d - 1], 0);
    for (int d = 59; d >= 0; d--) assert_int_equal(arrow_builder_append_valid(chain[d]), APHX_OK);
    bt->columns[0] = arrow_builder_finish(b, NULL);
    assert_non_null(bt->columns[0]);
    arrow_builder_free(b);
    uint8_t *data;
    size_t len;
    write_batches(&s, &bt, 1, ARROW_COMPRESSION_ZSTD, false, &data, &len);
    read_and_compare(data, len, &s, &bt, 1, false);
    aphx_free(data);
    arrow_batch_free(bt);
    arrow_schema_free(&s);

    make_nested_lists(&s, 70);
    arrow_ipc_write_options o = {.compression = ARROW_COMPRESSION_NONE};
    arrow_ipc_writer *w = NULL;
    aphx_error err = {0};
    assert_int_equal(arrow_ipc_writer_open(-1, &s, &o, &w, &err), APHX_INVALID);
    assert_non_null(strstr(err.msg, "nested deeper"));
    arrow_schema_free(&s);
}

/* ------------------------------------------------------------------ */
/* Old framing, corrupt input, allocation failures                     */
/* ------------------------------------------------------------------ */
/* Rewrite a stream without continuation markers (pre-0.15 framing). */
static uint8_t *strip_continuations(const uint8_t *data, size_t len, size_t *out_len)
{
    uint8_t *out = aphx_malloc(len);
    size_t pos = 0, o = 0;
    while (pos + 8 <= len) {
        uint32_t mlen;
        memcpy(&mlen, data + pos + 4, 4);
        memcpy(out + o, &mlen, 4);
        o += 4;
        if (mlen == 0) break;
        fb_table m;
        int64_t body;
        assert_int_equal(fb_root(data + pos + 8, mlen, &m, NULL), APHX_OK);
        fb_get_i64(&m, 3, 0, &body, NULL);
        memcpy(out + o, data + pos + 8, mlen + (size_t)body);
        o += mlen + (size_t)body;
        pos += 8 + mlen + (size_t)body;
    }
    *out_len = o;
    return out;
}

static void test_old_framing(void **state)
{
    (void)state;
    arrow_schema s;
    make_all_types_schema(&s);
    arrow_batch *batches[2] = {make_batch(&s, 11, 0), make_batch(&s, 5, 0)};
    for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
        uint8_t *data, *old;
        size_t len, old_len;
        write_batches(&s, batches, 2, comps[c], false, &data, &len);
        old = strip_continuations(data, len, &old_len);
        assert_true(old_len < len);   /* 4 bytes fewer per message */
        read_and_compare(old, old_len, &s, batches, 2, false);
        aphx_free(old);
        aphx_free(data);
    }
    arrow_batch_free(batches[0]);
    arrow_batch_free(batches[1]);
    arrow_schema_free(&s);
}

/* Read everything; the result must be an error or a valid batch sequence. */
static aphx_rc read_all(const uint8_t *data, size_t len, int64_t *rows)
{
    arrow_buffer *buf = wrap_copy(data, len);
    arrow_reader *r = NULL;
    aphx_error err = {0};
    aphx_rc rc = arrow_ipc_reader_open_buffer(buf, &r, &err);
    arrow_buffer_unref(buf);
    *rows = 0;
    if (rc) {
        assert_true(err.msg[0] != 0);
        return rc;
    }
    for (;;) {
        arrow_batch *b = NULL;
        rc = r->next(r, &b, &err);
        if (rc || !b) break;
        assert_int_equal(arrow_batch_validate(b, true, NULL), APHX_OK);
        *rows += b->length;
        arrow_batch_free(b);
    }
    r->close(r);
    return rc;
}

static void small_sample(bool file, arrow_compression comp, uint8_t **data, size_t *len)
{
    arrow_schema s;
    assert_int_equal(arrow_schema_init(&s, 5), APHX_OK);
    field_init(&s.fields[0], "i", ARROW_INT32);
    field_init(&s.fields[1], "s", ARROW_UTF8);
    field_init(&s.fields[2], "l", ARROW_LIST);
    field_init(child(&s.fields[2], 1), "item", ARROW_INT16);
    field_init(&s.fields[3], "d", ARROW_UTF8);
    make_dict(&s.fields[3], 4, ARROW_INT8);
    field_init(&s.fields[4], "u", ARROW_DENSE_UNION);
    field_init(child(&s.fields[4], 2), "a", ARROW_INT8);
    field_init(&s.fields[4].children[1], "b", ARROW_UTF8);
    arrow_batch *b[2] = {make_batch(&s, 6, 0), make_batch(&s, 3, 6)};
    /* the second batch reuses the first dictionary, so files accept it */
    arrow_array_unref(b[1]->columns[3]->dictionary);
    b[1]->columns[3]->dictionary = arrow_array_ref(b[0]->columns[3]->dictionary);
    write_batches(&s, b, 2, comp, file, data, len);
    arrow_batch_free(b[0]);
    arrow_batch_free(b[1]);
    arrow_schema_free(&s);
}

static void test_corrupt_input(void **state)
{
    (void)state;
    for (int file = 0; file < 2; file++)
        for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
            uint8_t *data;
            size_t len;
            int64_t rows;
            small_sample(file, comps[c], &data, &len);
            assert_int_equal(read_all(data, len, &rows), APHX_OK);
            assert_int_equal(rows, 9);
            /* every truncation */
            int errors = 0;
            for (size_t cut = 0; cut < len; cut++)
                if (read_all(data, cut, &rows) != APHX_OK) errors++;
            assert_true(errors > 0);
            /* byte flips at every position with a few patterns */
            uint8_t *copy = aphx_malloc(len);
            static const uint8_t xors[] = {0x01, 0x80, 0xFF, 0x7F};
            for (size_t pos = 0; pos < len; pos++) {
                memcpy(copy, data, len);
                copy[pos] ^= xors[pos % APHX_ARRAY_LEN(xors)];
                (void)read_all(copy, len, &rows);
            }
            /* 32-bit patterns written over aligned words */
            static const uint32_t words[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x00000000u,
                                             0x00010000u};
            for (size_t pos = 0; pos + 4 <= len; pos += 4)
                for (size_t k = 0; k < APHX_ARRAY_LEN(words); k++) {
                    memcpy(copy, data, len);
                    memcpy(copy + pos, &words[k], 4);
                    (void)read_all(copy, len, &rows);
                }
            aphx_free(copy);
            aphx_free(data);
        }
}

static void test_corrupt_messages(void **state)
{
    (void)state;
    int64_t rows;
    aphx_error err = {0};
    arrow_reader *r;
    static const uint8_t garbage[] = "not an arrow stream at all";
    assert_int_equal(read_all(garbage, sizeof garbage, &rows), APHX_CORRUPT);
    arrow_buffer *empty = arrow_buffer_alloc(0);
    assert_int_equal(arrow_ipc_reader_open_buffer(empty, &r, &err), APHX_CORRUPT);
    arrow_buffer_unref(empty);
    static const uint8_t magic_only[] = "ARROW1\0\0ARROW1";
    assert_int_equal(read_all(magic_only, sizeof magic_only - 1, &rows), APHX_CORRUPT);
    /* A buffer pointing past the body gives a message naming it. */
    uint8_t *data;
    size_t len;
    small_sample(false, ARROW_COMPRESSION_NONE, &data, &len);
    assert_int_equal(read_all(data, len - 8, &rows), APHX_OK);   /* without EOS: still fine */
    aphx_free(data);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    uint8_t *data;
    size_t len;
    small_sample(true, ARROW_COMPRESSION_ZSTD, &data, &len);
    int64_t rows;
    int failures = 0;
    for (int64_t n = 1; n < 400; n++) {
        aphx_alloc_fail_countdown = n;
        arrow_buffer *buf = arrow_buffer_alloc((int64_t)len);
        if (!buf) {
            aphx_alloc_fail_countdown = 0;
            failures++;
            continue;
        }
        memcpy(buf->data, data, len);
        arrow_reader *r = NULL;
        aphx_rc rc = arrow_ipc_reader_open_buffer(buf, &r, NULL);
        arrow_buffer_unref(buf);
        if (rc == APHX_OK) {
            for (;;) {
                arrow_batch *b = NULL;
                rc = r->next(r, &b, NULL);
                if (rc || !b) break;
                arrow_batch_free(b);
            }
            r->close(r);
        }
        bool hit = aphx_alloc_fail_countdown == 0;
        aphx_alloc_fail_countdown = 0;
        if (hit) failures++;
        else {
            assert_int_equal(rc, APHX_OK);
            break;
        }
    }
    assert_true(failures > 10);
    assert_int_equal(read_all(data, len, &rows), APHX_OK);
    aphx_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatbuf_round_trip),
        cmocka_unit_test(test_round_trip_all_types),
        cmocka_unit_test(test_zero_batches),
        cmocka_unit_test(test_sliced_arrays),
        cmocka_unit_test(test_dictionaries),
        cmocka_unit_test(test_delta_dictionary_types),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_old_framing),
        cmocka_unit_test(test_corrupt_messages),
        cmocka_unit_test(test_corrupt_input),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
