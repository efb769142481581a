/*
 * exec_test_util.h — small helpers for the executor and storage tests:
 * build batches from text ("1,NULL,3"), render arrays and batches back to
 * text ("1,a;2,b" = rows separated by ';', columns by ','), evaluate an
 * expression over a batch, and collect an operator's whole output.
 *
 * Column specs: "name:type" with type one of i64 i32 f64 str bool date dec(p,s);
 * values: comma-separated, NULL for null, '' for the empty string, dates
 * as YYYY-MM-DD (parsed by CAST), decimals as text.
 */
#ifndef EXEC_TEST_UTIL_H
#define EXEC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec/exec.h"

typedef struct tbatch {
    arrow_schema schema;
    arrow_batch *batch;
} tbatch;

static inline int64_t tu_days(const char *s)
{
    int y, m, d;
    sscanf(s, "%d-%d-%d", &y, &m, &d);
    /* days from civil */
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline void tu_field(arrow_field *f, const char *spec)
{
    char name[64], type[32];
    const char *colon = strchr(spec, ':');
    assert_non_null(colon);
    snprintf(name, sizeof name, "%.*s", (int)(colon - spec), spec);
    snprintf(type, sizeof type, "%s", colon + 1);
    arrow_type_id id = ARROW_INT64;
    int p = 0, s = 0;
    if (!strcmp(type, "i64")) id = ARROW_INT64;
    else if (!strcmp(type, "i32")) id = ARROW_INT32;
    else if (!strcmp(type, "f64")) id = ARROW_FLOAT64;
    else if (!strcmp(type, "str")) id = ARROW_UTF8;
    else if (!strcmp(type, "bool")) id = ARROW_BOOL;
    else if (!strcmp(type, "date")) id = ARROW_DATE32;
    else if (sscanf(type, "dec(%d;%d)", &p, &s) == 2) id = ARROW_DECIMAL128;
    else fail_msg("bad type %s", type);
    assert_int_equal(arrow_field_init(f, name, id, true), APHX_OK);
    if (id == ARROW_DECIMAL128) {
        f->type.precision = p;
        f->type.scale = s;
        f->type.byte_width = 16;
    }
}

static inline arrow_array *tu_column(const arrow_field *f, const char *values)
{
    arrow_builder *b = arrow_builder_new(f);
    assert_non_null(b);
    char *copy = strdup(values), *save = NULL;
    for (char *tok = *values ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "NULL")) {
            assert_int_equal(arrow_builder_append_null(b), APHX_OK);
            continue;
        }
        aphx_rc rc = APHX_OK;
        switch (f->type.id) {
        case ARROW_INT64: case ARROW_INT32: rc = arrow_builder_append_int(b, strtoll(tok, NULL, 10)); break;
        case ARROW_FLOAT64: rc = arrow_builder_append_double(b, strtod(tok, NULL)); break;
        case ARROW_BOOL: rc = arrow_builder_append_bool(b, tok[0] == 't'); break;
        case ARROW_DATE32: rc = arrow_builder_append_int(b, tu_days(tok)); break;
        case ARROW_UTF8:
            if (!strcmp(tok, "''")) rc = arrow_builder_append_bytes(b, "", 0);
            else rc = arrow_builder_append_bytes(b, tok, (int64_t)strlen(tok));
            break;
        case ARROW_DECIMAL128: {
            exec_scalar sc;
            exec_type t = exec_type_decimal(f->type.precision, f->type.scale);
            extern aphx_rc exec_parse_value(const uint8_t *, int64_t, exec_type, exec_scalar *, aphx_error *);
            assert_int_equal(exec_parse_value((const uint8_t *)tok, (int64_t)strlen(tok), t, &sc, NULL), APHX_OK);
            rc = arrow_builder_append_bytes(b, &sc.v.dec, 16);
            break;
        }
        default: fail_msg("type");
        }
        assert_int_equal(rc, APHX_OK);
    }
    free(copy);
    arrow_array *a = arrow_builder_finish(b, NULL);
    assert_non_null(a);
    arrow_builder_free(b);
    return a;
}

