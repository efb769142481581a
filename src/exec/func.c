/*
 * func.c — the scalar function registry: each entry has a type checker
 * (run once when the planner builds the call: it sets the result type and
 * inserts casts) and a kernel that runs over whole argument columns.
 *
 * String functions count characters as UTF-8 code points; UPPER/LOWER
 * change ASCII letters only (other characters pass through unchanged — a
 * documented limitation until we carry Unicode case tables).
 */
#include "exec/exec_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

static aphx_rc fn_oom(aphx_error *err)
{
    return aphx_fail(err, APHX_NOMEM, "out of memory in a scalar function");
}

static exec_type canon_arg(const exec_expr *call, int32_t i)
{
    return exec_canon(call->args[i]->type);
}

static aphx_rc want(aphx_arena *arena, exec_expr *call, int32_t i, exec_type t, aphx_error *err)
{
    exec_type c = canon_arg(call, i);
    if (c.id == ARROW_NA || (c.id == t.id && (t.id != ARROW_DECIMAL128 || c.scale == t.scale)))
        return APHX_OK;
    exec_expr *x = exec_expr_cast(arena, call->args[i], t, err);
    if (!x) return err ? err->code : APHX_INVALID;
    call->args[i] = x;
    return APHX_OK;
}

static aphx_rc type_fail(exec_expr *call, aphx_error *err)
{
    aphx_buf b;
    aphx_buf_init(&b);
    for (int32_t i = 0; i < call->n_args; i++) {
        if (i) aphx_buf_puts(&b, ", ");
        exec_type_format(call->args[i]->type, &b);
    }
    exec_sql_fail(err, APHX_INVALID, "42883", "function %s(%s) does not exist", call->fn->name,
                  b.data ? b.data : "");
    aphx_buf_free(&b);
    return APHX_INVALID;
}

/* Any NULL argument makes the row NULL: the AND of all validities. */
static arrow_buffer *args_valid(const exec_vec *args, int32_t n_args, int64_t n, bool *oom,
                                bool *all_null)
{
    *all_null = false;
    arrow_buffer *acc = NULL;
    for (int32_t k = 0; k < n_args; k++) {
        if (args[k].all_null) {
            *all_null = true;
            arrow_buffer_unref(acc);
            return NULL;
        }
        if (args[k].scalar || !args[k].valid) continue;
        if (!acc) {
            acc = arrow_buffer_alloc((n + 7) / 8 + 1);
            if (!acc) {
                *oom = true;
                return NULL;
            }
            memcpy(acc->data, args[k].valid, (size_t)(n + 7) / 8);
        } else {
            for (int64_t j = 0; j < (n + 7) / 8; j++) acc->data[j] &= args[k].valid[j];
        }
    }
    return acc;
}

static bool row_ok(const exec_vec *args, int32_t n_args, int64_t i)
{
    for (int32_t k = 0; k < n_args; k++)
        if (!exec_vec_valid(&args[k], i)) return false;
    return true;
}

/* A fixed-width result with the arguments' combined validity. */
static aphx_rc fixed_result(exec_type t, const exec_vec *args, int32_t n_args, int64_t n,
                            arrow_array **out, bool *all_null, aphx_error *err)
{
    bool no_mem = false;
    arrow_buffer *v = args_valid(args, n_args, n, &no_mem, all_null);
    if (no_mem) return fn_oom(err);
    if (*all_null) {
        *out = exec_array_nulls(t, n);
        return *out ? APHX_OK : fn_oom(err);
    }
    *out = exec_array_fixed(t, n, false);
    if (!*out) {
        arrow_buffer_unref(v);
        return fn_oom(err);
    }
    (*out)->buffers[0] = v;
    (*out)->null_count = v ? -1 : 0;
    return APHX_OK;
}

static __int128 p10(int32_t e)
{
    __int128 r = 1;
    while (e-- > 0) r *= 10;
    return r;
}

/* ---- numeric ---- */
static aphx_rc check_numeric_same(aphx_arena *arena, exec_expr *call, aphx_error *err)
{
    exec_type t = canon_arg(call, 0);
    if (t.id == ARROW_NA) t = exec_type_of(ARROW_FLOAT64);
    if (!exec_is_numeric(t.id)) return type_fail(call, err);
    for (int32_t i = 1; i < call->n_args; i++) {
        if (!exec_is_int(canon_arg(call, i).id) && canon_arg(call, i).id != ARROW_NA)
            return type_fail(call, err);
    }
    call->type = t;
    return APHX_OK;
}

