/*
 * type.c — Arrow logical types, fields, schemas and custom metadata:
 * construction, deep copy, free, structural equality, and human-readable
 * rendering ("timestamp[us, tz=UTC]", "list<item: int32>").
 *
 * Fields and schemas are plain values: _copy deep-copies, _free releases
 * everything a field owns (name, timezone, union type codes, metadata,
 * children, dictionary encoding) and leaves the struct zeroed.
 */
#include "arrow/arrow.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Type properties                                                     */
/* ------------------------------------------------------------------ */
int32_t arrow_type_bit_width(const arrow_type *t)
{
    switch (t->id) {
    case ARROW_BOOL: return 1;
    case ARROW_INT8: case ARROW_UINT8: return 8;
    case ARROW_INT16: case ARROW_UINT16: case ARROW_FLOAT16: return 16;
    case ARROW_INT32: case ARROW_UINT32: case ARROW_FLOAT32:
    case ARROW_DATE32: case ARROW_TIME32: case ARROW_INTERVAL_MONTHS: return 32;
    case ARROW_INT64: case ARROW_UINT64: case ARROW_FLOAT64:
    case ARROW_DATE64: case ARROW_TIME64: case ARROW_TIMESTAMP: case ARROW_DURATION:
    case ARROW_INTERVAL_DAY_TIME: return 64;
    case ARROW_DECIMAL128: case ARROW_INTERVAL_MONTH_DAY_NANO: return 128;
    case ARROW_DECIMAL256: return 256;
    case ARROW_FIXED_SIZE_BINARY:   /* 0 for widths that do not fit in bits */
        return t->byte_width > 0 && t->byte_width <= INT32_MAX / 8 ? 8 * t->byte_width : 0;
    default: return 0;
    }
}

bool arrow_type_is_integer(arrow_type_id id)
{
    return id >= ARROW_INT8 && id <= ARROW_UINT64;
}

bool arrow_type_is_signed(arrow_type_id id)
{
    return id >= ARROW_INT8 && id <= ARROW_INT64;
}

int32_t arrow_field_n_buffers(const arrow_field *f)
{
    if (f->dict) return 2;
    switch (f->type.id) {
    case ARROW_NA: return 0;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        return 3;
    case ARROW_FIXED_SIZE_LIST: case ARROW_STRUCT: case ARROW_SPARSE_UNION:
        return 1;
    default:
        return 2;   /* primitives, bool, fsb, list, large_list, map, dense union */
    }
}

/* ------------------------------------------------------------------ */
/* Metadata                                                            */
/* ------------------------------------------------------------------ */
aphx_rc arrow_metadata_add(arrow_metadata *m, const char *key, const void *value,
                           int64_t value_len)
{
    if (value_len < 0) return APHX_INVALID;
    arrow_kv *items = aphx_realloc(m->items, sizeof(arrow_kv) * (size_t)(m->count + 1));
    if (!items) return APHX_NOMEM;
    m->items = items;
    char *k = aphx_strdup(key);
    char *v = aphx_malloc((size_t)value_len + 1);
    if (!k || !v) {
        aphx_free(k);
        aphx_free(v);
        return APHX_NOMEM;
    }
    if (value_len) memcpy(v, value, (size_t)value_len);
    v[value_len] = '\0';
    items[m->count].key = k;
    items[m->count].value = v;
    items[m->count].value_len = value_len;
    m->count++;
    return APHX_OK;
}

aphx_rc arrow_metadata_copy(arrow_metadata *dst, const arrow_metadata *src)
{
    memset(dst, 0, sizeof *dst);
    for (int32_t i = 0; i < src->count; i++) {
        aphx_rc rc = arrow_metadata_add(dst, src->items[i].key, src->items[i].value,
                                        src->items[i].value_len);
        if (rc) {
            arrow_metadata_free(dst);
            return rc;
        }
    }
    return APHX_OK;
}

void arrow_metadata_free(arrow_metadata *m)
{
    for (int32_t i = 0; i < m->count; i++) {
        aphx_free(m->items[i].key);
        aphx_free(m->items[i].value);
    }
    aphx_free(m->items);
    m->items = NULL;
    m->count = 0;
}

