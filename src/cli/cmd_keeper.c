/*
 * cmd_keeper.c — `aphx keeper`: run the ZooKeeper-compatible keeper.
 *
 *   aphx keeper --config zoo.cfg
 *   aphx keeper --port 2181 --data-dir /tmp/keeper      (quick start)
 *   aphx keeper --config zoo.cfg --set snapCount=1000   (override a key)
 *
 * Prints "keeper listening on 127.0.0.1:<port>" on stdout once it serves
 * (tests wait for that line) and stops cleanly on SIGINT/SIGTERM.
 */
#include "cli/cli.h"
#include "keeper/keeper.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static keeper_server *cli_keeper_running;

static void cli_keeper_on_signal(int sig)
{
    (void)sig;
    if (cli_keeper_running) keeper_server_stop(cli_keeper_running);
}

static void cli_keeper_usage(FILE *f)
{
    fprintf(f,
            "Usage: aphx keeper [--config zoo.cfg] [--port N] [--data-dir DIR] [--data-log-dir DIR]\n"
            "                   [--set key=value]... [--log-level debug|info|warn|error]\n\n"
            "Runs the keeper, a ZooKeeper 3.8-compatible coordination server.\n"
            "  --config FILE      Apache ZooKeeper zoo.cfg\n"
            "  --port N           clientPort (0 = pick a free port)\n"
            "  --data-dir DIR     dataDir (snapshots; also the txn log unless --data-log-dir)\n"
            "  --data-log-dir DIR dataLogDir\n"
            "  --set key=value    any zoo.cfg key, as if it were in the file\n");
}

int cli_cmd_keeper(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        cli_keeper_usage(stdout);
        return 0;
    }
    const char *config = NULL;
    keeper_config_overrides ov = {0};
    const char **settings = calloc((size_t)argc + 1, sizeof *settings);
    size_t nsettings = 0;
    bool port_zero = false;
    if (!settings) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--config") == 0 && v) {
            config = v;
            i++;
        } else if (strcmp(a, "--port") == 0 && v) {
            int64_t p;
            if (!aphx_parse_i64(v, &p) || p < 0 || p > 65535) {
                free(settings);
                return cli_usage_error("keeper", "--port wants a number 0..65535, not '%s'", v);
            }
            /* zoo.cfg wants 1..65535; 0 (pick a free port) is applied after loading */
            ov.port = p == 0 ? 65535 : (int)p;
            port_zero = p == 0;
            i++;
        } else if (strcmp(a, "--data-dir") == 0 && v) {
            ov.data_dir = v;
            i++;
        } else if (strcmp(a, "--data-log-dir") == 0 && v) {
            ov.data_log_dir = v;
            i++;
        } else if (strcmp(a, "--set") == 0 && v) {
            settings[nsettings++] = v;
            i++;
        } else if (strcmp(a, "--log-level") == 0 && v) {
            aphx_log_level lvl;
            if (!aphx_log_parse_level(v, &lvl)) {
                free(settings);
                return cli_usage_error("keeper", "unknown log level '%s'", v);
            }
            aphx_log_set_level(lvl);
            i++;
        } else {
            free(settings);
            return cli_usage_error("keeper", "unknown or incomplete option '%s'", a);
        }
    }
    ov.settings = settings;
    ov.setting_count = nsettings;
    aphx_error err = {0};
    keeper_config cfg;
    if (keeper_config_load(&cfg, config, &ov, &err) != APHX_OK) {
        free(settings);
        return cli_report("keeper", &err);
    }
    free(settings);
    if (port_zero) cfg.client_port = 0;
    keeper_server *s = NULL;
    aphx_rc rc = keeper_server_open(&s, &cfg, &err);
    keeper_config_free(&cfg);
    if (rc != APHX_OK) return cli_report("keeper", &err);
    cli_keeper_running = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_keeper_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("keeper listening on 127.0.0.1:%d\n", keeper_server_port(s));
    if (keeper_server_metrics_port(s) > 0)
        printf("keeper metrics on http://127.0.0.1:%d/metrics\n", keeper_server_metrics_port(s));
    fflush(stdout);
    rc = keeper_server_run(s, &err);
    cli_keeper_running = NULL;
    keeper_server_close(s);
    if (rc != APHX_OK) return cli_report("keeper", &err);
    return 0;
}
