/*
 * test_sql_corpus.c — parses every statement and query of the SQLite
 * sqllogictest corpus (../shared/corpora/slt/sqlite, format in
 * ABOUT.sqllogictest.wiki there) and checks the printer fixpoint on each.
 *
 * Records: `statement ok|error` or `query <types> [sort] [label]`, then SQL
 * lines up to a blank line or `----`; `#` lines are comments; `skipif` /
 * `onlyif <engine>` lines guard the next record. Records only for other
 * engines (onlyif X, X != aphx) and those skipped for us (skipif aphx) are
 * left out and counted. A record's SQL may hold several statements (it is
 * parsed as a script).
 *
 * Pass: every `statement ok` and `query` record parses, and for each of
 * them print → parse → print gives the same text. `statement error`
 * records may fail to parse (their error is usually semantic). Prints
 * "N parsed, N failed". Exits 77 (ctest SKIP) when the corpus is absent.
 *
 * Each statement that parses is also bound (src/sql/bind.c) against an
 * in-memory catalog built from the file's own CREATE TABLE / VIEW
 * statements; a name-resolution failure on a record expected to succeed
 * fails the test (0A000 "not supported" is counted and reported).
 *
 * Usage: test_sql_corpus [corpus-dir]
 */
#include "sql/sql.h"
#include "mem_catalog.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#ifndef APHX_SLT_DIR
#define APHX_SLT_DIR "../shared/corpora/slt/sqlite"
#endif

typedef struct corpus_stats {
    long files, parsed, failed, left_out, left_out_parsed, error_records_parsed, error_records_rejected;
    long fixpoint_failures, shown;
    long bound, bind_failed, bind_unsupported;
} corpus_stats;

static corpus_stats stats;
static aphx_arena arena;
static mem_catalog catalog;   /* per file: the tables and views created so far */

static void show(const char *path, long line, const char *what, const char *sql,
                 const char *detail)
{
    if (stats.shown++ >= 25) return;
    fprintf(stderr, "%s:%ld: %s\n  SQL: %s\n%s\n", path, line, what, sql, detail);
}

/* Parse one record's SQL; returns true when it parsed. Checks the fixpoint. */
static bool check_sql(const char *path, long line, const char *sql, size_t len, bool must_parse)
{
    sql_script script;
    sql_error err;
    aphx_arena_reset(&arena);
    if (sql_parse_script(&arena, sql, len, &script, &err) != APHX_OK) {
        if (must_parse) {
            aphx_buf msg;
            aphx_buf_init(&msg);
            sql_error_render(&err, sql, len, &msg);
            show(path, line, "parse failed", sql, msg.data ? msg.data : "");
            aphx_buf_free(&msg);
        }
        return false;
    }
    /* the token-level splitter agrees with the parser on every record */
    sql_span_list spans;
    bool split_ok = sql_split_script(&arena, sql, len, &spans, &err) == APHX_OK &&
                    spans.count == script.stmts.count;
    for (size_t i = 0; split_ok && i < spans.count; i++)
        split_ok = spans.items[i]->pos.offset == script.stmts.items[i]->pos.offset &&
                   spans.items[i]->pos.offset + spans.items[i]->length == script.stmts.items[i]->end_offset;
    if (!split_ok) {
        show(path, line, "sql_split_script disagrees with the parser", sql, "");
        stats.fixpoint_failures++;
    }
    for (size_t i = 0; i < script.stmts.count; i++) {
        aphx_buf once, twice;
        aphx_buf_init(&once);
        aphx_buf_init(&twice);
        sql_print_statement(script.stmts.items[i], &once);
        sql_stmt *again;
        if (sql_parse_statement(&arena, once.data, once.len, &again, &err) != APHX_OK) {
            aphx_buf msg;
            aphx_buf_init(&msg);
            sql_error_render(&err, once.data, once.len, &msg);
            show(path, line, "printed SQL does not parse", once.data, msg.data ? msg.data : "");
            aphx_buf_free(&msg);
            stats.fixpoint_failures++;
        } else {
            sql_print_statement(again, &twice);
            if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0) {
                show(path, line, "printer is not a fixpoint", once.data, twice.data);
                stats.fixpoint_failures++;
            }
        }
        aphx_buf_free(&once);
        aphx_buf_free(&twice);
    }
    /* then bind each statement against the tables the file created so far */
    for (size_t i = 0; i < script.stmts.count; i++) {
        sql_stmt *s = script.stmts.items[i];
        if (sql_bind_statement(&arena, &catalog.catalog, s, &err) != APHX_OK) {
            if (!must_parse) return false;    /* an expected error, found by the binder */
            if (err.base.code == APHX_UNSUPPORTED) {
                stats.bind_unsupported++;
                return true;
            }
            aphx_buf msg;
            aphx_buf_init(&msg);
            sql_error_render(&err, sql, len, &msg);
            show(path, line, "bind failed", sql, msg.data ? msg.data : "");
            aphx_buf_free(&msg);
            stats.bind_failed++;
            return true;
        }
        if (must_parse) stats.bound++;
        mem_catalog_apply(&catalog, s, sql + s->pos.offset, s->end_offset - s->pos.offset);
    }
    return true;
}

