/*
 * interop_duckdb_cdata.c — the C Data / C Stream Interface against a real
 * peer: DuckDB's shared library (shipped by the @duckdb/node-bindings npm
 * package that tests/interop installs), loaded with dlopen.
 *
 *   1. DuckDB -> us: a query over ~30 types (ints, unsigned, floats,
 *      decimals, strings, blobs, dates, times, timestamps with and without
 *      zone, intervals, lists, structs, maps, sparse unions, fixed-size
 *      arrays, enums = dictionaries) is fetched as ArrowSchema/ArrowArray,
 *      imported, validated, and rendered as JSON against expected rows.
 *   2. us -> DuckDB: batches made with our builders are exported as a C
 *      stream, scanned by DuckDB (duckdb_arrow_scan), selected back as
 *      Arrow and imported again; every cell must render the same JSON.
 *   3. every builder test case (tests/arrow_core/cases.h) goes the same
 *      way, one column each, against a table of what DuckDB does with it
 *      (identical, converted to a listed result, refused, or a documented
 *      divergence).
 *
 * Usage: interop_duckdb_cdata /path/to/libduckdb.so
 * Exit 77 (skip) with a printed reason when the library is absent.
 * Label `interop`. DuckDB's arrow_scan never releases the schemas it asks
 * our stream for, so CMake turns LeakSanitizer off for this test.
 */
#include "arrow/arrow.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *duck_handle;   /* duckdb_database / connection / arrow: opaque pointers */

static struct {
    int (*open)(const char *, duck_handle *);
    void (*close)(duck_handle *);
    int (*connect)(duck_handle, duck_handle *);
    void (*disconnect)(duck_handle *);
    int (*query_arrow)(duck_handle, const char *, duck_handle *);
    int (*query_arrow_schema)(duck_handle, void **);
    int (*query_arrow_array)(duck_handle, void **);
    const char *(*query_arrow_error)(duck_handle);
    void (*destroy_arrow)(duck_handle *);
    int (*arrow_scan)(duck_handle, const char *, void *);
} duck;

static int failures;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
            failures++;                                    \
        }                                                  \
    } while (0)

static bool load_duckdb(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("SKIP: cannot load %s (%s); run scripts/install-deps.sh --test\n", path, dlerror());
        return false;
    }
#define LOAD(field, name)                                                   \
    do {                                                                    \
        *(void **)&duck.field = dlsym(h, name);                             \
        if (!duck.field) {                                                  \
            printf("SKIP: %s lacks %s\n", path, name);                      \
            return false;                                                   \
        }                                                                   \
    } while (0)
    LOAD(open, "duckdb_open");
    LOAD(close, "duckdb_close");
    LOAD(connect, "duckdb_connect");
    LOAD(disconnect, "duckdb_disconnect");
    LOAD(query_arrow, "duckdb_query_arrow");
    LOAD(query_arrow_schema, "duckdb_query_arrow_schema");
    LOAD(query_arrow_array, "duckdb_query_arrow_array");
    LOAD(query_arrow_error, "duckdb_query_arrow_error");
    LOAD(destroy_arrow, "duckdb_destroy_arrow");
    LOAD(arrow_scan, "duckdb_arrow_scan");
#undef LOAD
    return true;
}

/* Run sql; import its schema into *schema and every row as a JSON line
 * ("v1 | v2 | ...") appended to *rows. Returns false on any error; a
 * failure of DuckDB's query itself is copied to duck_error (if non-NULL)
 * instead of counting as a test failure. */
