/*
 * cdata.c — the Arrow C Data Interface (ArrowSchema, ArrowArray) and the C
 * Stream Interface (ArrowArrayStream): export of our fields, schemas,
 * arrays, batches and readers; import of foreign ones.
 *
 * Format strings (C Data Interface spec):
 *   n null  b bool  c/C int8/uint8  s/S int16/uint16  i/I int32/uint32
 *   l/L int64/uint64  e/f/g float16/32/64  z/Z binary/large_binary
 *   u/U utf8/large_utf8  d:P,S decimal128  d:P,S,256 decimal256
 *   w:N fixed_size_binary  tdD/tdm date32/date64  tts/ttm time32 s/ms
 *   ttu/ttn time64 us/ns  ts{s,m,u,n}:TZ timestamp  tD{s,m,u,n} duration
 *   tiM/tiD/tin intervals  +l/+L list/large_list  +w:N fixed_size_list
 *   +s struct  +m map  +ud:C,C,.. / +us:C,C,.. dense/sparse union
 * A dictionary-encoded field has the index type's format and its value type
 * in `dictionary`. Flags: 1 dictionary ordered, 2 nullable, 4 map keys
 * sorted.
 *
 * Metadata byte layout (native endianness):
 *   offset  size  field
 *   0       4     int32 number of pairs N
 *   then N times:
 *           4     int32 key length K
 *           K     key bytes (UTF-8, no NUL)
 *           4     int32 value length V
 *           V     value bytes
 *
 * Ownership:
 *   - An exported ArrowSchema owns copies of its strings; an exported
 *     ArrowArray holds a reference to our arrow_array (hence its buffers)
 *     until the consumer calls its release, which also releases children and
 *     the dictionary it still owns (moved-out children have release NULL).
 *   - Importing moves from the foreign struct (its release becomes NULL in
 *     the caller's copy). An imported schema is copied at once and the
 *     foreign one released. An imported array is wrapped: every buffer we
 *     create over its memory holds a reference to one shared owner, and the
 *     foreign release callback (of the root, which releases the children)
 *     runs exactly once, when our last buffer reference goes. An array
 *     without any buffer is released immediately after import.
 *   - On any failure the input is left untouched and still owned by the
 *     caller; everything allocated so far is freed.
 *   - Imported arrays are checked for shape (buffer and child counts,
 *     lengths, dictionary present) but not for content: call
 *     arrow_array_validate before trusting data from another library.
 *     Pre-1.0 unions with a validity buffer are refused (APHX_UNSUPPORTED).
 */
#include "arrow/core_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stands in for absent non-validity buffers of empty arrays, so consumers
 * may read offsets[0]. */
static _Alignas(64) const uint8_t cdata_zeros[64];

/* ================================================================== */
/* Format strings                                                      */
/* ================================================================== */
static char unit_char(arrow_time_unit u)
{
    return u == ARROW_SECOND ? 's' : u == ARROW_MILLI ? 'm' : u == ARROW_MICRO ? 'u' : 'n';
}

static const char *simple_format(arrow_type_id id)
{
    switch (id) {
    case ARROW_NA: return "n";
    case ARROW_BOOL: return "b";
    case ARROW_INT8: return "c";
    case ARROW_UINT8: return "C";
    case ARROW_INT16: return "s";
    case ARROW_UINT16: return "S";
    case ARROW_INT32: return "i";
    case ARROW_UINT32: return "I";
    case ARROW_INT64: return "l";
    case ARROW_UINT64: return "L";
    case ARROW_FLOAT16: return "e";
    case ARROW_FLOAT32: return "f";
    case ARROW_FLOAT64: return "g";
    case ARROW_BINARY: return "z";
    case ARROW_LARGE_BINARY: return "Z";
    case ARROW_UTF8: return "u";
    case ARROW_LARGE_UTF8: return "U";
    case ARROW_DATE32: return "tdD";
    case ARROW_DATE64: return "tdm";
    case ARROW_INTERVAL_MONTHS: return "tiM";
    case ARROW_INTERVAL_DAY_TIME: return "tiD";
    case ARROW_INTERVAL_MONTH_DAY_NANO: return "tin";
    case ARROW_LIST: return "+l";
    case ARROW_LARGE_LIST: return "+L";
    case ARROW_STRUCT: return "+s";
    case ARROW_MAP: return "+m";
    default: return NULL;
    }
}

/* The format string of a (non-dictionary) type; appended to b. */
static aphx_rc format_of_type(const arrow_type *t, aphx_buf *b, aphx_error *err)
{
    const char *s = simple_format(t->id);
    if (s) {
        aphx_buf_puts(b, s);
        return APHX_OK;
    }
    switch (t->id) {
    case ARROW_DECIMAL128:
        aphx_buf_printf(b, "d:%d,%d", t->precision, t->scale);
        return APHX_OK;
    case ARROW_DECIMAL256:
        aphx_buf_printf(b, "d:%d,%d,256", t->precision, t->scale);
        return APHX_OK;
    case ARROW_FIXED_SIZE_BINARY:
        aphx_buf_printf(b, "w:%d", t->byte_width);
        return APHX_OK;
    case ARROW_FIXED_SIZE_LIST:
        aphx_buf_printf(b, "+w:%d", t->list_size);
        return APHX_OK;
    case ARROW_TIME32:
        if (t->unit != ARROW_SECOND && t->unit != ARROW_MILLI) break;
        aphx_buf_printf(b, "tt%c", unit_char(t->unit));
        return APHX_OK;
    case ARROW_TIME64:
        if (t->unit != ARROW_MICRO && t->unit != ARROW_NANO) break;
        aphx_buf_printf(b, "tt%c", unit_char(t->unit));
        return APHX_OK;
    case ARROW_TIMESTAMP:
        aphx_buf_printf(b, "ts%c:%s", unit_char(t->unit), t->timezone ? t->timezone : "");
        return APHX_OK;
    case ARROW_DURATION:
        aphx_buf_printf(b, "tD%c", unit_char(t->unit));
        return APHX_OK;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
        aphx_buf_printf(b, "+u%c:", t->id == ARROW_DENSE_UNION ? 'd' : 's');
        for (int32_t i = 0; i < t->n_type_codes; i++)
            aphx_buf_printf(b, "%s%d", i ? "," : "", t->type_codes ? t->type_codes[i] : i);
        return APHX_OK;
    default:
        break;
    }
    return aphx_fail(err, APHX_UNSUPPORTED, "cannot export type %s (unit %d) to the C Data Interface",
                     arrow_type_name(t->id), (int)t->unit);
}