/* tb_new("a:i64,b:str", "1,2,3", "x,y,z") */
static inline tbatch *tb_new(const char *specs, ...)
{
    tbatch *t = calloc(1, sizeof *t);
    char *copy = strdup(specs), *save = NULL;
    int32_t n = 0;
    for (const char *p = specs; *p; p++) n += *p == ',';
    n += *specs ? 1 : 0;
    assert_int_equal(arrow_schema_init(&t->schema, n), APHX_OK);
    int32_t i = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
        arrow_field_free(&t->schema.fields[i]);
        tu_field(&t->schema.fields[i], tok);
    }
    free(copy);
    va_list ap;
    va_start(ap, specs);
    int64_t len = -1;
    arrow_array **cols = calloc((size_t)n + 1, sizeof *cols);
    for (i = 0; i < n; i++) {
        cols[i] = tu_column(&t->schema.fields[i], va_arg(ap, const char *));
        if (len < 0) len = cols[i]->length;
        assert_int_equal(cols[i]->length, len);
    }
    va_end(ap);
    t->batch = arrow_batch_new(&t->schema, len < 0 ? 0 : len);
    for (i = 0; i < n; i++) t->batch->columns[i] = cols[i];
    free(cols);
    return t;
}

static inline void tb_free(tbatch *t)
{
    if (!t) return;
    arrow_batch_free(t->batch);
    arrow_schema_free(&t->schema);
    free(t);
}

/* Rendered text lives in a rotating static pool so asserts can compare. */
static inline char *tu_keep(aphx_buf *b)
{
    static char *pool[64];
    static int next;
    free(pool[next]);
    pool[next] = strdup(b->data ? b->data : "");
    char *r = pool[next];
    next = (next + 1) % 64;
    aphx_buf_free(b);
    return r;
}

static inline char *tu_render_array(const arrow_field *f, const arrow_array *a)
{
    aphx_buf b;
    aphx_buf_init(&b);
    for (int64_t i = 0; i < a->length; i++) {
        if (i) aphx_buf_putc(&b, ',');
        if (arrow_array_is_null(f, a, i)) aphx_buf_puts(&b, "NULL");
        else arrow_array_format_value(f, a, i, false, &b);
    }
    return tu_keep(&b);
}

static inline char *tu_render_batch(const arrow_batch *t)
{
    aphx_buf b;
    aphx_buf_init(&b);
    for (int64_t i = 0; i < t->length; i++) {
        if (i) aphx_buf_putc(&b, ';');
        for (int32_t c = 0; c < t->n_columns; c++) {
            if (c) aphx_buf_putc(&b, ',');
            const arrow_field *f = &t->schema->fields[c];
            if (arrow_array_is_null(f, t->columns[c], i)) aphx_buf_puts(&b, "NULL");
            else arrow_array_format_value(f, t->columns[c], i, false, &b);
        }
    }
    return tu_keep(&b);
}

/* Evaluate e over t; returns the rendering, or "ERROR <sqlstate>". */
static inline char *tu_eval_ctx(exec_ctx *ctx, tbatch *t, exec_expr *e)
{
    assert_non_null(e);
    aphx_arena scratch;
    aphx_arena_init(&scratch, 4096);
    arrow_array *r = NULL;
    aphx_error err;
    aphx_error_clear(&err);
    aphx_rc rc = exec_expr_eval(e, ctx, t->batch, &scratch, &r, &err);
    aphx_arena_destroy(&scratch);
    if (rc) {
        char st[6];
        aphx_buf b;
        aphx_buf_init(&b);
        aphx_buf_printf(&b, "ERROR %s", exec_sqlstate(&err, st));
        return tu_keep(&b);
    }
    assert_int_equal(r->length, t->batch->length);
    arrow_field f;
    assert_int_equal(exec_type_to_field(e->type, "r", true, &f), APHX_OK);
    aphx_error verr;
    if (arrow_array_validate(&f, r, true, &verr)) fail_msg("invalid result: %s", verr.msg);
    char *s = tu_render_array(&f, r);
    arrow_field_free(&f);
    arrow_array_unref(r);
    return s;
}

static inline char *tu_eval(tbatch *t, exec_expr *e)
{
    exec_ctx ctx;
    exec_ctx_init(&ctx);
    return tu_eval_ctx(&ctx, t, e);
}

/* Collect op's output (and free op): rendering or "ERROR <sqlstate>". */
static inline char *tu_run(exec_op *op)
{
    assert_non_null(op);
    arrow_batch *b = NULL;
    aphx_error err;
    aphx_error_clear(&err);
    aphx_rc rc = exec_op_collect(op, &b, &err);
    char *s;
    if (rc) {
        char st[6];
        aphx_buf buf;
        aphx_buf_init(&buf);
        aphx_buf_printf(&buf, "ERROR %s", exec_sqlstate(&err, st));
        s = tu_keep(&buf);
    } else {
        aphx_error verr;
        if (arrow_batch_validate(b, true, &verr)) fail_msg("invalid batch: %s", verr.msg);
        s = tu_render_batch(b);
        arrow_batch_free(b);
    }
    exec_op_free(op);
    return s;
}

#endif /* EXEC_TEST_UTIL_H */
