/*
 * json_integration.c — reader for the Arrow integration-testing JSON format
 * (Apache Arrow docs, "Integration testing" / format/Integration.rst): the
 * human-readable form in which the gold files of arrow-testing describe a
 * schema, its dictionaries and its record batches. We use it as the
 * reference side of the gold-file test (tests/arrow_gold): what the JSON
 * says must equal what our IPC reader decodes from the .stream/.arrow_file
 * written by other Arrow implementations.
 *
 * Two layers, both in this file:
 *   1. A small strict JSON parser (RFC 8259 grammar, UTF-8 checked, nesting
 *      depth bounded) that builds an immutable tree in an arena. Numbers keep
 *      their literal text so 64-bit integers and floats are converted exactly
 *      once, by the code that knows the target type.
 *   2. The integration-format reader: fields/types/metadata/dictionary
 *      encodings into arrow_field, and each FieldData object straight into
 *      the buffers of an arrow_array (VALIDITY -> validity bitmap, OFFSET ->
 *      offsets, TYPE_ID -> union type ids, DATA -> values), which is the most
 *      faithful way to reproduce what the writer of the JSON meant.
 *
 * The document (all keys the reader looks at):
 *   { "schema": { "fields": [Field], "metadata": Metadata? },
 *     "dictionaries": [ { "id": int, "data": { "count": n, "columns": [FieldData] } } ]?,
 *     "batches": [ { "count": n, "columns": [FieldData] } ] }
 *   Field     = { "name", "nullable", "type": Type, "children": [Field],
 *                 "dictionary": { "id", "indexType": Type(int), "isOrdered" }?,
 *                 "metadata": Metadata? }
 *   Metadata  = null | [ { "key": str, "value": str } ]
 *   FieldData = { "name", "count", "VALIDITY": [0|1], "OFFSET": [int|str],
 *                 "TYPE_ID": [int], "DATA": [...], "children": [FieldData] }
 * DATA encodings: bool 0/1 (or true/false); integers as numbers, 64-bit ones
 * as strings; floats as numbers; decimals as strings of the unscaled integer;
 * binary and fixed-size binary as hex strings; utf8 as strings; interval
 * DAY_TIME {"days","milliseconds"}, MONTH_DAY_NANO {"months","days",
 * "nanoseconds"}; dictionary-encoded columns carry the indices.
 *
 * Untrusted input: every count, length, offset and value range is checked;
 * errors are APHX_CORRUPT (or APHX_SYNTAX for malformed JSON) with a message
 * naming the place ("batch 1 column 'f3' child 'item': ...").
 * Not supported yet (APHX_UNSUPPORTED): listview, largelistview, utf8view,
 * binaryview, runendencoded, 32/64-bit decimals.
 */
#include "arrow/core_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================== */
/* 1. JSON tree                                                        */
/* ================================================================== */
typedef enum json_kind {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_kind;

typedef struct json_value {
    json_kind           kind;
    int64_t             n;      /* STRING: bytes; NUMBER: literal length; ARRAY/OBJECT: items */
    const char         *str;    /* STRING: decoded UTF-8, NUL-terminated; NUMBER: literal text */
    struct json_value **items;  /* ARRAY elements / OBJECT member values */
    const char        **keys;   /* OBJECT member names (decoded, NUL-terminated) */
} json_value;

#define JSON_MAX_DEPTH 256

typedef struct json_parser {
    const char  *start;
    const char  *p;
    const char  *end;
    aphx_arena  *arena;
    /* Items of the containers being parsed, shared by all nesting levels:
     * a container pushes its members and pops them into its own arena copy. */
    json_value **stack_values;
    const char **stack_keys;
    size_t       stack_len;
    size_t       stack_cap;
    int          depth;
    aphx_error  *err;
} json_parser;

static aphx_rc json_syntax(json_parser *jp, const char *what)
{
    return aphx_fail(jp->err, APHX_SYNTAX, "JSON: %s at byte %lld", what,
                     (long long)(jp->p - jp->start));
}

static void json_skip_ws(json_parser *jp)
{
    while (jp->p < jp->end &&
           (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static json_value *json_new(json_parser *jp, json_kind kind)
{
    json_value *v = aphx_arena_calloc(jp->arena, sizeof *v);
    if (v) v->kind = kind;
    return v;
}

static aphx_rc json_push(json_parser *jp, const char *key, json_value *v)
{
    if (jp->stack_len == jp->stack_cap) {
        size_t cap = jp->stack_cap ? jp->stack_cap * 2 : 256;
        json_value **nv = aphx_realloc(jp->stack_values, cap * sizeof *nv);
        if (!nv) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        jp->stack_values = nv;
        const char **nk = aphx_realloc(jp->stack_keys, cap * sizeof *nk);
        if (!nk) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        jp->stack_keys = nk;
        jp->stack_cap = cap;
    }
    jp->stack_values[jp->stack_len] = v;
    jp->stack_keys[jp->stack_len] = key;
    jp->stack_len++;
    return APHX_OK;
}

/* Move the top `n` stack entries into v's own arena arrays. */
static aphx_rc json_pop_into(json_parser *jp, json_value *v, size_t n, bool with_keys)
{
    size_t base = jp->stack_len - n;
    v->n = (int64_t)n;
    if (n > 0) {
        v->items = aphx_arena_alloc(jp->arena, n * sizeof *v->items);
        if (!v->items) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        memcpy(v->items, jp->stack_values + base, n * sizeof *v->items);
        if (with_keys) {
            v->keys = aphx_arena_alloc(jp->arena, n * sizeof *v->keys);
            if (!v->keys) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
            memcpy(v->keys, jp->stack_keys + base, n * sizeof *v->keys);
        }
    }
    jp->stack_len = base;
    return APHX_OK;
}

static int json_hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool json_read_u4(const char *p, const char *end, uint32_t *out)
{
    if (end - p < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = json_hex_digit(p[i]);
        if (d < 0) return false;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return true;
}

/* Length of the valid UTF-8 sequence starting at p (1..4), or 0. */
static int json_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    if (c < 0x80) return 1;
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (end - p < n) return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static char *json_put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* jp->p is at the opening quote. Decoded text goes to the arena; escapes
 * only ever shrink, so the raw length bounds the decoded one. */
static aphx_rc json_parse_string(json_parser *jp, const char **out, int64_t *out_len)
{
    const char *q = jp->p + 1;
    /* Find the closing quote (skipping escaped characters). */
    while (q < jp->end && *q != '"') {
        if (*q == '\\') q++;
        q++;
    }
    if (q >= jp->end) return json_syntax(jp, "unterminated string");
    size_t raw_len = (size_t)(q - (jp->p + 1));
    char *buf = aphx_arena_alloc(jp->arena, raw_len + 1);
    if (!buf) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
    char *o = buf;
    const char *s = jp->p + 1;
    while (s < q) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20) {
            jp->p = s;
            return json_syntax(jp, "control character in string");
        }
        if (c == '\\') {
            char e = s[1];
            s += 2;
            switch (e) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '/': *o++ = '/'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                if (!json_read_u4(s, q, &cp)) {
                    jp->p = s;
                    return json_syntax(jp, "bad \\u escape");
                }
                s += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (q - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                        !json_read_u4(s + 2, q, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                        jp->p = s;
                        return json_syntax(jp, "unpaired UTF-16 surrogate in \\u escape");
                    }
                    s += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    jp->p = s;
                    return json_syntax(jp, "unpaired UTF-16 surrogate in \\u escape");
                }
                o = json_put_utf8(o, cp);
                break;
            }
            default:
                jp->p = s - 1;
                return json_syntax(jp, "unknown escape in string");
            }
            continue;
        }
        int n = json_utf8_len((const unsigned char *)s, (const unsigned char *)q);
        if (n == 0) {
            jp->p = s;
            return json_syntax(jp, "invalid UTF-8 in string");
        }
        memcpy(o, s, (size_t)n);
        o += n;
        s += n;
    }
    *o = '\0';
    *out = buf;
    *out_len = (int64_t)(o - buf);
    jp->p = q + 1;
    return APHX_OK;
}

static bool json_is_digit(char c) { return c >= '0' && c <= '9'; }

static aphx_rc json_parse_number(json_parser *jp, json_value *v)
{
    const char *s = jp->p, *e = jp->end, *p = s;
    if (p < e && *p == '-') p++;
    if (p >= e || !json_is_digit(*p)) return json_syntax(jp, "malformed number");
    if (*p == '0') p++;
    else while (p < e && json_is_digit(*p)) p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !json_is_digit(*p)) return json_syntax(jp, "malformed number");
        while (p < e && json_is_digit(*p)) p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || !json_is_digit(*p)) return json_syntax(jp, "malformed number");
        while (p < e && json_is_digit(*p)) p++;
    }
    v->n = p - s;
    v->str = aphx_arena_strndup(jp->arena, s, (size_t)(p - s));
    if (!v->str) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
    jp->p = p;
    return APHX_OK;
}