static bool parse_int32(const char **p, int32_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(*p, &end, 10);
    if (end == *p || errno || v < INT32_MIN || v > INT32_MAX) return false;
    *out = (int32_t)v;
    *p = end;
    return true;
}

static bool parse_unit(char c, arrow_time_unit *u)
{
    switch (c) {
    case 's': *u = ARROW_SECOND; return true;
    case 'm': *u = ARROW_MILLI; return true;
    case 'u': *u = ARROW_MICRO; return true;
    case 'n': *u = ARROW_NANO; return true;
    default: return false;
    }
}

/* Parse a format string into f->type (f already has its name). Union type
 * codes are stored in *codes / *n_codes (caller owns). */
static aphx_rc parse_format(const char *fmt, arrow_field *f, aphx_error *err)
{
    arrow_type *t = &f->type;
    static const struct { const char *s; arrow_type_id id; } simple[] = {
        {"n", ARROW_NA}, {"b", ARROW_BOOL}, {"c", ARROW_INT8}, {"C", ARROW_UINT8},
        {"s", ARROW_INT16}, {"S", ARROW_UINT16}, {"i", ARROW_INT32}, {"I", ARROW_UINT32},
        {"l", ARROW_INT64}, {"L", ARROW_UINT64}, {"e", ARROW_FLOAT16}, {"f", ARROW_FLOAT32},
        {"g", ARROW_FLOAT64}, {"z", ARROW_BINARY}, {"Z", ARROW_LARGE_BINARY},
        {"u", ARROW_UTF8}, {"U", ARROW_LARGE_UTF8}, {"tdD", ARROW_DATE32}, {"tdm", ARROW_DATE64},
        {"tiM", ARROW_INTERVAL_MONTHS}, {"tiD", ARROW_INTERVAL_DAY_TIME},
        {"tin", ARROW_INTERVAL_MONTH_DAY_NANO}, {"+l", ARROW_LIST}, {"+L", ARROW_LARGE_LIST},
        {"+s", ARROW_STRUCT}, {"+m", ARROW_MAP},
    };
    for (size_t i = 0; i < APHX_ARRAY_LEN(simple); i++) {
        if (strcmp(fmt, simple[i].s) == 0) {
            t->id = simple[i].id;
            return APHX_OK;
        }
    }
    const char *p;
    if (fmt[0] == 'd' && fmt[1] == ':') {
        p = fmt + 2;
        int32_t bw = 128;
        if (!parse_int32(&p, &t->precision) || *p++ != ',' || !parse_int32(&p, &t->scale))
            goto bad;
        if (*p == ',') {
            p++;
            if (!parse_int32(&p, &bw)) goto bad;
        }
        if (*p) goto bad;
        if (bw != 128 && bw != 256)
            return aphx_fail(err, APHX_UNSUPPORTED, "format '%s': %d-bit decimals are not supported yet",
                             fmt, bw);
        t->id = bw == 128 ? ARROW_DECIMAL128 : ARROW_DECIMAL256;
        t->byte_width = bw / 8;
        return APHX_OK;
    }
    if ((fmt[0] == 'w' && fmt[1] == ':') || (fmt[0] == '+' && fmt[1] == 'w' && fmt[2] == ':')) {
        bool list = fmt[0] == '+';
        p = fmt + (list ? 3 : 2);
        int32_t n;
        if (!parse_int32(&p, &n) || *p || n < 0 || (!list && n == 0)) goto bad;
        t->id = list ? ARROW_FIXED_SIZE_LIST : ARROW_FIXED_SIZE_BINARY;
        if (list) t->list_size = n;
        else t->byte_width = n;
        return APHX_OK;
    }
    if (fmt[0] == 't' && fmt[1] && fmt[2]) {
        if (fmt[1] == 't' && !fmt[3]) {
            if (!parse_unit(fmt[2], &t->unit)) goto bad;
            t->id = (t->unit == ARROW_SECOND || t->unit == ARROW_MILLI) ? ARROW_TIME32 : ARROW_TIME64;
            return APHX_OK;
        }
        if (fmt[1] == 'D' && !fmt[3]) {
            if (!parse_unit(fmt[2], &t->unit)) goto bad;
            t->id = ARROW_DURATION;
            return APHX_OK;
        }
        if (fmt[1] == 's' && fmt[3] == ':') {
            if (!parse_unit(fmt[2], &t->unit)) goto bad;
            t->id = ARROW_TIMESTAMP;
            if (fmt[4] && !(t->timezone = aphx_strdup(fmt + 4)))
                return aphx_fail(err, APHX_NOMEM, "out of memory importing a timestamp type");
            return APHX_OK;
        }
        goto bad;
    }
    if (fmt[0] == '+' && fmt[1] == 'u' && (fmt[2] == 'd' || fmt[2] == 's') && fmt[3] == ':') {
        t->id = fmt[2] == 'd' ? ARROW_DENSE_UNION : ARROW_SPARSE_UNION;
        int8_t codes[ARROW_MAX_UNION_CHILDREN];
        int32_t n = 0;
        p = fmt + 4;
        while (*p) {
            int32_t c;
            if (n == ARROW_MAX_UNION_CHILDREN || !parse_int32(&p, &c) || c < 0 || c > 127) goto bad;
            codes[n++] = (int8_t)c;
            if (*p == ',') p++;
            else if (*p) goto bad;
        }
        t->type_codes = aphx_malloc((size_t)(n ? n : 1));
        if (!t->type_codes) return aphx_fail(err, APHX_NOMEM, "out of memory importing a union type");
        memcpy(t->type_codes, codes, (size_t)n);
        t->n_type_codes = n;
        return APHX_OK;
    }
    if (fmt[0] == 'v' || (fmt[0] == '+' && (fmt[1] == 'v' || fmt[1] == 'r')))
        return aphx_fail(err, APHX_UNSUPPORTED, "format '%s' (views / run-end encoding) not supported yet",
                         fmt);
bad:
    return aphx_fail(err, APHX_UNSUPPORTED, "unknown or malformed C Data Interface format '%s'", fmt);
}

