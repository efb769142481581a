/*
 * interop_canon.h — canonical JSON rendering of Arrow schemas and record
 * batches for the apache-arrow interop tests. The format is defined at the
 * top of tests/interop/canon.mjs, which renders the same documents from
 * apache-arrow's side; the two renderings are compared value by value.
 *
 * Document: {"schema":[field...],"batches":[{"length":n,"columns":[[v...]...]}...]}
 */
#ifndef APHX_INTEROP_CANON_H
#define APHX_INTEROP_CANON_H

#include "arrow/arrow.h"

/* Append the canonical type string of f's value type ("int32",
 * "timestamp[us,UTC]", "decimal128(10,2)", ...). */
void interop_canon_type(const arrow_field *f, aphx_buf *b);
/* Append the JSON object describing field f (recursively). */
void interop_canon_field(const arrow_field *f, aphx_buf *b);
/* Append element i (relative to a->offset) of array a as a canonical JSON
 * value. The array must have been validated (arrow_array_validate): buffers
 * are trusted here. */
void interop_canon_value(const arrow_field *f, const arrow_array *a, int64_t i, aphx_buf *b);

/* A document rendered batch by batch:
 *   interop_canon_begin(&buf, schema); interop_canon_batch(&buf, batch, &n) ...;
 *   interop_canon_end(&buf);
 * `n` counts the batches appended so far (for the separating comma). */
void interop_canon_begin(aphx_buf *b, const arrow_schema *s);
/* Validates the batch (with UTF-8 checks) first: APHX_CORRUPT if invalid. */
aphx_rc interop_canon_batch(aphx_buf *b, const arrow_batch *batch, int64_t *n_batches,
                            aphx_error *err);
void interop_canon_end(aphx_buf *b);

#endif
