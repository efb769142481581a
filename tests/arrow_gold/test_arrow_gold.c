/*
 * test_arrow_gold.c — the Arrow gold-file test: our Arrow core and IPC
 * against files written by other Arrow implementations
 * (../shared/corpora/arrow-testing/{1.0.0-littleendian,2.0.0-compression,
 * 4.0.0-shareddict}; each case is NAME.json.gz + NAME.stream + NAME.arrow_file).
 *
 * For every case:
 *   json              read NAME.json.gz with arrow_json_read (the reference),
 *                     and validate its batches with arrow_batch_validate;
 *   read stream       NAME.stream through arrow_ipc_reader_open_path: schema
 *                     equal incl. metadata, every batch validated and equal;
 *   read file         the same for NAME.arrow_file;
 *   read stream misaligned  the stream from memory one byte off alignment;
 *   write F/C         the JSON batches written with arrow_ipc_writer_* into
 *                     memory as F in {stream, file} with compression C in
 *                     {none, lz4, zstd}, read back and compared again;
 *   write slices      each batch sliced from offset 1 (unaligned bitmaps,
 *                     offsets not starting at 0), written, read back, compared;
 *   rewrite read      the batches read from NAME.stream (zero-copy views)
 *                     written again (stream, zstd), read back, compared with
 *                     the JSON;
 *   c data round trip schema and batches exported through the C Data
 *                     Interface and imported back, compared;
 *   read apache-arrow stream|file  (with --js-dir) apache-arrow's rewrite
 *                     of the gold file, read and compared like the original;
 *   allocation failures (cases whose .stream is at most 16 KB) every
 *                     allocation of reading the stream and of writing the
 *                     batches made to fail in turn: NOMEM each time, no leak.
 * Comparisons tolerate what Arrow itself treats as insignificant (metadata
 * order, a map's child names) and say so on the PASS line.
 * One line per variant ("PASS ..." / "FAIL ...: reason"), one per case
 * ("CASE PASS|FAIL ..."), then "arrow-gold: N passed, N failed" counting
 * cases. A case that cannot be handled FAILS; nothing is skipped silently.
 * Each case runs in a forked child (with a time limit), so a crash or a
 * sanitizer report in one case is reported as that case's failure and the
 * others still run.
 *
 * Usage: test_arrow_gold [corpora-dir] [case-name-filter]
 *        test_arrow_gold --synthetic DIR [case-name-filter]
 *        test_arrow_gold --write-ipc OUTDIR ...  (either form; also leaves
 *            our IPC files in OUTDIR for tests/arrow_gold/gold_js.mjs)
 *        test_arrow_gold --js-dir DIR ...  (also reads apache-arrow's copies
 *            of the gold files from DIR, see gold_js.mjs --write-js, and
 *            compares them with the JSON like the originals)
 * The second form runs the hand-made NAME.json cases of DIR (see
 * tests/arrow_gold/cases/gen_cases.py: types the gold files lack) through
 * the same variants minus the ones that need IPC files from elsewhere, and
 * ends with "arrow-json-roundtrip: N passed, N failed".
 * Exit: 0 all passed, 1 something failed, 77 corpus absent (ctest SKIP).
 */
#include "arrow/arrow.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#ifndef APHX_CORPORA
#define APHX_CORPORA "../shared/corpora"
#endif

#define GOLD_CASE_SECONDS 120

static const char *const gold_dirs[] = {"1.0.0-littleendian", "2.0.0-compression",
                                        "4.0.0-shareddict"};

/* Variant counters shared between the parent and the forked case runner. */
typedef struct gold_shared {
    int  variants_passed;
    int  variants_failed;
    bool finished;        /* the child reached its end without crashing */
} gold_shared;

static gold_shared *gold_counts;

/* ---- helpers -------------------------------------------------------- */
static aphx_rc gold_read_gz(const char *path, char **text, size_t *len, aphx_error *err)
{
    aphx_buf b;
    aphx_buf_init(&b);
    gzFile gz = gzopen(path, "rb");
    if (!gz) return aphx_fail(err, APHX_IO, "%s: cannot open", path);
    char chunk[1 << 16];
    int n;
    while ((n = gzread(gz, chunk, sizeof chunk)) > 0) aphx_buf_append(&b, chunk, (size_t)n);
    int zerr = 0;
    const char *zmsg = gzerror(gz, &zerr);
    aphx_rc rc = APHX_OK;
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
        rc = aphx_fail(err, APHX_IO, "%s: gzip: %s", path, zmsg);
    else if (b.oom)
        rc = aphx_fail(err, APHX_NOMEM, "%s: out of memory", path);
    gzclose(gz);
    if (rc) {
        aphx_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *text = aphx_buf_steal(&b);
    if (!*text) *text = aphx_strdup("");
    return APHX_OK;
}

static void gold_report(bool ok, const char *case_name, const char *variant, const char *why)
{
    if (ok) {
        gold_counts->variants_passed++;
        if (why && *why) printf("PASS %s %s (tolerated%s)\n", case_name, variant, why);
        else printf("PASS %s %s\n", case_name, variant);
    } else {
        gold_counts->variants_failed++;
        printf("FAIL %s %s: %s\n", case_name, variant, why && *why ? why : "(no reason given)");
    }
    fflush(stdout);
}

/* Describe the first difference between two metadata lists. */
static bool gold_metadata_diff(const arrow_metadata *a, const arrow_metadata *b,
                               const char *where, aphx_buf *msg)
{
    if (a->count != b->count) {
        aphx_buf_printf(msg, "%s: %d metadata entries, got %d", where, a->count, b->count);
        return true;
    }
    for (int32_t i = 0; i < a->count; i++) {
        const arrow_kv *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->key, y->key) != 0 || x->value_len != y->value_len ||
            memcmp(x->value, y->value, (size_t)x->value_len) != 0) {
            aphx_buf_printf(msg, "%s: metadata[%d] expected '%s'='%.*s', got '%s'='%.*s'", where,
                            i, x->key, (int)x->value_len, x->value, y->key, (int)y->value_len,
                            y->value);
            return true;
        }
    }
    return false;
}