static bool duck_fetch_ex(duck_handle conn, const char *sql, arrow_schema *schema, aphx_buf *rows,
                          aphx_buf *duck_error)
{
    duck_handle res = NULL;
    bool ok = false, count_failure = true;
    aphx_error err = {0};
    memset(schema, 0, sizeof *schema);
    if (duck.query_arrow(conn, sql, &res)) {
        if (duck_error) {
            aphx_buf_puts(duck_error, duck.query_arrow_error(res));
            count_failure = false;
        } else {
            printf("FAIL: DuckDB query failed: %s\n", duck.query_arrow_error(res));
        }
        goto done;
    }
    struct ArrowSchema cs;
    memset(&cs, 0, sizeof cs);
    void *ps = &cs;
    if (duck.query_arrow_schema(res, &ps) || !cs.release) {
        printf("FAIL: DuckDB gave no schema\n");
        goto done;
    }
    if (arrow_import_schema(&cs, schema, &err)) {
        printf("FAIL: importing DuckDB's schema: %s\n", err.msg);
        if (cs.release) cs.release(&cs);
        goto done;
    }
    for (;;) {
        struct ArrowArray ca;
        memset(&ca, 0, sizeof ca);
        void *pa = &ca;
        if (duck.query_arrow_array(res, &pa)) {
            printf("FAIL: DuckDB fetch failed\n");
            goto done;
        }
        if (!ca.release) break;
        arrow_batch *b;
        if (arrow_import_batch(schema, &ca, &b, &err)) {
            printf("FAIL: importing DuckDB's batch: %s\n", err.msg);
            if (ca.release) ca.release(&ca);
            goto done;
        }
        bool valid = arrow_batch_validate(b, true, &err) == APHX_OK;
        if (!valid) printf("FAIL: DuckDB's batch does not validate: %s\n", err.msg);
        /* and it survives our own export -> import */
        struct ArrowArray again;
        arrow_batch *b2 = NULL;
        if (valid && (arrow_export_batch(b, &again, &err) || arrow_import_batch(schema, &again, &b2, &err))) {
            printf("FAIL: re-export of DuckDB's batch: %s\n", err.msg);
            valid = false;
        }
        if (b2 && !arrow_batch_equal(b, b2, NULL)) {
            printf("FAIL: re-exported batch differs\n");
            valid = false;
        }
        arrow_batch_free(b2);
        for (int64_t r = 0; valid && r < b->length; r++) {
            for (int32_t c = 0; c < b->n_columns; c++) {
                if (c) aphx_buf_puts(rows, " | ");
                arrow_array_format_json(&schema->fields[c], b->columns[c], r, rows);
            }
            aphx_buf_putc(rows, '\n');
        }
        arrow_batch_free(b);
        if (!valid) goto done;
    }
    ok = true;
done:
    if (res) duck.destroy_arrow(&res);
    if (!ok && count_failure) failures++;
    return ok;
}

static bool duck_fetch(duck_handle conn, const char *sql, arrow_schema *schema, aphx_buf *rows)
{
    return duck_fetch_ex(conn, sql, schema, rows, NULL);
}

/* ---- 1. DuckDB -> us ---- */
static const char duck_types_sql[] =
    "SELECT i::TINYINT a, (i*1000)::SMALLINT b, i::INTEGER c, (i*10000000000)::BIGINT d, "
    "i::UTINYINT e, i::USMALLINT f, i::UINTEGER g, 18446744073709551615::UBIGINT h, "
    "1.5::FLOAT fl, 0.1::DOUBLE db, -12.345::DECIMAL(10,3) de, "
    "123456789012345678901234567.89::DECIMAL(38,2) de38, 'h\xc3\xa9llo' s, '\\xAA\\xBB'::BLOB bl, "
    "DATE '2024-02-29' dt, TIME '13:45:00.5' tm, TIMESTAMP '2024-02-29 13:45:00.123456' ts, "
    "TIMESTAMPTZ '2024-02-29 13:45:00+00' tstz, INTERVAL '1 month 2 days 3 seconds' iv, "
    "CASE WHEN i = 1 THEN NULL ELSE [1, NULL, i] END lst, {'a': i, 'b': 'x'} st, MAP {'k': i} mp, "
    "union_value(num := 2)::UNION(num INT, str VARCHAR) un, i % 2 = 0 bo, "
    "CASE WHEN i = 2 THEN NULL ELSE 'q' || i END ns, [i, 2]::INT[2] arr, "
    "'a'::ENUM('a','b') en, 15::HUGEINT hi FROM range(3) t(i) ORDER BY i";

