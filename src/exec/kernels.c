/*
 * kernels.c — column-at-a-time kernels: arithmetic with SQL overflow and
 * division rules, comparisons into bitmaps, negation, string
 * concatenation, CAST between the executor's types, LIKE matching, and
 * the text formatting/parsing that CAST and TO_CHAR share.
 *
 * Loop shape: every kernel picks its loop once per batch (type, operator,
 * which side is a broadcast scalar) and then runs a plain loop over value
 * arrays. Errors that can only happen on some rows (overflow, x/0) are
 * collected as a flag in the loop and, only if set, the rows are re-checked
 * against the validity bitmap, so values hidden behind NULLs never raise.
 */
#include "exec/exec_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static aphx_rc oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory in an expression kernel");
}

static const char *arith_name(exec_arith_op op)
{
    static const char *names[] = {"+", "-", "*", "/", "%"};
    return names[op];
}

/* Loop over n rows with x from a and y from b, either of which may be a
 * broadcast scalar. */
#define LOOP2(TA, VA, TB, VB, BODY)                                          \
    do {                                                                     \
        const TA *pa_ = (const TA *)(VA)->values;                            \
        const TB *pb_ = (const TB *)(VB)->values;                            \
        if ((VA)->scalar && !(VB)->scalar) {                                 \
            const TA x = pa_[0];                                             \
            for (int64_t i = 0; i < n; i++) { const TB y = pb_[i]; BODY; }   \
        } else if ((VB)->scalar && !(VA)->scalar) {                          \
            const TB y = pb_[0];                                             \
            for (int64_t i = 0; i < n; i++) { const TA x = pa_[i]; BODY; }   \
        } else {                                                             \
            for (int64_t i = 0; i < n; i++) {                                \
                const TA x = pa_[(VA)->scalar ? 0 : i];                      \
                const TB y = pb_[(VB)->scalar ? 0 : i];                      \
                BODY;                                                        \
            }                                                                \
        }                                                                    \
    } while (0)

static bool row_valid2(const exec_vec *a, const exec_vec *b, int64_t i)
{
    return exec_vec_valid(a, i) && exec_vec_valid(b, i);
}

/* ------------------------------------------------------------------ */
/* Arithmetic                                                          */
/* ------------------------------------------------------------------ */
static __int128 pow10_i128(int32_t e);

/* Exact decimal arithmetic row by row on __int128 (values < 10^38). Rows
 * with a NULL input are skipped; x/0 follows the context's mode. */