/* Describe the first difference between two fields (true if one found). */
static bool gold_field_diff(const arrow_field *a, const arrow_field *b, const char *path,
                            aphx_buf *msg)
{
    char where[1024];
    snprintf(where, sizeof where, "%s%s", path, a->name);
    if (strcmp(a->name, b->name) != 0) {
        aphx_buf_printf(msg, "field %s: named '%s' in the IPC data", where, b->name);
        return true;
    }
    if (gold_metadata_diff(&a->metadata, &b->metadata, where, msg)) return true;
    if (a->n_children == b->n_children) {
        char sub[1100];
        snprintf(sub, sizeof sub, "%s.", where);
        for (int32_t i = 0; i < a->n_children; i++)
            if (gold_field_diff(&a->children[i], &b->children[i], sub, msg)) return true;
    }
    if (!arrow_field_equal(a, b, true)) {
        aphx_buf_printf(msg, "field %s: expected %s", where, a->nullable ? "nullable " : "");
        arrow_field_format_type(a, msg);
        if (a->dict) aphx_buf_printf(msg, " (dict id %lld%s)", (long long)a->dict->id,
                                     a->dict->ordered ? ", ordered" : "");
        aphx_buf_printf(msg, ", got %s", b->nullable ? "nullable " : "");
        arrow_field_format_type(b, msg);
        if (b->dict) aphx_buf_printf(msg, " (dict id %lld%s)", (long long)b->dict->id,
                                     b->dict->ordered ? ", ordered" : "");
        return true;
    }
    return false;
}

static void gold_schema_diff(const arrow_schema *a, const arrow_schema *b, aphx_buf *msg)
{
    aphx_buf_puts(msg, "schema differs: ");
    if (a->n_fields != b->n_fields) {
        aphx_buf_printf(msg, "%d fields, got %d", a->n_fields, b->n_fields);
        return;
    }
    if (gold_metadata_diff(&a->metadata, &b->metadata, "schema", msg)) return;
    for (int32_t i = 0; i < a->n_fields; i++)
        if (gold_field_diff(&a->fields[i], &b->fields[i], "", msg)) return;
    aphx_buf_puts(msg, "(arrow_schema_equal says they differ; no difference found)");
}

/* Arrow treats two things as insignificant that arrow_schema_equal (rightly
 * strict for our own code) does not: the order of custom metadata entries
 * (a key-value map; Arrow C++ compares it order-insensitively) and the names
 * of a map's "entries"/"key"/"value" children (the spec does not enforce
 * them). gold_normalize_* rewrite the IPC side's copy to the expected form
 * for just those two things and record a note, so the PASS line says what
 * was tolerated. */
static bool gold_normalize_metadata(const arrow_metadata *want, arrow_metadata *got)
{
    if (want->count != got->count || want->count == 0) return false;
    int32_t n = want->count;
    arrow_kv *order = aphx_calloc((size_t)n, sizeof *order);
    bool *used = aphx_calloc((size_t)n, sizeof *used);
    bool changed = false, ok = order && used;
    for (int32_t i = 0; ok && i < n; i++) {
        const arrow_kv *x = &want->items[i];
        int32_t found = -1;
        for (int32_t j = 0; j < n && found < 0; j++) {
            const arrow_kv *y = &got->items[j];
            if (!used[j] && strcmp(x->key, y->key) == 0 && x->value_len == y->value_len &&
                memcmp(x->value, y->value, (size_t)x->value_len) == 0)
                found = j;
        }
        if (found < 0) ok = false;
        else {
            used[found] = true;
            order[i] = got->items[found];
            if (found != i) changed = true;
        }
    }
    if (ok && changed) memcpy(got->items, order, (size_t)n * sizeof *order);
    aphx_free(order);
    aphx_free(used);
    return ok && changed;
}

static void gold_rename(arrow_field *f, const char *name)
{
    char *copy = aphx_strdup(name);
    if (!copy) return;
    aphx_free(f->name);
    f->name = copy;
}

static void gold_normalize_field(const arrow_field *want, arrow_field *got, aphx_buf *notes)
{
    if (gold_normalize_metadata(&want->metadata, &got->metadata))
        aphx_buf_printf(notes, "; metadata order of '%s' differs", want->name);
    if (want->type.id == ARROW_MAP && got->type.id == ARROW_MAP && want->n_children == 1 &&
        got->n_children == 1 && want->children[0].n_children == 2 &&
        got->children[0].n_children == 2) {
        arrow_field *ge = &got->children[0];
        const arrow_field *we = &want->children[0];
        if (strcmp(ge->name, we->name) != 0 ||
            strcmp(ge->children[0].name, we->children[0].name) != 0 ||
            strcmp(ge->children[1].name, we->children[1].name) != 0) {
            aphx_buf_printf(notes, "; map '%s' children named %s<%s,%s>, JSON says %s<%s,%s>",
                            want->name, ge->name, ge->children[0].name, ge->children[1].name,
                            we->name, we->children[0].name, we->children[1].name);
            gold_rename(ge, we->name);
            gold_rename(&ge->children[0], we->children[0].name);
            gold_rename(&ge->children[1], we->children[1].name);
        }
    }
    if (want->n_children == got->n_children)
        for (int32_t i = 0; i < want->n_children; i++)
            gold_normalize_field(&want->children[i], &got->children[i], notes);
}