/* ================================================================== */
/* Schema export                                                       */
/* ================================================================== */
typedef struct schema_private {
    char                *format;
    char                *name;
    char                *metadata;
    struct ArrowSchema  *child_storage;
    struct ArrowSchema **child_ptrs;
    struct ArrowSchema  *dictionary;
} schema_private;

static void schema_release(struct ArrowSchema *s)
{
    if (!s || !s->release) return;
    schema_private *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++)
        if (s->children[i] && s->children[i]->release) s->children[i]->release(s->children[i]);
    if (s->dictionary && s->dictionary->release) s->dictionary->release(s->dictionary);
    if (p) {
        aphx_free(p->format);
        aphx_free(p->name);
        aphx_free(p->metadata);
        aphx_free(p->child_storage);
        aphx_free(p->child_ptrs);
        aphx_free(p->dictionary);
        aphx_free(p);
    }
    s->release = NULL;
}

static char *encode_metadata(const arrow_metadata *m, bool *oom)
{
    *oom = false;
    if (m->count == 0) return NULL;
    size_t size = 4;
    for (int32_t i = 0; i < m->count; i++)
        size += 8 + strlen(m->items[i].key) + (size_t)m->items[i].value_len;
    char *out = aphx_malloc(size);
    if (!out) {
        *oom = true;
        return NULL;
    }
    char *p = out;
    int32_t n = m->count;
    memcpy(p, &n, 4);
    p += 4;
    for (int32_t i = 0; i < m->count; i++) {
        int32_t kl = (int32_t)strlen(m->items[i].key), vl = (int32_t)m->items[i].value_len;
        memcpy(p, &kl, 4);
        memcpy(p + 4, m->items[i].key, (size_t)kl);
        p += 4 + kl;
        memcpy(p, &vl, 4);
        if (vl) memcpy(p + 4, m->items[i].value, (size_t)vl);
        p += 4 + vl;
    }
    return out;
}

/* Export f (as its value type when as_value) into *out. On failure *out is
 * released (release NULL). */
static aphx_rc export_schema_node(const arrow_field *f, const arrow_metadata *metadata,
                                  bool as_value, struct ArrowSchema *out, int depth,
                                  aphx_error *err)
{
    memset(out, 0, sizeof *out);
    if (depth > 64) return aphx_fail(err, APHX_UNSUPPORTED, "field nesting deeper than 64 levels");
    schema_private *p = aphx_calloc(1, sizeof *p);
    if (!p) return aphx_fail(err, APHX_NOMEM, "out of memory exporting field '%s'", f->name);
    out->private_data = p;
    out->release = schema_release;
    aphx_rc rc = APHX_NOMEM;
    aphx_buf fmt;
    aphx_buf_init(&fmt);
    bool dict = f->dict && !as_value;
    if (dict) {
        if (!arrow_type_is_integer(f->dict->index_type)) {
            rc = aphx_fail(err, APHX_INVALID, "field '%s': dictionary index type %s is not an integer",
                           f->name, arrow_type_name(f->dict->index_type));
            goto fail;
        }
        aphx_buf_puts(&fmt, simple_format(f->dict->index_type));
    } else if ((rc = format_of_type(&f->type, &fmt, err))) {
        goto fail;
    }
    rc = APHX_NOMEM;
    if (fmt.oom || !(p->format = aphx_buf_steal(&fmt))) goto nomem;
    if (!(p->name = aphx_strdup(f->name ? f->name : ""))) goto nomem;
    bool oom;
    p->metadata = encode_metadata(metadata, &oom);
    if (oom) goto nomem;
    out->format = p->format;
    out->name = p->name;
    out->metadata = p->metadata;
    out->flags = f->nullable ? ARROW_FLAG_NULLABLE : 0;
    if (dict) {
        if (f->dict->ordered) out->flags |= ARROW_FLAG_DICTIONARY_ORDERED;
        p->dictionary = aphx_malloc(sizeof(struct ArrowSchema));
        if (!p->dictionary) goto nomem;
        static const arrow_metadata no_metadata = {0, NULL};
        if ((rc = export_schema_node(f, &no_metadata, true, p->dictionary, depth + 1, err))) {
            aphx_free(p->dictionary);
            p->dictionary = NULL;
            goto fail;
        }
        out->dictionary = p->dictionary;
        return APHX_OK;
    }
    if (f->type.id == ARROW_MAP && f->type.keys_sorted) out->flags |= ARROW_FLAG_MAP_KEYS_SORTED;
    int32_t n = arrow_core_n_children(f);
    if (n > 0) {
        p->child_storage = aphx_calloc((size_t)n, sizeof(struct ArrowSchema));
        p->child_ptrs = aphx_calloc((size_t)n, sizeof(struct ArrowSchema *));
        if (!p->child_storage || !p->child_ptrs) goto nomem;
        out->children = p->child_ptrs;
        for (int32_t i = 0; i < n; i++) {
            p->child_ptrs[i] = &p->child_storage[i];
            if ((rc = export_schema_node(&f->children[i], &f->children[i].metadata, false,
                                         &p->child_storage[i], depth + 1, err)))
                goto fail;
            out->n_children = i + 1;
        }
    }
    return APHX_OK;
nomem:
    rc = aphx_fail(err, APHX_NOMEM, "out of memory exporting field '%s'", f->name);
fail:
    aphx_buf_free(&fmt);
    schema_release(out);
    return rc;
}