static aphx_rc decimal_arith(exec_ctx *ctx, exec_arith_op op, exec_type rt, const exec_vec *a,
                             const exec_vec *b, int64_t n, arrow_array *r, aphx_error *err)
{
    const __int128 *x = a->values, *y = b->values;
    __int128 *res = (__int128 *)exec_values(r);
    int32_t s1 = a->type.scale, s2 = b->type.scale, rs = rt.scale;
    __int128 limit = pow10_i128(38);
    __int128 fa = pow10_i128(rs - s1 >= 0 ? rs - s1 : 0), fb = pow10_i128(rs - s2 >= 0 ? rs - s2 : 0);
    for (int64_t i = 0; i < n; i++) {
        res[i] = 0;
        if (!row_valid2(a, b, i)) continue;
        __int128 p = x[exec_vec_idx(a, i)], q = y[exec_vec_idx(b, i)], v = 0;
        bool ovf = false;
        switch (op) {
        case EXEC_ADD: case EXEC_SUB: case EXEC_MOD: {
            __int128 pa, qb;
            ovf = __builtin_mul_overflow(p, fa, &pa) || __builtin_mul_overflow(q, fb, &qb);
            if (op == EXEC_ADD) ovf = ovf || __builtin_add_overflow(pa, qb, &v);
            else if (op == EXEC_SUB) ovf = ovf || __builtin_sub_overflow(pa, qb, &v);
            else if (!ovf) {
                if (qb == 0) goto div_zero;
                v = pa % qb;
            }
            break;
        }
        case EXEC_MUL:
            ovf = __builtin_mul_overflow(p, q, &v);
            break;
        case EXEC_DIV: {
            /* p/10^s1 / (q/10^s2) = p * 10^(rs - s1 + s2) / q / 10^rs */
            if (q == 0) goto div_zero;
            int32_t e = rs - s1 + s2;
            __int128 num;
            ovf = e > 38 || __builtin_mul_overflow(p, pow10_i128(e), &num);
            if (!ovf) {
                v = num / q;
                __int128 rem = num % q;
                __int128 arem = rem < 0 ? -rem : rem, aq = q < 0 ? -q : q;
                if (arem * 2 >= aq) v += ((num < 0) != (q < 0)) ? -1 : 1;
            }
            break;
        }
        }
        if (ovf || v >= limit || v <= -limit)
            return exec_sql_fail(err, APHX_OVERFLOW, "22003", "decimal value out of range in arithmetic");
        res[i] = v;
        continue;
    div_zero:
        if (!ctx->sqlite_compat) return exec_sql_fail(err, APHX_INVALID, "22012", "division by zero");
        if (!r->buffers[0]) {
            r->buffers[0] = arrow_buffer_alloc((n + 7) / 8 > 0 ? (n + 7) / 8 : 1);
            if (!r->buffers[0]) return oom(err);
            memset(r->buffers[0]->data, 0xff, (size_t)(n + 7) / 8);
        }
        arrow_bit_set(r->buffers[0]->data, i, false);
        r->null_count = -1;
    }
    return APHX_OK;
}
aphx_rc exec_kernel_arith(exec_ctx *ctx, exec_arith_op op, exec_type rt, const exec_vec *a,
                          const exec_vec *b, int64_t n, arrow_array **out, aphx_error *err)
{
    *out = NULL;
    if (a->all_null || b->all_null) {
        *out = exec_array_nulls(rt, n);
        return *out ? APHX_OK : oom(err);
    }
    bool no_mem = false;
    arrow_buffer *valid = exec_valid_and(a, b, n, &no_mem);
    if (no_mem) return oom(err);
    arrow_array *r = exec_array_fixed(rt, n, false);
    if (!r) {
        arrow_buffer_unref(valid);
        return oom(err);
    }
    r->buffers[0] = valid;
    r->null_count = valid ? -1 : 0;
    int ovf = 0, zero = 0;
    arrow_type_id ta = a->type.id, tb = b->type.id;
    if (rt.id == ARROW_INT64 && ta == ARROW_INT64 && tb == ARROW_INT64) {
        int64_t *res = (int64_t *)exec_values(r);
        switch (op) {
        case EXEC_ADD: LOOP2(int64_t, a, int64_t, b, ovf |= __builtin_add_overflow(x, y, &res[i])); break;
        case EXEC_SUB: LOOP2(int64_t, a, int64_t, b, ovf |= __builtin_sub_overflow(x, y, &res[i])); break;
        case EXEC_MUL: LOOP2(int64_t, a, int64_t, b, ovf |= __builtin_mul_overflow(x, y, &res[i])); break;
        case EXEC_DIV:
            LOOP2(int64_t, a, int64_t, b, {
                if (__builtin_expect(y == 0 || y == -1, 0)) {
                    if (y == 0) { zero = 1; res[i] = 0; }
                    else { ovf |= x == INT64_MIN; res[i] = x == INT64_MIN ? 0 : -x; }
                } else res[i] = x / y;
            });
            break;
        case EXEC_MOD:
            LOOP2(int64_t, a, int64_t, b, {
                if (__builtin_expect(y == 0 || y == -1, 0)) { zero |= y == 0; res[i] = 0; }
                else res[i] = x % y;
            });
            break;
        }
    } else if (rt.id == ARROW_FLOAT64) {
        double *res = (double *)exec_values(r);
        switch (op) {
        case EXEC_ADD: LOOP2(double, a, double, b, res[i] = x + y); break;
        case EXEC_SUB: LOOP2(double, a, double, b, res[i] = x - y); break;
        case EXEC_MUL: LOOP2(double, a, double, b, res[i] = x * y); break;
        case EXEC_DIV: LOOP2(double, a, double, b, { zero |= y == 0; res[i] = y == 0 ? 0 : x / y; }); break;
        case EXEC_MOD: LOOP2(double, a, double, b, { zero |= y == 0; res[i] = y == 0 ? 0 : fmod(x, y); }); break;
        }
    } else if (rt.id == ARROW_DATE32 && ta == ARROW_DATE32 && tb == ARROW_INT64) {
        int32_t *res = (int32_t *)exec_values(r);
        LOOP2(int32_t, a, int64_t, b, {
            int64_t v = op == EXEC_ADD ? (int64_t)x + y : (int64_t)x - y;
            ovf |= v < INT32_MIN || v > INT32_MAX || y > INT32_MAX || y < INT32_MIN;
            res[i] = (int32_t)v;
        });
    } else if (rt.id == ARROW_DATE32 && ta == ARROW_INT64 && tb == ARROW_DATE32) {
        int32_t *res = (int32_t *)exec_values(r);
        LOOP2(int64_t, a, int32_t, b, {
            int64_t v = x + (int64_t)y;
            ovf |= v < INT32_MIN || v > INT32_MAX || x > INT32_MAX || x < INT32_MIN;
            res[i] = (int32_t)v;
        });
    } else if (rt.id == ARROW_INT64 && ta == ARROW_DATE32 && tb == ARROW_DATE32) {
        int64_t *res = (int64_t *)exec_values(r);
        LOOP2(int32_t, a, int32_t, b, res[i] = (int64_t)x - y);
    } else if (rt.id == ARROW_DECIMAL128 && ta == ARROW_DECIMAL128 && tb == ARROW_DECIMAL128) {
        aphx_rc drc = decimal_arith(ctx, op, rt, a, b, n, r, err);
        if (drc) {
            arrow_array_unref(r);
            return drc;
        }
        *out = r;
        return APHX_OK;
    } else {
        arrow_array_unref(r);
        return exec_sql_fail(err, APHX_INVALID, "42883", "operator %s not supported for %s and %s",
                             arith_name(op), arrow_type_name(ta), arrow_type_name(tb));
    }
    /* Re-check flagged rows against validity: NULL rows never raise. */
    if (ovf && (a->valid || b->valid)) {
        ovf = 0;
        for (int64_t i = 0; i < n && !ovf; i++) {
            if (!row_valid2(a, b, i)) continue;
            int64_t x = ((const int64_t *)a->values)[exec_vec_idx(a, i)];
            if (rt.id != ARROW_INT64 || ta != ARROW_INT64) { ovf = 1; break; }
            int64_t y = ((const int64_t *)b->values)[exec_vec_idx(b, i)], t;
            switch (op) {
            case EXEC_ADD: ovf = __builtin_add_overflow(x, y, &t); break;
            case EXEC_SUB: ovf = __builtin_sub_overflow(x, y, &t); break;
            case EXEC_MUL: ovf = __builtin_mul_overflow(x, y, &t); break;
            case EXEC_DIV: ovf = x == INT64_MIN && y == -1; break;
            default: break;
            }
        }
    }
    if (ovf) {
        arrow_array_unref(r);
        return exec_sql_fail(err, APHX_OVERFLOW, "22003", "%s out of range in %s",
                             rt.id == ARROW_DATE32 ? "date" : "bigint", arith_name(op));
    }
    if (zero) {
        /* Which valid rows divide by zero? */
        bool is_float = rt.id == ARROW_FLOAT64;
        for (int64_t i = 0; i < n; i++) {
            if (!row_valid2(a, b, i)) continue;
            bool z = is_float ? ((const double *)b->values)[exec_vec_idx(b, i)] == 0
                              : ((const int64_t *)b->values)[exec_vec_idx(b, i)] == 0;
            if (!z) continue;
            if (!ctx->sqlite_compat) {
                arrow_array_unref(r);
                return exec_sql_fail(err, APHX_INVALID, "22012", "division by zero");
            }
            if (!r->buffers[0]) {
                r->buffers[0] = arrow_buffer_alloc((n + 7) / 8 > 0 ? (n + 7) / 8 : 1);
                if (!r->buffers[0]) {
                    arrow_array_unref(r);
                    return oom(err);
                }
                memset(r->buffers[0]->data, 0xff, (size_t)(n + 7) / 8);
            }
            arrow_bit_set(r->buffers[0]->data, i, false);
            r->null_count = -1;
        }
    }
    *out = r;
    return APHX_OK;
}