static aphx_rc check_float(aphx_arena *arena, exec_expr *call, aphx_error *err)
{
    for (int32_t i = 0; i < call->n_args; i++) {
        exec_type t = canon_arg(call, i);
        if (t.id != ARROW_NA && !exec_is_numeric(t.id)) return type_fail(call, err);
        aphx_rc rc = want(arena, call, i, exec_type_of(ARROW_FLOAT64), err);
        if (rc) return rc;
    }
    call->type = exec_type_of(ARROW_FLOAT64);
    return APHX_OK;
}

typedef enum num_fn { NUM_ABS, NUM_SIGN, NUM_FLOOR, NUM_CEIL, NUM_ROUND } num_fn;

static aphx_rc eval_num(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                        arrow_array **out, aphx_error *err, num_fn which)
{
    bool all_null;
    aphx_rc rc = fixed_result(call->type, args, call->n_args, n, out, &all_null, err);
    if (rc || all_null) return rc;
    const exec_vec *a = &args[0];
    int64_t digits = 0;
    bool per_row_digits = call->n_args > 1 && !args[1].scalar;
    if (call->n_args > 1 && !per_row_digits) digits = ((const int64_t *)args[1].values)[0];
    uint8_t *d = exec_values(*out);
    switch (call->type.id) {
    case ARROW_INT64: {
        const int64_t *x = a->values;
        int64_t *r = (int64_t *)d;
        for (int64_t i = 0; i < n; i++) {
            int64_t v = x[exec_vec_idx(a, i)];
            if (per_row_digits) digits = ((const int64_t *)args[1].values)[i];
            switch (which) {
            case NUM_ABS:
                if (v == INT64_MIN && exec_vec_valid(a, i)) {
                    arrow_array_unref(*out);
                    *out = NULL;
                    return exec_sql_fail(err, APHX_OVERFLOW, "22003", "bigint out of range in ABS");
                }
                r[i] = v < 0 ? -v : v;
                break;
            case NUM_SIGN: r[i] = (v > 0) - (v < 0); break;
            case NUM_ROUND:
                if (digits < 0 && digits > -19) {
                    int64_t p = 1;
                    for (int64_t k = 0; k < -digits; k++) p *= 10;
                    int64_t q = v / p, rem = v % p;
                    if (rem * 2 >= p) q++;
                    else if (rem * 2 <= -p) q--;
                    r[i] = q * p;
                } else r[i] = digits <= -19 ? 0 : v;
                break;
            default: r[i] = v; break;
            }
        }
        break;
    }
    case ARROW_FLOAT64: {
        const double *x = a->values;
        double *r = (double *)d;
        for (int64_t i = 0; i < n; i++) {
            double v = x[exec_vec_idx(a, i)];
            if (per_row_digits) digits = ((const int64_t *)args[1].values)[i];
            switch (which) {
            case NUM_ABS: r[i] = fabs(v); break;
            case NUM_SIGN: r[i] = (v > 0) - (v < 0); break;
            case NUM_FLOOR: r[i] = floor(v); break;
            case NUM_CEIL: r[i] = ceil(v); break;
            case NUM_ROUND:
                if (digits == 0) r[i] = round(v);
                else {
                    double p = pow(10.0, (double)digits);
                    r[i] = round(v * p) / p;
                    if (!isfinite(r[i])) r[i] = v;
                }
                break;
            }
        }
        break;
    }
    case ARROW_DECIMAL128: {
        const __int128 *x = a->values;
        __int128 *r = (__int128 *)d;
        int32_t s = call->type.scale;
        for (int64_t i = 0; i < n; i++) {
            __int128 v = x[exec_vec_idx(a, i)];
            if (per_row_digits) digits = ((const int64_t *)args[1].values)[i];
            __int128 unit = p10(s);
            switch (which) {
            case NUM_ABS: r[i] = v < 0 ? -v : v; break;
            case NUM_SIGN: r[i] = ((v > 0) - (v < 0)) * unit; break;
            case NUM_FLOOR: { __int128 q = v / unit; if (v % unit < 0) q--; r[i] = q * unit; break; }
            case NUM_CEIL: { __int128 q = v / unit; if (v % unit > 0) q++; r[i] = q * unit; break; }
            case NUM_ROUND: {
                int64_t drop = s - digits;
                if (drop <= 0) { r[i] = v; break; }
                if (drop > 38) { r[i] = 0; break; }
                __int128 p = p10((int32_t)drop), q = v / p, rem = v % p;
                if (rem * 2 >= p) q++;
                else if (rem * 2 <= -p) q--;
                r[i] = q * p;
                break;
            }
            }
        }
        break;
    }
    default:
        break;
    }
    return APHX_OK;
}

