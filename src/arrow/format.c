/*
 * format.c — rendering single array elements as text, for humans
 * (arrow_array_format_value) and as JSON (arrow_array_format_json).
 *
 * JSON rendering (the gold-file/interop tests compare against this):
 *   null                      null (also every slot of the null type)
 *   bool                      true / false
 *   int8..int64, uint8..64    JSON numbers; an integer whose magnitude is
 *                             greater than 2^53 (9007199254740992) is a
 *                             JSON string of its decimal digits, so that
 *                             JavaScript readers lose no precision. The same
 *                             rule applies to every integer below.
 *   float16/32/64             shortest decimal that round-trips (%.Ng);
 *                             NaN, Infinity, -Infinity as JSON strings
 *                             "NaN", "Infinity", "-Infinity"
 *   decimal128/256            string with the scale applied: "-123.45"
 *                             (|scale| > 200: digits and exponent, "5e-300")
 *   date32/date64, time32/64,
 *   timestamp, duration       the stored integer (days, ms, unit ticks)
 *   interval_months           {"months": m}
 *   interval_day_time         {"days": d, "milliseconds": ms}
 *   interval_month_day_nano   {"months": m, "days": d, "nanoseconds": ns}
 *   utf8 / large_utf8         JSON string (", \, control characters
 *                             escaped; invalid UTF-8 bytes become \ufffd)
 *   binary / large_binary /
 *   fixed_size_binary         string of uppercase hex digits: "DEADBEEF"
 *   list / large_list /
 *   fixed_size_list           JSON array
 *   struct                    object {"field": value, ...} in field order
 *   map                       array of [key, value] pairs
 *   sparse/dense union        the selected child's value
 *   dictionary-encoded        the decoded value
 *
 * Human rendering (format_value) differs: dates and timestamps are ISO
 * ("2024-02-29", "2024-02-29 13:45:00.123"), times "13:45:00.5", durations
 * carry their unit ("15ms"), intervals "3M", "2d 15ms", "1M 2d 3ns",
 * binary is hex, strings are quoted only when asked (always inside nested
 * values), lists [a, b], structs {a: 1, b: "x"}, maps {k: v}.
 */
#include "arrow/core_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_SAFE_INT 9007199254740992LL   /* 2^53 */

typedef struct fmt_ctx {
    bool json;
    bool quote;
} fmt_ctx;

static void format_element(const fmt_ctx *cx, const arrow_field *f, const arrow_array *a,
                           int64_t i, aphx_buf *b);

/* ---- numbers ---- */
static void put_int(const fmt_ctx *cx, int64_t v, aphx_buf *b)
{
    bool big = v > JSON_SAFE_INT || v < -JSON_SAFE_INT;
    if (cx->json && big) aphx_buf_printf(b, "\"%lld\"", (long long)v);
    else aphx_buf_printf(b, "%lld", (long long)v);
}

static void put_uint(const fmt_ctx *cx, uint64_t v, aphx_buf *b)
{
    if (cx->json && v > (uint64_t)JSON_SAFE_INT) aphx_buf_printf(b, "\"%llu\"", (unsigned long long)v);
    else aphx_buf_printf(b, "%llu", (unsigned long long)v);
}

/* Shortest %.Ng rendering of v that reads back as the same value at the
 * given precision (bits = 16, 32 or 64). */