aphx_rc exec_kernel_negate(const exec_vec *a, int64_t n, arrow_array **out, aphx_error *err)
{
    *out = NULL;
    if (a->all_null) {
        *out = exec_array_nulls(a->type, n);
        return *out ? APHX_OK : oom(err);
    }
    bool no_mem = false;
    arrow_buffer *valid = exec_valid_copy(a, n, &no_mem);
    if (no_mem) return oom(err);
    arrow_array *r = exec_array_fixed(a->type, n, false);
    if (!r) {
        arrow_buffer_unref(valid);
        return oom(err);
    }
    r->buffers[0] = valid;
    r->null_count = valid ? -1 : 0;
    if (a->type.id == ARROW_FLOAT64) {
        const double *x = a->values;
        double *res = (double *)exec_values(r);
        for (int64_t i = 0; i < n; i++) res[i] = -x[a->scalar ? 0 : i];
    } else if (a->type.id == ARROW_INT64) {
        const int64_t *x = a->values;
        int64_t *res = (int64_t *)exec_values(r);
        int ovf = 0;
        for (int64_t i = 0; i < n; i++) ovf |= __builtin_sub_overflow((int64_t)0, x[a->scalar ? 0 : i], &res[i]);
        if (ovf)
            for (int64_t i = 0; i < n; i++)
                if (exec_vec_valid(a, i) && x[a->scalar ? 0 : i] == INT64_MIN) {
                    arrow_array_unref(r);
                    return exec_sql_fail(err, APHX_OVERFLOW, "22003", "bigint out of range in unary -");
                }
    } else if (a->type.id == ARROW_DECIMAL128) {
        const __int128 *x = a->values;
        __int128 *res = (__int128 *)exec_values(r);
        for (int64_t i = 0; i < n; i++) res[i] = -x[a->scalar ? 0 : i];
    } else {
        arrow_array_unref(r);
        return exec_sql_fail(err, APHX_INVALID, "42883", "unary - not supported for %s",
                             arrow_type_name(a->type.id));
    }
    *out = r;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */
/* ------------------------------------------------------------------ */
static void pack_bits(const uint8_t *bytes, int64_t n, uint8_t *bits)
{
    int64_t full = n / 8;
    for (int64_t j = 0; j < full; j++) {
        const uint8_t *p = bytes + j * 8;
        bits[j] = (uint8_t)(p[0] | p[1] << 1 | p[2] << 2 | p[3] << 3 | p[4] << 4 | p[5] << 5 |
                            p[6] << 6 | p[7] << 7);
    }
    if (n % 8) {
        uint8_t m = 0;
        for (int64_t i = full * 8; i < n; i++) m |= (uint8_t)(bytes[i] << (i - full * 8));
        bits[full] = m;
    }
}

#define CMP_ALL(TA, TB)                                                          \
    switch (op) {                                                                \
    case EXEC_EQ: LOOP2(TA, a, TB, b, tmp[i] = x == y); break;                   \
    case EXEC_NE: LOOP2(TA, a, TB, b, tmp[i] = x != y); break;                   \
    case EXEC_LT: LOOP2(TA, a, TB, b, tmp[i] = x < y); break;                    \
    case EXEC_LE: LOOP2(TA, a, TB, b, tmp[i] = x <= y); break;                   \
    case EXEC_GT: LOOP2(TA, a, TB, b, tmp[i] = x > y); break;                    \
    case EXEC_GE: LOOP2(TA, a, TB, b, tmp[i] = x >= y); break;                   \
    }

static inline uint8_t cmp_result(exec_cmp_op op, int c)
{
    switch (op) {
    case EXEC_EQ: return c == 0;
    case EXEC_NE: return c != 0;
    case EXEC_LT: return c < 0;
    case EXEC_LE: return c <= 0;
    case EXEC_GT: return c > 0;
    default: return c >= 0;
    }
}

aphx_rc exec_kernel_compare(exec_cmp_op op, const exec_vec *a, const exec_vec *b, int64_t n,
                            arrow_array **out, aphx_error *err)
{
    *out = NULL;
    exec_type bt = exec_type_of(ARROW_BOOL);
    if (a->all_null || b->all_null) {
        *out = exec_array_nulls(bt, n);
        return *out ? APHX_OK : oom(err);
    }
    uint8_t *tmp = aphx_malloc((size_t)n + 8);
    if (!tmp) return oom(err);
    arrow_type_id ta = a->type.id, tb = b->type.id;
    if (ta == ARROW_INT64 && tb == ARROW_INT64) { CMP_ALL(int64_t, int64_t) }
    else if (ta == ARROW_TIMESTAMP && tb == ARROW_TIMESTAMP) { CMP_ALL(int64_t, int64_t) }
    else if (ta == ARROW_FLOAT64 && tb == ARROW_FLOAT64) { CMP_ALL(double, double) }
    else if (ta == ARROW_DATE32 && tb == ARROW_DATE32) { CMP_ALL(int32_t, int32_t) }
    else if (ta == ARROW_DECIMAL128 && tb == ARROW_DECIMAL128 && a->type.scale == b->type.scale) {
        CMP_ALL(__int128, __int128)
    } else if ((ta == ARROW_UTF8 || ta == ARROW_BINARY) && ta == tb) {
        for (int64_t i = 0; i < n; i++) {
            const uint8_t *p, *q;
            int64_t lp, lq;
            exec_vec_str(a, i, &p, &lp);
            exec_vec_str(b, i, &q, &lq);
            int64_t m = lp < lq ? lp : lq;
            int c = m ? memcmp(p, q, (size_t)m) : 0;
            if (c == 0) c = lp < lq ? -1 : lp > lq;
            tmp[i] = cmp_result(op, c);
        }
    } else if (ta == ARROW_BOOL && tb == ARROW_BOOL) {
        const uint8_t *pa = a->values, *pb = b->values;
        for (int64_t i = 0; i < n; i++) {
            int x = arrow_bit_get(pa, exec_vec_idx(a, i)), y = arrow_bit_get(pb, exec_vec_idx(b, i));
            tmp[i] = cmp_result(op, x - y);
        }
    } else {
        aphx_free(tmp);
        return exec_sql_fail(err, APHX_INVALID, "42883", "cannot compare %s with %s",
                             arrow_type_name(ta), arrow_type_name(tb));
    }
    bool no_mem = false;
    arrow_buffer *valid = exec_valid_and(a, b, n, &no_mem);
    arrow_array *r = no_mem ? NULL : exec_array_fixed(bt, n, false);
    if (!r) {
        aphx_free(tmp);
        arrow_buffer_unref(valid);
        return oom(err);
    }
    pack_bits(tmp, n, exec_values(r));
    aphx_free(tmp);
    r->buffers[0] = valid;
    r->null_count = valid ? -1 : 0;
    *out = r;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Concatenation                                                       */
/* ------------------------------------------------------------------ */
aphx_rc exec_kernel_concat(const exec_vec *a, const exec_vec *b, int64_t n, arrow_array **out,
                           aphx_error *err)
{
    *out = NULL;
    exec_type st = exec_type_of(ARROW_UTF8);
    if (a->all_null || b->all_null) {
        *out = exec_array_nulls(st, n);
        return *out ? APHX_OK : oom(err);
    }
    exec_strbuild sb;
    if (!exec_strbuild_init(&sb, n, n * 16)) return oom(err);
    for (int64_t i = 0; i < n; i++) {
        if (!row_valid2(a, b, i)) {
            exec_strbuild_null(&sb);
            continue;
        }
        const uint8_t *p, *q;
        int64_t lp, lq;
        exec_vec_str(a, i, &p, &lp);
        exec_vec_str(b, i, &q, &lq);
        uint8_t *d = exec_strbuild_reserve(&sb, lp + lq);
        if (!d) break;
        if (lp) memcpy(d, p, (size_t)lp);
        if (lq) memcpy(d + lp, q, (size_t)lq);
        exec_strbuild_commit(&sb, lp + lq);
    }
    *out = exec_strbuild_finish(&sb);
    return *out ? APHX_OK : oom(err);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */
/* ------------------------------------------------------------------ */
/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar
 * arithmetic with 400-year eras). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ------------------------------------------------------------------ */
/* Formatting and parsing                                              */
/* ------------------------------------------------------------------ */
static void format_double(double v, aphx_buf *out)
{
    if (isnan(v)) { aphx_buf_puts(out, "NaN"); return; }
    if (isinf(v)) { aphx_buf_puts(out, v > 0 ? "Infinity" : "-Infinity"); return; }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    aphx_buf_puts(out, tmp);
}

static void format_i128(__int128 v, int32_t scale, aphx_buf *out)
{
    char digits[64];
    int nd = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        digits[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (nd <= scale) digits[nd++] = '0';
    if (neg) aphx_buf_putc(out, '-');
    for (int i = nd - 1; i >= 0; i--) {
        aphx_buf_putc(out, digits[i]);
        if (i == scale && scale > 0) aphx_buf_putc(out, '.');
    }
}

void exec_format_value(const exec_vec *v, int64_t i, aphx_buf *out)
{
    int64_t j = exec_vec_idx(v, i);
    switch (v->type.id) {
    case ARROW_BOOL:
        aphx_buf_puts(out, arrow_bit_get(v->values, j) ? "true" : "false");
        break;
    case ARROW_INT64:
        aphx_buf_printf(out, "%lld", (long long)((const int64_t *)v->values)[j]);
        break;
    case ARROW_FLOAT64:
        format_double(((const double *)v->values)[j], out);
        break;
    case ARROW_DECIMAL128:
        format_i128(((const __int128 *)v->values)[j], v->type.scale, out);
        break;
    case ARROW_UTF8: case ARROW_BINARY: {
        const uint8_t *p;
        int64_t len;
        exec_vec_str(v, i, &p, &len);
        aphx_buf_append(out, p, (size_t)len);
        break;
    }
    case ARROW_DATE32: {
        int64_t y, m, d;
        civil_from_days(((const int32_t *)v->values)[j], &y, &m, &d);
        aphx_buf_printf(out, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
        break;
    }
    case ARROW_TIMESTAMP: {
        int64_t us = ((const int64_t *)v->values)[j];
        int64_t days = floor_div(us, 86400000000LL);
        int64_t rem = us - days * 86400000000LL, y, m, d;
        civil_from_days(days, &y, &m, &d);
        int64_t secs = rem / 1000000, frac = rem % 1000000;
        aphx_buf_printf(out, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", (long long)y,
                        (long long)m, (long long)d, (long long)(secs / 3600),
                        (long long)(secs / 60 % 60), (long long)(secs % 60));
        if (frac) {
            char f[8];
            snprintf(f, sizeof f, "%06lld", (long long)frac);
            int k = 6;
            while (k > 0 && f[k - 1] == '0') f[--k] = 0;
            aphx_buf_printf(out, ".%s", f);
        }
        break;
    }
    default:
        aphx_buf_puts(out, "?");
        break;
    }
}

static __int128 pow10_i128(int32_t e)
{
    __int128 r = 1;
    for (int32_t i = 0; i < e; i++) r *= 10;
    return r;
}

static bool parse_int_digits(const uint8_t **pp, const uint8_t *end, int64_t *v, int *ndig)
{
    const uint8_t *p = *pp;
    uint64_t acc = 0;
    bool ovf = false;
    *ndig = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (acc > (UINT64_MAX - 9) / 10) ovf = true;
        acc = acc * 10 + (uint64_t)(*p - '0');
        p++;
        (*ndig)++;
    }
    *pp = p;
    *v = (int64_t)acc;
    return !ovf && acc <= (uint64_t)INT64_MAX + 1;
}

aphx_rc exec_parse_value(const uint8_t *p, int64_t len, exec_type t, exec_scalar *out,
                         aphx_error *err)
{
    const uint8_t *s = p, *end = p + len;
    while (s < end && isspace(*s)) s++;
    while (end > s && isspace(end[-1])) end--;
    int64_t n = end - s;
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (t.id) {
    case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64: {
        const uint8_t *q = s;
        bool neg = false;
        if (q < end && (*q == '+' || *q == '-')) neg = *q++ == '-';
        int64_t v;
        int nd;
        bool ok = parse_int_digits(&q, end, &v, &nd);
        if (nd == 0 || q != end) goto bad_text;
        uint64_t u = (uint64_t)v;
        if (!ok || (!neg && u > (uint64_t)INT64_MAX) || (neg && u > (uint64_t)INT64_MAX + 1))
            goto out_of_range;
        out->v.i = neg ? (int64_t)(0 - u) : (int64_t)u;
        int64_t lo = t.id == ARROW_INT8 ? INT8_MIN : t.id == ARROW_INT16 ? INT16_MIN
                   : t.id == ARROW_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = t.id == ARROW_INT8 ? INT8_MAX : t.id == ARROW_INT16 ? INT16_MAX
                   : t.id == ARROW_INT32 ? INT32_MAX : INT64_MAX;
        if (out->v.i < lo || out->v.i > hi) goto out_of_range;
        return APHX_OK;
    }
    case ARROW_FLOAT32: case ARROW_FLOAT64: {
        char tmp[128];
        if (n == 0 || n >= (int64_t)sizeof tmp) goto bad_text;
        memcpy(tmp, s, (size_t)n);
        tmp[n] = 0;
        char *e;
        if (!strcasecmp(tmp, "infinity") || !strcasecmp(tmp, "+infinity")) out->v.f = INFINITY;
        else if (!strcasecmp(tmp, "-infinity")) out->v.f = -INFINITY;
        else if (!strcasecmp(tmp, "nan")) out->v.f = NAN;
        else {
            out->v.f = strtod(tmp, &e);
            if (*e || isnan(out->v.f) || isinf(out->v.f)) {
                if (*e) goto bad_text;
                goto out_of_range;
            }
        }
        return APHX_OK;
    }
    case ARROW_DECIMAL128: {
        const uint8_t *q = s;
        bool neg = false, any = false;
        if (q < end && (*q == '+' || *q == '-')) neg = *q++ == '-';
        __int128 v = 0;
        int32_t frac = 0;
        bool seen_dot = false, round_up = false, rounded = false;
        for (; q < end; q++) {
            if (*q == '.' && !seen_dot) { seen_dot = true; continue; }
            if (*q < '0' || *q > '9') goto bad_text;
            any = true;
            if (seen_dot && frac >= t.scale) {
                if (!rounded) { round_up = *q >= '5'; rounded = true; }
                continue;
            }
            if (v >= pow10_i128(37)) goto out_of_range;   /* keeps v * 10 + 9 < 10^38 */
            v = v * 10 + (*q - '0');
            if (seen_dot) frac++;
        }
        if (!any) goto bad_text;
        if (v > 0 && v >= pow10_i128(38 - (t.scale - frac))) goto out_of_range;
        v *= pow10_i128(t.scale - frac);
        if (round_up) v++;
        if (v >= pow10_i128(t.precision)) goto out_of_range;
        out->v.dec = neg ? -v : v;
        return APHX_OK;
    }
    case ARROW_BOOL: {
        static const char *yes[] = {"t", "true", "y", "yes", "on", "1"};
        static const char *no[] = {"f", "false", "n", "no", "off", "0"};
        for (size_t k = 0; k < APHX_ARRAY_LEN(yes); k++) {
            if ((int64_t)strlen(yes[k]) == n && !strncasecmp((const char *)s, yes[k], (size_t)n)) {
                out->v.b = true;
                return APHX_OK;
            }
            if ((int64_t)strlen(no[k]) == n && !strncasecmp((const char *)s, no[k], (size_t)n)) {
                out->v.b = false;
                return APHX_OK;
            }
        }
        goto bad_text;
    }
    case ARROW_DATE32: case ARROW_TIMESTAMP: {
        int64_t y, mo, d, hh = 0, mi = 0, ss = 0, us = 0;
        int nd;
        const uint8_t *q = s;
        if (!parse_int_digits(&q, end, &y, &nd) || nd == 0 || q >= end || *q++ != '-') goto bad_date;
        if (!parse_int_digits(&q, end, &mo, &nd) || nd == 0 || q >= end || *q++ != '-') goto bad_date;
        if (!parse_int_digits(&q, end, &d, &nd) || nd == 0) goto bad_date;
        if (q < end && (*q == ' ' || *q == 'T')) {
            q++;
            if (!parse_int_digits(&q, end, &hh, &nd) || nd == 0 || q >= end || *q++ != ':') goto bad_date;
            if (!parse_int_digits(&q, end, &mi, &nd) || nd == 0) goto bad_date;
            if (q < end && *q == ':') {
                q++;
                if (!parse_int_digits(&q, end, &ss, &nd) || nd == 0) goto bad_date;
                if (q < end && *q == '.') {
                    q++;
                    int64_t scale = 100000;
                    while (q < end && *q >= '0' && *q <= '9') {
                        us += (*q++ - '0') * scale;
                        scale /= 10;
                    }
                }
            }
            if (t.id == ARROW_DATE32 && (hh || mi || ss || us)) goto bad_date;
        }
        if (q != end) goto bad_date;
        if (y > 294276 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || hh > 23 || mi > 59 ||
            ss > 59)
            return exec_sql_fail(err, APHX_INVALID, "22008", "date/time field value out of range: \"%.*s\"",
                                 (int)len, (const char *)p);
        int64_t days = days_from_civil(y, mo, d);
        if (t.id == ARROW_DATE32) out->v.i = days;
        else out->v.i = ((days * 24 + hh) * 60 + mi) * 60000000LL + ss * 1000000LL + us;
        return APHX_OK;
    }
    case ARROW_UTF8:
        out->v.s.ptr = (const char *)p;
        out->v.s.len = len;
        return APHX_OK;
    default:
        return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000", "cast from text to %s not supported yet",
                             arrow_type_name(t.id));
    }
bad_text:
    return exec_sql_fail(err, APHX_INVALID, "22P02", "invalid input syntax for type %s: \"%.*s\"",
                         arrow_type_name(t.id), (int)(len > 200 ? 200 : len), (const char *)p);
bad_date:
    return exec_sql_fail(err, APHX_INVALID, "22007", "invalid input syntax for type %s: \"%.*s\"",
                         arrow_type_name(t.id), (int)(len > 200 ? 200 : len), (const char *)p);
out_of_range:
    return exec_sql_fail(err, APHX_OVERFLOW, "22003", "value \"%.*s\" is out of range for type %s",
                         (int)(len > 200 ? 200 : len), (const char *)p, arrow_type_name(t.id));
}

/* ------------------------------------------------------------------ */
/* CAST                                                                */
/* ------------------------------------------------------------------ */
static int32_t width_of(arrow_type_id id)
{
    switch (id) {
    case ARROW_INT8: return 1;
    case ARROW_INT16: return 2;
    case ARROW_INT32: case ARROW_FLOAT32: case ARROW_DATE32: return 4;
    case ARROW_DECIMAL128: return 16;
    default: return 8;
    }
}

static bool int_fits(arrow_type_id id, int64_t v)
{
    switch (id) {
    case ARROW_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case ARROW_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case ARROW_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
    }
}

static void store_int(uint8_t *d, arrow_type_id id, int64_t i, int64_t v)
{
    switch (id) {
    case ARROW_INT8: ((int8_t *)d)[i] = (int8_t)v; break;
    case ARROW_INT16: ((int16_t *)d)[i] = (int16_t)v; break;
    case ARROW_INT32: case ARROW_DATE32: ((int32_t *)d)[i] = (int32_t)v; break;
    default: ((int64_t *)d)[i] = v; break;
    }
}

/* Round half away from zero: unscaled decimal v with `from` digits after
 * the point, to `to` digits. */
static __int128 rescale(__int128 v, int32_t from, int32_t to)
{
    if (to >= from) return v * pow10_i128(to - from);
    __int128 p = pow10_i128(from - to), q = v / p, r = v % p;
    if (r * 2 >= p) q++;
    else if (r * 2 <= -p) q--;
    return q;
}

/* One value: source row i of a to scalar-ish raw output. Returns a rc. */
aphx_rc exec_kernel_cast(exec_ctx *ctx, const exec_vec *a, exec_type to, int64_t n,
                         arrow_array **out, aphx_error *err)
{
    *out = NULL;
    arrow_type_id from = a->type.id;
    if (a->all_null) {
        *out = exec_array_nulls(to, n);
        return *out ? APHX_OK : oom(err);
    }
    bool no_mem = false;
    aphx_rc rc = APHX_OK;
    aphx_buf text;
    aphx_buf_init(&text);
    if (to.id == ARROW_UTF8) {
        exec_strbuild sb;
        if (!exec_strbuild_init(&sb, n, n * 8)) return oom(err);
        for (int64_t i = 0; i < n; i++) {
            if (!exec_vec_valid(a, i)) {
                exec_strbuild_null(&sb);
                continue;
            }
            aphx_buf_reset(&text);
            exec_format_value(a, i, &text);
            exec_strbuild_append(&sb, text.data ? text.data : "", (int64_t)text.len);
        }
        aphx_buf_free(&text);
        *out = exec_strbuild_finish(&sb);
        return *out ? APHX_OK : oom(err);
    }
    arrow_buffer *valid = exec_valid_copy(a, n, &no_mem);
    if (no_mem) return oom(err);
    arrow_array *r = exec_array_fixed(to, n, false);
    if (!r) {
        arrow_buffer_unref(valid);
        return oom(err);
    }
    r->buffers[0] = valid;
    r->null_count = valid ? -1 : 0;
    uint8_t *d = exec_values(r);
    memset(d, 0, (size_t)r->buffers[1]->size);
    bool is_int_to = exec_is_int(to.id);
    for (int64_t i = 0; i < n && !rc; i++) {
        if (!exec_vec_valid(a, i)) continue;
        int64_t j = exec_vec_idx(a, i);
        int64_t iv = 0;
        double fv = 0;
        __int128 dv = 0;
        bool bv = false;
        /* Read the source into the widest form the target needs. */
        switch (from) {
        case ARROW_INT64: iv = ((const int64_t *)a->values)[j]; fv = (double)iv; dv = iv; bv = iv != 0; break;
        case ARROW_TIMESTAMP: iv = ((const int64_t *)a->values)[j]; break;
        case ARROW_DATE32: iv = ((const int32_t *)a->values)[j]; break;
        case ARROW_FLOAT64: fv = ((const double *)a->values)[j]; bv = fv != 0; break;
        case ARROW_BOOL: bv = arrow_bit_get(a->values, j); iv = bv; fv = bv; dv = bv; break;
        case ARROW_DECIMAL128:
            dv = ((const __int128 *)a->values)[j];
            fv = (double)dv / (double)pow10_i128(a->type.scale);
            bv = dv != 0;
            break;
        case ARROW_UTF8: {
            const uint8_t *p;
            int64_t len;
            exec_vec_str(a, i, &p, &len);
            exec_scalar s;
            exec_type pt = to;
            if (is_int_to) pt = exec_type_of(ARROW_INT64);
            if (to.id == ARROW_FLOAT32) pt = exec_type_of(ARROW_FLOAT64);
            rc = exec_parse_value(p, len, pt, &s, err);
            if (rc) break;
            if (is_int_to || to.id == ARROW_DATE32 || to.id == ARROW_TIMESTAMP) iv = s.v.i;
            else if (to.id == ARROW_FLOAT64 || to.id == ARROW_FLOAT32) fv = s.v.f;
            else if (to.id == ARROW_DECIMAL128) dv = s.v.dec;
            else if (to.id == ARROW_BOOL) bv = s.v.b;
            if (is_int_to && !int_fits(to.id, iv)) {
                rc = exec_sql_fail(err, APHX_OVERFLOW, "22003", "value \"%.*s\" out of range for %s",
                                   (int)len, (const char *)p, arrow_type_name(to.id));
                break;
            }
            if (is_int_to) { store_int(d, to.id, i, iv); continue; }
            switch (to.id) {
            case ARROW_FLOAT64: ((double *)d)[i] = fv; break;
            case ARROW_FLOAT32: ((float *)d)[i] = (float)fv; break;
            case ARROW_DECIMAL128: ((__int128 *)d)[i] = dv; break;
            case ARROW_BOOL: if (bv) d[i >> 3] |= (uint8_t)(1u << (i & 7)); break;
            case ARROW_DATE32: ((int32_t *)d)[i] = (int32_t)iv; break;
            case ARROW_TIMESTAMP: ((int64_t *)d)[i] = iv; break;
            default: break;
            }
            continue;
        }
        default:
            break;
        }
        if (rc) break;
        bool ok = true;
        switch (to.id) {
        case ARROW_INT8: case ARROW_INT16: case ARROW_INT32: case ARROW_INT64:
            if (from == ARROW_FLOAT64) {
                double rv = ctx->sqlite_compat ? trunc(fv) : round(fv);
                ok = !isnan(rv) && rv >= -9223372036854775808.0 && rv < 9223372036854775808.0;
                iv = ok ? (int64_t)rv : 0;
            } else if (from == ARROW_DECIMAL128) {
                __int128 q = rescale(dv, a->type.scale, 0);
                ok = q >= INT64_MIN && q <= INT64_MAX;
                iv = (int64_t)q;
            } else if (from != ARROW_INT64 && from != ARROW_BOOL) {
                rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to %s",
                                   arrow_type_name(from), arrow_type_name(to.id));
                break;
            }
            ok = ok && int_fits(to.id, iv);
            if (ok) store_int(d, to.id, i, iv);
            break;
        case ARROW_FLOAT64: case ARROW_FLOAT32:
            if (from == ARROW_DATE32 || from == ARROW_TIMESTAMP) {
                rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to %s",
                                   arrow_type_name(from), arrow_type_name(to.id));
                break;
            }
            if (to.id == ARROW_FLOAT64) ((double *)d)[i] = fv;
            else {
                ok = isnan(fv) || isinf(fv) || fabs(fv) <= 3.4028234663852886e38;
                ((float *)d)[i] = (float)fv;
            }
            break;
        case ARROW_DECIMAL128: {
            __int128 q;
            if (from == ARROW_FLOAT64) {
                double sc = fv * (double)pow10_i128(to.scale);
                ok = !isnan(sc) && fabs(sc) < 1e38;
                q = ok ? (__int128)round(sc) : 0;
            } else if (from == ARROW_DECIMAL128) {
                q = rescale(dv, a->type.scale, to.scale);
            } else if (from == ARROW_INT64 || from == ARROW_BOOL) {
                q = dv * pow10_i128(to.scale);
            } else {
                rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to decimal",
                                   arrow_type_name(from));
                break;
            }
            ok = ok && q < pow10_i128(to.precision) && q > -pow10_i128(to.precision);
            ((__int128 *)d)[i] = q;
            break;
        }
        case ARROW_BOOL:
            if (from == ARROW_DATE32 || from == ARROW_TIMESTAMP) {
                rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to boolean",
                                   arrow_type_name(from));
                break;
            }
            if (bv) d[i >> 3] |= (uint8_t)(1u << (i & 7));
            break;
        case ARROW_DATE32:
            if (from == ARROW_DATE32) ((int32_t *)d)[i] = (int32_t)iv;
            else if (from == ARROW_TIMESTAMP) ((int32_t *)d)[i] = (int32_t)floor_div(iv, 86400000000LL);
            else rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to date",
                                    arrow_type_name(from));
            break;
        case ARROW_TIMESTAMP:
            if (from == ARROW_TIMESTAMP) ((int64_t *)d)[i] = iv;
            else if (from == ARROW_DATE32) ((int64_t *)d)[i] = iv * 86400000000LL;
            else rc = exec_sql_fail(err, APHX_INVALID, "42846", "cannot cast %s to timestamp",
                                    arrow_type_name(from));
            break;
        default:
            rc = exec_sql_fail(err, APHX_UNSUPPORTED, "0A000", "cast to %s not supported yet",
                               arrow_type_name(to.id));
            break;
        }
        if (!rc && !ok) {
            aphx_buf_reset(&text);
            exec_format_value(a, i, &text);
            rc = exec_sql_fail(err, APHX_OVERFLOW, "22003", "value %s out of range for %s",
                               text.data ? text.data : "?", arrow_type_name(to.id));
        }
    }
    aphx_buf_free(&text);
    (void)width_of;
    if (rc) {
        arrow_array_unref(r);
        return rc;
    }
    *out = r;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* LIKE                                                                */