static bool metadata_equal(const arrow_metadata *a, const arrow_metadata *b)
{
    if (a->count != b->count) return false;
    for (int32_t i = 0; i < a->count; i++) {
        const arrow_kv *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->key, y->key) != 0 || x->value_len != y->value_len ||
            memcmp(x->value, y->value, (size_t)x->value_len) != 0)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */
aphx_rc arrow_field_init(arrow_field *f, const char *name, arrow_type_id id, bool nullable)
{
    memset(f, 0, sizeof *f);
    f->name = aphx_strdup(name ? name : "");
    if (!f->name) return APHX_NOMEM;
    f->type.id = id;
    f->nullable = nullable;
    if (id == ARROW_DECIMAL128) f->type.byte_width = 16;
    if (id == ARROW_DECIMAL256) f->type.byte_width = 32;
    if (id == ARROW_TIME32) f->type.unit = ARROW_MILLI;
    if (id == ARROW_TIME64 || id == ARROW_TIMESTAMP || id == ARROW_DURATION)
        f->type.unit = ARROW_MICRO;
    return APHX_OK;
}

/* Union fields also get type codes 0..n-1 (change them afterwards if
 * needed) unless they already have n codes. Existing children are freed. */
aphx_rc arrow_field_set_children(arrow_field *f, int32_t n)
{
    if (n < 0) return APHX_INVALID;
    arrow_field *children = n ? aphx_calloc((size_t)n, sizeof(arrow_field)) : NULL;
    if (n && !children) return APHX_NOMEM;
    int8_t *codes = NULL;
    bool is_union = f->type.id == ARROW_SPARSE_UNION || f->type.id == ARROW_DENSE_UNION;
    if (is_union) {
        if (n > ARROW_MAX_UNION_CHILDREN) {
            aphx_free(children);
            return APHX_INVALID;
        }
        codes = aphx_malloc((size_t)(n ? n : 1));
        if (!codes) {
            aphx_free(children);
            return APHX_NOMEM;
        }
        bool keep = f->type.type_codes && f->type.n_type_codes == n;
        for (int32_t i = 0; i < n; i++) codes[i] = keep ? f->type.type_codes[i] : (int8_t)i;
    }
    for (int32_t i = 0; i < f->n_children; i++) arrow_field_free(&f->children[i]);
    aphx_free(f->children);
    f->children = children;
    f->n_children = n;
    if (is_union) {
        aphx_free(f->type.type_codes);
        f->type.type_codes = codes;
        f->type.n_type_codes = n;
    }
    return APHX_OK;
}

aphx_rc arrow_field_set_timezone(arrow_field *f, const char *tz)
{
    char *copy = NULL;
    if (tz) {
        copy = aphx_strdup(tz);
        if (!copy) return APHX_NOMEM;
    }
    aphx_free(f->type.timezone);
    f->type.timezone = copy;
    return APHX_OK;
}

aphx_rc arrow_field_add_metadata(arrow_field *f, const char *key, const char *value)
{
    return arrow_metadata_add(&f->metadata, key, value, (int64_t)strlen(value));
}

aphx_rc arrow_field_copy(arrow_field *dst, const arrow_field *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = src->type;
    dst->type.timezone = NULL;
    dst->type.type_codes = NULL;
    dst->nullable = src->nullable;
    dst->name = aphx_strdup(src->name ? src->name : "");
    if (!dst->name) goto nomem;
    if (src->type.timezone && !(dst->type.timezone = aphx_strdup(src->type.timezone)))
        goto nomem;
    if (src->type.type_codes) {
        size_t n = (size_t)(src->type.n_type_codes > 0 ? src->type.n_type_codes : 1);
        dst->type.type_codes = aphx_malloc(n);
        if (!dst->type.type_codes) goto nomem;
        memcpy(dst->type.type_codes, src->type.type_codes, n);
    }
    if (arrow_metadata_copy(&dst->metadata, &src->metadata)) goto nomem;
    if (src->dict) {
        dst->dict = aphx_malloc(sizeof *dst->dict);
        if (!dst->dict) goto nomem;
        *dst->dict = *src->dict;
    }
    if (src->n_children > 0) {
        dst->children = aphx_calloc((size_t)src->n_children, sizeof(arrow_field));
        if (!dst->children) goto nomem;
        dst->n_children = src->n_children;
        for (int32_t i = 0; i < src->n_children; i++)
            if (arrow_field_copy(&dst->children[i], &src->children[i])) goto nomem;
    }
    return APHX_OK;
nomem:
    arrow_field_free(dst);
    return APHX_NOMEM;
}

