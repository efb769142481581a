/*
 * props.c — reader for Java-properties syntax (zoo.cfg, aphx.properties).
 *
 * Follows java.util.Properties.load: logical lines may continue with a
 * trailing odd backslash; comment lines start with '#' or '!'; the key ends
 * at the first unescaped '=', ':' or whitespace; escapes \t \n \r \f \uXXXX
 * and \<any> are decoded. Errors name the file and line.
 */
#include "base/base.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aphx_props_free(aphx_props *p)
{
    for (size_t i = 0; i < p->count; i++) {
        aphx_free(p->items[i].key);
        aphx_free(p->items[i].value);
    }
    aphx_free(p->items);
    aphx_free(p->path);
    memset(p, 0, sizeof *p);
}

static aphx_prop *props_lookup(aphx_props *p, const char *key)
{
    for (size_t i = p->count; i-- > 0;)
        if (strcmp(p->items[i].key, key) == 0) return &p->items[i];
    return NULL;
}

static aphx_rc props_put(aphx_props *p, char *key, char *value, int line)
{
    aphx_prop *old = props_lookup(p, key);
    if (old) {
        aphx_free(old->key);
        aphx_free(old->value);
        old->key = key;
        old->value = value;
        old->line = line;
        return APHX_OK;
    }
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        aphx_prop *items = aphx_realloc(p->items, cap * sizeof *items);
        if (!items) return APHX_NOMEM;
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count++] = (aphx_prop){.key = key, .value = value, .line = line};
    return APHX_OK;
}

aphx_rc aphx_props_set(aphx_props *p, const char *key, const char *value)
{
    char *k = aphx_strdup(key), *v = aphx_strdup(value);
    if (!k || !v || props_put(p, k, v, 0) != APHX_OK) {
        aphx_free(k);
        aphx_free(v);
        return APHX_NOMEM;
    }
    return APHX_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode escapes of s[0..n) into out; returns APHX_CONFIG on a bad \u. */
static aphx_rc unescape(const char *s, size_t n, aphx_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            if (c != '\\') aphx_buf_putc(out, c);
            continue;
        }
        c = s[++i];
        switch (c) {
        case 't': aphx_buf_putc(out, '\t'); break;
        case 'n': aphx_buf_putc(out, '\n'); break;
        case 'r': aphx_buf_putc(out, '\r'); break;
        case 'f': aphx_buf_putc(out, '\f'); break;
        case 'u': {
            unsigned cp = 0;
            for (int k = 1; k <= 4; k++) {
                if (i + (size_t)k >= n) return APHX_CONFIG;
                int h = hexval(s[i + (size_t)k]);
                if (h < 0) return APHX_CONFIG;
                cp = cp * 16 + (unsigned)h;
            }
            i += 4;
            /* UTF-8 encode (BMP only, as Java's \u escapes). */
            if (cp < 0x80) {
                aphx_buf_putc(out, (char)cp);
            } else if (cp < 0x800) {
                aphx_buf_putc(out, (char)(0xC0 | (cp >> 6)));
                aphx_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
            } else {
                aphx_buf_putc(out, (char)(0xE0 | (cp >> 12)));
                aphx_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
                aphx_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default: aphx_buf_putc(out, c); break;
        }
    }
    return out->oom ? APHX_NOMEM : APHX_OK;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* Does the physical line s[0..n) end in an odd number of backslashes? */
static bool continues(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[n - 1 - k] == '\\') k++;
    return k % 2 == 1;
}

aphx_rc aphx_props_parse(aphx_props *out, const char *name, const char *text,
                         size_t len, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    aphx_buf logical, key, value;
    aphx_buf_init(&logical);
    aphx_buf_init(&key);
    aphx_buf_init(&value);
    memset(out, 0, sizeof *out);
    out->path = aphx_strdup(name ? name : "<string>");
    if (!out->path) return aphx_fail(err, APHX_NOMEM, "out of memory");

    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        /* Gather one logical line. */
        aphx_buf_reset(&logical);
        int start_line = lineno + 1;
        bool first = true;
        for (;;) {
            size_t e = pos;
            while (e < len && text[e] != '\n' && text[e] != '\r') e++;
            const char *s = text + pos;
            size_t n = e - pos;
            lineno++;
            /* Advance past the terminator (\r\n, \n or \r). */
            pos = e;
            if (pos < len && text[pos] == '\r') pos++;
            if (pos < len && text[pos] == '\n') pos++;
            while (n > 0 && is_ws(*s)) { s++; n--; }
            if (first && (n == 0 || *s == '#' || *s == '!')) break; /* blank or comment */
            first = false;
            if (continues(s, n) && pos < len) {
                aphx_buf_append(&logical, s, n - 1);
                continue;
            }
            aphx_buf_append(&logical, s, continues(s, n) ? n - 1 : n);
            break;
        }
        if (logical.len == 0) continue;
        if (logical.oom) { rc = APHX_NOMEM; goto done; }

        /* Split key / value. */
        const char *s = logical.data;
        size_t n = logical.len, k = 0;
        while (k < n) {
            if (s[k] == '\\') { k += 2; continue; }
            if (s[k] == '=' || s[k] == ':' || is_ws(s[k])) break;
            k++;
        }
        if (k > n) k = n;
        size_t v = k;
        while (v < n && is_ws(s[v])) v++;
        if (v < n && (s[v] == '=' || s[v] == ':')) v++;
        while (v < n && is_ws(s[v])) v++;
        size_t vend = n;
        while (vend > v && is_ws(s[vend - 1])) vend--; /* trim trailing (zoo.cfg habit) */

        aphx_buf_reset(&key);
        aphx_buf_reset(&value);
        if (unescape(s, k, &key) != APHX_OK || unescape(s + v, vend - v, &value) != APHX_OK) {
            rc = aphx_fail(err, APHX_CONFIG, "%s:%d: malformed \\u escape", out->path, start_line);
            goto done;
        }
        if (key.len == 0) {
            rc = aphx_fail(err, APHX_CONFIG, "%s:%d: entry without a key", out->path, start_line);
            goto done;
        }
        char *kd = aphx_buf_steal(&key), *vd = aphx_buf_steal(&value);
        if (!kd || !vd || props_put(out, kd, vd, start_line) != APHX_OK) {
            aphx_free(kd);
            aphx_free(vd);
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto done;
        }
    }
done:
    aphx_buf_free(&logical);
    aphx_buf_free(&key);
    aphx_buf_free(&value);
    if (rc != APHX_OK) aphx_props_free(out);
    return rc;
}

