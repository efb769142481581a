/*
 * ipc_schema.c — arrow_schema <-> the Flatbuffer `Schema` table of Arrow's
 * format/Schema.fbs: every type of arrow.h, dictionary encodings (id, index
 * type, ordered), custom metadata on schema and fields, union modes and
 * type ids, map keysSorted, timestamp time zones and decimal bit widths.
 *
 * Field ids used (Schema.fbs):
 *   Schema   0 endianness:short  1 fields:[Field]  2 custom_metadata:[KeyValue]
 *   Field    0 name  1 nullable  2 type_type:ubyte  3 type  4 dictionary
 *            5 children:[Field]  6 custom_metadata
 *   KeyValue 0 key  1 value
 *   DictionaryEncoding 0 id:long  1 indexType:Int  2 isOrdered:bool
 *   Int 0 bitWidth:int 1 is_signed:bool      FloatingPoint 0 precision:short
 *   Decimal 0 precision 1 scale 2 bitWidth   Date 0 unit   Time 0 unit 1 bitWidth
 *   Timestamp 0 unit 1 timezone   Interval 0 unit   Duration 0 unit
 *   FixedSizeBinary 0 byteWidth   FixedSizeList 0 listSize   Map 0 keysSorted
 *   Union 0 mode:short 1 typeIds:[int]
 */
#include "arrow/ipc_internal.h"

#include <string.h>

int32_t ipc_field_buffer_count(const arrow_field *f, int version)
{
    if (f->dict) return 2;
    switch (f->type.id) {
    case ARROW_NA: return 0;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        return 3;
    case ARROW_FIXED_SIZE_LIST: case ARROW_STRUCT: return 1;
    case ARROW_SPARSE_UNION: return version < IPC_V5 ? 2 : 1;
    case ARROW_DENSE_UNION: return version < IPC_V5 ? 3 : 2;
    default: return 2;
    }
}

/* Same physical value type (names aside)? Fields sharing a dictionary id
 * must agree, or one field's dictionary would be read as another type. */