aphx_rc arrow_export_field(const arrow_field *f, struct ArrowSchema *out, aphx_error *err)
{
    return export_schema_node(f, &f->metadata, false, out, 0, err);
}

aphx_rc arrow_export_schema(const arrow_schema *s, struct ArrowSchema *out, aphx_error *err)
{
    arrow_field top = {0};
    top.name = "";
    top.type.id = ARROW_STRUCT;
    top.n_children = s->n_fields;
    top.children = s->fields;
    return export_schema_node(&top, &s->metadata, false, out, 0, err);
}

/* ================================================================== */
/* Schema import                                                       */
/* ================================================================== */
static aphx_rc decode_metadata(const char *md, arrow_metadata *out, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    if (!md) return APHX_OK;
    int32_t n;
    memcpy(&n, md, 4);
    if (n < 0) return aphx_fail(err, APHX_CORRUPT, "metadata has a negative pair count %d", n);
    const char *p = md + 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t kl, vl;
        memcpy(&kl, p, 4);
        if (kl < 0) goto bad;
        const char *k = p + 4;
        p = k + kl;
        memcpy(&vl, p, 4);
        if (vl < 0) goto bad;
        const char *v = p + 4;
        p = v + vl;
        char *key = aphx_strndup(k, (size_t)kl);
        if (!key) goto nomem;
        aphx_rc rc = arrow_metadata_add(out, key, v, vl);
        aphx_free(key);
        if (rc) goto nomem;
    }
    return APHX_OK;
bad:
    arrow_metadata_free(out);
    return aphx_fail(err, APHX_CORRUPT, "metadata has a negative length");
nomem:
    arrow_metadata_free(out);
    return aphx_fail(err, APHX_NOMEM, "out of memory importing metadata");
}