static void gold_normalize_schema(const arrow_schema *want, arrow_schema *got, aphx_buf *notes)
{
    if (gold_normalize_metadata(&want->metadata, &got->metadata))
        aphx_buf_puts(notes, "; schema metadata order differs");
    if (want->n_fields == got->n_fields)
        for (int32_t i = 0; i < want->n_fields; i++)
            gold_normalize_field(&want->fields[i], &got->fields[i], notes);
}

/* Compare everything a reader yields with the reference schema/batches.
 * On a difference, appends the reason to msg and returns false. */
static bool gold_compare_reader(arrow_reader *r, const arrow_schema *schema,
                                arrow_batch **batches, int64_t n_batches, aphx_buf *msg,
                                aphx_buf *notes)
{
    const arrow_schema *got = r->schema(r);
    arrow_schema normalized = {0};
    aphx_error err = {0};
    bool ok = true;
    int64_t i = 0;
    if (!got) {
        aphx_buf_puts(msg, "reader returned no schema");
        return false;
    }
    if (!arrow_schema_equal(schema, got, true)) {
        if (arrow_schema_copy(&normalized, got)) {
            aphx_buf_puts(msg, "out of memory");
            return false;
        }
        gold_normalize_schema(schema, &normalized, notes);
        if (!arrow_schema_equal(schema, &normalized, true)) {
            gold_schema_diff(schema, got, msg);
            ok = false;
            goto done;
        }
    }
    for (;; i++) {
        arrow_batch *b = NULL;
        aphx_rc rc = r->next(r, &b, &err);
        if (rc) {
            aphx_buf_printf(msg, "reading batch %lld: %s: %s", (long long)i, aphx_rc_name(rc),
                            err.msg);
            ok = false;
            goto done;
        }
        if (!b) break;
        if (i >= n_batches) {
            aphx_buf_printf(msg, "more batches than the %lld expected", (long long)n_batches);
            ok = false;
        } else if ((rc = arrow_batch_validate(b, true, &err))) {
            aphx_buf_printf(msg, "batch %lld does not validate: %s", (long long)i, err.msg);
            ok = false;
        } else {
            /* Values are compared under the expected schema (the IPC schema
             * is equal to it, up to the tolerated differences above). */
            arrow_batch view = *b;
            view.schema = schema;
            if (!arrow_batch_equal(batches[i], &view, msg)) {
                aphx_buf_printf(msg, " (batch %lld)", (long long)i);
                ok = false;
            }
        }
        arrow_batch_free(b);
        if (!ok) goto done;
    }
    if (i != n_batches) {
        aphx_buf_printf(msg, "%lld batches, expected %lld", (long long)i, (long long)n_batches);
        ok = false;
    }
done:
    arrow_schema_free(&normalized);
    return ok;
}

static bool gold_check_path(const char *path, const arrow_schema *schema, arrow_batch **batches,
                            int64_t n_batches, bool want_file, aphx_buf *msg, aphx_buf *notes)
{
    arrow_reader *r = NULL;
    aphx_error err = {0};
    aphx_rc rc = arrow_ipc_reader_open_path(path, &r, &err);
    if (rc) {
        aphx_buf_printf(msg, "open: %s: %s", aphx_rc_name(rc), err.msg);
        return false;
    }
    bool ok = true;
    if (arrow_ipc_reader_is_file(r) != want_file) {
        aphx_buf_printf(msg, "arrow_ipc_reader_is_file says %s", want_file ? "stream" : "file");
        ok = false;
    }
    if (ok) ok = gold_compare_reader(r, schema, batches, n_batches, msg, notes);
    r->close(r);
    return ok;
}

/* The stream read from memory that starts one byte past a 64-byte boundary,
 * so no buffer in it is aligned: the reader must copy where it cannot view. */