bool ipc_field_same_type(const arrow_field *a, const arrow_field *b, int depth)
{
    if (depth > IPC_MAX_NESTING) return false;
    const arrow_type *x = &a->type, *y = &b->type;
    if (x->id != y->id || x->byte_width != y->byte_width || x->list_size != y->list_size ||
        x->unit != y->unit || x->n_type_codes != y->n_type_codes ||
        a->n_children != b->n_children || !a->dict != !b->dict)
        return false;
    if (x->n_type_codes > 0 && memcmp(x->type_codes, y->type_codes, (size_t)x->n_type_codes) != 0)
        return false;
    if (a->dict && (a->dict->id != b->dict->id || a->dict->index_type != b->dict->index_type))
        return false;
    for (int32_t i = 0; i < a->n_children; i++)
        if (!ipc_field_same_type(&a->children[i], &b->children[i], depth + 1)) return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */
/* ------------------------------------------------------------------ */
static fb_ref ipc_encode_metadata(fb_builder *b, const arrow_metadata *m)
{
    if (m->count <= 0) return 0;
    fb_ref *kvs = aphx_calloc((size_t)m->count, sizeof(fb_ref));
    if (!kvs) {
        b->oom = true;
        return 0;
    }
    for (int32_t i = 0; i < m->count; i++) {
        fb_ref k = fb_create_string(b, m->items[i].key, strlen(m->items[i].key));
        fb_ref v = fb_create_string(b, m->items[i].value, (size_t)m->items[i].value_len);
        fb_table_start(b);
        fb_add_ref(b, 0, k);
        fb_add_ref(b, 1, v);
        kvs[i] = fb_table_end(b);
    }
    fb_ref r = fb_create_vector_refs(b, kvs, (size_t)m->count);
    aphx_free(kvs);
    return r;
}

static fb_ref ipc_encode_int(fb_builder *b, arrow_type_id id)
{
    static const int32_t widths[] = {8, 16, 32, 64};
    bool is_signed = arrow_type_is_signed(id);
    int32_t w = widths[is_signed ? id - ARROW_INT8 : id - ARROW_UINT8];
    fb_table_start(b);
    fb_add_i32(b, 0, w);
    fb_add_bool(b, 1, is_signed);
    return fb_table_end(b);
}

/* Builds the type table; *type_type receives the union tag. */
static aphx_rc ipc_encode_type(fb_builder *b, const arrow_field *f, uint8_t *type_type,
                               fb_ref *out, aphx_error *err)
{
    const arrow_type *t = &f->type;
    fb_ref tz = 0, ids = 0;
    if (t->id == ARROW_TIMESTAMP && t->timezone)
        tz = fb_create_string(b, t->timezone, strlen(t->timezone));
    if (t->id == ARROW_SPARSE_UNION || t->id == ARROW_DENSE_UNION) {
        int32_t codes[ARROW_MAX_UNION_CHILDREN];
        int32_t n = f->n_children;
        if (n > ARROW_MAX_UNION_CHILDREN)
            return aphx_fail(err, APHX_INVALID, "field '%s': union with %d children", f->name, n);
        for (int32_t i = 0; i < n; i++)
            codes[i] = t->type_codes && i < t->n_type_codes ? t->type_codes[i] : i;
        ids = fb_create_vector(b, codes, 4, (size_t)n, 4);
    }
    fb_table_start(b);
    switch (t->id) {
    case ARROW_NA: *type_type = IPC_TYPE_NULL; break;
    case ARROW_BOOL: *type_type = IPC_TYPE_BOOL; break;
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32: case ARROW_UINT64: {
        static const int32_t widths[] = {8, 16, 32, 64};
        bool is_signed = arrow_type_is_signed(t->id);
        *type_type = IPC_TYPE_INT;
        fb_add_i32(b, 0, widths[is_signed ? t->id - ARROW_INT8 : t->id - ARROW_UINT8]);
        fb_add_bool(b, 1, is_signed);
        break;
    }
    case ARROW_FLOAT16: case ARROW_FLOAT32: case ARROW_FLOAT64:
        *type_type = IPC_TYPE_FLOAT;
        fb_add_i16(b, 0, (int16_t)(t->id - ARROW_FLOAT16));
        break;
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        *type_type = IPC_TYPE_DECIMAL;
        fb_add_i32(b, 0, t->precision);
        fb_add_i32(b, 1, t->scale);
        fb_add_i32(b, 2, t->id == ARROW_DECIMAL128 ? 128 : 256);
        break;
    case ARROW_DATE32: case ARROW_DATE64:
        *type_type = IPC_TYPE_DATE;
        fb_add_i16(b, 0, t->id == ARROW_DATE32 ? 0 : 1);
        break;
    case ARROW_TIME32: case ARROW_TIME64:
        *type_type = IPC_TYPE_TIME;
        fb_add_i16(b, 0, (int16_t)t->unit);
        fb_add_i32(b, 1, t->id == ARROW_TIME32 ? 32 : 64);
        break;
    case ARROW_TIMESTAMP:
        *type_type = IPC_TYPE_TIMESTAMP;
        fb_add_i16(b, 0, (int16_t)t->unit);
        fb_add_ref(b, 1, tz);
        break;
    case ARROW_DURATION:
        *type_type = IPC_TYPE_DURATION;
        fb_add_i16(b, 0, (int16_t)t->unit);
        break;
    case ARROW_INTERVAL_MONTHS: case ARROW_INTERVAL_DAY_TIME: case ARROW_INTERVAL_MONTH_DAY_NANO:
        *type_type = IPC_TYPE_INTERVAL;
        fb_add_i16(b, 0, (int16_t)(t->id - ARROW_INTERVAL_MONTHS));
        break;
    case ARROW_UTF8: *type_type = IPC_TYPE_UTF8; break;
    case ARROW_LARGE_UTF8: *type_type = IPC_TYPE_LARGE_UTF8; break;
    case ARROW_BINARY: *type_type = IPC_TYPE_BINARY; break;
    case ARROW_LARGE_BINARY: *type_type = IPC_TYPE_LARGE_BINARY; break;
    case ARROW_FIXED_SIZE_BINARY:
        *type_type = IPC_TYPE_FIXED_SIZE_BINARY;
        fb_add_i32(b, 0, t->byte_width);
        break;
    case ARROW_LIST: *type_type = IPC_TYPE_LIST; break;
    case ARROW_LARGE_LIST: *type_type = IPC_TYPE_LARGE_LIST; break;
    case ARROW_FIXED_SIZE_LIST:
        *type_type = IPC_TYPE_FIXED_SIZE_LIST;
        fb_add_i32(b, 0, t->list_size);
        break;
    case ARROW_STRUCT: *type_type = IPC_TYPE_STRUCT; break;
    case ARROW_MAP:
        *type_type = IPC_TYPE_MAP;
        fb_add_bool(b, 0, t->keys_sorted);
        break;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        *type_type = IPC_TYPE_UNION;
        fb_add_i16(b, 0, t->id == ARROW_SPARSE_UNION ? 0 : 1);
        fb_add_ref(b, 1, ids);
        break;
    default:
        fb_table_end(b);
        return aphx_fail(err, APHX_UNSUPPORTED, "field '%s': type %s not supported by IPC yet",
                         f->name, arrow_type_name(t->id));
    }
    *out = fb_table_end(b);
    return APHX_OK;
}

static aphx_rc ipc_encode_field(fb_builder *b, const arrow_field *f, int depth, fb_ref *out,
                                aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    fb_ref *kids = NULL;
    if (depth > IPC_MAX_NESTING)
        return aphx_fail(err, APHX_INVALID, "field '%s': nested deeper than %d", f->name,
                         IPC_MAX_NESTING);
    if (f->n_children > 0) {
        kids = aphx_calloc((size_t)f->n_children, sizeof(fb_ref));
        if (!kids) return aphx_fail(err, APHX_NOMEM, "out of memory encoding a schema");
        for (int32_t i = 0; i < f->n_children; i++) {
            rc = ipc_encode_field(b, &f->children[i], depth + 1, &kids[i], err);
            if (rc) goto done;
        }
    }
    fb_ref children = fb_create_vector_refs(b, kids, (size_t)(f->n_children > 0 ? f->n_children : 0));
    fb_ref name = fb_create_string(b, f->name ? f->name : "", f->name ? strlen(f->name) : 0);
    fb_ref meta = ipc_encode_metadata(b, &f->metadata);
    fb_ref dict = 0;
    if (f->dict) {
        if (!arrow_type_is_integer(f->dict->index_type)) {
            rc = aphx_fail(err, APHX_INVALID, "field '%s': dictionary index type %s is not an integer",
                           f->name, arrow_type_name(f->dict->index_type));
            goto done;
        }
        fb_ref idx = ipc_encode_int(b, f->dict->index_type);
        fb_table_start(b);
        fb_add_i64(b, 0, f->dict->id);
        fb_add_ref(b, 1, idx);
        fb_add_bool(b, 2, f->dict->ordered);
        dict = fb_table_end(b);
    }
    uint8_t type_type = 0;
    fb_ref type = 0;
    rc = ipc_encode_type(b, f, &type_type, &type, err);
    if (rc) goto done;
    fb_table_start(b);
    fb_add_ref(b, IPC_FIELD_NAME, name);
    fb_add_bool(b, IPC_FIELD_NULLABLE, f->nullable);
    fb_add_u8(b, IPC_FIELD_TYPE_TYPE, type_type);
    fb_add_ref(b, IPC_FIELD_TYPE, type);
    fb_add_ref(b, IPC_FIELD_DICTIONARY, dict);
    fb_add_ref(b, IPC_FIELD_CHILDREN, children);
    fb_add_ref(b, IPC_FIELD_METADATA, meta);
    *out = fb_table_end(b);
    if (b->oom) rc = aphx_fail(err, APHX_NOMEM, "out of memory encoding a schema");
done:
    aphx_free(kids);
    return rc;
}

aphx_rc ipc_schema_encode(fb_builder *b, const arrow_schema *s, fb_ref *out, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    fb_ref *fields = aphx_calloc((size_t)(s->n_fields > 0 ? s->n_fields : 1), sizeof(fb_ref));
    if (!fields) return aphx_fail(err, APHX_NOMEM, "out of memory encoding a schema");
    for (int32_t i = 0; i < s->n_fields; i++) {
        rc = ipc_encode_field(b, &s->fields[i], 0, &fields[i], err);
        if (rc) goto done;
    }
    fb_ref vec = fb_create_vector_refs(b, fields, (size_t)s->n_fields);
    fb_ref meta = ipc_encode_metadata(b, &s->metadata);
    fb_table_start(b);
    fb_add_i16(b, IPC_SCHEMA_ENDIANNESS, 0);
    fb_add_ref(b, IPC_SCHEMA_FIELDS, vec);
    fb_add_ref(b, IPC_SCHEMA_METADATA, meta);
    *out = fb_table_end(b);
    if (b->oom) rc = aphx_fail(err, APHX_NOMEM, "out of memory encoding a schema");
done:
    aphx_free(fields);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Decoding (untrusted input)                                          */
/* ------------------------------------------------------------------ */
typedef struct ipc_decode_state {
    int64_t fields_left;   /* budget against shared-subtree blowups */
} ipc_decode_state;

static aphx_rc ipc_decode_metadata(const fb_table *t, uint16_t id, arrow_metadata *m,
                                   aphx_error *err)
{
    fb_vector v;
    aphx_rc rc = fb_get_vector(t, id, 4, &v, err);
    if (rc) return rc;
    for (uint32_t i = 0; i < v.len; i++) {
        fb_table kv;
        const char *k, *val;
        size_t klen, vlen;
        if ((rc = fb_vector_table(&v, i, &kv, err))) return rc;
        if ((rc = fb_get_string(&kv, 0, &k, &klen, err))) return rc;
        if ((rc = fb_get_string(&kv, 1, &val, &vlen, err))) return rc;
        char *key = aphx_strndup(k ? k : "", klen);
        if (!key) return aphx_fail(err, APHX_NOMEM, "out of memory reading metadata");
        rc = arrow_metadata_add(m, key, val ? val : "", (int64_t)vlen);
        aphx_free(key);
        if (rc) return aphx_fail(err, rc, "out of memory reading metadata");
    }
    return APHX_OK;
}

static aphx_rc ipc_decode_unit(int16_t v, int lo, int hi, const char *what, const char *name,
                               aphx_error *err)
{
    if (v < lo || v > hi)
        return aphx_fail(err, APHX_CORRUPT, "field '%s': bad %s %d", name, what, v);
    return APHX_OK;
}

static aphx_rc ipc_decode_int_type(const fb_table *t, arrow_type_id *out, const char *name,
                                   aphx_error *err)
{
    int32_t w;
    bool s;
    aphx_rc rc;
    if ((rc = fb_get_i32(t, 0, 0, &w, err)) || (rc = fb_get_bool(t, 1, false, &s, err))) return rc;
    int k;
    switch (w) {
    case 8: k = 0; break;
    case 16: k = 1; break;
    case 32: k = 2; break;
    case 64: k = 3; break;
    default: return aphx_fail(err, APHX_CORRUPT, "field '%s': bad integer bit width %d", name, w);
    }
    *out = (arrow_type_id)((s ? ARROW_INT8 : ARROW_UINT8) + k);
    return APHX_OK;
}

static aphx_rc ipc_decode_field(const fb_table *ft, arrow_field *f, int depth,
                                ipc_decode_state *st, aphx_error *err);

static aphx_rc ipc_decode_type(const fb_table *ft, arrow_field *f, aphx_error *err)
{
    uint8_t tt;
    fb_table t;
    bool present;
    aphx_rc rc;
    int16_t unit = 0;
    int32_t i32 = 0;
    arrow_type *ty = &f->type;
    if ((rc = fb_get_u8(ft, IPC_FIELD_TYPE_TYPE, 0, &tt, err))) return rc;
    if ((rc = fb_get_table(ft, IPC_FIELD_TYPE, &t, &present, err))) return rc;
    if (!present) {
        /* An absent parameter table reads as all defaults: use an empty one. */
        static const uint8_t empty[] = {8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0};
        memset(&t, 0, sizeof t);
        t.data = empty;
        t.size = sizeof empty;
        t.pos = 8;
        t.vt_pos = 4;
        t.vt_size = 4;
        t.tbl_size = 4;
    }
    switch (tt) {
    case IPC_TYPE_NULL: ty->id = ARROW_NA; break;
    case IPC_TYPE_BOOL: ty->id = ARROW_BOOL; break;
    case IPC_TYPE_INT: return ipc_decode_int_type(&t, &ty->id, f->name, err);
    case IPC_TYPE_FLOAT:
        if ((rc = fb_get_i16(&t, 0, 0, &unit, err))) return rc;
        if ((rc = ipc_decode_unit(unit, 0, 2, "float precision", f->name, err))) return rc;
        ty->id = (arrow_type_id)(ARROW_FLOAT16 + unit);
        break;
    case IPC_TYPE_DECIMAL:
        if ((rc = fb_get_i32(&t, 0, 0, &ty->precision, err)) ||
            (rc = fb_get_i32(&t, 1, 0, &ty->scale, err)) ||
            (rc = fb_get_i32(&t, 2, 128, &i32, err)))
            return rc;
        if (i32 == 128) {
            ty->id = ARROW_DECIMAL128;
            ty->byte_width = 16;
        } else if (i32 == 256) {
            ty->id = ARROW_DECIMAL256;
            ty->byte_width = 32;
        } else {
            return aphx_fail(err, APHX_UNSUPPORTED, "field '%s': decimal bit width %d not supported",
                             f->name, i32);
        }
        /* Leniently bounded (Arrow wants 1..38 / 1..76 digits): the scale
         * may exceed the precision or be negative, but not absurdly, since
         * it sizes the rendered text. */
        if (ty->precision < 0 || ty->precision > 76 || ty->scale < -255 || ty->scale > 255)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': bad decimal%d precision %d / scale %d",
                             f->name, i32, ty->precision, ty->scale);
        break;
    case IPC_TYPE_DATE:
        if ((rc = fb_get_i16(&t, 0, 1, &unit, err))) return rc;
        if ((rc = ipc_decode_unit(unit, 0, 1, "date unit", f->name, err))) return rc;
        ty->id = unit == 0 ? ARROW_DATE32 : ARROW_DATE64;
        break;
    case IPC_TYPE_TIME:
        if ((rc = fb_get_i16(&t, 0, 1, &unit, err)) || (rc = fb_get_i32(&t, 1, 32, &i32, err)))
            return rc;
        if ((rc = ipc_decode_unit(unit, 0, 3, "time unit", f->name, err))) return rc;
        if (i32 == 32 && unit <= 1) ty->id = ARROW_TIME32;
        else if (i32 == 64 && unit >= 2) ty->id = ARROW_TIME64;
        else
            return aphx_fail(err, APHX_CORRUPT, "field '%s': time of %d bits with unit %d",
                             f->name, i32, unit);
        ty->unit = (arrow_time_unit)unit;
        break;
    case IPC_TYPE_TIMESTAMP: {
        const char *tz;
        size_t tzlen;
        if ((rc = fb_get_i16(&t, 0, 0, &unit, err)) ||
            (rc = fb_get_string(&t, 1, &tz, &tzlen, err)))
            return rc;
        if ((rc = ipc_decode_unit(unit, 0, 3, "timestamp unit", f->name, err))) return rc;
        ty->id = ARROW_TIMESTAMP;
        ty->unit = (arrow_time_unit)unit;
        if (tz && !(ty->timezone = aphx_strndup(tz, tzlen)))
            return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
        break;
    }
    case IPC_TYPE_DURATION:
        if ((rc = fb_get_i16(&t, 0, 1, &unit, err))) return rc;
        if ((rc = ipc_decode_unit(unit, 0, 3, "duration unit", f->name, err))) return rc;
        ty->id = ARROW_DURATION;
        ty->unit = (arrow_time_unit)unit;
        break;
    case IPC_TYPE_INTERVAL:
        if ((rc = fb_get_i16(&t, 0, 0, &unit, err))) return rc;
        if ((rc = ipc_decode_unit(unit, 0, 2, "interval unit", f->name, err))) return rc;
        ty->id = (arrow_type_id)(ARROW_INTERVAL_MONTHS + unit);
        break;
    case IPC_TYPE_UTF8: ty->id = ARROW_UTF8; break;
    case IPC_TYPE_LARGE_UTF8: ty->id = ARROW_LARGE_UTF8; break;
    case IPC_TYPE_BINARY: ty->id = ARROW_BINARY; break;
    case IPC_TYPE_LARGE_BINARY: ty->id = ARROW_LARGE_BINARY; break;
    case IPC_TYPE_FIXED_SIZE_BINARY:
        if ((rc = fb_get_i32(&t, 0, 0, &ty->byte_width, err))) return rc;
        if (ty->byte_width < 0 || ty->byte_width > INT32_MAX / 8)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': bad fixed-size binary width %d", f->name,
                             ty->byte_width);
        ty->id = ARROW_FIXED_SIZE_BINARY;
        break;
    case IPC_TYPE_LIST: ty->id = ARROW_LIST; break;
    case IPC_TYPE_LARGE_LIST: ty->id = ARROW_LARGE_LIST; break;
    case IPC_TYPE_FIXED_SIZE_LIST:
        if ((rc = fb_get_i32(&t, 0, 0, &ty->list_size, err))) return rc;
        if (ty->list_size < 0)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': negative list size %d", f->name,
                             ty->list_size);
        ty->id = ARROW_FIXED_SIZE_LIST;
        break;
    case IPC_TYPE_STRUCT: ty->id = ARROW_STRUCT; break;
    case IPC_TYPE_MAP:
        if ((rc = fb_get_bool(&t, 0, false, &ty->keys_sorted, err))) return rc;
        ty->id = ARROW_MAP;
        break;
    case IPC_TYPE_UNION: {
        fb_vector ids;
        if ((rc = fb_get_i16(&t, 0, 0, &unit, err))) return rc;
        if ((rc = ipc_decode_unit(unit, 0, 1, "union mode", f->name, err))) return rc;
        ty->id = unit == 0 ? ARROW_SPARSE_UNION : ARROW_DENSE_UNION;
        if ((rc = fb_get_vector(&t, 1, 4, &ids, err))) return rc;
        /* type codes are filled in after the children are known */
        if (ids.len > ARROW_MAX_UNION_CHILDREN)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': %u union type ids", f->name, ids.len);
        ty->n_type_codes = (int32_t)ids.len;
        ty->type_codes = aphx_malloc(ids.len ? ids.len : 1);
        if (!ty->type_codes) return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
        for (uint32_t i = 0; i < ids.len; i++) {
            int32_t code = fb_read_i32(fb_vector_elem(&ids, i));
            if (code < 0 || code > 127)
                return aphx_fail(err, APHX_CORRUPT, "field '%s': union type id %d out of range",
                                 f->name, code);
            ty->type_codes[i] = (int8_t)code;
        }
        break;
    }
    default:
        return aphx_fail(err, APHX_UNSUPPORTED, "field '%s': IPC type %u not supported yet",
                         f->name, tt);
    }
    return APHX_OK;
}

