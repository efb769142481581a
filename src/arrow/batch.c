/*
 * batch.c — record batches: a borrowed schema plus one array per field, all
 * of the same length. Creation, free, zero-copy slicing, validation and
 * value equality (delegating to the array functions per column).
 */
#include "arrow/arrow.h"

#include <string.h>

arrow_batch *arrow_batch_new(const arrow_schema *schema, int64_t length)
{
    arrow_batch *b = aphx_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->schema = schema;
    b->length = length;
    b->n_columns = schema->n_fields;
    if (b->n_columns > 0) {
        b->columns = aphx_calloc((size_t)b->n_columns, sizeof(arrow_array *));
        if (!b->columns) {
            aphx_free(b);
            return NULL;
        }
    }
    return b;
}

void arrow_batch_free(arrow_batch *b)
{
    if (!b) return;
    for (int32_t i = 0; i < b->n_columns; i++) arrow_array_unref(b->columns[i]);
    aphx_free(b->columns);
    aphx_free(b);
}

arrow_batch *arrow_batch_slice(const arrow_batch *b, int64_t offset, int64_t length)
{
    if (offset < 0 || length < 0 || offset > b->length || length > b->length - offset)
        return NULL;
    arrow_batch *s = arrow_batch_new(b->schema, length);
    if (!s) return NULL;
    for (int32_t i = 0; i < b->n_columns; i++) {
        if (!b->columns[i]) continue;
        s->columns[i] = arrow_array_slice(b->columns[i], offset, length);
        if (!s->columns[i]) {
            arrow_batch_free(s);
            return NULL;
        }
    }
    return s;
}

aphx_rc arrow_batch_validate(const arrow_batch *b, bool check_utf8, aphx_error *err)
{
    if (!b->schema) return aphx_fail(err, APHX_CORRUPT, "record batch has no schema");
    if (b->n_columns != b->schema->n_fields)
        return aphx_fail(err, APHX_CORRUPT, "record batch has %d columns, schema has %d fields",
                         b->n_columns, b->schema->n_fields);
    if (b->length < 0)
        return aphx_fail(err, APHX_CORRUPT, "record batch length %lld is negative",
                         (long long)b->length);
    for (int32_t i = 0; i < b->n_columns; i++) {
        const arrow_field *f = &b->schema->fields[i];
        const arrow_array *a = b->columns[i];
        if (!a) return aphx_fail(err, APHX_CORRUPT, "column '%s': missing array", f->name);
        if (a->length != b->length)
            return aphx_fail(err, APHX_CORRUPT,
                             "column '%s': length %lld differs from the batch length %lld",
                             f->name, (long long)a->length, (long long)b->length);
        aphx_rc rc = arrow_array_validate(f, a, check_utf8, err);
        if (rc) return rc;
    }
    return APHX_OK;
}

bool arrow_batch_equal(const arrow_batch *a, const arrow_batch *b, aphx_buf *msg)
{
    if (!arrow_schema_equal(a->schema, b->schema, false)) {
        if (msg) aphx_buf_puts(msg, "schemas differ");
        return false;
    }
    if (a->length != b->length) {
        if (msg) aphx_buf_printf(msg, "lengths differ: %lld vs %lld", (long long)a->length,
                                 (long long)b->length);
        return false;
    }
    for (int32_t i = 0; i < a->n_columns; i++) {
        const arrow_field *f = &a->schema->fields[i];
        if (!a->columns[i] || !b->columns[i]) {
            if (a->columns[i] == b->columns[i]) continue;
            if (msg) aphx_buf_printf(msg, "column '%s': missing on one side", f->name);
            return false;
        }
        size_t before = msg ? msg->len : 0;
        if (msg) aphx_buf_printf(msg, "column '%s': ", f->name);
        if (!arrow_array_equal(f, a->columns[i], b->columns[i], msg)) return false;
        if (msg) {
            msg->len = before;
            if (msg->data) msg->data[before] = '\0';
        }
    }
    return true;
}