static void put_float(const fmt_ctx *cx, double v, int bits, aphx_buf *b)
{
    if (isnan(v) || isinf(v)) {
        const char *s = isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
        if (cx->json) aphx_buf_printf(b, "\"%s\"", s);
        else aphx_buf_puts(b, isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return;
    }
    char tmp[64];
    int max_digits = bits == 64 ? 17 : bits == 32 ? 9 : 5;
    for (int p = 1; p <= max_digits; p++) {
        snprintf(tmp, sizeof tmp, "%.*g", p, v);
        double back = strtod(tmp, NULL);
        bool same = bits == 64 ? back == v
                  : bits == 32 ? (float)back == (float)v
                  : arrow_core_double_to_half(back) == arrow_core_double_to_half(v);
        if (same) break;
    }
    aphx_buf_puts(b, tmp);
}

/* Two's complement little-endian integer of n_words 64-bit words to a
 * decimal string with `scale` digits after the point. */
static void put_decimal(const uint8_t *p, int n_words, int32_t scale, aphx_buf *b)
{
    uint64_t w[4];
    memcpy(w, p, (size_t)n_words * 8);
    bool neg = (w[n_words - 1] >> 63) & 1;
    if (neg) {   /* negate: invert and add one */
        unsigned carry = 1;
        for (int k = 0; k < n_words; k++) {
            w[k] = ~w[k] + carry;
            carry = carry && w[k] == 0;
        }
    }
    char digits[96];
    int nd = 0;
    for (;;) {
        bool zero = true;
        for (int k = 0; k < n_words; k++) zero = zero && w[k] == 0;
        if (zero) break;
        unsigned __int128 rem = 0;
        for (int k = n_words - 1; k >= 0; k--) {
            unsigned __int128 cur = (rem << 64) | w[k];
            w[k] = (uint64_t)(cur / 10);
            rem = cur % 10;
        }
        digits[nd++] = (char)('0' + (int)rem);
    }
    if (nd == 0) digits[nd++] = '0';
    if (neg) aphx_buf_putc(b, '-');
    if (scale > 200 || scale < -200) {   /* absurd scales (untrusted input): exponent form */
        for (int k = nd - 1; k >= 0; k--) aphx_buf_putc(b, digits[k]);
        aphx_buf_printf(b, "e%lld", -(long long)scale);
        return;
    }
    if (scale <= 0) {
        for (int k = nd - 1; k >= 0; k--) aphx_buf_putc(b, digits[k]);
        for (int32_t k = 0; k < -scale; k++) aphx_buf_putc(b, '0');
        return;
    }
    int int_digits = nd - scale;
    if (int_digits <= 0) {
        aphx_buf_puts(b, "0.");
        for (int k = 0; k < -int_digits; k++) aphx_buf_putc(b, '0');
        for (int k = nd - 1; k >= 0; k--) aphx_buf_putc(b, digits[k]);
        return;
    }
    for (int k = nd - 1; k >= 0; k--) {
        aphx_buf_putc(b, digits[k]);
        if (k == scale && k > 0) aphx_buf_putc(b, '.');
    }
}

/* ---- strings ---- */
static void put_hex(const uint8_t *p, int64_t n, aphx_buf *b)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int64_t k = 0; k < n; k++) {
        aphx_buf_putc(b, hex[p[k] >> 4]);
        aphx_buf_putc(b, hex[p[k] & 15]);
    }
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static int utf8_seq_len(const uint8_t *p, int64_t n)
{
    uint8_t c = p[0];
    int len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0;
    if (n < len) return 0;
    for (int k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;
    if (c == 0xed && p[1] > 0x9f) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;
    if (c == 0xf4 && p[1] > 0x8f) return 0;
    return len;
}

static void put_quoted(const uint8_t *p, int64_t n, aphx_buf *b)
{
    aphx_buf_putc(b, '"');
    int64_t k = 0;
    while (k < n) {
        uint8_t c = p[k];
        switch (c) {
        case '"': aphx_buf_puts(b, "\\\""); k++; continue;
        case '\\': aphx_buf_puts(b, "\\\\"); k++; continue;
        case '\n': aphx_buf_puts(b, "\\n"); k++; continue;
        case '\r': aphx_buf_puts(b, "\\r"); k++; continue;
        case '\t': aphx_buf_puts(b, "\\t"); k++; continue;
        case '\b': aphx_buf_puts(b, "\\b"); k++; continue;
        case '\f': aphx_buf_puts(b, "\\f"); k++; continue;
        default: break;
        }
        if (c < 0x20) {
            aphx_buf_printf(b, "\\u%04x", c);
            k++;
            continue;
        }
        int len = utf8_seq_len(p + k, n - k);
        if (len == 0) {
            aphx_buf_puts(b, "\\ufffd");
            k++;
            continue;
        }
        aphx_buf_append(b, p + k, (size_t)len);
        k += len;
    }
    aphx_buf_putc(b, '"');
}

/* ---- dates and times (proleptic Gregorian, for humans) ---- */
static int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;
    return (a % d != 0 && ((a < 0) != (d < 0))) ? q - 1 : q;
}