static void strip_cr(char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == '\n')) line[--n] = '\0';
}

static bool is_blank(const char *line)
{
    for (; *line; line++)
        if (*line != ' ' && *line != '\t') return false;
    return true;
}

static void scan_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        stats.failed++;
        return;
    }
    stats.files++;
    mem_catalog_init(&catalog);
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    bool left_out = false;
    aphx_buf sql;
    aphx_buf_init(&sql);
    for (;;) {
        if (getline(&line, &cap, f) < 0) break;
        lineno++;
        strip_cr(line);
        if (line[0] == '#') continue;
        if (is_blank(line)) {
            left_out = false;
            continue;
        }
        char word[32] = "", arg[64] = "";
        sscanf(line, "%31s %63s", word, arg);
        if (strcmp(word, "skipif") == 0) {
            if (strcmp(arg, "aphx") == 0) left_out = true;
            continue;
        }
        if (strcmp(word, "onlyif") == 0) {
            if (strcmp(arg, "aphx") != 0) left_out = true;
            continue;
        }
        if (strcmp(word, "statement") != 0 && strcmp(word, "query") != 0) {
            left_out = false;           /* hash-threshold, halt, ... */
            continue;
        }
        bool error_record = strcmp(word, "statement") == 0 && strcmp(arg, "error") == 0;
        long start = lineno;
        aphx_buf_reset(&sql);
        /* SQL lines up to a blank line or ---- ; then skip results */
        bool in_results = false;
        for (;;) {
            if (getline(&line, &cap, f) < 0) break;
            lineno++;
            strip_cr(line);
            if (is_blank(line)) break;
            if (in_results) continue;
            if (strcmp(line, "----") == 0) {
                in_results = true;
                continue;
            }
            if (line[0] == '#') continue;
            if (sql.len) aphx_buf_putc(&sql, '\n');
            aphx_buf_puts(&sql, line);
        }
        if (left_out) {
            /* not required, but measured: how much of other engines' SQL we read */
            stats.left_out++;
            if (check_sql(path, start, sql.data ? sql.data : "", sql.len, false))
                stats.left_out_parsed++;
        } else if (error_record) {
            if (check_sql(path, start, sql.data ? sql.data : "", sql.len, false))
                stats.error_records_parsed++;
            else
                stats.error_records_rejected++;
        } else if (check_sql(path, start, sql.data ? sql.data : "", sql.len, true)) {
            stats.parsed++;
        } else {
            stats.failed++;
        }
        left_out = false;
    }
    aphx_buf_free(&sql);
    free(line);
    fclose(f);
    mem_catalog_free(&catalog);
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    size_t n = strlen(path);
    if (type == FTW_F && n > 5 && strcmp(path + n - 5, ".test") == 0) scan_file(path);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : APHX_SLT_DIR;
    char about[4096];
    snprintf(about, sizeof about, "%s/ABOUT.sqllogictest.wiki", dir);
    FILE *probe = fopen(about, "r");
    if (!probe) {
        printf("SKIP: sqllogictest corpus not found at %s\n", dir);
        return 77;
    }
    fclose(probe);
    aphx_arena_init(&arena, 256 * 1024);
    int64_t t0 = aphx_now_ns();
    nftw(dir, visit, 16, FTW_PHYS);
    double secs = (double)(aphx_now_ns() - t0) / 1e9;
    aphx_arena_destroy(&arena);
    printf("corpus %s: %ld files in %.2f s\n", dir, stats.files, secs);
    printf("left out (onlyif other engine / skipif aphx): %ld records (%ld of them parse and bind anyway)\n",
           stats.left_out, stats.left_out_parsed);
    printf("statement error records: %ld accepted, %ld rejected by the parser or binder\n",
           stats.error_records_parsed, stats.error_records_rejected);
    printf("printer fixpoint failures: %ld\n", stats.fixpoint_failures);
    printf("binder: %ld statements bound, %ld failed, %ld not supported (0A000)\n", stats.bound,
           stats.bind_failed, stats.bind_unsupported);
    printf("%ld parsed, %ld failed\n", stats.parsed, stats.failed);
    return stats.failed || stats.fixpoint_failures || stats.bind_failed ? 1 : 0;
}