static const char duck_types_expected[] =
    "0 | 0 | 0 | 0 | 0 | 0 | 0 | \"18446744073709551615\" | 1.5 | 0.1 | \"-12.345\" | "
    "\"123456789012345678901234567.89\" | \"h\xc3\xa9llo\" | \"AABB\" | 19782 | 49500500000 | "
    "1709214300123456 | 1709214300000000 | {\"months\":1,\"days\":2,\"nanoseconds\":3000000000} | "
    "[1,null,0] | {\"a\":0,\"b\":\"x\"} | [[\"k\",0]] | 2 | true | \"q0\" | [0,2] | \"a\" | \"15\"\n"
    "1 | 1000 | 1 | 10000000000 | 1 | 1 | 1 | \"18446744073709551615\" | 1.5 | 0.1 | \"-12.345\" | "
    "\"123456789012345678901234567.89\" | \"h\xc3\xa9llo\" | \"AABB\" | 19782 | 49500500000 | "
    "1709214300123456 | 1709214300000000 | {\"months\":1,\"days\":2,\"nanoseconds\":3000000000} | "
    "null | {\"a\":1,\"b\":\"x\"} | [[\"k\",1]] | 2 | false | \"q1\" | [1,2] | \"a\" | \"15\"\n"
    "2 | 2000 | 2 | 20000000000 | 2 | 2 | 2 | \"18446744073709551615\" | 1.5 | 0.1 | \"-12.345\" | "
    "\"123456789012345678901234567.89\" | \"h\xc3\xa9llo\" | \"AABB\" | 19782 | 49500500000 | "
    "1709214300123456 | 1709214300000000 | {\"months\":1,\"days\":2,\"nanoseconds\":3000000000} | "
    "[1,null,2] | {\"a\":2,\"b\":\"x\"} | [[\"k\",2]] | 2 | true | null | [2,2] | \"a\" | \"15\"\n";

static void test_duckdb_to_us(duck_handle conn)
{
    arrow_schema s;
    aphx_buf rows;
    aphx_buf_init(&rows);
    if (duck_fetch(conn, duck_types_sql, &s, &rows)) {
        CHECK(s.n_fields == 28, "DuckDB gave %d columns", s.n_fields);
        CHECK(rows.data && strcmp(rows.data, duck_types_expected) == 0, "rows differ:\n%s\nexpected:\n%s",
              rows.data ? rows.data : "", duck_types_expected);
        CHECK(s.n_fields > 26 && s.fields[26].dict && s.fields[26].type.id == ARROW_UTF8,
              "the ENUM column is not a dictionary of utf8");
        CHECK(s.n_fields > 17 && s.fields[17].type.timezone != NULL, "TIMESTAMPTZ lost its zone");
        printf("%s DuckDB -> us: 28 types x 3 rows\n", failures ? "FAIL" : "PASS");
    }
    /* a larger result spans several DuckDB chunks (2048 rows each) */
    aphx_buf_reset(&rows);
    arrow_schema_free(&s);
    if (duck_fetch(conn, "SELECT i, i::VARCHAR s, [i, i+1] l FROM range(5000) t(i) ORDER BY i", &s, &rows)) {
        int lines = 0;
        for (size_t k = 0; k < rows.len; k++) lines += rows.data[k] == '\n';
        CHECK(lines == 5000, "%d rows", lines);
        CHECK(strstr(rows.data, "4999 | \"4999\" | [4999,5000]\n") != NULL, "last row missing");
        printf("PASS DuckDB -> us: 5000 rows over several chunks\n");
    }
    arrow_schema_free(&s);
    aphx_buf_free(&rows);
}

/* ---- 2. us -> DuckDB -> us ---- */
#define N_OURS 14