static bool gold_check_misaligned(const char *path, const arrow_schema *schema,
                                  arrow_batch **batches, int64_t n_batches, aphx_buf *msg,
                                  aphx_buf *notes)
{
    char *bytes = NULL;
    size_t len = 0;
    aphx_error err = {0};
    arrow_buffer *whole = NULL, *view = NULL;
    arrow_reader *r = NULL;
    bool ok = false;
    aphx_rc rc = aphx_read_file(path, &bytes, &len, &err);
    if (rc) {
        aphx_buf_printf(msg, "%s", err.msg);
        return false;
    }
    if (!(whole = arrow_buffer_alloc((int64_t)len + 1)) ||
        !(view = arrow_buffer_view(whole, 1, (int64_t)len))) {
        aphx_buf_puts(msg, "out of memory");
        goto done;
    }
    memcpy(view->data, bytes, len);
    if ((rc = arrow_ipc_reader_open_buffer(view, &r, &err))) {
        aphx_buf_printf(msg, "open: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    ok = gold_compare_reader(r, schema, batches, n_batches, msg, notes);
done:
    if (r) r->close(r);
    arrow_buffer_unref(view);
    arrow_buffer_unref(whole);
    aphx_free(bytes);
    return ok;
}

static bool gold_roundtrip(const arrow_schema *schema, arrow_batch **batches, int64_t n_batches,
                           bool file_format, arrow_compression comp, aphx_buf *msg,
                           aphx_buf *notes)
{
    arrow_ipc_write_options opts = {.compression = comp, .file_format = file_format};
    arrow_ipc_writer *w = NULL;
    arrow_reader *r = NULL;
    arrow_buffer *copy = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    aphx_error err = {0};
    bool ok = false;
    aphx_rc rc = arrow_ipc_writer_open(-1, schema, &opts, &w, &err);
    if (rc) {
        aphx_buf_printf(msg, "writer_open: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    for (int64_t i = 0; i < n_batches; i++) {
        if ((rc = arrow_ipc_writer_write(w, batches[i], &err))) {
            aphx_buf_printf(msg, "writer_write batch %lld: %s: %s", (long long)i,
                            aphx_rc_name(rc), err.msg);
            goto done;
        }
    }
    if ((rc = arrow_ipc_writer_close(w, &err))) {
        aphx_buf_printf(msg, "writer_close: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    arrow_ipc_writer_take_buffer(w, &bytes, &len);
    if (!bytes || len == 0) {
        aphx_buf_puts(msg, "writer produced no bytes");
        goto done;
    }
    if (!(copy = arrow_buffer_alloc((int64_t)len))) {
        aphx_buf_puts(msg, "out of memory");
        goto done;
    }
    memcpy(copy->data, bytes, len);
    if ((rc = arrow_ipc_reader_open_buffer(copy, &r, &err))) {
        aphx_buf_printf(msg, "reading back (%zu bytes): open: %s: %s", len, aphx_rc_name(rc),
                        err.msg);
        goto done;
    }
    if (arrow_ipc_reader_is_file(r) != file_format) {
        aphx_buf_printf(msg, "read back as %s", file_format ? "stream" : "file");
        goto done;
    }
    if (!gold_compare_reader(r, schema, batches, n_batches, msg, notes)) {
        aphx_buf_printf(msg, " [reading back %zu bytes]", len);
        goto done;
    }
    ok = true;
done:
    if (r) r->close(r);
    arrow_buffer_unref(copy);
    aphx_free(bytes);
    arrow_ipc_writer_free(w);
    return ok;
}

/* Slices starting at offset 1 (so validity bitmaps are not byte aligned
 * and offsets do not start at zero) written and read back. */
static bool gold_slices(const arrow_schema *schema, arrow_batch **batches, int64_t n_batches,
                        aphx_buf *msg, aphx_buf *notes)
{
    arrow_batch **slices = n_batches ? aphx_calloc((size_t)n_batches, sizeof *slices) : NULL;
    bool ok = false;
    if (n_batches && !slices) {
        aphx_buf_puts(msg, "out of memory");
        return false;
    }
    for (int64_t i = 0; i < n_batches; i++) {
        int64_t len = batches[i]->length;
        int64_t off = len >= 2 ? 1 : 0;
        int64_t n = len >= 3 ? len - 2 : len - off;
        if (!(slices[i] = arrow_batch_slice(batches[i], off, n))) {
            aphx_buf_printf(msg, "arrow_batch_slice(%lld, %lld) of batch %lld failed",
                            (long long)off, (long long)n, (long long)i);
            goto done;
        }
    }
    ok = gold_roundtrip(schema, slices, n_batches, false, ARROW_COMPRESSION_NONE, msg, notes);
done:
    for (int64_t i = 0; slices && i < n_batches; i++)
        if (slices[i]) arrow_batch_free(slices[i]);
    aphx_free(slices);
    return ok;
}

/* The batches our IPC reader returned (zero-copy views into the file)
 * written again as a zstd stream, read back and compared with the JSON. */
static bool gold_rewrite(const char *path, const arrow_schema *schema, arrow_batch **batches,
                         int64_t n_batches, aphx_buf *msg, aphx_buf *notes)
{
    arrow_reader *r = NULL;
    arrow_batch **read = n_batches ? aphx_calloc((size_t)n_batches, sizeof *read) : NULL;
    aphx_error err = {0};
    int64_t n_read = 0;
    bool ok = false;
    aphx_rc rc;
    if (n_batches && !read) {
        aphx_buf_puts(msg, "out of memory");
        return false;
    }
    if ((rc = arrow_ipc_reader_open_path(path, &r, &err))) {
        aphx_buf_printf(msg, "open: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    for (;;) {
        arrow_batch *b = NULL;
        if ((rc = r->next(r, &b, &err))) {
            aphx_buf_printf(msg, "reading batch %lld: %s: %s", (long long)n_read,
                            aphx_rc_name(rc), err.msg);
            goto done;
        }
        if (!b) break;
        if (n_read == n_batches) {
            arrow_batch_free(b);
            aphx_buf_puts(msg, "more batches than expected");
            goto done;
        }
        b->schema = schema;   /* equal to the reader's (checked by "read stream") */
        read[n_read++] = b;
    }
    if (n_read != n_batches) {
        aphx_buf_printf(msg, "%lld batches, expected %lld", (long long)n_read, (long long)n_batches);
        goto done;
    }
    /* Written from the IPC side, compared against the JSON side. */
    {
        arrow_ipc_write_options opts = {.compression = ARROW_COMPRESSION_ZSTD};
        arrow_ipc_writer *w = NULL;
        arrow_reader *back = NULL;
        arrow_buffer *copy = NULL;
        uint8_t *bytes = NULL;
        size_t len = 0;
        if ((rc = arrow_ipc_writer_open(-1, schema, &opts, &w, &err))) {
            aphx_buf_printf(msg, "writer_open: %s: %s", aphx_rc_name(rc), err.msg);
            goto write_done;
        }
        for (int64_t i = 0; i < n_read; i++)
            if ((rc = arrow_ipc_writer_write(w, read[i], &err))) {
                aphx_buf_printf(msg, "writer_write batch %lld: %s: %s", (long long)i,
                                aphx_rc_name(rc), err.msg);
                goto write_done;
            }
        if ((rc = arrow_ipc_writer_close(w, &err))) {
            aphx_buf_printf(msg, "writer_close: %s: %s", aphx_rc_name(rc), err.msg);
            goto write_done;
        }
        arrow_ipc_writer_take_buffer(w, &bytes, &len);
        if (!(copy = arrow_buffer_alloc((int64_t)len))) {
            aphx_buf_puts(msg, "out of memory");
            goto write_done;
        }
        if (len) memcpy(copy->data, bytes, len);
        if ((rc = arrow_ipc_reader_open_buffer(copy, &back, &err))) {
            aphx_buf_printf(msg, "reading back: open: %s: %s", aphx_rc_name(rc), err.msg);
            goto write_done;
        }
        ok = gold_compare_reader(back, schema, batches, n_batches, msg, notes);
    write_done:
        if (back) back->close(back);
        arrow_buffer_unref(copy);
        aphx_free(bytes);
        arrow_ipc_writer_free(w);
    }
done:
    for (int64_t i = 0; i < n_read; i++) arrow_batch_free(read[i]);
    aphx_free(read);
    if (r) r->close(r);
    return ok;
}

/* Each batch exported through the C Data Interface and imported back. */
static bool gold_cdata(const arrow_schema *schema, arrow_batch **batches, int64_t n_batches,
                       aphx_buf *msg, aphx_buf *notes)
{
    struct ArrowSchema cs = {0};
    arrow_schema imported = {0}, normalized = {0};
    aphx_error err = {0};
    bool ok = false;
    aphx_rc rc;
    if ((rc = arrow_export_schema(schema, &cs, &err))) {
        aphx_buf_printf(msg, "export_schema: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    if ((rc = arrow_import_schema(&cs, &imported, &err))) {
        aphx_buf_printf(msg, "import_schema: %s: %s", aphx_rc_name(rc), err.msg);
        goto done;
    }
    if (!arrow_schema_equal(schema, &imported, true)) {
        if (arrow_schema_copy(&normalized, &imported)) {
            aphx_buf_puts(msg, "out of memory");
            goto done;
        }
        gold_normalize_schema(schema, &normalized, notes);
        if (!arrow_schema_equal(schema, &normalized, true)) {
            gold_schema_diff(schema, &imported, msg);
            goto done;
        }
    }
    for (int64_t i = 0; i < n_batches; i++) {
        struct ArrowArray ca = {0};
        arrow_batch *got = NULL;
        if ((rc = arrow_export_batch(batches[i], &ca, &err))) {
            aphx_buf_printf(msg, "export_batch %lld: %s: %s", (long long)i, aphx_rc_name(rc),
                            err.msg);
            goto done;
        }
        if ((rc = arrow_import_batch(&imported, &ca, &got, &err))) {
            aphx_buf_printf(msg, "import_batch %lld: %s: %s", (long long)i, aphx_rc_name(rc),
                            err.msg);
            if (ca.release) ca.release(&ca);
            goto done;
        }
        bool same;
        if ((rc = arrow_batch_validate(got, true, &err))) {
            aphx_buf_printf(msg, "imported batch %lld does not validate: %s", (long long)i,
                            err.msg);
            same = false;
        } else {
            arrow_batch view = *got;
            view.schema = schema;
            same = arrow_batch_equal(batches[i], &view, msg);
            if (!same) aphx_buf_printf(msg, " (batch %lld)", (long long)i);
        }
        arrow_batch_free(got);
        if (!same) goto done;
    }
    ok = true;
done:
    if (cs.release) cs.release(&cs);
    arrow_schema_free(&imported);
    arrow_schema_free(&normalized);
    return ok;
}

/* --write-ipc: where to leave our IPC files for the apache-arrow check
 * (tests/arrow_gold/gold_js.mjs), or NULL. */
static const char *gold_write_dir;
/* --js-dir: where gold_js.mjs --write-js left apache-arrow's copies of the
 * gold files (CASEDIR__NAME.js.stream / .js.arrow_file), or NULL. */
static const char *gold_js_dir;

/* Write the JSON batches to `path` through a file-descriptor writer. */
static bool gold_write_file(const char *path, const arrow_schema *schema, arrow_batch **batches,
                            int64_t n_batches, bool file_format, arrow_compression comp,
                            aphx_buf *msg)
{
    arrow_ipc_write_options opts = {.compression = comp, .file_format = file_format};
    arrow_ipc_writer *w = NULL;
    aphx_error err = {0};
    bool ok = false;
    aphx_rc rc;
    FILE *f = fopen(path, "wb");
    if (!f) {
        aphx_buf_printf(msg, "cannot create %s", path);
        return false;
    }
    if ((rc = arrow_ipc_writer_open(fileno(f), schema, &opts, &w, &err))) {
        aphx_buf_printf(msg, "%s: writer_open: %s: %s", path, aphx_rc_name(rc), err.msg);
        goto done;
    }
    for (int64_t i = 0; i < n_batches; i++)
        if ((rc = arrow_ipc_writer_write(w, batches[i], &err))) {
            aphx_buf_printf(msg, "%s: writer_write batch %lld: %s: %s", path, (long long)i,
                            aphx_rc_name(rc), err.msg);
            goto done;
        }
    if ((rc = arrow_ipc_writer_close(w, &err))) {
        aphx_buf_printf(msg, "%s: writer_close: %s: %s", path, aphx_rc_name(rc), err.msg);
        goto done;
    }
    ok = true;
done:
    arrow_ipc_writer_free(w);
    if (fclose(f) != 0 && ok) {
        aphx_buf_printf(msg, "%s: close failed", path);
        ok = false;
    }
    return ok;
}

/* Leave CASEDIR__NAME.{none.stream,lz4.stream,zstd.arrow_file} in
 * gold_write_dir for the apache-arrow comparison. */
static bool gold_write_for_js(const char *case_dir, const char *name, const arrow_schema *schema,
                              arrow_batch **batches, int64_t n_batches, aphx_buf *msg)
{
    static const struct {
        const char       *suffix;
        bool              file_format;
        arrow_compression comp;
    } outs[] = {{"none.stream", false, ARROW_COMPRESSION_NONE},
                {"lz4.stream", false, ARROW_COMPRESSION_LZ4_FRAME},
                {"zstd.arrow_file", true, ARROW_COMPRESSION_ZSTD}};
    for (size_t i = 0; i < APHX_ARRAY_LEN(outs); i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s__%s.%s", gold_write_dir, case_dir, name,
                 outs[i].suffix);
        if (!gold_write_file(path, schema, batches, n_batches, outs[i].file_format,
                             outs[i].comp, msg))
            return false;
    }
    return true;
}

/* Allocation-failure injection (SQLite style): every allocation of
 * reading `path` and of writing the batches (stream, zstd) made to fail in
 * turn; each attempt must fail with APHX_NOMEM or succeed, and nothing may
 * leak (LeakSanitizer checks when the case runner exits). Run only for
 * small cases, where the number of allocations is small. */
#define GOLD_FAULT_MAX_FILE 16384
#define GOLD_FAULT_MAX_STEPS 20000

static aphx_rc gold_fault_read(const char *path, aphx_error *err)
{
    arrow_reader *r = NULL;
    aphx_rc rc = arrow_ipc_reader_open_path(path, &r, err);
    while (rc == APHX_OK) {
        arrow_batch *b = NULL;
        rc = r->next(r, &b, err);
        if (rc || !b) break;
        arrow_batch_free(b);
    }
    if (r) r->close(r);
    return rc;
}

static aphx_rc gold_fault_write(const arrow_schema *schema, arrow_batch **batches,
                                int64_t n_batches, aphx_error *err)
{
    arrow_ipc_write_options opts = {.compression = ARROW_COMPRESSION_ZSTD};
    arrow_ipc_writer *w = NULL;
    aphx_rc rc = arrow_ipc_writer_open(-1, schema, &opts, &w, err);
    for (int64_t i = 0; rc == APHX_OK && i < n_batches; i++)
        rc = arrow_ipc_writer_write(w, batches[i], err);
    if (rc == APHX_OK) rc = arrow_ipc_writer_close(w, err);
    if (rc == APHX_OK) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        arrow_ipc_writer_take_buffer(w, &bytes, &len);
        aphx_free(bytes);
    }
    arrow_ipc_writer_free(w);
    return rc;
}

static bool gold_fault_injection(const char *path, const arrow_schema *schema,
                                 arrow_batch **batches, int64_t n_batches, aphx_buf *msg,
                                 aphx_buf *notes)
{
    int steps[2] = {0, 0};
    for (int which = 0; which < 2; which++) {
        int64_t n;
        for (n = 1; n <= GOLD_FAULT_MAX_STEPS; n++) {
            aphx_error err = {0};
            aphx_alloc_fail_countdown = n;
            aphx_rc rc = which == 0 ? gold_fault_read(path, &err)
                                    : gold_fault_write(schema, batches, n_batches, &err);
            bool injected = aphx_alloc_fail_countdown == 0;
            aphx_alloc_fail_countdown = 0;
            if (rc == APHX_OK && !injected) break;   /* ran to the end without a failure */
            if (rc == APHX_OK) {
                aphx_buf_printf(msg, "%s: allocation %lld failed but the call succeeded",
                                which ? "writer" : "reader", (long long)n);
                return false;
            }
            if (rc != APHX_NOMEM) {
                aphx_buf_printf(msg, "%s: allocation %lld failed and the error was %s (%s), "
                                "not NOMEM", which ? "writer" : "reader", (long long)n,
                                aphx_rc_name(rc), err.msg);
                return false;
            }
        }
        if (n > GOLD_FAULT_MAX_STEPS) {
            aphx_buf_printf(msg, "%s: still failing after %d injected failures",
                            which ? "writer" : "reader", GOLD_FAULT_MAX_STEPS);
            return false;
        }
        steps[which] = (int)n - 1;
    }
    aphx_buf_printf(notes, " %d reader and %d writer allocations failed in turn", steps[0],
                    steps[1]);
    return true;
}

/* Run every variant of one case; returns the number of failed variants. */
static int gold_run_case(const char *dir, const char *case_dir, const char *name, bool synthetic)
{
    char path[8192], label[8192];
    char *text = NULL;
    size_t len = 0;
    arrow_schema schema = {0};
    arrow_batch **batches = NULL;
    int64_t n_batches = 0;
    aphx_error err = {0};
    aphx_buf msg, notes;
    int failed_before = gold_counts->variants_failed;
    aphx_buf_init(&msg);
    aphx_buf_init(&notes);
    snprintf(label, sizeof label, "%s/%s", case_dir, name);

    aphx_rc rc;
    if (synthetic) {
        snprintf(path, sizeof path, "%s/%s.json", dir, name);
        rc = aphx_read_file(path, &text, &len, &err);
    } else {
        snprintf(path, sizeof path, "%s/%s.json.gz", dir, name);
        rc = gold_read_gz(path, &text, &len, &err);
    }
    if (rc == APHX_OK) rc = arrow_json_read(text, len, &schema, &batches, &n_batches, &err);
    if (rc) {
        aphx_buf_printf(&msg, "%s: %s", aphx_rc_name(rc), err.msg);
        gold_report(false, label, "json", msg.data);
        goto done;
    }
    {
        bool ok = true;
        for (int64_t i = 0; i < n_batches && ok; i++) {
            if ((rc = arrow_batch_validate(batches[i], true, &err))) {
                aphx_buf_printf(&msg, "batch %lld built from JSON does not validate: %s",
                                (long long)i, err.msg);
                ok = false;
            }
        }
        /* Every value rendered for humans and as JSON (exercises format.c
         * on each gold type under the sanitizers; the text is not judged). */
        int64_t rendered = 0;
        aphx_buf text_out;
        aphx_buf_init(&text_out);
        for (int64_t i = 0; i < n_batches && ok; i++) {
            const arrow_batch *b = batches[i];
            for (int32_t c = 0; c < b->n_columns; c++) {
                for (int64_t row = 0; row < b->length; row++) {
                    aphx_buf_reset(&text_out);
                    arrow_array_format_value(&b->schema->fields[c], b->columns[c], row, true,
                                             &text_out);
                    arrow_array_format_json(&b->schema->fields[c], b->columns[c], row, &text_out);
                    rendered++;
                }
            }
        }
        aphx_buf_free(&text_out);
        char what[96];
        snprintf(what, sizeof what, "json (%lld batches, %lld values rendered)",
                 (long long)n_batches, (long long)rendered);
        gold_report(ok, label, what, msg.data);
        aphx_buf_reset(&msg);
    }

    for (int file_format = 0; file_format <= 1 && !synthetic; file_format++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, file_format ? "arrow_file" : "stream");
        bool ok = gold_check_path(path, &schema, batches, n_batches, file_format != 0, &msg,
                                  &notes);
        gold_report(ok, label, file_format ? "read file" : "read stream", ok ? notes.data : msg.data);
        aphx_buf_reset(&msg);
        aphx_buf_reset(&notes);
    }

    static const struct {
        arrow_compression comp;
        const char       *name;
    } comps[] = {{ARROW_COMPRESSION_NONE, "none"},
                 {ARROW_COMPRESSION_LZ4_FRAME, "lz4"},
                 {ARROW_COMPRESSION_ZSTD, "zstd"}};
    for (int file_format = 0; file_format <= 1; file_format++) {
        for (size_t c = 0; c < APHX_ARRAY_LEN(comps); c++) {
            char what[64];
            snprintf(what, sizeof what, "write %s/%s", file_format ? "file" : "stream",
                     comps[c].name);
            bool ok = gold_roundtrip(&schema, batches, n_batches, file_format != 0,
                                     comps[c].comp, &msg, &notes);
            gold_report(ok, label, what, ok ? notes.data : msg.data);
            aphx_buf_reset(&msg);
            aphx_buf_reset(&notes);
        }
    }
    if (!synthetic) {
        snprintf(path, sizeof path, "%s/%s.stream", dir, name);
        bool ok = gold_check_misaligned(path, &schema, batches, n_batches, &msg, &notes);
        gold_report(ok, label, "read stream misaligned", ok ? notes.data : msg.data);
        aphx_buf_reset(&msg);
        aphx_buf_reset(&notes);
    }
    for (int file_format = 0; gold_js_dir && !synthetic && file_format <= 1; file_format++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s__%s.%s", gold_js_dir, case_dir, name,
                 file_format ? "js.arrow_file" : "js.stream");
        const char *what = file_format ? "read apache-arrow file" : "read apache-arrow stream";
        if (stat(path, &st) != 0) {
            /* gold_js.mjs printed why (apache-arrow cannot read this case) */
            printf("NOTE %s %s: no copy written by apache-arrow\n", label, what);
            continue;
        }
        bool ok = gold_check_path(path, &schema, batches, n_batches, file_format != 0, &msg,
                                  &notes);
        gold_report(ok, label, what, ok ? notes.data : msg.data);
        aphx_buf_reset(&msg);
        aphx_buf_reset(&notes);
    }
    if (gold_write_dir) {
        bool ok = gold_write_for_js(case_dir, name, &schema, batches, n_batches, &msg);
        gold_report(ok, label, "write files for apache-arrow", msg.data);
        aphx_buf_reset(&msg);
    }
    {
        bool ok = gold_slices(&schema, batches, n_batches, &msg, &notes);
        gold_report(ok, label, "write slices", ok ? notes.data : msg.data);
        aphx_buf_reset(&msg);
        aphx_buf_reset(&notes);
        if (!synthetic) {
            struct stat st;
            snprintf(path, sizeof path, "%s/%s.stream", dir, name);
            if (stat(path, &st) == 0 && st.st_size <= GOLD_FAULT_MAX_FILE) {
                ok = gold_fault_injection(path, &schema, batches, n_batches, &msg, &notes);
                if (ok) printf("PASS %s allocation failures:%s\n", label, notes.data);
                else gold_report(false, label, "allocation failures", msg.data);
                if (ok) gold_counts->variants_passed++;
                fflush(stdout);
                aphx_buf_reset(&msg);
                aphx_buf_reset(&notes);
            }
            ok = gold_rewrite(path, &schema, batches, n_batches, &msg, &notes);
            gold_report(ok, label, "rewrite read stream/zstd", ok ? notes.data : msg.data);
            aphx_buf_reset(&msg);
            aphx_buf_reset(&notes);
        }
        ok = gold_cdata(&schema, batches, n_batches, &msg, &notes);
        gold_report(ok, label, "c data round trip", ok ? notes.data : msg.data);
        aphx_buf_reset(&msg);
        aphx_buf_reset(&notes);
    }
done:
    arrow_json_batches_free(batches, n_batches);
    arrow_schema_free(&schema);
    aphx_free(text);
    aphx_buf_free(&msg);
    aphx_buf_free(&notes);
    return gold_counts->variants_failed - failed_before;
}

static int gold_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Case names (NAME of NAME<suffix>) in dir, sorted; caller frees. */
static int gold_list_cases(const char *dir, const char *suffix, char ***out)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    int n = 0, cap = 0;
    *out = NULL;
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        size_t sl = strlen(suffix);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = aphx_realloc(names, (size_t)cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        names[n] = aphx_strndup(e->d_name, l - sl);
        if (names[n]) n++;
    }
    closedir(d);
    if (n > 0) qsort(names, (size_t)n, sizeof *names, gold_cmp_names);
    *out = names;
    return n;
}

/* Run every case of one directory, each in a forked child; adds to the
 * case counters. */
static void gold_run_dir(const char *dir, const char *case_dir, bool synthetic,
                         const char *filter, int *cases_passed, int *cases_failed)
{
    char **names = NULL;
    int n = gold_list_cases(dir, synthetic ? ".json" : ".json.gz", &names);
    if (n <= 0) {
        printf("CASE FAIL %s: no cases found in %s\n", case_dir, dir);
        (*cases_failed)++;
    }
    for (int i = 0; i < n; i++) {
        if (filter && !strstr(names[i], filter)) continue;
        fflush(stdout);
        fflush(stderr);
        gold_counts->finished = false;
        int before_failed = gold_counts->variants_failed;
        int before_passed = gold_counts->variants_passed;
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(1);
        }
        if (pid == 0) {
            alarm(GOLD_CASE_SECONDS);
            gold_run_case(dir, case_dir, names[i], synthetic);
            gold_counts->finished = true;
            fflush(stdout);
            exit(0);   /* exit(), not _exit(): LeakSanitizer checks at exit */
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0) {}
        bool crashed = !gold_counts->finished || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        int nf = gold_counts->variants_failed - before_failed;
        int np = gold_counts->variants_passed - before_passed;
        if (crashed) {
            if (WIFSIGNALED(status))
                printf("FAIL %s/%s: case runner killed by signal %d%s\n", case_dir, names[i],
                       WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (time limit)" : "");
            else
                printf("FAIL %s/%s: case runner exited with status %d%s (sanitizer or leak "
                       "report above)\n",
                       case_dir, names[i], WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                       gold_counts->finished ? " after finishing" : " before finishing");
            gold_counts->variants_failed++;
            nf++;
        }
        if (nf == 0) (*cases_passed)++;
        else (*cases_failed)++;
        printf("CASE %s %s/%s (%d/%d variants passed)\n", nf == 0 ? "PASS" : "FAIL", case_dir,
               names[i], np, np + nf);
        fflush(stdout);
    }
    for (int i = 0; i < n; i++) aphx_free(names[i]);
    aphx_free(names);
}

int main(int argc, char **argv)
{
    while (argc > 2 && (strcmp(argv[1], "--write-ipc") == 0 || strcmp(argv[1], "--js-dir") == 0)) {
        if (strcmp(argv[1], "--write-ipc") == 0) gold_write_dir = argv[2];
        else gold_js_dir = argv[2];
        argv += 2;
        argc -= 2;
    }
    bool synthetic = argc > 2 && strcmp(argv[1], "--synthetic") == 0;
    const char *corpora = argc > 1 ? argv[1] : getenv("APHX_CORPORA");
    const char *filter = argc > 2 ? argv[2] : NULL;
    char root[4096];
    struct stat st;
    if (synthetic) {
        snprintf(root, sizeof root, "%s", argv[2]);
        filter = argc > 3 ? argv[3] : NULL;
    } else {
        if (!corpora || !*corpora) corpora = APHX_CORPORA;
        snprintf(root, sizeof root, "%s/arrow-testing", corpora);
        if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
            printf("SKIP: arrow gold files not found at %s (corpus absent)\n", root);
            return 77;
        }
    }
    gold_counts = mmap(NULL, sizeof *gold_counts, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (gold_counts == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(gold_counts, 0, sizeof *gold_counts);

    int cases_passed = 0, cases_failed = 0;
    if (synthetic) {
        gold_run_dir(root, "synthetic", true, filter, &cases_passed, &cases_failed);
    } else {
        for (size_t di = 0; di < APHX_ARRAY_LEN(gold_dirs); di++) {
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/%s", root, gold_dirs[di]);
            gold_run_dir(dir, gold_dirs[di], false, filter, &cases_passed, &cases_failed);
        }
    }
    const char *what = synthetic ? "arrow-json-roundtrip" : "arrow-gold";
    printf("%s variants: %d passed, %d failed\n", what, gold_counts->variants_passed,
           gold_counts->variants_failed);
    printf("%s: %d passed, %d failed\n", what, cases_passed, cases_failed);
    int rc = cases_failed == 0 ? 0 : 1;
    munmap(gold_counts, sizeof *gold_counts);
    return rc;
}