/* ------------------------------------------------------------------ */
enum { LIKE_CHAR, LIKE_ONE, LIKE_ANY };
typedef struct like_tok {
    uint8_t kind;
    uint8_t len;        /* bytes of the literal character */
    uint8_t bytes[4];
} like_tok;

typedef enum like_fast { LIKE_GENERIC, LIKE_EXACT, LIKE_PREFIX, LIKE_SUFFIX, LIKE_CONTAINS } like_fast;

struct exec_like_pattern {
    like_tok  *toks;
    int64_t    n;
    like_fast  fast;
    uint8_t   *lit;      /* literal bytes for the fast forms */
    int64_t    lit_len;
};

static int utf8_len(uint8_t c)
{
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) return 2;
    if ((c & 0xf0) == 0xe0) return 3;
    if ((c & 0xf8) == 0xf0) return 4;
    return 1;
}

exec_like_pattern *exec_like_compile(aphx_arena *arena, const uint8_t *p, int64_t len,
                                     int32_t escape, aphx_error *err)
{
    exec_like_pattern *pat = aphx_arena_calloc(arena, sizeof *pat);
    like_tok *toks = aphx_arena_alloc(arena, (size_t)(len + 1) * sizeof(like_tok));
    if (!pat || !toks) {
        oom(err);
        return NULL;
    }
    int64_t n = 0;
    for (int64_t i = 0; i < len;) {
        int l = utf8_len(p[i]);
        if (i + l > len) l = (int)(len - i);
        int32_t cp = p[i];
        if (l > 1) {
            cp = p[i] & (0x7f >> l);
            for (int k = 1; k < l; k++) cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (escape >= 0 && cp == escape) {
            i += l;
            if (i >= len) {
                exec_sql_fail(err, APHX_INVALID, "22025",
                              "LIKE pattern must not end with escape character");
                return NULL;
            }
            l = utf8_len(p[i]);
            if (i + l > len) l = (int)(len - i);
            like_tok t = {LIKE_CHAR, (uint8_t)l, {0}};
            memcpy(t.bytes, p + i, (size_t)l);
            toks[n++] = t;
            i += l;
            continue;
        }
        like_tok t = {LIKE_CHAR, (uint8_t)l, {0}};
        if (p[i] == '%') {
            t.kind = LIKE_ANY;
            if (n > 0 && toks[n - 1].kind == LIKE_ANY) { i++; continue; }
        } else if (p[i] == '_') {
            t.kind = LIKE_ONE;
        } else {
            memcpy(t.bytes, p + i, (size_t)l);
        }
        toks[n++] = t;
        i += l;
    }
    pat->toks = toks;
    pat->n = n;
    /* Fast forms: literal, literal%, %literal, %literal%. */
    int64_t first = 0, last = n;
    bool lead = n > 0 && toks[0].kind == LIKE_ANY, trail = n > 0 && toks[n - 1].kind == LIKE_ANY;
    if (lead) first++;
    if (trail && last > first) last--;
    bool plain = true;
    int64_t bytes = 0;
    for (int64_t k = first; k < last; k++) {
        if (toks[k].kind != LIKE_CHAR) plain = false;
        bytes += toks[k].len;
    }
    if (plain) {
        pat->lit = aphx_arena_alloc(arena, (size_t)bytes + 1);
        if (!pat->lit) {
            oom(err);
            return NULL;
        }
        for (int64_t k = first; k < last; k++) {
            memcpy(pat->lit + pat->lit_len, toks[k].bytes, toks[k].len);
            pat->lit_len += toks[k].len;
        }
        pat->fast = lead && trail ? LIKE_CONTAINS : lead ? LIKE_SUFFIX : trail ? LIKE_PREFIX : LIKE_EXACT;
        if (n == 1 && lead) pat->fast = LIKE_CONTAINS;   /* '%' alone */
    }
    return pat;
}

exec_like_pattern *exec_like_generic_copy(aphx_arena *arena, const exec_like_pattern *p)
{
    exec_like_pattern *c = aphx_arena_alloc(arena, sizeof *c);
    if (!c) return NULL;
    *c = *p;
    c->fast = LIKE_GENERIC;
    return c;
}

bool exec_like_match(const exec_like_pattern *pat, const uint8_t *s, int64_t len)
{
    switch (pat->fast) {
    case LIKE_EXACT:
        return len == pat->lit_len && (len == 0 || !memcmp(s, pat->lit, (size_t)len));
    case LIKE_PREFIX:
        return len >= pat->lit_len && !memcmp(s, pat->lit, (size_t)pat->lit_len);
    case LIKE_SUFFIX:
        return len >= pat->lit_len &&
               !memcmp(s + len - pat->lit_len, pat->lit, (size_t)pat->lit_len);
    case LIKE_CONTAINS:
        return pat->lit_len == 0 ||
               memmem(s, (size_t)len, pat->lit, (size_t)pat->lit_len) != NULL;
    default:
        break;
    }
    const like_tok *t = pat->toks;
    int64_t np = pat->n, si = 0, pi = 0, star_pi = -1, star_si = 0;
    /* A truncated UTF-8 sequence at the end counts as one character. */
#define NEXT_CHAR(i) ((i) + utf8_len(s[i]) <= len ? (i) + utf8_len(s[i]) : len)
    while (si < len) {
        if (pi < np && t[pi].kind == LIKE_ONE) {
            si = NEXT_CHAR(si);
            pi++;
        } else if (pi < np && t[pi].kind == LIKE_CHAR && si + t[pi].len <= len &&
                   !memcmp(s + si, t[pi].bytes, t[pi].len)) {
            si += t[pi].len;
            pi++;
        } else if (pi < np && t[pi].kind == LIKE_ANY) {
            star_pi = pi++;
            star_si = si;
        } else if (star_pi >= 0) {
            pi = star_pi + 1;
            star_si = NEXT_CHAR(star_si);
            si = star_si;
        } else {
            return false;
        }
    }
#undef NEXT_CHAR
    while (pi < np && t[pi].kind == LIKE_ANY) pi++;
    return pi == np;
}