static void ours_schema(arrow_schema *s)
{
    static const struct { const char *name; arrow_type_id id; } cols[N_OURS] = {
        {"i8", ARROW_INT8}, {"u64", ARROW_UINT64}, {"f64", ARROW_FLOAT64}, {"dec", ARROW_DECIMAL128},
        {"s", ARROW_UTF8}, {"ls", ARROW_LARGE_UTF8}, {"bin", ARROW_BINARY}, {"d", ARROW_DATE32},
        {"ts", ARROW_TIMESTAMP}, {"b", ARROW_BOOL}, {"l", ARROW_LIST}, {"st", ARROW_STRUCT},
        {"dict", ARROW_UTF8}, {"u", ARROW_SPARSE_UNION},
    };
    arrow_schema_init(s, N_OURS);
    for (int i = 0; i < N_OURS; i++) arrow_field_init(&s->fields[i], cols[i].name, cols[i].id, true);
    s->fields[3].type.precision = 12;
    s->fields[3].type.scale = 2;
    arrow_field_set_timezone(&s->fields[8], "UTC");
    arrow_field_set_children(&s->fields[10], 1);
    arrow_field_init(&s->fields[10].children[0], "item", ARROW_INT32, true);
    arrow_field_set_children(&s->fields[11], 2);
    arrow_field_init(&s->fields[11].children[0], "x", ARROW_INT64, true);
    arrow_field_init(&s->fields[11].children[1], "y", ARROW_UTF8, true);
    s->fields[12].dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    s->fields[12].dict->index_type = ARROW_INT16;
    arrow_field_set_children(&s->fields[13], 2);   /* type codes 0 and 1 */
    arrow_field_init(&s->fields[13].children[0], "n", ARROW_INT32, true);
    arrow_field_init(&s->fields[13].children[1], "t", ARROW_UTF8, true);
}

/* Rows first .. first+n-1. */
static arrow_batch *ours_batch(const arrow_schema *s, int64_t first, int64_t n)
{
    arrow_builder *b[N_OURS];
    for (int i = 0; i < N_OURS; i++) b[i] = arrow_builder_new(&s->fields[i]);
    char tmp[64];
    for (int64_t r = first; r < first + n; r++) {
        bool null = r % 7 == 3;
        int len = snprintf(tmp, sizeof tmp, "v\xc3\xa9%lld", (long long)r);
        if (null) {
            for (int i = 0; i < N_OURS; i++) arrow_builder_append_null(b[i]);
            continue;
        }
        arrow_builder_append_int(b[0], (int64_t)(r % 256) - 128);
        arrow_builder_append_uint(b[1], UINT64_MAX - (uint64_t)r);
        arrow_builder_append_double(b[2], (double)r / 3.0);
        arrow_builder_append_int(b[3], r * 101 - 5000);
        arrow_builder_append_bytes(b[4], tmp, len);
        arrow_builder_append_bytes(b[5], tmp, len);
        arrow_builder_append_bytes(b[6], tmp, 3);
        arrow_builder_append_int(b[7], 19782 + r);
        arrow_builder_append_int(b[8], 1709214300123456LL + r * 1000001);
        arrow_builder_append_bool(b[9], r % 3 == 0);
        arrow_builder *item = arrow_builder_child(b[10], 0);
        for (int64_t k = 0; k < r % 4; k++) {
            if (k == 2) arrow_builder_append_null(item);
            else arrow_builder_append_int(item, r * 10 + k);
        }
        arrow_builder_append_valid(b[10]);
        arrow_builder_append_int(arrow_builder_child(b[11], 0), -r);
        if (r % 5 == 0) arrow_builder_append_null(arrow_builder_child(b[11], 1));
        else arrow_builder_append_bytes(arrow_builder_child(b[11], 1), tmp, len);
        arrow_builder_append_valid(b[11]);
        arrow_builder_append_bytes(b[12], r % 3 ? "red" : "green", r % 3 ? 3 : 5);
        if (r % 2) {
            arrow_builder_append_union(b[13], 0);
            arrow_builder_append_int(arrow_builder_child(b[13], 0), r);
        } else {
            arrow_builder_append_union(b[13], 1);
            arrow_builder_append_bytes(arrow_builder_child(b[13], 1), tmp, len);
        }
    }
    arrow_batch *batch = arrow_batch_new(s, n);
    for (int i = 0; i < N_OURS; i++) {
        batch->columns[i] = arrow_builder_finish(b[i], NULL);
        arrow_builder_free(b[i]);
    }
    return batch;
}

typedef struct ours_reader {
    arrow_reader base;
    arrow_schema schema;
    int          produced;
} ours_reader;

static const arrow_schema *ours_reader_schema(arrow_reader *r) { return &((ours_reader *)r)->schema; }