static aphx_rc ipc_check_children(arrow_field *f, aphx_error *err)
{
    int32_t n = f->n_children;
    switch (f->type.id) {
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_FIXED_SIZE_LIST:
        if (n != 1)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': %s with %d children (need 1)", f->name,
                             arrow_type_name(f->type.id), n);
        break;
    case ARROW_MAP:
        if (n != 1 || f->children[0].type.id != ARROW_STRUCT || f->children[0].n_children != 2 ||
            f->children[0].dict)
            return aphx_fail(err, APHX_CORRUPT,
                             "field '%s': map child must be a struct of key and value", f->name);
        break;
    case ARROW_STRUCT: break;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        if (n > ARROW_MAX_UNION_CHILDREN)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': union with %d children", f->name, n);
        if (f->type.n_type_codes == 0 && n > 0) {
            aphx_free(f->type.type_codes);
            f->type.type_codes = aphx_malloc((size_t)n);
            if (!f->type.type_codes) return aphx_fail(err, APHX_NOMEM, "out of memory");
            for (int32_t i = 0; i < n; i++) f->type.type_codes[i] = (int8_t)i;
            f->type.n_type_codes = n;
        } else if (f->type.n_type_codes != n) {
            return aphx_fail(err, APHX_CORRUPT, "field '%s': union has %d type ids for %d children",
                             f->name, f->type.n_type_codes, n);
        }
        for (int32_t i = 0; i < n; i++)
            for (int32_t j = 0; j < i; j++)
                if (f->type.type_codes[i] == f->type.type_codes[j])
                    return aphx_fail(err, APHX_CORRUPT, "field '%s': union type id %d repeated",
                                     f->name, f->type.type_codes[i]);
        break;
    default:
        if (n != 0)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': %s with %d children", f->name,
                             arrow_type_name(f->type.id), n);
    }
    return APHX_OK;
}