void arrow_field_free(arrow_field *f)
{
    if (!f) return;
    aphx_free(f->name);
    aphx_free(f->type.timezone);
    aphx_free(f->type.type_codes);
    arrow_metadata_free(&f->metadata);
    for (int32_t i = 0; i < f->n_children; i++) arrow_field_free(&f->children[i]);
    aphx_free(f->children);
    aphx_free(f->dict);
    memset(f, 0, sizeof *f);
}

static bool type_equal(const arrow_type *a, const arrow_type *b)
{
    if (a->id != b->id) return false;
    switch (a->id) {
    case ARROW_FIXED_SIZE_BINARY:
        return a->byte_width == b->byte_width;
    case ARROW_FIXED_SIZE_LIST:
        return a->list_size == b->list_size;
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        return a->precision == b->precision && a->scale == b->scale;
    case ARROW_TIME32: case ARROW_TIME64: case ARROW_DURATION:
        return a->unit == b->unit;
    case ARROW_TIMESTAMP:
        if (a->unit != b->unit) return false;
        if (!a->timezone || !b->timezone) return !a->timezone && !b->timezone;
        return strcmp(a->timezone, b->timezone) == 0;
    case ARROW_MAP:
        return a->keys_sorted == b->keys_sorted;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        if (a->n_type_codes != b->n_type_codes) return false;
        if (a->n_type_codes == 0) return true;
        if (!a->type_codes || !b->type_codes) return a->type_codes == b->type_codes;
        return memcmp(a->type_codes, b->type_codes, (size_t)a->n_type_codes) == 0;
    default:
        return true;
    }
}

