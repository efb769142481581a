/*
 * main.c — `aphx`, the one binary: dispatches to subcommands.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>

static const cli_command commands[] = {
    {"demo", "run the end-to-end demonstration (the README's main job)", cli_cmd_demo},
    {"keeper", "run the ZooKeeper-compatible coordination server (--config zoo.cfg | --port P --data-dir D)", cli_cmd_keeper},
    {"arrow", "inspect and convert Arrow IPC files and streams (cat, schema, convert)", cli_cmd_arrow},
    {"bench", "load generators: 'bench keeper' drives a ZooKeeper-compatible server", cli_cmd_bench},
};

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return true;
    }
    return false;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "aphx %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'aphx %s --help'.\n", cmd);
    return 2;
}

int cli_report(const char *cmd, const aphx_error *err)
{
    fprintf(stderr, "aphx %s: error: %s\n", cmd,
            err->msg[0] ? err->msg : aphx_rc_text(err->code));
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "ArrowPhoenix %s — distributed SQL on Apache Arrow with metadata in ZooKeeper\n\n"
            "Usage: aphx <command> [options]\n\n"
            "Commands:\n",
            APHX_VERSION);
    for (size_t i = 0; i < APHX_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nOptions:\n"
            "  -h, --help     show this help (or 'aphx <command> --help')\n"
            "  --version      print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("aphx %s\n", APHX_VERSION);
        return 0;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < APHX_ARRAY_LEN(commands); i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "aphx: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