static aphx_rc ipc_decode_field(const fb_table *ft, arrow_field *f, int depth,
                                ipc_decode_state *st, aphx_error *err)
{
    aphx_rc rc;
    const char *name;
    size_t name_len;
    fb_vector kids;
    fb_table dt;
    bool has_dict;
    memset(f, 0, sizeof *f);
    if (depth > IPC_MAX_NESTING)
        return aphx_fail(err, APHX_CORRUPT, "schema: fields nested deeper than %d", IPC_MAX_NESTING);
    if (--st->fields_left < 0)
        return aphx_fail(err, APHX_CORRUPT, "schema: too many fields");
    if ((rc = fb_get_string(ft, IPC_FIELD_NAME, &name, &name_len, err))) return rc;
    f->name = aphx_strndup(name ? name : "", name_len);
    if (!f->name) return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
    if ((rc = fb_get_bool(ft, IPC_FIELD_NULLABLE, false, &f->nullable, err))) return rc;
    if ((rc = ipc_decode_type(ft, f, err))) return rc;
    if ((rc = ipc_decode_metadata(ft, IPC_FIELD_METADATA, &f->metadata, err))) return rc;
    if ((rc = fb_get_vector(ft, IPC_FIELD_CHILDREN, 4, &kids, err))) return rc;
    if (kids.len > 0) {
        if (kids.len > 100000)
            return aphx_fail(err, APHX_CORRUPT, "field '%s': %u children", f->name, kids.len);
        f->children = aphx_calloc(kids.len, sizeof(arrow_field));
        if (!f->children) return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
        for (uint32_t i = 0; i < kids.len; i++) {
            fb_table ct;
            if ((rc = fb_vector_table(&kids, i, &ct, err))) return rc;
            f->n_children = (int32_t)i + 1;
            if ((rc = ipc_decode_field(&ct, &f->children[i], depth + 1, st, err))) return rc;
        }
    }
    if ((rc = ipc_check_children(f, err))) return rc;
    if ((rc = fb_get_table(ft, IPC_FIELD_DICTIONARY, &dt, &has_dict, err))) return rc;
    if (has_dict) {
        fb_table it;
        bool has_index;
        f->dict = aphx_calloc(1, sizeof *f->dict);
        if (!f->dict) return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
        f->dict->index_type = ARROW_INT32;
        if ((rc = fb_get_i64(&dt, 0, 0, &f->dict->id, err)) ||
            (rc = fb_get_bool(&dt, 2, false, &f->dict->ordered, err)) ||
            (rc = fb_get_table(&dt, 1, &it, &has_index, err)))
            return rc;
        if (has_index && (rc = ipc_decode_int_type(&it, &f->dict->index_type, f->name, err)))
            return rc;
    }
    return APHX_OK;
}