bool arrow_field_equal(const arrow_field *a, const arrow_field *b, bool check_metadata)
{
    if (strcmp(a->name ? a->name : "", b->name ? b->name : "") != 0) return false;
    if (!type_equal(&a->type, &b->type) || a->nullable != b->nullable) return false;
    if ((a->dict == NULL) != (b->dict == NULL)) return false;
    if (a->dict && (a->dict->index_type != b->dict->index_type ||
                    a->dict->ordered != b->dict->ordered))
        return false;
    if (check_metadata && !metadata_equal(&a->metadata, &b->metadata)) return false;
    if (a->n_children != b->n_children) return false;
    for (int32_t i = 0; i < a->n_children; i++)
        if (!arrow_field_equal(&a->children[i], &b->children[i], check_metadata)) return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Schemas                                                             */
/* ------------------------------------------------------------------ */
aphx_rc arrow_schema_init(arrow_schema *s, int32_t n_fields)
{
    memset(s, 0, sizeof *s);
    if (n_fields < 0) return APHX_INVALID;
    if (n_fields > 0) {
        s->fields = aphx_calloc((size_t)n_fields, sizeof(arrow_field));
        if (!s->fields) return APHX_NOMEM;
    }
    s->n_fields = n_fields;
    return APHX_OK;
}

aphx_rc arrow_schema_copy(arrow_schema *dst, const arrow_schema *src)
{
    aphx_rc rc = arrow_schema_init(dst, src->n_fields);
    if (rc) return rc;
    for (int32_t i = 0; i < src->n_fields; i++)
        if ((rc = arrow_field_copy(&dst->fields[i], &src->fields[i]))) goto fail;
    if ((rc = arrow_metadata_copy(&dst->metadata, &src->metadata))) goto fail;
    return APHX_OK;
fail:
    arrow_schema_free(dst);
    return rc;
}

void arrow_schema_free(arrow_schema *s)
{
    if (!s) return;
    for (int32_t i = 0; i < s->n_fields; i++) arrow_field_free(&s->fields[i]);
    aphx_free(s->fields);
    arrow_metadata_free(&s->metadata);
    memset(s, 0, sizeof *s);
}

bool arrow_schema_equal(const arrow_schema *a, const arrow_schema *b, bool check_metadata)
{
    if (a->n_fields != b->n_fields) return false;
    if (check_metadata && !metadata_equal(&a->metadata, &b->metadata)) return false;
    for (int32_t i = 0; i < a->n_fields; i++)
        if (!arrow_field_equal(&a->fields[i], &b->fields[i], check_metadata)) return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */
/* ------------------------------------------------------------------ */
static const char *unit_name(arrow_time_unit u)
{
    switch (u) {
    case ARROW_SECOND: return "s";
    case ARROW_MILLI: return "ms";
    case ARROW_MICRO: return "us";
    case ARROW_NANO: return "ns";
    }
    return "?";
}

static void format_child(const arrow_field *c, aphx_buf *b)
{
    aphx_buf_printf(b, "%s: ", c->name ? c->name : "");
    arrow_field_format_type(c, b);
    if (!c->nullable) aphx_buf_puts(b, " not null");
}

static void format_value_type(const arrow_field *f, aphx_buf *b)
{
    const arrow_type *t = &f->type;
    switch (t->id) {
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        aphx_buf_printf(b, "%s(%d, %d)", arrow_type_name(t->id), t->precision, t->scale);
        break;
    case ARROW_TIME32: case ARROW_TIME64: case ARROW_DURATION:
        aphx_buf_printf(b, "%s[%s]", arrow_type_name(t->id), unit_name(t->unit));
        break;
    case ARROW_TIMESTAMP:
        if (t->timezone)
            aphx_buf_printf(b, "timestamp[%s, tz=%s]", unit_name(t->unit), t->timezone);
        else
            aphx_buf_printf(b, "timestamp[%s]", unit_name(t->unit));
        break;
    case ARROW_FIXED_SIZE_BINARY:
        aphx_buf_printf(b, "fixed_size_binary[%d]", t->byte_width);
        break;
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_FIXED_SIZE_LIST:
    case ARROW_STRUCT: case ARROW_MAP:
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        aphx_buf_printf(b, "%s<", arrow_type_name(t->id));
        for (int32_t i = 0; i < f->n_children; i++) {
            if (i) aphx_buf_puts(b, ", ");
            format_child(&f->children[i], b);
            if ((t->id == ARROW_SPARSE_UNION || t->id == ARROW_DENSE_UNION) &&
                t->type_codes && i < t->n_type_codes)
                aphx_buf_printf(b, "=%d", t->type_codes[i]);
        }
        aphx_buf_putc(b, '>');
        if (t->id == ARROW_FIXED_SIZE_LIST) aphx_buf_printf(b, "[%d]", t->list_size);
        if (t->id == ARROW_MAP && t->keys_sorted) aphx_buf_puts(b, "[keys_sorted]");
        break;
    default:
        aphx_buf_puts(b, arrow_type_name(t->id));
        break;
    }
}

void arrow_field_format_type(const arrow_field *f, aphx_buf *b)
{
    if (f->dict) {
        arrow_field value = *f;
        value.dict = NULL;
        aphx_buf_puts(b, "dictionary<values=");
        format_value_type(&value, b);
        aphx_buf_printf(b, ", indices=%s%s>", arrow_type_name(f->dict->index_type),
                        f->dict->ordered ? ", ordered" : "");
        return;
    }
    format_value_type(f, b);
}

void arrow_schema_format(const arrow_schema *s, aphx_buf *b)
{
    for (int32_t i = 0; i < s->n_fields; i++) {
        format_child(&s->fields[i], b);
        aphx_buf_putc(b, '\n');
    }
}
