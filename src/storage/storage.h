/*
 * storage.h — the table store interface the executor reads and writes
 * through, and its first implementation: an in-memory, column-wise table
 * with a hash index on the primary key. Public header of src/storage. The
 * durable storage (WAL + memtable + segments) will implement the same
 * calls.
 *
 * A table is an Arrow schema plus its primary-key columns. Rows are kept
 * column-wise in chunks: batches of >= STORAGE_ADOPT_MIN_ROWS rows are
 * adopted as they are (zero copy); smaller inserts are appended to Arrow
 * builders, which are sealed into a chunk when a reader needs them or when
 * they reach the chunk size. Deleted and replaced rows are cleared in the
 * chunk's live bitmap. The index maps the primary key, encoded in an
 * order-preserving byte form (below), to a row id.
 *
 * Key encoding (memcmp order = SQL order of the key tuple), per column:
 *   int*, date*, time*, timestamp, duration: 8 bytes big-endian with the
 *       sign bit flipped (unsigned: plain big-endian)
 *   float*: 8 bytes of the IEEE double, sign-flipped (negative: all bits
 *       inverted); -0.0 is encoded as 0.0
 *   bool: 1 byte 0/1
 *   utf8/binary: the bytes with 0x00 escaped as 0x00 0xFF, then 0x00 0x00
 *   decimal128: 16 bytes big-endian, sign bit flipped
 * Primary-key values may not be NULL (SQLSTATE 23502).
 *
 * Errors carry a SQLSTATE prefix in the message like exec's:
 *   23505 duplicate key, 23502 NULL in a key column, 42804 batch schema
 *   does not match the table.
 * Not thread-safe: one writer or reader at a time (the caller locks).
 */
#ifndef APHX_STORAGE_H
#define APHX_STORAGE_H

#include "arrow/arrow.h"

#define STORAGE_CHUNK_ROWS 65536
#define STORAGE_ADOPT_MIN_ROWS 4096

typedef struct storage_table storage_table;

/* [in] schema   copied; supported column types: bool, ints, floats, decimal128,
 *               utf8, binary, date32/64, time, timestamp, duration
 * [in] pk       indices of the primary-key columns (n_pk >= 1), in key order
 * [out] out     new table; free with storage_table_free
 * Errors: APHX_INVALID (bad key column, unsupported type), APHX_NOMEM. */
aphx_rc storage_table_create(const arrow_schema *schema, const int32_t *pk, int32_t n_pk,
                             storage_table **out, aphx_error *err);
void storage_table_free(storage_table *t);   /* NULL-safe */
const arrow_schema *storage_table_schema(const storage_table *t);
/* Number of key columns; *cols (may be NULL) receives their indices. */
int32_t storage_table_key(const storage_table *t, const int32_t **cols);
int64_t storage_table_row_count(const storage_table *t);   /* live rows */
/* Schema of the key columns alone (for key batches). */
const arrow_schema *storage_table_key_schema(const storage_table *t);

/* Insert every row of `rows` (columns in table order, same types). All or
 * nothing: a key already present or repeated inside the batch fails with
 * APHX_EXISTS "23505: duplicate key ..." and nothing is inserted. */
aphx_rc storage_insert(storage_table *t, const arrow_batch *rows, aphx_error *err);
/* Insert or replace by key (a key repeated in the batch: last row wins).
 * *n_replaced (may be NULL) counts rows that replaced existing ones. */
aphx_rc storage_upsert(storage_table *t, const arrow_batch *rows, int64_t *n_replaced,
                       aphx_error *err);
/* Delete the rows whose keys are in `keys` (key columns only, in key
 * order); missing keys are ignored. *n_deleted (may be NULL) = rows removed. */
aphx_rc storage_delete(storage_table *t, const arrow_batch *keys, int64_t *n_deleted,
                       aphx_error *err);
/* Point lookup: the rows of the keys that exist, in the order asked
 * (full table schema; batch borrows the table schema). */
aphx_rc storage_get(storage_table *t, const arrow_batch *keys, arrow_batch **out,
                    aphx_error *err);
/* Range lookup: rows with lo <= key <= hi (each bound optional (NULL), a
 * single-row batch of the first k key columns — a prefix bound — and
 * inclusive or not), sorted by key. */
aphx_rc storage_range(storage_table *t, const arrow_batch *lo, bool lo_inclusive,
                      const arrow_batch *hi, bool hi_inclusive, arrow_batch **out,
                      aphx_error *err);

/* Scan. The predicate callback (may be NULL) sees each piece of a chunk
 * with the full table schema and clears bits of `keep` (LSB-first, one bit
 * per row, preset to the live rows) for rows to drop. */
typedef aphx_rc (*storage_predicate_fn)(void *ctx, const arrow_batch *rows, uint8_t *keep,
                                        aphx_error *err);
typedef struct storage_scan storage_scan;

/* [in] columns   projection (indices into the table schema; NULL = all)
 * [in] batch_rows  most rows per produced batch (0 = STORAGE_CHUNK_ROWS)
 * Batches borrow the scan's schema (storage_scan_schema): free them before
 * storage_scan_close. The scan sees the rows present at open; the table
 * must not be modified while it is open. */
aphx_rc storage_scan_open(storage_table *t, const int32_t *columns, int32_t n_columns,
                          storage_predicate_fn pred, void *pred_ctx, int64_t batch_rows,
                          storage_scan **out, aphx_error *err);
const arrow_schema *storage_scan_schema(const storage_scan *s);
/* *out = next batch (projected columns, zero-copy views of the stored
 * chunk) or NULL at the end. *selection says which rows of the batch are
 * live and passed the predicate: NULL = all of them, else a bitmap of
 * (*out)->length bits valid until the next call. Batches in which no row is
 * selected are skipped. */
aphx_rc storage_scan_next(storage_scan *s, arrow_batch **out, const uint8_t **selection,
                          aphx_error *err);
void storage_scan_close(storage_scan *s);   /* NULL-safe */

/* Append the order-preserving encoding of row i's values of the given
 * columns to out (exposed for tests and the durable store). Returns false
 * if a value is NULL or of an unsupported type. */
bool storage_encode_key(const arrow_schema *schema, arrow_array *const *columns,
                        const int32_t *cols, int32_t n_cols, int64_t row, aphx_buf *out);

#endif /* APHX_STORAGE_H */