static aphx_rc import_schema_node(const struct ArrowSchema *in, arrow_field *out, int64_t *dict_id,
                                  int depth, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    if (depth > 64) return aphx_fail(err, APHX_UNSUPPORTED, "schema nesting deeper than 64 levels");
    if (!in || !in->release) return aphx_fail(err, APHX_INVALID, "schema is released or missing");
    if (!in->format) return aphx_fail(err, APHX_INVALID, "schema has no format string");
    aphx_rc rc;
    if (arrow_field_init(out, in->name ? in->name : "", ARROW_NA, (in->flags & ARROW_FLAG_NULLABLE) != 0))
        return aphx_fail(err, APHX_NOMEM, "out of memory importing a schema");
    const struct ArrowSchema *type_src = in;
    if (in->dictionary) {
        arrow_field idx = {0};
        rc = parse_format(in->format, &idx, err);
        arrow_type_id index_type = idx.type.id;
        arrow_field_free(&idx);
        if (rc) goto fail;
        if (!arrow_type_is_integer(index_type)) {
            rc = aphx_fail(err, APHX_INVALID, "field '%s': dictionary index format '%s' is not an integer",
                           out->name, in->format);
            goto fail;
        }
        if (in->dictionary->dictionary) {
            rc = aphx_fail(err, APHX_UNSUPPORTED,
                           "field '%s': dictionary of dictionary-encoded values not supported yet", out->name);
            goto fail;
        }
        out->dict = aphx_calloc(1, sizeof *out->dict);
        if (!out->dict) goto nomem;
        out->dict->index_type = index_type;
        out->dict->ordered = (in->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0;
        out->dict->id = (*dict_id)++;
        type_src = in->dictionary;
        if (!type_src->release || !type_src->format) {
            rc = aphx_fail(err, APHX_INVALID, "field '%s': dictionary schema is released or incomplete",
                           out->name);
            goto fail;
        }
    }
    if ((rc = parse_format(type_src->format, out, err))) goto fail;
    if ((rc = decode_metadata(in->metadata, &out->metadata, err))) goto fail;
    if (out->type.id == ARROW_MAP) out->type.keys_sorted = (type_src->flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0;
    int64_t n = type_src->n_children;
    bool nested = out->type.id == ARROW_LIST || out->type.id == ARROW_LARGE_LIST ||
                  out->type.id == ARROW_FIXED_SIZE_LIST || out->type.id == ARROW_MAP ||
                  out->type.id == ARROW_STRUCT || arrow_core_is_union(out->type.id);
    if (n < 0 || n > INT32_MAX || (n > 0 && !type_src->children) || (!nested && n != 0)) {
        rc = aphx_fail(err, APHX_INVALID, "field '%s': %lld children for format '%s'", out->name,
                       (long long)n, type_src->format);
        goto fail;
    }
    if ((out->type.id == ARROW_LIST || out->type.id == ARROW_LARGE_LIST ||
         out->type.id == ARROW_FIXED_SIZE_LIST || out->type.id == ARROW_MAP) && n != 1) {
        rc = aphx_fail(err, APHX_INVALID, "field '%s': a %s needs exactly one child, not %lld", out->name,
                       arrow_type_name(out->type.id), (long long)n);
        goto fail;
    }
    if (arrow_core_is_union(out->type.id) && n != out->type.n_type_codes) {
        rc = aphx_fail(err, APHX_INVALID, "field '%s': union has %lld children but %d type codes",
                       out->name, (long long)n, out->type.n_type_codes);
        goto fail;
    }
    if (n > 0) {
        out->children = aphx_calloc((size_t)n, sizeof(arrow_field));
        if (!out->children) goto nomem;
        for (int64_t i = 0; i < n; i++) {
            if ((rc = import_schema_node(type_src->children[i], &out->children[i], dict_id, depth + 1, err)))
                goto fail;
            out->n_children = (int32_t)(i + 1);
        }
    }
    if (out->type.id == ARROW_MAP &&
        (out->children[0].type.id != ARROW_STRUCT || out->children[0].n_children != 2 ||
         out->children[0].dict)) {
        rc = aphx_fail(err, APHX_INVALID, "field '%s': map entries must be a struct of key and value",
                       out->name);
        goto fail;
    }
    return APHX_OK;
nomem:
    rc = aphx_fail(err, APHX_NOMEM, "out of memory importing field '%s'", out->name ? out->name : "");
fail:
    arrow_field_free(out);
    return rc;
}

aphx_rc arrow_import_field(struct ArrowSchema *in, arrow_field *out, aphx_error *err)
{
    int64_t dict_id = 0;
    aphx_rc rc = import_schema_node(in, out, &dict_id, 0, err);
    if (rc) return rc;
    in->release(in);
    in->release = NULL;
    return APHX_OK;
}

aphx_rc arrow_import_schema(struct ArrowSchema *in, arrow_schema *out, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->release || !in->format)
        return aphx_fail(err, APHX_INVALID, "schema is released or missing");
    if (strcmp(in->format, "+s") != 0)
        return aphx_fail(err, APHX_INVALID, "a schema must have the struct format '+s', not '%s'",
                         in->format);
    arrow_field top;
    int64_t dict_id = 0;
    aphx_rc rc = import_schema_node(in, &top, &dict_id, 0, err);
    if (rc) return rc;
    out->n_fields = top.n_children;
    out->fields = top.children;
    out->metadata = top.metadata;
    top.children = NULL;
    top.n_children = 0;
    top.metadata.count = 0;
    top.metadata.items = NULL;
    arrow_field_free(&top);
    in->release(in);
    in->release = NULL;
    return APHX_OK;
}

/* ================================================================== */
/* Array export                                                        */
/* ================================================================== */
typedef struct array_private {
    arrow_array        *ref;
    const void         *buffers[ARROW_MAX_BUFFERS];
    struct ArrowArray  *child_storage;
    struct ArrowArray **child_ptrs;
    struct ArrowArray  *dictionary;
} array_private;

static void array_release(struct ArrowArray *a)
{
    if (!a || !a->release) return;
    array_private *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i] && a->children[i]->release) a->children[i]->release(a->children[i]);
    if (a->dictionary && a->dictionary->release) a->dictionary->release(a->dictionary);
    if (p) {
        arrow_array_unref(p->ref);
        aphx_free(p->child_storage);
        aphx_free(p->child_ptrs);
        aphx_free(p->dictionary);
        aphx_free(p);
    }
    a->release = NULL;
}

static aphx_rc export_array_node(const arrow_field *f, arrow_array *a, struct ArrowArray *out,
                                 int depth, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    if (depth > 64) return aphx_fail(err, APHX_UNSUPPORTED, "array nesting deeper than 64 levels");
    int32_t want_buffers = arrow_field_n_buffers(f);
    int32_t want_children = f->dict ? 0 : arrow_core_n_children(f);
    if (!a || a->n_buffers != want_buffers || a->n_children != want_children ||
        (f->dict && !a->dictionary))
        return aphx_fail(err, APHX_INVALID, "field '%s': the array's layout does not match the field",
                         f->name);
    array_private *p = aphx_calloc(1, sizeof *p);
    if (!p) return aphx_fail(err, APHX_NOMEM, "out of memory exporting array '%s'", f->name);
    out->private_data = p;
    out->release = array_release;
    p->ref = arrow_array_ref(a);
    out->length = a->length;
    out->offset = a->offset;
    out->null_count = a->null_count;
    out->n_buffers = a->n_buffers;
    out->buffers = p->buffers;
    bool first_is_validity = !arrow_core_is_union(f->type.id) || f->dict;
    for (int32_t i = 0; i < a->n_buffers; i++) {
        const arrow_buffer *b = a->buffers[i];
        if (b && b->data) p->buffers[i] = b->data;
        else if (i == 0 && first_is_validity) p->buffers[i] = NULL;
        else p->buffers[i] = cdata_zeros;
    }
    aphx_rc rc;
    if (f->dict) {
        p->dictionary = aphx_malloc(sizeof(struct ArrowArray));
        if (!p->dictionary) goto nomem;
        arrow_field value = arrow_core_value_field(f);
        if ((rc = export_array_node(&value, a->dictionary, p->dictionary, depth + 1, err))) {
            aphx_free(p->dictionary);
            p->dictionary = NULL;
            goto fail;
        }
        out->dictionary = p->dictionary;
        return APHX_OK;
    }
    if (a->n_children > 0) {
        p->child_storage = aphx_calloc((size_t)a->n_children, sizeof(struct ArrowArray));
        p->child_ptrs = aphx_calloc((size_t)a->n_children, sizeof(struct ArrowArray *));
        if (!p->child_storage || !p->child_ptrs) goto nomem;
        out->children = p->child_ptrs;
        for (int32_t i = 0; i < a->n_children; i++) {
            p->child_ptrs[i] = &p->child_storage[i];
            if ((rc = export_array_node(&f->children[i], a->children[i], &p->child_storage[i],
                                        depth + 1, err)))
                goto fail;
            out->n_children = i + 1;
        }
    }
    return APHX_OK;
nomem:
    rc = aphx_fail(err, APHX_NOMEM, "out of memory exporting array '%s'", f->name);
fail:
    array_release(out);
    return rc;
}