/* Rows 5..704 as a zero-copy slice (array offset 5) of a 710-row batch.
 * The dictionary and union columns are the exception: DuckDB 1.5.6 showed
 * a null slot of a sliced dictionary-encoded column (array offset 5,
 * validity bit clear, as our own import and validation confirm) as the
 * value of its index, and read a sliced sparse union's first slot as null
 * (its child value sits at parent offset + 0 = 5, as the spec and the
 * arrow-testing slice files have it); it seems to ignore the offset there.
 * Those two columns are built at offset 0, with the same values. */
static arrow_batch *ours_sliced_batch(const arrow_schema *s)
{
    arrow_batch *whole = ours_batch(s, 0, 710);
    arrow_batch *sliced = arrow_batch_slice(whole, 5, 700);
    arrow_batch_free(whole);
    arrow_batch *fresh = ours_batch(s, 5, 700);
    for (int c = 12; c <= 13; c++) {
        arrow_array_unref(sliced->columns[c]);
        sliced->columns[c] = arrow_array_ref(fresh->columns[c]);
    }
    arrow_batch_free(fresh);
    return sliced;
}

/* Three batches: 100 rows, the 700-row slice, 0 rows. */
static aphx_rc ours_reader_next(arrow_reader *r, arrow_batch **out, aphx_error *err)
{
    ours_reader *o = (ours_reader *)r;
    *out = NULL;
    switch (o->produced++) {
    case 0: *out = ours_batch(&o->schema, 0, 100); break;
    case 1: *out = ours_sliced_batch(&o->schema); break;
    case 2: *out = ours_batch(&o->schema, 0, 0); break;
    default: return APHX_OK;
    }
    return *out ? APHX_OK : aphx_fail(err, APHX_NOMEM, "out of memory");
}

static void ours_reader_close(arrow_reader *r)
{
    ours_reader *o = (ours_reader *)r;
    arrow_schema_free(&o->schema);
    free(o);
}

static void test_us_to_duckdb(duck_handle conn)
{
    /* What we expect: our own rendering of the same batches. */
    arrow_schema s;
    ours_schema(&s);
    aphx_buf want;
    aphx_buf_init(&want);
    for (int part = 0; part < 2; part++) {
        arrow_batch *b = part ? ours_sliced_batch(&s) : ours_batch(&s, 0, 100);
        for (int64_t r = 0; r < b->length; r++) {
            for (int32_t c = 0; c < b->n_columns; c++) {
                if (c) aphx_buf_puts(&want, " | ");
                arrow_array_format_json(&s.fields[c], b->columns[c], r, &want);
            }
            aphx_buf_putc(&want, '\n');
        }
        arrow_batch_free(b);
    }

    ours_reader *o = calloc(1, sizeof *o);
    ours_schema(&o->schema);
    o->base.schema = ours_reader_schema;
    o->base.next = ours_reader_next;
    o->base.close = ours_reader_close;
    struct ArrowArrayStream *stream = calloc(1, sizeof *stream);
    if (arrow_export_stream(&o->base, stream)) {
        CHECK(false, "export_stream failed");
        return;
    }
    CHECK(duck.arrow_scan(conn, "ours", stream) == 0, "duckdb_arrow_scan refused our stream");
    arrow_schema back;
    aphx_buf got;
    aphx_buf_init(&got);
    /* rowid order is the stream order for a single-threaded scan */
    if (duck_fetch(conn, "SELECT * FROM ours", &back, &got)) {
        CHECK(got.data && strcmp(got.data, want.data) == 0, "DuckDB's copy of our data differs");
        if (got.data && strcmp(got.data, want.data) != 0) {
            /* print the first differing line */
            const char *g = got.data, *w = want.data;
            while (*g && *g == *w) g++, w++;
            while (g > got.data && g[-1] != '\n') g--, w--;
            int line = 1;
            for (const char *p = got.data; p < g; p++) line += *p == '\n';
            printf("  row %d\n  got:  %.*s\n  want: %.*s\n", line, (int)strcspn(g, "\n"), g,
                   (int)strcspn(w, "\n"), w);
        }
        aphx_buf sb;
        aphx_buf_init(&sb);
        arrow_schema_format(&back, &sb);
        printf("%s us -> DuckDB -> us: 800 rows x %d columns; DuckDB's types:\n%s", failures ? "FAIL" : "PASS",
               back.n_fields, sb.data);
        aphx_buf_free(&sb);
    }
    arrow_schema_free(&back);
    stream->release(stream);
    CHECK(stream->release == NULL, "stream release did not clear release");
    free(stream);
    aphx_buf_free(&got);
    aphx_buf_free(&want);
    arrow_schema_free(&s);
}