static aphx_rc eval_abs(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { return eval_num(c, e, a, n, o, err, NUM_ABS); }
static aphx_rc eval_sign(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { return eval_num(c, e, a, n, o, err, NUM_SIGN); }
static aphx_rc eval_floor(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { return eval_num(c, e, a, n, o, err, NUM_FLOOR); }
static aphx_rc eval_ceil(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { return eval_num(c, e, a, n, o, err, NUM_CEIL); }
static aphx_rc eval_round(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { return eval_num(c, e, a, n, o, err, NUM_ROUND); }

typedef enum flt_fn { FLT_SQRT, FLT_EXP, FLT_LN, FLT_POWER } flt_fn;

static aphx_rc eval_flt(const exec_expr *call, const exec_vec *args, int64_t n, arrow_array **out,
                        aphx_error *err, flt_fn which)
{
    bool all_null;
    aphx_rc rc = fixed_result(call->type, args, call->n_args, n, out, &all_null, err);
    if (rc || all_null) return rc;
    const double *x = args[0].values;
    double *r = (double *)exec_values(*out);
    for (int64_t i = 0; i < n; i++) {
        double v = x[exec_vec_idx(&args[0], i)];
        switch (which) {
        case FLT_SQRT: r[i] = sqrt(v); break;
        case FLT_EXP: r[i] = exp(v); break;
        case FLT_LN: r[i] = log(v); break;
        case FLT_POWER: r[i] = pow(v, ((const double *)args[1].values)[exec_vec_idx(&args[1], i)]); break;
        }
        if (!isfinite(r[i]) && isfinite(v) && row_ok(args, call->n_args, i)) {
            const char *state = which == FLT_SQRT ? "2201F" : which == FLT_LN ? "2201E"
                              : which == FLT_POWER ? "2201F" : "22003";
            arrow_array_unref(*out);
            *out = NULL;
            return exec_sql_fail(err, APHX_INVALID, state, "%s of %g is undefined or out of range",
                                 call->fn->name, v);
        }
        if ((which == FLT_SQRT && v < 0) || (which == FLT_LN && v <= 0)) {
            if (!row_ok(args, call->n_args, i)) continue;
            arrow_array_unref(*out);
            *out = NULL;
            return exec_sql_fail(err, APHX_INVALID, which == FLT_SQRT ? "2201F" : "2201E",
                                 "cannot take %s of %g", which == FLT_SQRT ? "square root" : "logarithm", v);
        }
    }
    return APHX_OK;
}

static aphx_rc eval_sqrt(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_flt(e, a, n, o, err, FLT_SQRT); }
static aphx_rc eval_exp(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_flt(e, a, n, o, err, FLT_EXP); }
static aphx_rc eval_ln(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_flt(e, a, n, o, err, FLT_LN); }
static aphx_rc eval_power(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_flt(e, a, n, o, err, FLT_POWER); }

static aphx_rc check_mod(aphx_arena *arena, exec_expr *call, aphx_error *err)
{
    exec_type a = canon_arg(call, 0), b = canon_arg(call, 1);
    if ((a.id != ARROW_NA && !exec_is_numeric(a.id)) || (b.id != ARROW_NA && !exec_is_numeric(b.id)))
        return type_fail(call, err);
    exec_type t = (a.id == ARROW_INT64 || a.id == ARROW_NA) && (b.id == ARROW_INT64 || b.id == ARROW_NA)
                      ? exec_type_of(ARROW_INT64) : exec_type_of(ARROW_FLOAT64);
    aphx_rc rc = want(arena, call, 0, t, err);
    if (!rc) rc = want(arena, call, 1, t, err);
    call->type = t;
    return rc;
}

static aphx_rc eval_mod(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                        arrow_array **out, aphx_error *err)
{
    return exec_kernel_arith(ctx, EXEC_MOD, call->type, &args[0], &args[1], n, out, err);
}

/* ---- strings ---- */
static int utf8_char_len(uint8_t c)
{
    return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static int64_t utf8_count(const uint8_t *p, int64_t len)
{
    int64_t n = 0;
    for (int64_t i = 0; i < len; i++) n += (p[i] & 0xc0) != 0x80;
    return n;
}

/* Byte offset of character index ci (0-based, clamped to len). */
static int64_t utf8_offset(const uint8_t *p, int64_t len, int64_t ci)
{
    int64_t i = 0;
    while (ci > 0 && i < len) {
        i += utf8_char_len(p[i]);
        ci--;
    }
    return i < len ? i : len;
}

static aphx_rc check_text_args(aphx_arena *arena, exec_expr *call, int32_t n_text, exec_type rt,
                               aphx_error *err)
{
    for (int32_t i = 0; i < call->n_args; i++) {
        exec_type t = canon_arg(call, i);
        exec_type w = i < n_text ? exec_type_of(ARROW_UTF8) : exec_type_of(ARROW_INT64);
        if (t.id == ARROW_NA) continue;
        if (i < n_text && t.id != ARROW_UTF8) return type_fail(call, err);
        if (i >= n_text && !exec_is_numeric(t.id)) return type_fail(call, err);
        aphx_rc rc = want(arena, call, i, w, err);
        if (rc) return rc;
    }
    call->type = rt;
    return APHX_OK;
}

static aphx_rc check_length(aphx_arena *a, exec_expr *c, aphx_error *err) { return check_text_args(a, c, 1, exec_type_of(ARROW_INT64), err); }
static aphx_rc check_text1(aphx_arena *a, exec_expr *c, aphx_error *err) { return check_text_args(a, c, c->n_args, exec_type_of(ARROW_UTF8), err); }
static aphx_rc check_substr(aphx_arena *a, exec_expr *c, aphx_error *err) { return check_text_args(a, c, 1, exec_type_of(ARROW_UTF8), err); }
static aphx_rc check_instr(aphx_arena *a, exec_expr *c, aphx_error *err) { return check_text_args(a, c, 2, exec_type_of(ARROW_INT64), err); }

static aphx_rc eval_length(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                           arrow_array **out, aphx_error *err)
{
    bool all_null;
    aphx_rc rc = fixed_result(call->type, args, 1, n, out, &all_null, err);
    if (rc || all_null) return rc;
    int64_t *r = (int64_t *)exec_values(*out);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p;
        int64_t len;
        exec_vec_str(&args[0], i, &p, &len);
        r[i] = utf8_count(p, len);
    }
    return APHX_OK;
}

static aphx_rc eval_instr(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                          arrow_array **out, aphx_error *err)
{
    bool all_null;
    aphx_rc rc = fixed_result(call->type, args, 2, n, out, &all_null, err);
    if (rc || all_null) return rc;
    int64_t *r = (int64_t *)exec_values(*out);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p, *q;
        int64_t lp, lq;
        exec_vec_str(&args[0], i, &p, &lp);
        exec_vec_str(&args[1], i, &q, &lq);
        const uint8_t *hit = lq == 0 ? p : memmem(p, (size_t)lp, q, (size_t)lq);
        r[i] = hit ? utf8_count(p, hit - p) + 1 : 0;
    }
    return APHX_OK;
}

typedef enum str_fn { STR_UPPER, STR_LOWER, STR_SUBSTR, STR_TRIM, STR_LTRIM, STR_RTRIM,
                      STR_REPLACE } str_fn;

static bool in_set(const uint8_t *set, int64_t set_len, const uint8_t *c, int cl)
{
    for (int64_t k = 0; k < set_len;) {
        int l = utf8_char_len(set[k]);
        if (l == cl && !memcmp(set + k, c, (size_t)cl)) return true;
        k += l;
    }
    return false;
}

static aphx_rc eval_str(const exec_expr *call, const exec_vec *args, int64_t n, arrow_array **out,
                        aphx_error *err, str_fn which)
{
    exec_strbuild sb;
    if (!exec_strbuild_init(&sb, n, n * 8)) return fn_oom(err);
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(args, call->n_args, i)) {
            exec_strbuild_null(&sb);
            continue;
        }
        const uint8_t *p;
        int64_t len;
        exec_vec_str(&args[0], i, &p, &len);
        switch (which) {
        case STR_UPPER: case STR_LOWER: {
            uint8_t *d = exec_strbuild_reserve(&sb, len);
            if (!d) break;
            for (int64_t k = 0; k < len; k++) {
                uint8_t c = p[k];
                d[k] = which == STR_UPPER ? (uint8_t)(c >= 'a' && c <= 'z' ? c - 32 : c)
                                          : (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            exec_strbuild_commit(&sb, len);
            break;
        }
        case STR_SUBSTR: {
            int64_t start = ((const int64_t *)args[1].values)[exec_vec_idx(&args[1], i)];
            int64_t count = INT64_MAX;
            if (call->n_args > 2) {
                count = ((const int64_t *)args[2].values)[exec_vec_idx(&args[2], i)];
                if (count < 0) {
                    exec_strbuild_free(&sb);
                    return exec_sql_fail(err, APHX_INVALID, "22011", "negative substring length not allowed");
                }
            }
            /* SQL: characters [start, start+count) with 1-based start. */
            int64_t first = start - 1, last;
            if (count == INT64_MAX || __builtin_add_overflow(first, count, &last)) last = INT64_MAX;
            if (first < 0) first = 0;
            if (last < first) last = first;
            int64_t b0 = utf8_offset(p, len, first);
            int64_t b1 = last == INT64_MAX ? len : utf8_offset(p, len, last);
            exec_strbuild_append(&sb, p + b0, b1 - b0);
            break;
        }
        case STR_TRIM: case STR_LTRIM: case STR_RTRIM: {
            const uint8_t *set = (const uint8_t *)" ";
            int64_t set_len = 1;
            if (call->n_args > 1) exec_vec_str(&args[1], i, &set, &set_len);
            int64_t b0 = 0, b1 = len;
            if (which != STR_RTRIM)
                while (b0 < b1 && in_set(set, set_len, p + b0, utf8_char_len(p[b0])))
                    b0 += utf8_char_len(p[b0]);
            if (which != STR_LTRIM)
                while (b1 > b0) {
                    int64_t k = b1 - 1;
                    while (k > b0 && (p[k] & 0xc0) == 0x80) k--;
                    if (!in_set(set, set_len, p + k, (int)(b1 - k))) break;
                    b1 = k;
                }
            exec_strbuild_append(&sb, p + b0, b1 - b0);
            break;
        }
        case STR_REPLACE: {
            const uint8_t *from, *to;
            int64_t lf, lt;
            exec_vec_str(&args[1], i, &from, &lf);
            exec_vec_str(&args[2], i, &to, &lt);
            if (lf == 0) {
                exec_strbuild_append(&sb, p, len);
                break;
            }
            int64_t hits = 0;
            for (const uint8_t *q = p; (q = memmem(q, (size_t)(p + len - q), from, (size_t)lf)); q += lf) hits++;
            int64_t total = len + hits * (lt - lf);
            uint8_t *d = exec_strbuild_reserve(&sb, total);
            if (!d) break;
            const uint8_t *q = p;
            int64_t w = 0;
            while (q < p + len) {
                const uint8_t *h = memmem(q, (size_t)(p + len - q), from, (size_t)lf);
                if (!h) {
                    memcpy(d + w, q, (size_t)(p + len - q));
                    w += p + len - q;
                    break;
                }
                memcpy(d + w, q, (size_t)(h - q));
                w += h - q;
                if (lt) memcpy(d + w, to, (size_t)lt);
                w += lt;
                q = h + lf;
            }
            exec_strbuild_commit(&sb, w);
            break;
        }
        }
    }
    *out = exec_strbuild_finish(&sb);
    return *out ? APHX_OK : fn_oom(err);
}

static aphx_rc eval_upper(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_UPPER); }
static aphx_rc eval_lower(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_LOWER); }
static aphx_rc eval_substr(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_SUBSTR); }
static aphx_rc eval_trim(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_TRIM); }
static aphx_rc eval_ltrim(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_LTRIM); }
static aphx_rc eval_rtrim(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_RTRIM); }
static aphx_rc eval_replace(exec_ctx *c, const exec_expr *e, const exec_vec *a, int64_t n, arrow_array **o, aphx_error *err) { (void)c; return eval_str(e, a, n, o, err, STR_REPLACE); }