aphx_rc arrow_export_array(const arrow_field *f, arrow_array *a, struct ArrowArray *out,
                           aphx_error *err)
{
    return export_array_node(f, a, out, 0, err);
}

static arrow_field batch_struct_field(const arrow_schema *s)
{
    arrow_field top = {0};
    top.name = "";
    top.type.id = ARROW_STRUCT;
    top.n_children = s->n_fields;
    top.children = s->fields;
    return top;
}

aphx_rc arrow_export_batch(arrow_batch *b, struct ArrowArray *out, aphx_error *err)
{
    memset(out, 0, sizeof *out);
    arrow_field top = batch_struct_field(b->schema);
    arrow_array *shell = aphx_calloc(1, sizeof *shell);
    if (!shell) return aphx_fail(err, APHX_NOMEM, "out of memory exporting a record batch");
    shell->refcount = 1;
    shell->length = b->length;
    shell->n_buffers = 1;
    if (b->n_columns > 0) {
        shell->children = aphx_calloc((size_t)b->n_columns, sizeof(arrow_array *));
        if (!shell->children) {
            aphx_free(shell);
            return aphx_fail(err, APHX_NOMEM, "out of memory exporting a record batch");
        }
    }
    shell->n_children = b->n_columns;
    for (int32_t i = 0; i < b->n_columns; i++) {
        if (!b->columns[i]) {
            arrow_array_unref(shell);
            return aphx_fail(err, APHX_INVALID, "record batch column %d is missing", i);
        }
        shell->children[i] = arrow_array_ref(b->columns[i]);
    }
    aphx_rc rc = export_array_node(&top, shell, out, 0, err);
    arrow_array_unref(shell);
    return rc;
}

/* ================================================================== */
/* Array import                                                        */
/* ================================================================== */
typedef struct import_owner {
    int64_t           refcount;
    struct ArrowArray array;   /* the moved foreign root */
} import_owner;

static void import_owner_unref(void *ctx)
{
    import_owner *o = ctx;
    if (--o->refcount > 0) return;
    if (o->array.release) o->array.release(&o->array);
    aphx_free(o);
}

/* Wrap foreign memory p of `size` bytes (NULL p gives a NULL buffer). */
static aphx_rc wrap_buffer(import_owner *o, const void *p, int64_t size, arrow_buffer **out)
{
    *out = NULL;
    if (!p) return APHX_OK;
    arrow_buffer *b = arrow_buffer_wrap((void *)p, size, import_owner_unref, o);
    if (!b) return APHX_NOMEM;
    o->refcount++;
    *out = b;
    return APHX_OK;
}