/* ---- 3. every builder test case, one column each, through DuckDB ---- */
#define assert_int_equal(a, b)                                                   \
    do {                                                                         \
        if ((long long)(a) != (long long)(b)) {                                  \
            printf("FAIL %s:%d: %lld != %lld\n", __FILE__, __LINE__,            \
                   (long long)(a), (long long)(b));                              \
            exit(1);                                                             \
        }                                                                        \
    } while (0)
#define assert_non_null(p) assert_int_equal((p) != NULL, 1)
#define fail_msg(...) (printf("FAIL: " __VA_ARGS__), printf("\n"), exit(1))
#include "cases.h"

typedef struct one_reader {
    arrow_reader base;
    arrow_schema schema;
    arrow_array *column;
    bool         done;
} one_reader;

static const arrow_schema *one_schema(arrow_reader *r) { return &((one_reader *)r)->schema; }

static aphx_rc one_next(arrow_reader *r, arrow_batch **out, aphx_error *err)
{
    one_reader *o = (one_reader *)r;
    *out = NULL;
    if (o->done) return APHX_OK;
    o->done = true;
    *out = arrow_batch_new(&o->schema, o->column->length);
    if (!*out) return aphx_fail(err, APHX_NOMEM, "out of memory");
    (*out)->columns[0] = arrow_array_ref(o->column);
    return APHX_OK;
}

static void one_close(arrow_reader *r)
{
    one_reader *o = (one_reader *)r;
    arrow_array_unref(o->column);
    arrow_schema_free(&o->schema);
    free(o);
}

/* What DuckDB 1.5.6 (the version tests/interop pins) does with each of our
 * test cases. SAME: the rows come back rendering identical JSON. CONVERTED:
 * DuckDB maps the type to one of its own; the rows it returns are listed.
 * REFUSED: DuckDB rejects the type (scan or query error). DIVERGES: DuckDB
 * reads the values differently, for the reason given; only the fetch is
 * checked. */
typedef enum { DUCK_SAME, DUCK_CONVERTED, DUCK_REFUSED, DUCK_DIVERGES } duck_outcome;
static const struct {
    const char  *name;
    duck_outcome outcome;
    const char  *rows_or_reason;
} duck_expect[] = {
    {"float16", DUCK_REFUSED, "DuckDB has no half-precision type"},
    {"decimal128", DUCK_DIVERGES, "row 3 holds 2^127-1, beyond the declared precision 10; DuckDB truncates it"},
    {"decimal256", DUCK_REFUSED, "DuckDB has no 256-bit decimals"},
    {"date64", DUCK_CONVERTED, "19782\nnull\n"},
    {"time32", DUCK_CONVERTED, "49500500000\nnull\n"},
    {"duration", DUCK_CONVERTED, "{\"months\":0,\"days\":0,\"nanoseconds\":15000000}\nnull\n"},
    {"interval_months", DUCK_CONVERTED, "{\"months\":3,\"days\":0,\"nanoseconds\":0}\nnull\n"},
    {"interval_day_time", DUCK_DIVERGES,
     "for {2 days, 15 ms} DuckDB returned (15 * 2^32 + 2) ms: it reads the two int32s as one "
     "int64 of milliseconds; the arrow-testing gold interval files confirm our layout"},
    {"interval_mdn", DUCK_CONVERTED, "{\"months\":1,\"days\":2,\"nanoseconds\":0}\nnull\n"},
    {"sparse_union", DUCK_REFUSED, "DuckDB needs type codes 0..n-1 (this union uses 5 and 7)"},
    {"dense_union", DUCK_REFUSED, "DuckDB reads sparse unions only"},
    {"dense_union_nested", DUCK_REFUSED, "DuckDB reads sparse unions only"},
    {"dictionary_struct", DUCK_REFUSED, "DuckDB's arrow_scan refuses dictionaries of struct values"},
};