/* ---- date/time ---- */
static int64_t statement_now_us(exec_ctx *ctx)
{
    if (ctx->now_us == 0) ctx->now_us = aphx_wall_ms() * 1000;
    return ctx->now_us;
}

static aphx_rc check_now(aphx_arena *a, exec_expr *c, aphx_error *err) { c->type = exec_type_of(ARROW_TIMESTAMP); return APHX_OK; }
static aphx_rc check_today(aphx_arena *a, exec_expr *c, aphx_error *err) { c->type = exec_type_of(ARROW_DATE32); return APHX_OK; }

static aphx_rc eval_now(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                        arrow_array **out, aphx_error *err)
{
    *out = exec_array_fixed(call->type, n, false);
    if (!*out) return fn_oom(err);
    int64_t us = statement_now_us(ctx);
    if (call->type.id == ARROW_TIMESTAMP) {
        for (int64_t i = 0; i < n; i++) ((int64_t *)exec_values(*out))[i] = us;
    } else {
        int64_t days = us / 86400000000LL - (us < 0 && us % 86400000000LL ? 1 : 0);
        for (int64_t i = 0; i < n; i++) ((int32_t *)exec_values(*out))[i] = (int32_t)days;
    }
    return APHX_OK;
}

static aphx_rc check_to_char(aphx_arena *arena, exec_expr *call, aphx_error *err)
{
    if (call->n_args > 1 && canon_arg(call, 1).id != ARROW_UTF8 && canon_arg(call, 1).id != ARROW_NA)
        return type_fail(call, err);
    call->type = exec_type_of(ARROW_UTF8);
    return APHX_OK;
}