aphx_rc aphx_props_load(aphx_props *out, const char *path, aphx_error *err)
{
    char *data;
    size_t len;
    aphx_rc rc = aphx_read_file(path, &data, &len, err);
    if (rc != APHX_OK) return rc;
    rc = aphx_props_parse(out, path, data, len, err);
    aphx_free(data);
    return rc;
}

const aphx_prop *aphx_props_find(aphx_props *p, const char *key)
{
    aphx_prop *e = props_lookup(p, key);
    if (e) e->used = true;
    return e;
}

const char *aphx_props_get(aphx_props *p, const char *key, const char *dflt)
{
    const aphx_prop *e = aphx_props_find(p, key);
    return e ? e->value : dflt;
}

static aphx_rc bad_value(aphx_props *p, const aphx_prop *e, aphx_error *err, const char *why)
{
    if (e->line > 0)
        return aphx_fail(err, APHX_CONFIG, "%s:%d: key '%s': %s (got '%s')", p->path, e->line,
                         e->key, why, e->value);
    return aphx_fail(err, APHX_CONFIG, "setting '%s': %s (got '%s')", e->key, why, e->value);
}

aphx_rc aphx_props_get_int(aphx_props *p, const char *key, int64_t min, int64_t max,
                           int64_t *out, aphx_error *err)
{
    const aphx_prop *e = aphx_props_find(p, key);
    if (!e) return APHX_OK;
    int64_t v;
    if (!aphx_parse_i64(e->value, &v)) return bad_value(p, e, err, "expected an integer");
    if (v < min || v > max) {
        char why[128];
        snprintf(why, sizeof why, "must be between %lld and %lld", (long long)min, (long long)max);
        return bad_value(p, e, err, why);
    }
    *out = v;
    return APHX_OK;
}

aphx_rc aphx_props_get_bool(aphx_props *p, const char *key, bool *out, aphx_error *err)
{
    const aphx_prop *e = aphx_props_find(p, key);
    if (!e) return APHX_OK;
    if (strcasecmp(e->value, "true") == 0 || strcasecmp(e->value, "yes") == 0 ||
        strcmp(e->value, "1") == 0) {
        *out = true;
    } else if (strcasecmp(e->value, "false") == 0 || strcasecmp(e->value, "no") == 0 ||
               strcmp(e->value, "0") == 0) {
        *out = false;
    } else {
        return bad_value(p, e, err, "expected true or false");
    }
    return APHX_OK;
}