static void test_cases_through_duckdb(duck_handle conn)
{
    int same = 0, converted = 0, refused = 0, diverges = 0;
    for (size_t k = 0; k < APHX_ARRAY_LEN(cases); k++) {
        const tcase *tc = &cases[k];
        duck_outcome expect = DUCK_SAME;
        const char *detail = NULL;
        for (size_t e = 0; e < APHX_ARRAY_LEN(duck_expect); e++)
            if (strcmp(duck_expect[e].name, tc->name) == 0) {
                expect = duck_expect[e].outcome;
                detail = duck_expect[e].rows_or_reason;
            }
        one_reader *o = calloc(1, sizeof *o);
        arrow_schema_init(&o->schema, 1);
        tc->setup(&o->schema.fields[0]);
        o->column = build(tc, &o->schema.fields[0]);
        aphx_buf want;
        aphx_buf_init(&want);
        for (int64_t r = 0; r < o->column->length; r++) {
            arrow_array_format_json(&o->schema.fields[0], o->column, r, &want);
            aphx_buf_putc(&want, '\n');
        }
        o->base.schema = one_schema;
        o->base.next = one_next;
        o->base.close = one_close;
        struct ArrowArrayStream *stream = calloc(1, sizeof *stream);
        arrow_export_stream(&o->base, stream);
        char view[32], sql[64];
        snprintf(view, sizeof view, "case%zu", k);
        snprintf(sql, sizeof sql, "SELECT * FROM %s", view);
        int scan = duck.arrow_scan(conn, view, stream);
        aphx_buf got, duck_err;
        aphx_buf_init(&got);
        aphx_buf_init(&duck_err);
        bool fetched = false, fetch_failed = false;
        if (scan == 0) {
            arrow_schema back;
            fetched = duck_fetch_ex(conn, sql, &back, &got, &duck_err);
            fetch_failed = !fetched && duck_err.len == 0;
            arrow_schema_free(&back);
        }
        const char *g = got.data ? got.data : "";
        switch (expect) {
        case DUCK_SAME:
            CHECK(fetched && strcmp(g, want.data) == 0, "case %s: DuckDB returned\n%swanted\n%s%s", tc->name,
                  g, want.data, duck_err.len ? duck_err.data : "");
            same++;
            break;
        case DUCK_CONVERTED:
            CHECK(fetched && strcmp(g, detail) == 0, "case %s: DuckDB returned\n%swanted\n%s%s", tc->name, g,
                  detail, duck_err.len ? duck_err.data : "");
            converted++;
            break;
        case DUCK_REFUSED:
            CHECK(!fetched && !fetch_failed, "case %s: DuckDB was expected to refuse it (%s)", tc->name, detail);
            refused++;
            break;
        case DUCK_DIVERGES:
            CHECK(fetched, "case %s: DuckDB fetch failed", tc->name);
            diverges++;
            break;
        }
        aphx_buf_free(&duck_err);
        stream->release(stream);
        free(stream);
        aphx_buf_free(&got);
        aphx_buf_free(&want);
    }
    printf("%s every builder case through DuckDB: %d identical, %d converted as expected, "
           "%d refused as expected, %d known divergences\n", failures ? "FAIL" : "PASS", same, converted,
           refused, diverges);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "libduckdb.so";
    if (!load_duckdb(path)) return 77;
    duck_handle db = NULL, conn = NULL;
    if (duck.open(NULL, &db) || duck.connect(db, &conn)) {
        printf("FAIL: cannot open an in-memory DuckDB\n");
        return 1;
    }
    duck_handle res = NULL;
    duck.query_arrow(conn, "SET threads = 1", &res);   /* keep scan order = stream order */
    duck.destroy_arrow(&res);
    test_duckdb_to_us(conn);
    test_us_to_duckdb(conn);
    test_cases_through_duckdb(conn);
    duck.disconnect(&conn);
    duck.close(&db);
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