aphx_rc ipc_schema_decode(const fb_table *t, arrow_schema *out, aphx_error *err)
{
    aphx_rc rc;
    fb_vector fields;
    int16_t endianness;
    ipc_decode_state st = {.fields_left = 100000};
    memset(out, 0, sizeof *out);
    if ((rc = fb_get_i16(t, IPC_SCHEMA_ENDIANNESS, 0, &endianness, err))) return rc;
    if (endianness != 0)
        return aphx_fail(err, APHX_UNSUPPORTED, "schema: big-endian data not supported yet");
    if ((rc = fb_get_vector(t, IPC_SCHEMA_FIELDS, 4, &fields, err))) return rc;
    if (fields.len > 100000)
        return aphx_fail(err, APHX_CORRUPT, "schema: %u fields", fields.len);
    if (fields.len) {
        out->fields = aphx_calloc(fields.len, sizeof(arrow_field));
        if (!out->fields) return aphx_fail(err, APHX_NOMEM, "out of memory reading a schema");
    }
    for (uint32_t i = 0; i < fields.len; i++) {
        fb_table ft;
        if ((rc = fb_vector_table(&fields, i, &ft, err))) goto fail;
        out->n_fields = (int32_t)i + 1;
        if ((rc = ipc_decode_field(&ft, &out->fields[i], 0, &st, err))) goto fail;
    }
    if ((rc = ipc_decode_metadata(t, IPC_SCHEMA_METADATA, &out->metadata, err))) goto fail;
    return APHX_OK;
fail:
    arrow_schema_free(out);
    return rc;
}