/* a = q * d + r with 0 <= r < d (d > 0), without overflowing. */
static void floor_divmod(int64_t a, int64_t d, int64_t *q, int64_t *r)
{
    *q = a / d;
    *r = a % d;
    if (*r < 0) {
        *r += d;
        *q -= 1;
    }
}

static void put_date(int64_t days, aphx_buf *b)
{
    /* civil-from-days (days since 1970-01-01). */
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    aphx_buf_printf(b, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

static int64_t unit_per_second(arrow_time_unit u)
{
    switch (u) {
    case ARROW_SECOND: return 1;
    case ARROW_MILLI: return 1000;
    case ARROW_MICRO: return 1000000;
    case ARROW_NANO: return 1000000000;
    }
    return 1;
}

static int unit_digits(arrow_time_unit u)
{
    return u == ARROW_SECOND ? 0 : u == ARROW_MILLI ? 3 : u == ARROW_MICRO ? 6 : 9;
}

/* Time of day from ticks within a day (0 <= ticks < 86400 * per_second). */
static void put_time_of_day(int64_t ticks, arrow_time_unit u, aphx_buf *b)
{
    int64_t per = unit_per_second(u);
    int64_t secs, frac;
    floor_divmod(ticks, per, &secs, &frac);
    aphx_buf_printf(b, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
                    (long long)(secs / 60 % 60), (long long)(secs % 60));
    if (frac) aphx_buf_printf(b, ".%0*lld", unit_digits(u), (long long)frac);
}

static const char *unit_suffix(arrow_time_unit u)
{
    return u == ARROW_SECOND ? "s" : u == ARROW_MILLI ? "ms" : u == ARROW_MICRO ? "us" : "ns";
}

/* ---- elements ---- */
static void format_list_range(const fmt_ctx *cx, const arrow_field *child, const arrow_array *c,
                              int64_t start, int64_t end, aphx_buf *b)
{
    aphx_buf_putc(b, '[');
    for (int64_t k = start; k < end; k++) {
        if (k > start) aphx_buf_puts(b, cx->json ? "," : ", ");
        format_element(cx, child, c, k, b);
    }
    aphx_buf_putc(b, ']');
}

static void format_element(const fmt_ctx *outer, const arrow_field *f, const arrow_array *a,
                           int64_t i, aphx_buf *b)
{
    fmt_ctx nested = *outer;
    nested.quote = true;
    const fmt_ctx *cx = outer;
    if (arrow_array_is_null(f, a, i)) {
        aphx_buf_puts(b, "null");
        return;
    }
    int64_t j = a->offset + i;
    if (f->dict) {
        arrow_field value = arrow_core_value_field(f);
        int64_t k = arrow_core_read_int(f->dict->index_type, a->buffers[1]->data, j);
        format_element(cx, &value, a->dictionary, k, b);
        return;
    }
    const uint8_t *v = a->n_buffers > 1 && a->buffers[1] ? a->buffers[1]->data : NULL;
    const arrow_type *t = &f->type;
    switch (t->id) {
    case ARROW_NA: aphx_buf_puts(b, "null"); return;
    case ARROW_BOOL: aphx_buf_puts(b, arrow_bit_get(v, j) ? "true" : "false"); return;
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
    case ARROW_UINT8: case ARROW_UINT16: case ARROW_UINT32:
        put_int(cx, arrow_core_read_int(t->id, v, j), b);
        return;
    case ARROW_UINT64: put_uint(cx, ((const uint64_t *)v)[j], b); return;
    case ARROW_FLOAT16: put_float(cx, arrow_core_half_to_double(((const uint16_t *)v)[j]), 16, b); return;
    case ARROW_FLOAT32: put_float(cx, ((const float *)v)[j], 32, b); return;
    case ARROW_FLOAT64: put_float(cx, ((const double *)v)[j], 64, b); return;
    case ARROW_DECIMAL128: case ARROW_DECIMAL256: {
        int words = t->id == ARROW_DECIMAL128 ? 2 : 4;
        if (cx->json || cx->quote) aphx_buf_putc(b, '"');
        put_decimal(v + j * words * 8, words, t->scale, b);
        if (cx->json || cx->quote) aphx_buf_putc(b, '"');
        return;
    }
    case ARROW_DATE32: case ARROW_DATE64: {
        int64_t x = t->id == ARROW_DATE32 ? ((const int32_t *)v)[j] : ((const int64_t *)v)[j];
        if (cx->json) put_int(cx, x, b);
        else put_date(t->id == ARROW_DATE32 ? x : floor_div(x, 86400000), b);
        return;
    }
    case ARROW_TIME32: case ARROW_TIME64: {
        int64_t x = t->id == ARROW_TIME32 ? ((const int32_t *)v)[j] : ((const int64_t *)v)[j];
        if (cx->json) put_int(cx, x, b);
        else if (x < 0 || x / 86400 >= unit_per_second(t->unit))   /* not a time of day */
            aphx_buf_printf(b, "%lld%s", (long long)x, unit_suffix(t->unit));
        else put_time_of_day(x, t->unit, b);
        return;
    }
    case ARROW_TIMESTAMP: {
        int64_t x = ((const int64_t *)v)[j];
        if (cx->json) {
            put_int(cx, x, b);
            return;
        }
        int64_t per_day = 86400 * unit_per_second(t->unit);
        int64_t days, ticks;
        floor_divmod(x, per_day, &days, &ticks);
        put_date(days, b);
        aphx_buf_putc(b, ' ');
        put_time_of_day(ticks, t->unit, b);
        if (t->timezone) aphx_buf_printf(b, " %s", t->timezone);
        return;
    }
    case ARROW_DURATION: {
        int64_t x = ((const int64_t *)v)[j];
        put_int(cx, x, b);
        if (!cx->json) aphx_buf_puts(b, unit_suffix(t->unit));
        return;
    }
    case ARROW_INTERVAL_MONTHS: {
        int32_t m = ((const int32_t *)v)[j];
        if (cx->json) aphx_buf_printf(b, "{\"months\":%d}", m);
        else aphx_buf_printf(b, "%dM", m);
        return;
    }
    case ARROW_INTERVAL_DAY_TIME: {
        int32_t dm[2];
        memcpy(dm, v + j * 8, 8);
        if (cx->json) aphx_buf_printf(b, "{\"days\":%d,\"milliseconds\":%d}", dm[0], dm[1]);
        else aphx_buf_printf(b, "%dd %dms", dm[0], dm[1]);
        return;
    }
    case ARROW_INTERVAL_MONTH_DAY_NANO: {
        int32_t md[2];
        int64_t ns;
        memcpy(md, v + j * 16, 8);
        memcpy(&ns, v + j * 16 + 8, 8);
        if (cx->json) {
            aphx_buf_printf(b, "{\"months\":%d,\"days\":%d,\"nanoseconds\":", md[0], md[1]);
            put_int(cx, ns, b);
            aphx_buf_putc(b, '}');
        } else {
            aphx_buf_printf(b, "%dM %dd %lldns", md[0], md[1], (long long)ns);
        }
        return;
    }
    case ARROW_UTF8: case ARROW_LARGE_UTF8: case ARROW_BINARY: case ARROW_LARGE_BINARY: {
        bool large = arrow_core_is_large(t->id);
        int64_t s = arrow_core_offset(a, large, j), e = arrow_core_offset(a, large, j + 1);
        const uint8_t *p = e > s ? a->buffers[2]->data + s : (const uint8_t *)"";
        if (t->id == ARROW_BINARY || t->id == ARROW_LARGE_BINARY) {
            if (cx->json || cx->quote) aphx_buf_putc(b, '"');
            put_hex(p, e - s, b);
            if (cx->json || cx->quote) aphx_buf_putc(b, '"');
        } else if (cx->json || cx->quote) {
            put_quoted(p, e - s, b);
        } else {
            aphx_buf_append(b, p, (size_t)(e - s));
        }
        return;
    }
    case ARROW_FIXED_SIZE_BINARY:
        if (cx->json || cx->quote) aphx_buf_putc(b, '"');
        put_hex(v + j * t->byte_width, t->byte_width, b);
        if (cx->json || cx->quote) aphx_buf_putc(b, '"');
        return;
    case ARROW_LIST: case ARROW_LARGE_LIST: {
        bool large = t->id == ARROW_LARGE_LIST;
        format_list_range(&nested, &f->children[0], a->children[0],
                          arrow_core_offset(a, large, j), arrow_core_offset(a, large, j + 1), b);
        return;
    }
    case ARROW_FIXED_SIZE_LIST: {
        int64_t n = t->list_size;
        format_list_range(&nested, &f->children[0], a->children[0], j * n, (j + 1) * n, b);
        return;
    }
    case ARROW_STRUCT:
        aphx_buf_putc(b, '{');
        for (int32_t c = 0; c < f->n_children; c++) {
            if (c) aphx_buf_puts(b, cx->json ? "," : ", ");
            const char *name = f->children[c].name ? f->children[c].name : "";
            if (cx->json) put_quoted((const uint8_t *)name, (int64_t)strlen(name), b);
            else aphx_buf_puts(b, name);
            aphx_buf_puts(b, cx->json ? ":" : ": ");
            format_element(&nested, &f->children[c], a->children[c], j, b);
        }
        aphx_buf_putc(b, '}');
        return;
    case ARROW_MAP: {
        const arrow_field *entries = &f->children[0];
        const arrow_array *ea = a->children[0];
        int64_t s = arrow_core_offset(a, false, j), e = arrow_core_offset(a, false, j + 1);
        aphx_buf_putc(b, cx->json ? '[' : '{');
        for (int64_t k = s; k < e; k++) {
            if (k > s) aphx_buf_puts(b, cx->json ? "," : ", ");
            if (cx->json) aphx_buf_putc(b, '[');
            int64_t ek = ea->offset + k;
            if (entries->n_children >= 2) {
                format_element(&nested, &entries->children[0], ea->children[0], ek, b);
                aphx_buf_puts(b, cx->json ? "," : ": ");
                format_element(&nested, &entries->children[1], ea->children[1], ek, b);
            }
            if (cx->json) aphx_buf_putc(b, ']');
        }
        aphx_buf_putc(b, cx->json ? ']' : '}');
        return;
    }
    case ARROW_SPARSE_UNION: case ARROW_DENSE_UNION: {
        int8_t code = ((const int8_t *)a->buffers[0]->data)[j];
        int32_t c = arrow_core_union_child(f, code);
        if (c < 0) {
            aphx_buf_puts(b, "null");
            return;
        }
        int64_t k = t->id == ARROW_DENSE_UNION ? ((const int32_t *)a->buffers[1]->data)[j] : j;
        format_element(cx, &f->children[c], a->children[c], k, b);
        return;
    }
    case ARROW_TYPE_COUNT:
        break;
    }
    aphx_buf_puts(b, "?");
}

void arrow_array_format_value(const arrow_field *f, const arrow_array *a, int64_t i, bool quote,
                              aphx_buf *b)
{
    fmt_ctx cx = {false, quote};
    format_element(&cx, f, a, i, b);
}

void arrow_array_format_json(const arrow_field *f, const arrow_array *a, int64_t i, aphx_buf *b)
{
    fmt_ctx cx = {true, true};
    format_element(&cx, f, a, i, b);
}