/* TO_CHAR(value [, format]). Formats for dates/timestamps: YYYY MM DD HH24
 * HH MI SS MS US; other characters are copied. Numbers without a format
 * render as CAST(x AS VARCHAR); number formats are not supported yet. */
static aphx_rc eval_to_char(exec_ctx *ctx, const exec_expr *call, const exec_vec *args, int64_t n,
                            arrow_array **out, aphx_error *err)
{
    exec_type t = args[0].type;
    bool is_time = t.id == ARROW_DATE32 || t.id == ARROW_TIMESTAMP;
    if (call->n_args > 1 && !is_time)
        return exec_sql_fail(err, APHX_UNSUPPORTED, "0A000",
                             "TO_CHAR with a format for %s not supported yet", arrow_type_name(t.id));
    exec_strbuild sb;
    if (!exec_strbuild_init(&sb, n, n * 16)) return fn_oom(err);
    aphx_buf text, tmp;
    aphx_buf_init(&text);
    aphx_buf_init(&tmp);
    for (int64_t i = 0; i < n; i++) {
        if (!row_ok(args, call->n_args, i)) {
            exec_strbuild_null(&sb);
            continue;
        }
        aphx_buf_reset(&text);
        if (call->n_args == 1) {
            exec_format_value(&args[0], i, &text);
        } else {
            /* Render the canonical text form, then pick fields from it. */
            aphx_buf_reset(&tmp);
            exec_format_value(&args[0], i, &tmp);
            const char *s = tmp.data && tmp.len >= 10 ? tmp.data : "0000-00-00";
            /* "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" (years may be longer). */
            const char *dash = strchr(s + 1, '-');
            int ylen = dash ? (int)(dash - s) : 4;
            char us6[7] = "000000";
            const char *dot = strchr(s, '.');
            if (dot) for (int k = 0; k < 6 && dot[1 + k]; k++) us6[k] = dot[1 + k];
            bool has_time = strlen(s) > (size_t)ylen + 6;
            const char *hh = has_time ? s + ylen + 7 : "00:00:00";
            const uint8_t *f;
            int64_t fl;
            exec_vec_str(&args[1], i, &f, &fl);
            for (int64_t k = 0; k < fl;) {
                const char *fp = (const char *)f + k;
                int64_t left = fl - k;
                if (left >= 4 && !strncasecmp(fp, "YYYY", 4)) { aphx_buf_append(&text, s, (size_t)ylen); k += 4; }
                else if (left >= 4 && !strncasecmp(fp, "HH24", 4)) { aphx_buf_append(&text, hh, 2); k += 4; }
                else if (left >= 2 && !strncasecmp(fp, "MM", 2)) { aphx_buf_append(&text, s + ylen + 1, 2); k += 2; }
                else if (left >= 2 && !strncasecmp(fp, "DD", 2)) { aphx_buf_append(&text, s + ylen + 4, 2); k += 2; }
                else if (left >= 2 && !strncasecmp(fp, "HH", 2)) {
                    int h = atoi(hh) % 12;
                    aphx_buf_printf(&text, "%02d", h == 0 ? 12 : h);
                    k += 2;
                }
                else if (left >= 2 && !strncasecmp(fp, "MI", 2)) { aphx_buf_append(&text, hh + 3, 2); k += 2; }
                else if (left >= 2 && !strncasecmp(fp, "SS", 2)) { aphx_buf_append(&text, hh + 6, 2); k += 2; }
                else if (left >= 2 && !strncasecmp(fp, "MS", 2)) { aphx_buf_append(&text, us6, 3); k += 2; }
                else if (left >= 2 && !strncasecmp(fp, "US", 2)) { aphx_buf_append(&text, us6, 6); k += 2; }
                else { aphx_buf_putc(&text, *fp); k++; }
            }
        }
        exec_strbuild_append(&sb, text.data ? text.data : "", (int64_t)text.len);
    }
    aphx_buf_free(&text);
    aphx_buf_free(&tmp);
    *out = exec_strbuild_finish(&sb);
    return *out ? APHX_OK : fn_oom(err);
}