static aphx_rc import_array_node(import_owner *o, const arrow_field *f, const struct ArrowArray *in,
                                 arrow_array **out, int depth, aphx_error *err)
{
    *out = NULL;
    if (depth > 64) return aphx_fail(err, APHX_UNSUPPORTED, "array nesting deeper than 64 levels");
    if (!in || !in->release)
        return aphx_fail(err, APHX_INVALID, "field '%s': array is released or missing", f->name);
    int32_t want_buffers = arrow_field_n_buffers(f);
    int32_t want_children = f->dict ? 0 : arrow_core_n_children(f);
    if (in->n_buffers != want_buffers)
        return aphx_fail(err, arrow_core_is_union(f->type.id) ? APHX_UNSUPPORTED : APHX_INVALID,
                         "field '%s': %lld buffers, a %s array has %d", f->name,
                         (long long)in->n_buffers, f->dict ? "dictionary" : arrow_type_name(f->type.id),
                         want_buffers);
    if (in->n_children != want_children || (want_children && !in->children))
        return aphx_fail(err, APHX_INVALID, "field '%s': %lld children, the field has %d", f->name,
                         (long long)in->n_children, want_children);
    if (in->length < 0 || in->offset < 0 || in->length > INT64_MAX / 16 - in->offset ||
        (want_buffers && !in->buffers))
        return aphx_fail(err, APHX_INVALID, "field '%s': bad length %lld / offset %lld", f->name,
                         (long long)in->length, (long long)in->offset);
    if (f->dict && !in->dictionary)
        return aphx_fail(err, APHX_INVALID, "field '%s': dictionary-encoded array without a dictionary",
                         f->name);
    arrow_array *a = aphx_calloc(1, sizeof *a);
    if (!a) goto nomem;
    a->refcount = 1;
    a->length = in->length;
    a->offset = in->offset;
    a->null_count = in->null_count;
    a->n_buffers = want_buffers;
    int64_t end = in->offset + in->length;
    aphx_rc rc;
    /* Buffer sizes follow from the type, offset and length. */
    int64_t sizes[ARROW_MAX_BUFFERS] = {0, 0, 0};
    if (f->dict) {
        arrow_type it = {0};
        it.id = f->dict->index_type;
        sizes[0] = (end + 7) / 8;
        sizes[1] = end * (arrow_type_bit_width(&it) / 8);
    } else {
        switch (f->type.id) {
        case ARROW_NA: break;
        case ARROW_SPARSE_UNION: sizes[0] = end; break;
        case ARROW_DENSE_UNION: sizes[0] = end; sizes[1] = end * 4; break;
        case ARROW_STRUCT: case ARROW_FIXED_SIZE_LIST: sizes[0] = (end + 7) / 8; break;
        case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
            bool large = arrow_core_is_large(f->type.id);
            sizes[0] = (end + 7) / 8;
            const void *offs = in->buffers[1];
            sizes[1] = offs ? (end + 1) * (large ? 8 : 4) : 0;
            if (want_buffers == 3 && offs) {
                int64_t last = large ? ((const int64_t *)offs)[end] : ((const int32_t *)offs)[end];
                if (last < 0) {
                    arrow_array_unref(a);
                    return aphx_fail(err, APHX_CORRUPT, "field '%s': negative last offset %lld",
                                     f->name, (long long)last);
                }
                sizes[2] = last;
            }
            break;
        }
        default:
            sizes[0] = (end + 7) / 8;
            sizes[1] = (end * arrow_type_bit_width(&f->type) + 7) / 8;
            break;
        }
    }
    for (int32_t i = 0; i < want_buffers; i++)
        if (wrap_buffer(o, in->buffers[i], sizes[i], &a->buffers[i])) goto nomem_a;
    if (f->dict) {
        arrow_field value = arrow_core_value_field(f);
        if ((rc = import_array_node(o, &value, in->dictionary, &a->dictionary, depth + 1, err)))
            goto fail;
    } else if (want_children > 0) {
        a->children = aphx_calloc((size_t)want_children, sizeof(arrow_array *));
        if (!a->children) goto nomem_a;
        for (int32_t i = 0; i < want_children; i++) {
            if ((rc = import_array_node(o, &f->children[i], in->children[i], &a->children[i],
                                        depth + 1, err)))
                goto fail;
            a->n_children = i + 1;
        }
    }
    if (!f->dict && arrow_core_is_union(f->type.id)) a->null_count = 0;
    if (!f->dict && f->type.id == ARROW_NA) a->null_count = a->length;
    *out = a;
    return APHX_OK;
nomem_a:
    arrow_array_unref(a);
nomem:
    return aphx_fail(err, APHX_NOMEM, "out of memory importing array '%s'", f->name);
fail:
    arrow_array_unref(a);
    return rc;
}

aphx_rc arrow_import_array(const arrow_field *f, struct ArrowArray *in, arrow_array **out,
                           aphx_error *err)
{
    *out = NULL;
    if (!in || !in->release) return aphx_fail(err, APHX_INVALID, "array is released or missing");
    import_owner *o = aphx_malloc(sizeof *o);
    if (!o) return aphx_fail(err, APHX_NOMEM, "out of memory importing array '%s'", f->name);
    o->refcount = 1;           /* ours, for the duration of the import */
    o->array = *in;
    arrow_array *a;
    aphx_rc rc = import_array_node(o, f, &o->array, &a, 0, err);
    if (rc) {
        /* Nothing references the owner any more; *in still owns the data. */
        aphx_free(o);
        return rc;
    }
    in->release = NULL;        /* moved */
    import_owner_unref(o);     /* releases now if no buffer refers to it */
    *out = a;
    return APHX_OK;
}

aphx_rc arrow_import_batch(const arrow_schema *s, struct ArrowArray *in, arrow_batch **out,
                           aphx_error *err)
{
    *out = NULL;
    arrow_field top = batch_struct_field(s);
    if (in && in->release && in->n_buffers == 1 && in->buffers && in->buffers[0] && in->null_count != 0) {
        /* A null at the top level has no meaning for a record batch. */
        int64_t nulls = in->null_count;
        if (nulls < 0)
            nulls = in->length - arrow_bitmap_count_set(in->buffers[0], in->offset, in->length);
        if (nulls > 0)
            return aphx_fail(err, APHX_INVALID, "record batch struct array has %lld null rows",
                             (long long)nulls);
    }
    arrow_array *a;
    aphx_rc rc = arrow_import_array(&top, in, &a, err);
    if (rc) return rc;
    arrow_batch *b = arrow_batch_new(s, a->length);
    if (!b) goto nomem;
    for (int32_t i = 0; i < s->n_fields; i++) {
        if (a->offset == 0 && a->children[i]->length == a->length) {
            b->columns[i] = arrow_array_ref(a->children[i]);
        } else {
            b->columns[i] = arrow_array_slice(a->children[i], a->offset, a->length);
            if (!b->columns[i]) {
                if (a->children[i]->length < a->offset + a->length) {
                    arrow_batch_free(b);
                    arrow_array_unref(a);
                    return aphx_fail(err, APHX_CORRUPT, "record batch column '%s' is shorter than the batch",
                                     s->fields[i].name);
                }
                goto nomem;
            }
        }
    }
    arrow_array_unref(a);
    *out = b;
    return APHX_OK;
nomem:
    /* The input was already moved: it is released with our references. */
    arrow_batch_free(b);
    arrow_array_unref(a);
    return aphx_fail(err, APHX_NOMEM, "out of memory importing a record batch");
}