static bool json_match(json_parser *jp, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n) != 0) return false;
    jp->p += n;
    return true;
}

static aphx_rc json_parse_value(json_parser *jp, json_value **out)
{
    aphx_rc rc;
    json_skip_ws(jp);
    if (jp->p >= jp->end) return json_syntax(jp, "unexpected end of input");
    char c = *jp->p;
    json_value *v = NULL;
    if (c == '{' || c == '[') {
        bool obj = c == '{';
        char close = obj ? '}' : ']';
        if (++jp->depth > JSON_MAX_DEPTH) return json_syntax(jp, "nesting too deep");
        v = json_new(jp, obj ? JSON_OBJECT : JSON_ARRAY);
        if (!v) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        jp->p++;
        size_t n = 0;
        json_skip_ws(jp);
        if (jp->p < jp->end && *jp->p == close) {
            jp->p++;
        } else {
            for (;;) {
                const char *key = NULL;
                int64_t key_len = 0;
                if (obj) {
                    json_skip_ws(jp);
                    if (jp->p >= jp->end || *jp->p != '"')
                        return json_syntax(jp, "expected a member name");
                    if ((rc = json_parse_string(jp, &key, &key_len))) return rc;
                    json_skip_ws(jp);
                    if (jp->p >= jp->end || *jp->p != ':') return json_syntax(jp, "expected ':'");
                    jp->p++;
                }
                json_value *item = NULL;
                if ((rc = json_parse_value(jp, &item))) return rc;
                if ((rc = json_push(jp, key, item))) return rc;
                n++;
                json_skip_ws(jp);
                if (jp->p < jp->end && *jp->p == ',') {
                    jp->p++;
                    continue;
                }
                if (jp->p < jp->end && *jp->p == close) {
                    jp->p++;
                    break;
                }
                return json_syntax(jp, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            }
        }
        if ((rc = json_pop_into(jp, v, n, obj))) return rc;
        jp->depth--;
    } else if (c == '"') {
        v = json_new(jp, JSON_STRING);
        if (!v) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        if ((rc = json_parse_string(jp, &v->str, &v->n))) return rc;
    } else if (c == '-' || json_is_digit(c)) {
        v = json_new(jp, JSON_NUMBER);
        if (!v) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
        if ((rc = json_parse_number(jp, v))) return rc;
    } else if (json_match(jp, "true")) {
        v = json_new(jp, JSON_TRUE);
    } else if (json_match(jp, "false")) {
        v = json_new(jp, JSON_FALSE);
    } else if (json_match(jp, "null")) {
        v = json_new(jp, JSON_NULL);
    } else {
        return json_syntax(jp, "unexpected character");
    }
    if (!v) return aphx_fail(jp->err, APHX_NOMEM, "JSON: out of memory");
    *out = v;
    return APHX_OK;
}

/* Parse a whole document into arena memory. */
static aphx_rc json_parse(const char *text, size_t len, aphx_arena *arena, json_value **out,
                          aphx_error *err)
{
    json_parser jp = {.start = text, .p = text, .end = text + len, .arena = arena, .err = err};
    aphx_rc rc = json_parse_value(&jp, out);
    if (rc) goto done;
    json_skip_ws(&jp);
    if (jp.p != jp.end) rc = json_syntax(&jp, "trailing characters after the document");
done:
    aphx_free(jp.stack_values);
    aphx_free(jp.stack_keys);
    return rc;
}

/* Member of an object by name (the first one), or NULL. */
static const json_value *json_get(const json_value *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT) return NULL;
    for (int64_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

/* Integer literal (NUMBER without fraction/exponent) or a string holding
 * one, as int64. */
static bool json_to_i64(const json_value *v, int64_t *out)
{
    if (!v || (v->kind != JSON_NUMBER && v->kind != JSON_STRING) || v->n == 0) return false;
    const char *s = v->str;
    if (!(s[0] == '-' || json_is_digit(s[0]))) return false;
    for (int64_t i = 1; i < v->n; i++)
        if (!json_is_digit(s[i])) return false;
    if (s[0] == '-' && v->n == 1) return false;
    errno = 0;
    char *endp = NULL;
    long long x = strtoll(s, &endp, 10);
    if (errno || endp != s + v->n) return false;
    *out = (int64_t)x;
    return true;
}

static bool json_to_u64(const json_value *v, uint64_t *out)
{
    if (!v || (v->kind != JSON_NUMBER && v->kind != JSON_STRING) || v->n == 0) return false;
    const char *s = v->str;
    for (int64_t i = 0; i < v->n; i++)
        if (!json_is_digit(s[i])) return false;
    errno = 0;
    char *endp = NULL;
    unsigned long long x = strtoull(s, &endp, 10);
    if (errno || endp != s + v->n) return false;
    *out = (uint64_t)x;
    return true;
}

/* ================================================================== */
/* 2. Integration-format reader                                        */
/* ================================================================== */
typedef struct json_reader {
    aphx_arena          arena;
    const arrow_schema *schema;
    const json_value   *dicts;        /* the "dictionaries" array, or NULL */
    arrow_array       **dict_arrays;  /* per entry of dicts: built lazily */
    uint8_t            *dict_state;   /* 0 = not built, 1 = being built, 2 = built */
    aphx_buf            path;         /* where we are, for messages */
    int64_t             text_len;     /* size of the document (bounds data sizes) */
    aphx_error         *err;
} json_reader;

static aphx_rc jr_fail(json_reader *jr, aphx_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static aphx_rc jr_fail(json_reader *jr, aphx_rc code, const char *fmt, ...)
{
    char msg[APHX_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (jr->path.len > 0)
        return aphx_fail(jr->err, code, "arrow json: %s: %s", jr->path.data, msg);
    return aphx_fail(jr->err, code, "arrow json: %s", msg);
}

/* Path helpers: push returns the old length, pop restores it. */
static size_t jr_path_push(json_reader *jr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t jr_path_push(json_reader *jr, const char *fmt, ...)
{
    size_t old = jr->path.len;
    if (old > 0) aphx_buf_putc(&jr->path, ' ');
    va_list ap;
    va_start(ap, fmt);
    aphx_buf_vprintf(&jr->path, fmt, ap);
    va_end(ap);
    return old;
}

static void jr_path_pop(json_reader *jr, size_t old)
{
    if (jr->path.data && old <= jr->path.len) {
        jr->path.len = old;
        jr->path.data[old] = '\0';
    }
}

static aphx_rc jr_nomem(json_reader *jr)
{
    return jr_fail(jr, APHX_NOMEM, "out of memory");
}

/* ---- schema -------------------------------------------------------- */
static aphx_rc jr_get_string(json_reader *jr, const json_value *obj, const char *key,
                             bool required, const char **out)
{
    const json_value *v = json_get(obj, key);
    *out = NULL;
    if (!v || v->kind == JSON_NULL) {
        if (required) return jr_fail(jr, APHX_CORRUPT, "missing string member '%s'", key);
        return APHX_OK;
    }
    if (v->kind != JSON_STRING) return jr_fail(jr, APHX_CORRUPT, "'%s' is not a string", key);
    if ((int64_t)strlen(v->str) != v->n)
        return jr_fail(jr, APHX_CORRUPT, "'%s' contains a NUL character", key);
    *out = v->str;
    return APHX_OK;
}

static aphx_rc jr_get_bool(json_reader *jr, const json_value *obj, const char *key,
                           bool required, bool dflt, bool *out)
{
    const json_value *v = json_get(obj, key);
    *out = dflt;
    if (!v) {
        if (required) return jr_fail(jr, APHX_CORRUPT, "missing boolean member '%s'", key);
        return APHX_OK;
    }
    if (v->kind != JSON_TRUE && v->kind != JSON_FALSE)
        return jr_fail(jr, APHX_CORRUPT, "'%s' is not a boolean", key);
    *out = v->kind == JSON_TRUE;
    return APHX_OK;
}

static aphx_rc jr_get_int(json_reader *jr, const json_value *obj, const char *key,
                          bool required, int64_t dflt, int64_t min, int64_t max, int64_t *out)
{
    const json_value *v = json_get(obj, key);
    *out = dflt;
    if (!v) {
        if (required) return jr_fail(jr, APHX_CORRUPT, "missing integer member '%s'", key);
        return APHX_OK;
    }
    int64_t x;
    if (!json_to_i64(v, &x)) return jr_fail(jr, APHX_CORRUPT, "'%s' is not an integer", key);
    if (x < min || x > max)
        return jr_fail(jr, APHX_CORRUPT, "'%s' = %lld is out of range [%lld, %lld]", key,
                       (long long)x, (long long)min, (long long)max);
    *out = x;
    return APHX_OK;
}

static aphx_rc jr_parse_metadata(json_reader *jr, const json_value *owner, arrow_metadata *m)
{
    const json_value *md = json_get(owner, "metadata");
    if (!md || md->kind == JSON_NULL) return APHX_OK;
    if (md->kind != JSON_ARRAY) return jr_fail(jr, APHX_CORRUPT, "'metadata' is not an array");
    for (int64_t i = 0; i < md->n; i++) {
        const json_value *kv = md->items[i];
        if (kv->kind != JSON_OBJECT)
            return jr_fail(jr, APHX_CORRUPT, "metadata entry %lld is not an object", (long long)i);
        const json_value *k = json_get(kv, "key"), *val = json_get(kv, "value");
        if (!k || k->kind != JSON_STRING || !val || val->kind != JSON_STRING)
            return jr_fail(jr, APHX_CORRUPT,
                           "metadata entry %lld needs string 'key' and 'value'", (long long)i);
        if ((int64_t)strlen(k->str) != k->n)
            return jr_fail(jr, APHX_CORRUPT, "metadata key %lld contains a NUL character",
                           (long long)i);
        if (arrow_metadata_add(m, k->str, val->str, val->n)) return jr_nomem(jr);
    }
    return APHX_OK;
}

static aphx_rc jr_parse_time_unit(json_reader *jr, const json_value *type, arrow_time_unit *out)
{
    const char *u;
    aphx_rc rc = jr_get_string(jr, type, "unit", true, &u);
    if (rc) return rc;
    if (strcmp(u, "SECOND") == 0) *out = ARROW_SECOND;
    else if (strcmp(u, "MILLISECOND") == 0) *out = ARROW_MILLI;
    else if (strcmp(u, "MICROSECOND") == 0) *out = ARROW_MICRO;
    else if (strcmp(u, "NANOSECOND") == 0) *out = ARROW_NANO;
    else return jr_fail(jr, APHX_CORRUPT, "unknown time unit '%s'", u);
    return APHX_OK;
}

static aphx_rc jr_int_type(json_reader *jr, const json_value *type, arrow_type_id *out)
{
    int64_t bits;
    bool is_signed;
    aphx_rc rc = jr_get_int(jr, type, "bitWidth", true, 0, 8, 64, &bits);
    if (rc) return rc;
    if ((rc = jr_get_bool(jr, type, "isSigned", true, true, &is_signed))) return rc;
    switch (bits) {
    case 8:  *out = is_signed ? ARROW_INT8 : ARROW_UINT8; break;
    case 16: *out = is_signed ? ARROW_INT16 : ARROW_UINT16; break;
    case 32: *out = is_signed ? ARROW_INT32 : ARROW_UINT32; break;
    case 64: *out = is_signed ? ARROW_INT64 : ARROW_UINT64; break;
    default: return jr_fail(jr, APHX_CORRUPT, "int bitWidth %lld is not 8/16/32/64", (long long)bits);
    }
    return APHX_OK;
}

/* Fill f from a Field object (f is zeroed on entry; on failure the caller
 * frees whatever was filled with arrow_field_free). */
static aphx_rc jr_parse_field(json_reader *jr, const json_value *jf, arrow_field *f, int depth)
{
    aphx_rc rc;
    const char *name, *tname;
    bool nullable;
    if (depth > 64) return jr_fail(jr, APHX_CORRUPT, "fields nested too deeply");
    if (jf->kind != JSON_OBJECT) return jr_fail(jr, APHX_CORRUPT, "field is not an object");
    if ((rc = jr_get_string(jr, jf, "name", true, &name))) return rc;
    size_t mark = jr_path_push(jr, "field '%s'", name);
    const json_value *type = json_get(jf, "type");
    const json_value *children = json_get(jf, "children");
    int64_t n_children = 0;
    arrow_type_id id;
    int64_t x;

    if ((rc = jr_get_bool(jr, jf, "nullable", true, true, &nullable))) goto done;
    if (!type || type->kind != JSON_OBJECT) {
        rc = jr_fail(jr, APHX_CORRUPT, "missing 'type' object");
        goto done;
    }
    if ((rc = jr_get_string(jr, type, "name", true, &tname))) goto done;
    if (children && children->kind != JSON_ARRAY && children->kind != JSON_NULL) {
        rc = jr_fail(jr, APHX_CORRUPT, "'children' is not an array");
        goto done;
    }
    if (children && children->kind == JSON_ARRAY) n_children = children->n;

    /* The type id first (some need parameters to decide). */
    if (strcmp(tname, "null") == 0) id = ARROW_NA;
    else if (strcmp(tname, "bool") == 0) id = ARROW_BOOL;
    else if (strcmp(tname, "int") == 0) {
        if ((rc = jr_int_type(jr, type, &id))) goto done;
    } else if (strcmp(tname, "floatingpoint") == 0) {
        const char *prec;
        if ((rc = jr_get_string(jr, type, "precision", true, &prec))) goto done;
        if (strcmp(prec, "HALF") == 0) id = ARROW_FLOAT16;
        else if (strcmp(prec, "SINGLE") == 0) id = ARROW_FLOAT32;
        else if (strcmp(prec, "DOUBLE") == 0) id = ARROW_FLOAT64;
        else {
            rc = jr_fail(jr, APHX_CORRUPT, "unknown floatingpoint precision '%s'", prec);
            goto done;
        }
    } else if (strcmp(tname, "decimal") == 0) {
        if ((rc = jr_get_int(jr, type, "bitWidth", false, 128, 0, 1024, &x))) goto done;
        if (x == 128) id = ARROW_DECIMAL128;
        else if (x == 256) id = ARROW_DECIMAL256;
        else {
            rc = jr_fail(jr, APHX_UNSUPPORTED, "decimal bitWidth %lld is not supported yet",
                         (long long)x);
            goto done;
        }
    } else if (strcmp(tname, "date") == 0) {
        const char *u;
        if ((rc = jr_get_string(jr, type, "unit", true, &u))) goto done;
        if (strcmp(u, "DAY") == 0) id = ARROW_DATE32;
        else if (strcmp(u, "MILLISECOND") == 0) id = ARROW_DATE64;
        else {
            rc = jr_fail(jr, APHX_CORRUPT, "unknown date unit '%s'", u);
            goto done;
        }
    } else if (strcmp(tname, "time") == 0) {
        if ((rc = jr_get_int(jr, type, "bitWidth", true, 0, 0, 64, &x))) goto done;
        if (x != 32 && x != 64) {
            rc = jr_fail(jr, APHX_CORRUPT, "time bitWidth %lld is not 32 or 64", (long long)x);
            goto done;
        }
        id = x == 32 ? ARROW_TIME32 : ARROW_TIME64;
    } else if (strcmp(tname, "timestamp") == 0) id = ARROW_TIMESTAMP;
    else if (strcmp(tname, "duration") == 0) id = ARROW_DURATION;
    else if (strcmp(tname, "interval") == 0) {
        const char *u;
        if ((rc = jr_get_string(jr, type, "unit", true, &u))) goto done;
        if (strcmp(u, "YEAR_MONTH") == 0) id = ARROW_INTERVAL_MONTHS;
        else if (strcmp(u, "DAY_TIME") == 0) id = ARROW_INTERVAL_DAY_TIME;
        else if (strcmp(u, "MONTH_DAY_NANO") == 0) id = ARROW_INTERVAL_MONTH_DAY_NANO;
        else {
            rc = jr_fail(jr, APHX_CORRUPT, "unknown interval unit '%s'", u);
            goto done;
        }
    } else if (strcmp(tname, "utf8") == 0) id = ARROW_UTF8;
    else if (strcmp(tname, "largeutf8") == 0) id = ARROW_LARGE_UTF8;
    else if (strcmp(tname, "binary") == 0) id = ARROW_BINARY;
    else if (strcmp(tname, "largebinary") == 0) id = ARROW_LARGE_BINARY;
    else if (strcmp(tname, "fixedsizebinary") == 0) id = ARROW_FIXED_SIZE_BINARY;
    else if (strcmp(tname, "list") == 0) id = ARROW_LIST;
    else if (strcmp(tname, "largelist") == 0) id = ARROW_LARGE_LIST;
    else if (strcmp(tname, "fixedsizelist") == 0) id = ARROW_FIXED_SIZE_LIST;
    else if (strcmp(tname, "struct") == 0) id = ARROW_STRUCT;
    else if (strcmp(tname, "map") == 0) id = ARROW_MAP;
    else if (strcmp(tname, "union") == 0) {
        const char *mode;
        if ((rc = jr_get_string(jr, type, "mode", true, &mode))) goto done;
        if (strcmp(mode, "SPARSE") == 0) id = ARROW_SPARSE_UNION;
        else if (strcmp(mode, "DENSE") == 0) id = ARROW_DENSE_UNION;
        else {
            rc = jr_fail(jr, APHX_CORRUPT, "unknown union mode '%s'", mode);
            goto done;
        }
    } else if (strcmp(tname, "listview") == 0 || strcmp(tname, "largelistview") == 0 ||
               strcmp(tname, "utf8view") == 0 || strcmp(tname, "binaryview") == 0 ||
               strcmp(tname, "runendencoded") == 0) {
        rc = jr_fail(jr, APHX_UNSUPPORTED, "type '%s' is not supported yet", tname);
        goto done;
    } else {
        rc = jr_fail(jr, APHX_CORRUPT, "unknown type name '%s'", tname);
        goto done;
    }

    if (arrow_field_init(f, name, id, nullable)) {
        rc = jr_nomem(jr);
        goto done;
    }

    /* Parameters. */
    switch (id) {
    case ARROW_DECIMAL128: case ARROW_DECIMAL256:
        if ((rc = jr_get_int(jr, type, "precision", true, 0, 1, 76, &x))) goto done;
        f->type.precision = (int32_t)x;
        if ((rc = jr_get_int(jr, type, "scale", false, 0, -255, 255, &x))) goto done;
        f->type.scale = (int32_t)x;
        break;
    case ARROW_TIME32: case ARROW_TIME64: {
        arrow_time_unit u;
        if ((rc = jr_parse_time_unit(jr, type, &u))) goto done;
        if ((id == ARROW_TIME32) != (u == ARROW_SECOND || u == ARROW_MILLI)) {
            rc = jr_fail(jr, APHX_CORRUPT, "time unit does not fit bitWidth");
            goto done;
        }
        f->type.unit = u;
        break;
    }
    case ARROW_TIMESTAMP: {
        const char *tz;
        if ((rc = jr_parse_time_unit(jr, type, &f->type.unit))) goto done;
        if ((rc = jr_get_string(jr, type, "timezone", false, &tz))) goto done;
        if (tz && arrow_field_set_timezone(f, tz)) {
            rc = jr_nomem(jr);
            goto done;
        }
        break;
    }
    case ARROW_DURATION:
        if ((rc = jr_parse_time_unit(jr, type, &f->type.unit))) goto done;
        break;
    case ARROW_FIXED_SIZE_BINARY:
        if ((rc = jr_get_int(jr, type, "byteWidth", true, 0, 1, 1 << 24, &x))) goto done;
        f->type.byte_width = (int32_t)x;
        break;
    case ARROW_FIXED_SIZE_LIST:
        if ((rc = jr_get_int(jr, type, "listSize", true, 0, 0, INT32_MAX, &x))) goto done;
        f->type.list_size = (int32_t)x;
        break;
    case ARROW_MAP:
        if ((rc = jr_get_bool(jr, type, "keysSorted", false, false, &f->type.keys_sorted)))
            goto done;
        break;
    default:
        break;
    }

    /* Children: count checked against the type. */
    {
        int64_t want = -1;   /* -1 = any */
        switch (id) {
        case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_FIXED_SIZE_LIST: case ARROW_MAP:
            want = 1;
            break;
        case ARROW_STRUCT: case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION:
            break;
        default:
            want = 0;
        }
        if (want >= 0 && n_children != want) {
            rc = jr_fail(jr, APHX_CORRUPT, "type '%s' needs %lld children, has %lld", tname,
                         (long long)want, (long long)n_children);
            goto done;
        }
        if ((id == ARROW_SPARSE_UNION || id == ARROW_DENSE_UNION) &&
            n_children > ARROW_MAX_UNION_CHILDREN) {
            rc = jr_fail(jr, APHX_CORRUPT, "union has %lld children (max %d)",
                         (long long)n_children, ARROW_MAX_UNION_CHILDREN);
            goto done;
        }
        if (n_children > INT32_MAX) {
            rc = jr_fail(jr, APHX_CORRUPT, "too many children");
            goto done;
        }
    }
    if (n_children > 0 || id == ARROW_SPARSE_UNION || id == ARROW_DENSE_UNION) {
        if (arrow_field_set_children(f, (int32_t)n_children)) {
            rc = jr_nomem(jr);
            goto done;
        }
        for (int64_t i = 0; i < n_children; i++)
            if ((rc = jr_parse_field(jr, children->items[i], &f->children[i], depth + 1)))
                goto done;
    }
    if (id == ARROW_MAP) {
        const arrow_field *e = &f->children[0];
        if (e->type.id != ARROW_STRUCT || e->n_children != 2 || e->nullable) {
            rc = jr_fail(jr, APHX_CORRUPT,
                         "map child must be a non-nullable struct of two fields (key, value)");
            goto done;
        }
    }
    if (id == ARROW_SPARSE_UNION || id == ARROW_DENSE_UNION) {
        const json_value *ids = json_get(type, "typeIds");
        if (!ids || ids->kind != JSON_ARRAY || ids->n != n_children) {
            rc = jr_fail(jr, APHX_CORRUPT, "union 'typeIds' must list one code per child");
            goto done;
        }
        for (int64_t i = 0; i < ids->n; i++) {
            int64_t code;
            if (!json_to_i64(ids->items[i], &code) || code < 0 || code > 127) {
                rc = jr_fail(jr, APHX_CORRUPT, "union typeIds[%lld] is not in 0..127",
                             (long long)i);
                goto done;
            }
            for (int64_t j = 0; j < i; j++)
                if (f->type.type_codes[j] == (int8_t)code) {
                    rc = jr_fail(jr, APHX_CORRUPT, "union type code %lld repeats",
                                 (long long)code);
                    goto done;
                }
            f->type.type_codes[i] = (int8_t)code;
        }
    }

    /* Dictionary encoding. */
    {
        const json_value *d = json_get(jf, "dictionary");
        if (d && d->kind != JSON_NULL) {
            if (d->kind != JSON_OBJECT) {
                rc = jr_fail(jr, APHX_CORRUPT, "'dictionary' is not an object");
                goto done;
            }
            const json_value *it = json_get(d, "indexType");
            const char *itname;
            arrow_type_id index_id;
            if (!it || it->kind != JSON_OBJECT) {
                rc = jr_fail(jr, APHX_CORRUPT, "dictionary needs an 'indexType' object");
                goto done;
            }
            if ((rc = jr_get_string(jr, it, "name", true, &itname))) goto done;
            if (strcmp(itname, "int") != 0) {
                rc = jr_fail(jr, APHX_CORRUPT, "dictionary indexType must be int, is '%s'",
                             itname);
                goto done;
            }
            if ((rc = jr_int_type(jr, it, &index_id))) goto done;
            f->dict = aphx_calloc(1, sizeof *f->dict);
            if (!f->dict) {
                rc = jr_nomem(jr);
                goto done;
            }
            f->dict->index_type = index_id;
            if ((rc = jr_get_int(jr, d, "id", true, 0, INT64_MIN, INT64_MAX, &f->dict->id)))
                goto done;
            if ((rc = jr_get_bool(jr, d, "isOrdered", false, false, &f->dict->ordered)))
                goto done;
        }
    }

    rc = jr_parse_metadata(jr, jf, &f->metadata);
done:
    jr_path_pop(jr, mark);
    return rc;
}

/* ---- arrays -------------------------------------------------------- */
static aphx_rc jr_build_array(json_reader *jr, const arrow_field *f, const json_value *col,
                              int depth, arrow_array **out);

/* The JSON buffer array `key` of col, required to have `n` items. */
static aphx_rc jr_buffer_items(json_reader *jr, const json_value *col, const char *key,
                               int64_t n, const json_value **out)
{
    const json_value *v = json_get(col, key);
    *out = NULL;
    if (!v) return jr_fail(jr, APHX_CORRUPT, "missing '%s'", key);
    if (v->kind != JSON_ARRAY) return jr_fail(jr, APHX_CORRUPT, "'%s' is not an array", key);
    if (v->n != n)
        return jr_fail(jr, APHX_CORRUPT, "'%s' has %lld entries, expected %lld", key,
                       (long long)v->n, (long long)n);
    *out = v;
    return APHX_OK;
}

static arrow_buffer *jr_alloc(json_reader *jr, int64_t size)
{
    arrow_buffer *b = arrow_buffer_alloc(size);
    if (!b) jr_nomem(jr);
    return b;
}

/* VALIDITY -> bitmap; *out stays NULL when there is no null (or when the
 * column has no VALIDITY member, which we read as "all valid"). */
static aphx_rc jr_validity(json_reader *jr, const json_value *col, int64_t count,
                           arrow_buffer **out, int64_t *null_count)
{
    *out = NULL;
    *null_count = 0;
    const json_value *v = json_get(col, "VALIDITY");
    if (!v) return APHX_OK;
    aphx_rc rc = jr_buffer_items(jr, col, "VALIDITY", count, &v);
    if (rc) return rc;
    int64_t nulls = 0;
    for (int64_t i = 0; i < count; i++) {
        const json_value *e = v->items[i];
        bool valid;
        if (e->kind == JSON_TRUE || (e->kind == JSON_NUMBER && strcmp(e->str, "1") == 0)) valid = true;
        else if (e->kind == JSON_FALSE || (e->kind == JSON_NUMBER && strcmp(e->str, "0") == 0)) valid = false;
        else return jr_fail(jr, APHX_CORRUPT, "VALIDITY[%lld] is not 0 or 1", (long long)i);
        if (!valid) nulls++;
    }
    *null_count = nulls;
    if (nulls == 0) return APHX_OK;
    arrow_buffer *b = jr_alloc(jr, (count + 7) / 8);
    if (!b) return APHX_NOMEM;
    for (int64_t i = 0; i < count; i++) {
        const json_value *e = v->items[i];
        if (e->kind == JSON_TRUE || (e->kind == JSON_NUMBER && e->str[0] == '1'))
            arrow_bit_set(b->data, i, true);
    }
    *out = b;
    return APHX_OK;
}

/* OFFSET -> int32 or int64 offsets (count + 1 of them; an empty array is
 * accepted for count 0 and read as [0]). Offsets must be non-negative and
 * non-decreasing; *last receives the final one. */
static aphx_rc jr_offsets(json_reader *jr, const json_value *col, int64_t count, bool large,
                          arrow_buffer **out, int64_t *last)
{
    *out = NULL;
    const json_value *v = json_get(col, "OFFSET");
    aphx_rc rc;
    if (count == 0 && v && v->kind == JSON_ARRAY && v->n == 0) {
        arrow_buffer *b = jr_alloc(jr, large ? 8 : 4);
        if (!b) return APHX_NOMEM;
        *out = b;
        *last = 0;
        return APHX_OK;
    }
    if ((rc = jr_buffer_items(jr, col, "OFFSET", count + 1, &v))) return rc;
    int width = large ? 8 : 4;
    arrow_buffer *b = jr_alloc(jr, (count + 1) * width);
    if (!b) return APHX_NOMEM;
    int64_t prev = 0;
    for (int64_t i = 0; i <= count; i++) {
        int64_t x;
        if (!json_to_i64(v->items[i], &x) || x < 0 || (!large && x > INT32_MAX)) {
            arrow_buffer_unref(b);
            return jr_fail(jr, APHX_CORRUPT, "OFFSET[%lld] is not a valid %s offset",
                           (long long)i, large ? "64-bit" : "32-bit");
        }
        if (i > 0 && x < prev) {
            arrow_buffer_unref(b);
            return jr_fail(jr, APHX_CORRUPT, "OFFSET[%lld] = %lld is less than the previous %lld",
                           (long long)i, (long long)x, (long long)prev);
        }
        prev = x;
        if (large) {
            memcpy(b->data + i * 8, &x, 8);
        } else {
            int32_t y = (int32_t)x;
            memcpy(b->data + i * 4, &y, 4);
        }
    }
    *out = b;
    *last = prev;
    return APHX_OK;
}

static int64_t jr_offset_at(const arrow_buffer *b, bool large, int64_t i)
{
    if (large) {
        int64_t x;
        memcpy(&x, b->data + i * 8, 8);
        return x;
    }
    int32_t y;
    memcpy(&y, b->data + i * 4, 4);
    return y;
}

/* Decimal string (unscaled integer, optional '-') -> little-endian two's
 * complement of `width` bytes (16 or 32). False if malformed or too big. */
static bool jr_decimal_bytes(const char *s, int64_t len, int32_t width, uint8_t *out)
{
    uint32_t limbs[8] = {0};
    int n = width / 4;
    int64_t i = 0;
    bool neg = false;
    if (len > 0 && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= len) return false;
    while (i < len) {
        /* Up to 9 digits at a time: limbs = limbs * 10^k + chunk. */
        uint32_t chunk = 0, scale = 1;
        for (int d = 0; d < 9 && i < len; d++, i++) {
            if (!json_is_digit(s[i])) return false;
            chunk = chunk * 10 + (uint32_t)(s[i] - '0');
            scale *= 10;
        }
        uint64_t carry = chunk;
        for (int k = 0; k < n; k++) {
            uint64_t t = (uint64_t)limbs[k] * scale + carry;
            limbs[k] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry) return false;
    }
    if (limbs[n - 1] & 0x80000000u) {
        /* Only -2^(8*width-1) has the top bit set and fits. */
        if (!neg || limbs[n - 1] != 0x80000000u) return false;
        for (int k = 0; k < n - 1; k++)
            if (limbs[k]) return false;
    }
    if (neg) {
        uint64_t carry = 1;
        for (int k = 0; k < n; k++) {
            uint64_t t = (uint64_t)(uint32_t)~limbs[k] + carry;
            limbs[k] = (uint32_t)t;
            carry = t >> 32;
        }
    }
    for (int k = 0; k < n; k++) {
        out[4 * k] = (uint8_t)limbs[k];
        out[4 * k + 1] = (uint8_t)(limbs[k] >> 8);
        out[4 * k + 2] = (uint8_t)(limbs[k] >> 16);
        out[4 * k + 3] = (uint8_t)(limbs[k] >> 24);
    }
    return true;
}

static bool jr_hex_decode(const json_value *v, uint8_t *out, int64_t n_bytes)
{
    if (v->kind != JSON_STRING || v->n != 2 * n_bytes) return false;
    for (int64_t i = 0; i < n_bytes; i++) {
        int hi = json_hex_digit(v->str[2 * i]), lo = json_hex_digit(v->str[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return true;
}

static bool jr_to_double(const json_value *v, double *out)
{
    if (v->kind == JSON_NUMBER) {
        *out = strtod(v->str, NULL);
        return true;
    }
    if (v->kind == JSON_STRING) {   /* non-finite values some writers emit */
        if (strcmp(v->str, "NaN") == 0 || strcmp(v->str, "nan") == 0) *out = __builtin_nan("");
        else if (strcmp(v->str, "Infinity") == 0 || strcmp(v->str, "inf") == 0) *out = __builtin_inf();
        else if (strcmp(v->str, "-Infinity") == 0 || strcmp(v->str, "-inf") == 0) *out = -__builtin_inf();
        else return false;
        return true;
    }
    return false;
}

static bool jr_to_float(const json_value *v, float *out)
{
    if (v->kind == JSON_NUMBER) {
        *out = strtof(v->str, NULL);
        return true;
    }
    double d;
    if (!jr_to_double(v, &d)) return false;
    *out = (float)d;
    return true;
}

/* DATA for a fixed-width column whose field type is `t` (for dictionary
 * indices, a bare integer type). */
static aphx_rc jr_fixed_values(json_reader *jr, const arrow_type *t, const json_value *col,
                               int64_t count, arrow_buffer **out)
{
    const json_value *data;
    aphx_rc rc = jr_buffer_items(jr, col, "DATA", count, &data);
    if (rc) return rc;
    int32_t bits = arrow_type_bit_width(t);
    if (bits <= 0) return jr_fail(jr, APHX_INTERNAL, "type %s has no fixed width", arrow_type_name(t->id));
    if (count > INT64_MAX / 64) return jr_fail(jr, APHX_CORRUPT, "count too large");
    arrow_buffer *b = jr_alloc(jr, t->id == ARROW_BOOL ? (count + 7) / 8 : count * (bits / 8));
    if (!b) return APHX_NOMEM;
    uint8_t *dst = b->data;
    int64_t i = 0;
    for (; i < count; i++) {
        const json_value *v = data->items[i];
        int64_t s;
        uint64_t u;
        switch (t->id) {
        case ARROW_BOOL:
            if (v->kind == JSON_TRUE || (v->kind == JSON_NUMBER && strcmp(v->str, "1") == 0))
                arrow_bit_set(dst, i, true);
            else if (!(v->kind == JSON_FALSE || (v->kind == JSON_NUMBER && strcmp(v->str, "0") == 0)))
                goto bad;
            break;
        case ARROW_INT8:
            if (!json_to_i64(v, &s) || s < INT8_MIN || s > INT8_MAX) goto bad;
            ((int8_t *)dst)[i] = (int8_t)s;
            break;
        case ARROW_INT16:
            if (!json_to_i64(v, &s) || s < INT16_MIN || s > INT16_MAX) goto bad;
            ((int16_t *)dst)[i] = (int16_t)s;
            break;
        case ARROW_INT32: case ARROW_DATE32: case ARROW_TIME32: case ARROW_INTERVAL_MONTHS:
            if (!json_to_i64(v, &s) || s < INT32_MIN || s > INT32_MAX) goto bad;
            ((int32_t *)dst)[i] = (int32_t)s;
            break;
        case ARROW_INT64: case ARROW_DATE64: case ARROW_TIME64: case ARROW_TIMESTAMP:
        case ARROW_DURATION:
            if (!json_to_i64(v, &s)) goto bad;
            ((int64_t *)dst)[i] = s;
            break;
        case ARROW_UINT8:
            if (!json_to_u64(v, &u) || u > UINT8_MAX) goto bad;
            dst[i] = (uint8_t)u;
            break;
        case ARROW_UINT16:
            if (!json_to_u64(v, &u) || u > UINT16_MAX) goto bad;
            ((uint16_t *)dst)[i] = (uint16_t)u;
            break;
        case ARROW_UINT32:
            if (!json_to_u64(v, &u) || u > UINT32_MAX) goto bad;
            ((uint32_t *)dst)[i] = (uint32_t)u;
            break;
        case ARROW_UINT64:
            if (!json_to_u64(v, &u)) goto bad;
            ((uint64_t *)dst)[i] = u;
            break;
        case ARROW_FLOAT16: {
            double d;
            if (!jr_to_double(v, &d)) goto bad;
            ((uint16_t *)dst)[i] = arrow_core_double_to_half(d);
            break;
        }
        case ARROW_FLOAT32:
            if (!jr_to_float(v, &((float *)dst)[i])) goto bad;
            break;
        case ARROW_FLOAT64:
            if (!jr_to_double(v, &((double *)dst)[i])) goto bad;
            break;
        case ARROW_DECIMAL128: case ARROW_DECIMAL256: {
            int32_t w = t->id == ARROW_DECIMAL128 ? 16 : 32;
            if ((v->kind != JSON_STRING && v->kind != JSON_NUMBER) ||
                !jr_decimal_bytes(v->str, v->n, w, dst + i * w))
                goto bad;
            break;
        }
        case ARROW_INTERVAL_DAY_TIME: {
            int64_t days, ms;
            if (v->kind != JSON_OBJECT || !json_to_i64(json_get(v, "days"), &days) ||
                !json_to_i64(json_get(v, "milliseconds"), &ms) || days < INT32_MIN ||
                days > INT32_MAX || ms < INT32_MIN || ms > INT32_MAX)
                goto bad;
            int32_t pair[2] = {(int32_t)days, (int32_t)ms};
            memcpy(dst + i * 8, pair, 8);
            break;
        }
        case ARROW_INTERVAL_MONTH_DAY_NANO: {
            int64_t months, days, nanos;
            if (v->kind != JSON_OBJECT || !json_to_i64(json_get(v, "months"), &months) ||
                !json_to_i64(json_get(v, "days"), &days) ||
                !json_to_i64(json_get(v, "nanoseconds"), &nanos) || months < INT32_MIN ||
                months > INT32_MAX || days < INT32_MIN || days > INT32_MAX)
                goto bad;
            int32_t md[2] = {(int32_t)months, (int32_t)days};
            memcpy(dst + i * 16, md, 8);
            memcpy(dst + i * 16 + 8, &nanos, 8);
            break;
        }
        case ARROW_FIXED_SIZE_BINARY:
            if (!jr_hex_decode(v, dst + i * t->byte_width, t->byte_width)) goto bad;
            break;
        default:
            arrow_buffer_unref(b);
            return jr_fail(jr, APHX_INTERNAL, "no DATA decoder for %s", arrow_type_name(t->id));
        }
    }
    *out = b;
    return APHX_OK;
bad:
    arrow_buffer_unref(b);
    return jr_fail(jr, APHX_CORRUPT, "DATA[%lld] is not a valid %s value", (long long)i,
                   arrow_type_name(t->id));
}

/* utf8 / binary (32- or 64-bit offsets): OFFSET + DATA strings (hex for
 * binary). The data buffer is laid out by the offsets, and each value's
 * length must match its offsets. */
static aphx_rc jr_var_values(json_reader *jr, const arrow_field *f, const json_value *col,
                             int64_t count, arrow_buffer **offsets_out, arrow_buffer **data_out)
{
    bool large = f->type.id == ARROW_LARGE_UTF8 || f->type.id == ARROW_LARGE_BINARY;
    bool hex = f->type.id == ARROW_BINARY || f->type.id == ARROW_LARGE_BINARY;
    arrow_buffer *offs = NULL, *data_buf = NULL;
    const json_value *data;
    int64_t last;
    aphx_rc rc = jr_offsets(jr, col, count, large, &offs, &last);
    if (rc) goto fail;
    if ((rc = jr_buffer_items(jr, col, "DATA", count, &data))) goto fail;
    if (last > jr->text_len) {   /* every byte must come from the text: refuse absurd sizes */
        rc = jr_fail(jr, APHX_CORRUPT, "last offset %lld is larger than the document",
                     (long long)last);
        goto fail;
    }
    if (!(data_buf = jr_alloc(jr, last))) {
        rc = APHX_NOMEM;
        goto fail;
    }
    for (int64_t i = 0; i < count; i++) {
        const json_value *v = data->items[i];
        int64_t start = jr_offset_at(offs, large, i), len = jr_offset_at(offs, large, i + 1) - start;
        if (v->kind != JSON_STRING) {
            rc = jr_fail(jr, APHX_CORRUPT, "DATA[%lld] is not a string", (long long)i);
            goto fail;
        }
        int64_t have = hex ? v->n / 2 : v->n;
        if (have != len || (hex && (v->n & 1))) {
            rc = jr_fail(jr, APHX_CORRUPT, "DATA[%lld] has %lld bytes but its offsets say %lld",
                         (long long)i, (long long)have, (long long)len);
            goto fail;
        }
        if (hex) {
            if (!jr_hex_decode(v, data_buf->data + start, len)) {
                rc = jr_fail(jr, APHX_CORRUPT, "DATA[%lld] is not a hex string", (long long)i);
                goto fail;
            }
        } else if (len > 0) {
            memcpy(data_buf->data + start, v->str, (size_t)len);
        }
    }
    *offsets_out = offs;
    *data_out = data_buf;
    return APHX_OK;
fail:
    arrow_buffer_unref(offs);
    arrow_buffer_unref(data_buf);
    return rc;
}

/* Find the (first, depth-first) field of the schema encoded with dictionary
 * `id`; it describes the dictionary's values. */
static const arrow_field *jr_find_dict_field(const arrow_field *fields, int32_t n, int64_t id)
{
    for (int32_t i = 0; i < n; i++) {
        if (fields[i].dict && fields[i].dict->id == id) return &fields[i];
        const arrow_field *c = jr_find_dict_field(fields[i].children, fields[i].n_children, id);
        if (c) return c;
    }
    return NULL;
}

/* Fields sharing a dictionary id must agree on the value type (the index
 * types may differ): otherwise one dictionary array would be read as two
 * different types. Checks every dictionary-encoded field under `fields`. */
static aphx_rc jr_check_shared_dicts(json_reader *jr, const arrow_field *fields, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        const arrow_field *f = &fields[i];
        if (f->dict) {
            const arrow_field *first =
                jr_find_dict_field(jr->schema->fields, jr->schema->n_fields, f->dict->id);
            arrow_field a = arrow_core_value_field(first), b = arrow_core_value_field(f);
            a.name = b.name = "";
            if (first != f && !arrow_field_equal(&a, &b, false))
                return jr_fail(jr, APHX_CORRUPT,
                               "fields '%s' and '%s' share dictionary id %lld but not the value type",
                               first->name, f->name, (long long)f->dict->id);
        }
        aphx_rc rc = jr_check_shared_dicts(jr, f->children, f->n_children);
        if (rc) return rc;
    }
    return APHX_OK;
}

/* The dictionary array for id, built on first use from "dictionaries". */
static aphx_rc jr_dictionary(json_reader *jr, int64_t id, int depth, arrow_array **out)
{
    aphx_rc rc;
    int64_t k = -1;
    for (int64_t i = 0; jr->dicts && i < jr->dicts->n; i++) {
        int64_t did;
        if (json_to_i64(json_get(jr->dicts->items[i], "id"), &did) && did == id) {
            k = i;
            break;
        }
    }
    if (k < 0) return jr_fail(jr, APHX_CORRUPT, "dictionary id %lld is not in 'dictionaries'", (long long)id);
    if (jr->dict_state[k] == 2) {
        *out = arrow_array_ref(jr->dict_arrays[k]);
        return APHX_OK;
    }
    if (jr->dict_state[k] == 1)
        return jr_fail(jr, APHX_CORRUPT, "dictionary id %lld refers to itself", (long long)id);
    const arrow_field *df = jr_find_dict_field(jr->schema->fields, jr->schema->n_fields, id);
    if (!df) return jr_fail(jr, APHX_CORRUPT, "no field uses dictionary id %lld", (long long)id);
    arrow_field value_field = arrow_core_value_field(df);

    size_t mark = jr_path_push(jr, "dictionary %lld", (long long)id);
    const json_value *entry = jr->dicts->items[k];
    const json_value *data = json_get(entry, "data");
    const json_value *cols = json_get(data, "columns");
    int64_t count;
    arrow_array *a = NULL;
    jr->dict_state[k] = 1;
    if (!data || data->kind != JSON_OBJECT || !cols || cols->kind != JSON_ARRAY || cols->n != 1) {
        rc = jr_fail(jr, APHX_CORRUPT, "'data' must be an object with exactly one column");
        goto done;
    }
    if ((rc = jr_get_int(jr, data, "count", true, 0, 0, INT64_MAX, &count))) goto done;
    if ((rc = jr_build_array(jr, &value_field, cols->items[0], depth + 1, &a))) goto done;
    if (a->length != count) {
        rc = jr_fail(jr, APHX_CORRUPT, "column count %lld differs from data count %lld",
                     (long long)a->length, (long long)count);
        goto done;
    }
    jr->dict_arrays[k] = a;
    jr->dict_state[k] = 2;
    *out = arrow_array_ref(a);
    a = NULL;
done:
    if (rc) jr->dict_state[k] = 0;
    arrow_array_unref(a);
    jr_path_pop(jr, mark);
    return rc;
}

/* A new array shell for f with exactly the buffer and child slots the
 * layout needs (checked, so a disagreement with array.c shows up loudly). */
static aphx_rc jr_shell(json_reader *jr, const arrow_field *f, int64_t count, arrow_array **out)
{
    arrow_array *a = arrow_array_new(f);
    if (!a) return jr_nomem(jr);
    int32_t want_children = f->dict ? 0 : f->n_children;
    if (a->n_buffers != arrow_field_n_buffers(f) || a->n_children != want_children) {
        aphx_rc rc = jr_fail(jr, APHX_INTERNAL,
                             "arrow_array_new gave %d buffers/%d children, expected %d/%d",
                             a->n_buffers, a->n_children, arrow_field_n_buffers(f), want_children);
        arrow_array_unref(a);
        return rc;
    }
    a->length = count;
    a->offset = 0;
    a->null_count = 0;
    *out = a;
    return APHX_OK;
}

/* Build child i of a from the FieldData's "children"[i]. */
static aphx_rc jr_child(json_reader *jr, const arrow_field *f, const json_value *col, int32_t i,
                        int depth, arrow_array *a)
{
    const json_value *ch = json_get(col, "children");
    if (!ch || ch->kind != JSON_ARRAY || ch->n != f->n_children)
        return jr_fail(jr, APHX_CORRUPT, "'children' must have %d entries", f->n_children);
    arrow_array *c = NULL;
    aphx_rc rc = jr_build_array(jr, &f->children[i], ch->items[i], depth + 1, &c);
    if (rc) return rc;
    arrow_array_unref(a->children[i]);
    a->children[i] = c;
    return APHX_OK;
}

static aphx_rc jr_build_array(json_reader *jr, const arrow_field *f, const json_value *col,
                              int depth, arrow_array **out)
{
    aphx_rc rc;
    arrow_array *a = NULL, *dict = NULL;
    int64_t count, nulls = 0, last;
    const char *cname;
    *out = NULL;
    if (depth > 64) return jr_fail(jr, APHX_CORRUPT, "columns nested too deeply");
    if (col->kind != JSON_OBJECT) return jr_fail(jr, APHX_CORRUPT, "column data is not an object");
    if ((rc = jr_get_string(jr, col, "name", false, &cname))) return rc;
    size_t mark = jr_path_push(jr, "'%s'", f->name);
    if ((rc = jr_get_int(jr, col, "count", true, 0, 0, (int64_t)1 << 40, &count))) goto done;
    if ((rc = jr_shell(jr, f, count, &a))) goto done;

    if (f->dict) {
        arrow_type it = {.id = f->dict->index_type};
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        if ((rc = jr_fixed_values(jr, &it, col, count, &a->buffers[1]))) goto done;
        if ((rc = jr_dictionary(jr, f->dict->id, depth, &dict))) goto done;
        arrow_array_unref(a->dictionary);   /* the empty shell arrow_array_new made */
        a->dictionary = dict;
        /* Indices of valid slots must point into the dictionary. */
        for (int64_t i = 0; i < count; i++) {
            if (a->buffers[0] && !arrow_bit_get(a->buffers[0]->data, i)) continue;
            int64_t idx = arrow_core_read_int(it.id, a->buffers[1]->data, i);
            if (idx < 0 || idx >= dict->length) {
                rc = jr_fail(jr, APHX_CORRUPT,
                             "index %lld at %lld is outside the dictionary (%lld values)",
                             (long long)idx, (long long)i, (long long)dict->length);
                goto done;
            }
        }
        a->null_count = nulls;
        goto done;
    }

    switch (f->type.id) {
    case ARROW_NA:
        a->null_count = count;
        break;
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY:
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        if ((rc = jr_var_values(jr, f, col, count, &a->buffers[1], &a->buffers[2]))) goto done;
        break;
    case ARROW_LIST: case ARROW_LARGE_LIST: case ARROW_MAP: {
        bool large = f->type.id == ARROW_LARGE_LIST;
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        if ((rc = jr_offsets(jr, col, count, large, &a->buffers[1], &last))) goto done;
        if ((rc = jr_child(jr, f, col, 0, depth, a))) goto done;
        if (last > a->children[0]->length) {
            rc = jr_fail(jr, APHX_CORRUPT, "last offset %lld is past the child's %lld values",
                         (long long)last, (long long)a->children[0]->length);
            goto done;
        }
        break;
    }
    case ARROW_FIXED_SIZE_LIST:
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        if ((rc = jr_child(jr, f, col, 0, depth, a))) goto done;
        if ((f->type.list_size > 0 && count > INT64_MAX / f->type.list_size) ||
            a->children[0]->length != count * f->type.list_size) {
            rc = jr_fail(jr, APHX_CORRUPT, "child has %lld values, expected %lld x %d",
                         (long long)a->children[0]->length, (long long)count, f->type.list_size);
            goto done;
        }
        break;
    case ARROW_STRUCT:
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        for (int32_t i = 0; i < f->n_children; i++) {
            if ((rc = jr_child(jr, f, col, i, depth, a))) goto done;
            if (a->children[i]->length != count) {
                rc = jr_fail(jr, APHX_CORRUPT, "child %d has %lld values, the struct %lld", i,
                             (long long)a->children[i]->length, (long long)count);
                goto done;
            }
        }
        break;
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        bool dense = f->type.id == ARROW_DENSE_UNION;
        const json_value *ids, *offs = NULL, *validity = json_get(col, "VALIDITY");
        int32_t child_of[128];
        for (int c = 0; c < 128; c++) child_of[c] = -1;
        for (int32_t c = 0; c < f->type.n_type_codes; c++) child_of[f->type.type_codes[c]] = c;
        /* Unions have no validity bitmap (Arrow >= 1.0); an all-valid one
         * from an old writer is tolerated. */
        if (validity && validity->kind == JSON_ARRAY) {
            for (int64_t i = 0; i < validity->n; i++)
                if (!(validity->items[i]->kind == JSON_TRUE ||
                      (validity->items[i]->kind == JSON_NUMBER && strcmp(validity->items[i]->str, "1") == 0))) {
                    rc = jr_fail(jr, APHX_UNSUPPORTED, "union with a validity bitmap is not supported");
                    goto done;
                }
        }
        if ((rc = jr_buffer_items(jr, col, "TYPE_ID", count, &ids))) goto done;
        if (dense && (rc = jr_buffer_items(jr, col, "OFFSET", count, &offs))) goto done;
        for (int32_t i = 0; i < f->n_children; i++) {
            if ((rc = jr_child(jr, f, col, i, depth, a))) goto done;
            if (!dense && a->children[i]->length != count) {
                rc = jr_fail(jr, APHX_CORRUPT, "sparse union child %d has %lld values, the union %lld",
                             i, (long long)a->children[i]->length, (long long)count);
                goto done;
            }
        }
        if (!(a->buffers[0] = jr_alloc(jr, count))) {
            rc = APHX_NOMEM;
            goto done;
        }
        if (dense && !(a->buffers[1] = jr_alloc(jr, count * 4))) {
            rc = APHX_NOMEM;
            goto done;
        }
        for (int64_t i = 0; i < count; i++) {
            int64_t code, off;
            if (!json_to_i64(ids->items[i], &code) || code < 0 || code > 127 || child_of[code] < 0) {
                rc = jr_fail(jr, APHX_CORRUPT, "TYPE_ID[%lld] is not one of the union's codes",
                             (long long)i);
                goto done;
            }
            ((int8_t *)a->buffers[0]->data)[i] = (int8_t)code;
            if (dense) {
                if (!json_to_i64(offs->items[i], &off) || off < 0 ||
                    off >= a->children[child_of[code]]->length) {
                    rc = jr_fail(jr, APHX_CORRUPT, "OFFSET[%lld] is outside child %d",
                                 (long long)i, child_of[code]);
                    goto done;
                }
                ((int32_t *)a->buffers[1]->data)[i] = (int32_t)off;
            }
        }
        break;
    }
    default:
        /* Fixed-width values. */
        if ((rc = jr_validity(jr, col, count, &a->buffers[0], &nulls))) goto done;
        if ((rc = jr_fixed_values(jr, &f->type, col, count, &a->buffers[1]))) goto done;
        break;
    }
    if (f->type.id != ARROW_NA) a->null_count = nulls;
done:
    if (rc) {
        arrow_array_unref(a);
        a = NULL;
    }
    jr_path_pop(jr, mark);
    *out = a;
    return rc;
}

/* One RecordBatch object into an arrow_batch over jr->schema. */
static aphx_rc jr_build_batch(json_reader *jr, const json_value *jb, arrow_batch **out)
{
    aphx_rc rc;
    int64_t count;
    arrow_batch *b = NULL;
    const json_value *cols = json_get(jb, "columns");
    *out = NULL;
    if (jb->kind != JSON_OBJECT) return jr_fail(jr, APHX_CORRUPT, "batch is not an object");
    if ((rc = jr_get_int(jr, jb, "count", true, 0, 0, (int64_t)1 << 40, &count))) return rc;
    if (!cols || cols->kind != JSON_ARRAY || cols->n != jr->schema->n_fields)
        return jr_fail(jr, APHX_CORRUPT, "'columns' must have one entry per schema field (%d)",
                       jr->schema->n_fields);
    if (!(b = arrow_batch_new(jr->schema, count))) return jr_nomem(jr);
    for (int32_t i = 0; i < jr->schema->n_fields; i++) {
        const arrow_field *f = &jr->schema->fields[i];
        const char *cname;
        size_t mark = jr_path_push(jr, "column %d", i);
        if ((rc = jr_get_string(jr, cols->items[i], "name", false, &cname)) == APHX_OK &&
            cname && strcmp(cname, f->name) != 0)
            rc = jr_fail(jr, APHX_CORRUPT, "column is named '%s' but the field '%s'", cname, f->name);
        if (rc == APHX_OK) rc = jr_build_array(jr, f, cols->items[i], 0, &b->columns[i]);
        if (rc == APHX_OK && b->columns[i]->length != count)
            rc = jr_fail(jr, APHX_CORRUPT, "column has %lld rows, the batch %lld",
                         (long long)b->columns[i]->length, (long long)count);
        jr_path_pop(jr, mark);
        if (rc) {
            arrow_batch_free(b);
            return rc;
        }
    }
    *out = b;
    return APHX_OK;
}

aphx_rc arrow_json_read(const char *text, size_t len, arrow_schema *schema_out,
                        arrow_batch ***batches_out, int64_t *n_batches_out, aphx_error *err)
{
    aphx_rc rc;
    json_reader jr = {.schema = schema_out, .err = err, .text_len = (int64_t)len};
    json_value *root = NULL;
    const json_value *js, *jfields, *jbatches;
    arrow_batch **batches = NULL;
    int64_t n_batches = 0;

    memset(schema_out, 0, sizeof *schema_out);
    *batches_out = NULL;
    *n_batches_out = 0;
    aphx_arena_init(&jr.arena, 64 << 10);
    aphx_buf_init(&jr.path);

    if ((rc = json_parse(text, len, &jr.arena, &root, err))) goto fail;
    if (root->kind != JSON_OBJECT) {
        rc = jr_fail(&jr, APHX_CORRUPT, "the document is not an object");
        goto fail;
    }
    js = json_get(root, "schema");
    jfields = json_get(js, "fields");
    jbatches = json_get(root, "batches");
    jr.dicts = json_get(root, "dictionaries");
    if (!js || js->kind != JSON_OBJECT || !jfields || jfields->kind != JSON_ARRAY) {
        rc = jr_fail(&jr, APHX_CORRUPT, "missing 'schema' object with a 'fields' array");
        goto fail;
    }
    if (!jbatches || jbatches->kind != JSON_ARRAY) {
        rc = jr_fail(&jr, APHX_CORRUPT, "missing 'batches' array");
        goto fail;
    }
    if (jr.dicts && jr.dicts->kind == JSON_NULL) jr.dicts = NULL;
    if (jr.dicts && jr.dicts->kind != JSON_ARRAY) {
        rc = jr_fail(&jr, APHX_CORRUPT, "'dictionaries' is not an array");
        goto fail;
    }
    if (jfields->n > INT32_MAX) {
        rc = jr_fail(&jr, APHX_CORRUPT, "too many fields");
        goto fail;
    }

    /* Schema. */
    if (arrow_schema_init(schema_out, (int32_t)jfields->n)) {
        rc = jr_nomem(&jr);
        goto fail;
    }
    for (int64_t i = 0; i < jfields->n; i++)
        if ((rc = jr_parse_field(&jr, jfields->items[i], &schema_out->fields[i], 0))) goto fail;
    if ((rc = jr_parse_metadata(&jr, js, &schema_out->metadata))) goto fail;
    if ((rc = jr_check_shared_dicts(&jr, schema_out->fields, schema_out->n_fields))) goto fail;

    /* Dictionaries are built on first use. */
    if (jr.dicts && jr.dicts->n > 0) {
        jr.dict_arrays = aphx_calloc((size_t)jr.dicts->n, sizeof *jr.dict_arrays);
        jr.dict_state = aphx_calloc((size_t)jr.dicts->n, 1);
        if (!jr.dict_arrays || !jr.dict_state) {
            rc = jr_nomem(&jr);
            goto fail;
        }
        for (int64_t i = 0; i < jr.dicts->n; i++) {
            int64_t id, other;
            if (jr.dicts->items[i]->kind != JSON_OBJECT ||
                !json_to_i64(json_get(jr.dicts->items[i], "id"), &id)) {
                rc = jr_fail(&jr, APHX_CORRUPT, "dictionaries[%lld] is not an object with an integer 'id'",
                             (long long)i);
                goto fail;
            }
            for (int64_t j = 0; j < i && j < 4096; j++)
                if (json_to_i64(json_get(jr.dicts->items[j], "id"), &other) && other == id) {
                    rc = jr_fail(&jr, APHX_CORRUPT, "dictionary id %lld appears twice in 'dictionaries'",
                                 (long long)id);
                    goto fail;
                }
        }
    }

    /* Batches. */
    if (jbatches->n > 0) {
        batches = aphx_calloc((size_t)jbatches->n, sizeof *batches);
        if (!batches) {
            rc = jr_nomem(&jr);
            goto fail;
        }
    }
    for (int64_t i = 0; i < jbatches->n; i++) {
        size_t mark = jr_path_push(&jr, "batch %lld", (long long)i);
        rc = jr_build_batch(&jr, jbatches->items[i], &batches[i]);
        jr_path_pop(&jr, mark);
        if (rc) goto fail;
        n_batches++;
    }
    if (jr.path.oom) {
        rc = jr_nomem(&jr);
        goto fail;
    }
    *batches_out = batches;
    *n_batches_out = n_batches;
    batches = NULL;
    n_batches = 0;
    rc = APHX_OK;
    goto done;

fail:
    arrow_json_batches_free(batches, n_batches);
    batches = NULL;
    arrow_schema_free(schema_out);
done:
    for (int64_t i = 0; jr.dict_arrays && i < jr.dicts->n; i++) arrow_array_unref(jr.dict_arrays[i]);
    aphx_free(jr.dict_arrays);
    aphx_free(jr.dict_state);
    aphx_buf_free(&jr.path);
    aphx_arena_destroy(&jr.arena);
    return rc;
}

void arrow_json_batches_free(arrow_batch **batches, int64_t n)
{
    if (!batches) return;
    for (int64_t i = 0; i < n; i++) arrow_batch_free(batches[i]);
    aphx_free(batches);
}