/* ---- registry ---- */
static const exec_function registry[] = {
    {"ABS", 1, 1, check_numeric_same, eval_abs},
    {"SIGN", 1, 1, check_numeric_same, eval_sign},
    {"FLOOR", 1, 1, check_numeric_same, eval_floor},
    {"CEIL", 1, 1, check_numeric_same, eval_ceil},
    {"CEILING", 1, 1, check_numeric_same, eval_ceil},
    {"ROUND", 1, 2, check_numeric_same, eval_round},
    {"SQRT", 1, 1, check_float, eval_sqrt},
    {"EXP", 1, 1, check_float, eval_exp},
    {"LN", 1, 1, check_float, eval_ln},
    {"POWER", 2, 2, check_float, eval_power},
    {"POW", 2, 2, check_float, eval_power},
    {"MOD", 2, 2, check_mod, eval_mod},
    {"LENGTH", 1, 1, check_length, eval_length},
    {"CHAR_LENGTH", 1, 1, check_length, eval_length},
    {"UPPER", 1, 1, check_text1, eval_upper},
    {"LOWER", 1, 1, check_text1, eval_lower},
    {"SUBSTR", 2, 3, check_substr, eval_substr},
    {"SUBSTRING", 2, 3, check_substr, eval_substr},
    {"TRIM", 1, 2, check_text1, eval_trim},
    {"LTRIM", 1, 2, check_text1, eval_ltrim},
    {"RTRIM", 1, 2, check_text1, eval_rtrim},
    {"REPLACE", 3, 3, check_text1, eval_replace},
    {"INSTR", 2, 2, check_instr, eval_instr},
    {"NOW", 0, 0, check_now, eval_now},
    {"CURRENT_TIMESTAMP", 0, 0, check_now, eval_now},
    {"CURRENT_DATE", 0, 0, check_today, eval_now},
    {"TO_CHAR", 1, 2, check_to_char, eval_to_char},
};

const exec_function *exec_function_find(const char *name)
{
    for (size_t i = 0; i < APHX_ARRAY_LEN(registry); i++)
        if (!strcasecmp(registry[i].name, name)) return &registry[i];
    return NULL;
}