/* ================================================================== */
/* C Stream Interface                                                  */
/* ================================================================== */
typedef struct stream_private {
    arrow_reader *reader;
    aphx_error    err;
} stream_private;

static int errno_of(aphx_rc rc)
{
    switch (rc) {
    case APHX_OK: return 0;
    case APHX_NOMEM: return ENOMEM;
    case APHX_INVALID: return EINVAL;
    case APHX_UNSUPPORTED: return ENOSYS;
    default: return EIO;
    }
}

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    stream_private *p = s->private_data;
    aphx_error_clear(&p->err);
    const arrow_schema *schema = p->reader->schema(p->reader);
    if (!schema) {
        aphx_fail(&p->err, APHX_INVALID, "the reader has no schema");
        return EINVAL;
    }
    return errno_of(arrow_export_schema(schema, out, &p->err));
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    stream_private *p = s->private_data;
    aphx_error_clear(&p->err);
    arrow_batch *b = NULL;
    aphx_rc rc = p->reader->next(p->reader, &b, &p->err);
    if (rc) {
        if (!p->err.msg[0]) aphx_fail(&p->err, rc, "reading the next batch failed: %s", aphx_rc_text(rc));
        return errno_of(rc);
    }
    if (!b) {
        memset(out, 0, sizeof *out);   /* end of stream: release == NULL */
        return 0;
    }
    rc = arrow_export_batch(b, out, &p->err);
    arrow_batch_free(b);
    return errno_of(rc);
}

static const char *stream_get_last_error(struct ArrowArrayStream *s)
{
    stream_private *p = s->private_data;
    return p->err.msg[0] ? p->err.msg : NULL;
}

static void stream_release(struct ArrowArrayStream *s)
{
    if (!s || !s->release) return;
    stream_private *p = s->private_data;
    if (p) {
        if (p->reader && p->reader->close) p->reader->close(p->reader);
        aphx_free(p);
    }
    s->release = NULL;
}

aphx_rc arrow_export_stream(arrow_reader *r, struct ArrowArrayStream *out)
{
    memset(out, 0, sizeof *out);
    stream_private *p = aphx_calloc(1, sizeof *p);
    if (!p) return APHX_NOMEM;   /* r stays with the caller */
    p->reader = r;
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_get_last_error;
    out->release = stream_release;
    out->private_data = p;
    return APHX_OK;
}

typedef struct imported_reader {
    arrow_reader            base;
    struct ArrowArrayStream stream;
    arrow_schema            schema;
} imported_reader;

static const arrow_schema *imported_schema(arrow_reader *r)
{
    return &((imported_reader *)r)->schema;
}

static aphx_rc imported_next(arrow_reader *r, arrow_batch **out, aphx_error *err)
{
    imported_reader *ir = (imported_reader *)r;
    *out = NULL;
    if (!ir->stream.release) return aphx_fail(err, APHX_CLOSED, "the C stream was released");
    struct ArrowArray arr;
    memset(&arr, 0, sizeof arr);
    int e = ir->stream.get_next(&ir->stream, &arr);
    if (e) {
        const char *msg = ir->stream.get_last_error ? ir->stream.get_last_error(&ir->stream) : NULL;
        return aphx_fail(err, e == ENOMEM ? APHX_NOMEM : APHX_IO, "C stream get_next failed (errno %d): %s",
                         e, msg ? msg : "no message");
    }
    if (!arr.release) return APHX_OK;   /* end of stream */
    aphx_rc rc = arrow_import_batch(&ir->schema, &arr, out, err);
    if (rc && arr.release) arr.release(&arr);
    return rc;
}

static void imported_close(arrow_reader *r)
{
    imported_reader *ir = (imported_reader *)r;
    if (ir->stream.release) ir->stream.release(&ir->stream);
    arrow_schema_free(&ir->schema);
    aphx_free(ir);
}

aphx_rc arrow_import_stream(struct ArrowArrayStream *in, arrow_reader **out, aphx_error *err)
{
    *out = NULL;
    if (!in || !in->release) return aphx_fail(err, APHX_INVALID, "stream is released or missing");
    imported_reader *ir = aphx_calloc(1, sizeof *ir);
    if (!ir) return aphx_fail(err, APHX_NOMEM, "out of memory importing a C stream");
    struct ArrowSchema cs;
    memset(&cs, 0, sizeof cs);
    int e = in->get_schema(in, &cs);
    if (e) {
        const char *msg = in->get_last_error ? in->get_last_error(in) : NULL;
        aphx_free(ir);
        return aphx_fail(err, e == ENOMEM ? APHX_NOMEM : APHX_IO, "C stream get_schema failed (errno %d): %s",
                         e, msg ? msg : "no message");
    }
    aphx_rc rc = arrow_import_schema(&cs, &ir->schema, err);
    if (rc) {
        if (cs.release) cs.release(&cs);
        aphx_free(ir);
        return rc;
    }
    ir->stream = *in;
    in->release = NULL;
    ir->base.schema = imported_schema;
    ir->base.next = imported_next;
    ir->base.close = imported_close;
    *out = &ir->base;
    return APHX_OK;
}
