/*
 * cli.h — the `aphx` command line: one table of subcommands, each with a
 * one-line summary and a run function that parses its own arguments and
 * prints its own --help.
 */
#ifndef APHX_CLI_H
#define APHX_CLI_H

#include "arrow/arrow.h"
#include "base/base.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    /* argv[0] is the subcommand name. Returns the process exit code. */
    int (*run)(int argc, char **argv);
} cli_command;

/* True if argv has -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);
/* Print "aphx <cmd>: <message>" to stderr; returns 2 (usage error). */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print an aphx_error as "aphx <cmd>: error: <msg>"; returns 1. */
int cli_report(const char *cmd, const aphx_error *err);

/* Aligned text tables of Arrow batches (table.c). Streaming use:
 *   cli_table t; cli_table_init(&t, stdout, schema, "");
 *   cli_table_add(&t, batch, rows) for each batch; cli_table_finish(&t);
 * The schema must outlive the table. Errors: APHX_NOMEM. */
typedef struct cli_table {
    FILE               *out;
    const arrow_schema *schema;
    const char         *indent;      /* printed before every line */
    size_t             *widths;      /* per column, grows with the data */
    bool                header_done;
} cli_table;

aphx_rc cli_table_init(cli_table *t, FILE *out, const arrow_schema *schema, const char *indent);
aphx_rc cli_table_add(cli_table *t, const arrow_batch *bt, int64_t rows);
/* Prints the header if no row did, and frees the table's memory. */
void    cli_table_finish(cli_table *t);
/* One batch: init + add + finish. */
aphx_rc cli_table_print(FILE *out, const arrow_batch *bt, int64_t rows, const char *indent);

/* The keeper part of `aphx demo` (demo_keeper.c): start an embedded keeper
 * under <data_dir>/keeper and show two ZooKeeper clients sharing a table
 * definition through it. */
aphx_rc cli_demo_keeper(const char *data_dir, const arrow_schema *schema, aphx_error *err);

int cli_cmd_arrow(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_keeper(int argc, char **argv);
int cli_cmd_bench(int argc, char **argv);

#endif
