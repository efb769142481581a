/*
 * keeper_config.h — the keeper's settings, read from an Apache ZooKeeper
 * zoo.cfg (Java-properties syntax, src/base props reader) plus command-line
 * overrides (`--port`, `--data-dir`).
 *
 * Semantics follow ZooKeeper 3.8's QuorumPeerConfig/ServerConfig:
 *   tickTime                       ms, default 3000 (ZooKeeper's own default)
 *   dataDir                        required (or --data-dir)
 *   dataLogDir                     defaults to dataDir
 *   clientPort                     required (or --port), 1..65535
 *   clientPortAddress              default NULL = all addresses (0.0.0.0)
 *   maxClientCnxns                 per client IP, default 60, 0 = unlimited
 *   minSessionTimeout              ms, default 2 * tickTime
 *   maxSessionTimeout              ms, default 20 * tickTime
 *   snapCount                      txns between snapshots, default 100000
 *   preAllocSize                   KB, txn log preallocation, default 65536
 *   autopurge.snapRetainCount      default 3, values below 3 become 3
 *   autopurge.purgeInterval        hours, 0 (default) = autopurge off
 *   4lw.commands.whitelist         comma list, "*" = all; default "srvr"
 *   globalOutstandingLimit         default 1000
 *   metricsProvider.httpPort       0 (default) = no metrics endpoint
 *   metricsProvider.className      accepted and kept
 *   jute.maxbuffer                 bytes, default 0xfffff; also read as
 *                                  "zookeeper.jute.maxbuffer" (the Java
 *                                  system-property spelling)
 *   forceSync                      yes (default) / no: fdatasync the log
 *   reconfigEnabled                false (default) / true
 *   standaloneEnabled              true (default) / false
 *   super digest                   "DigestAuthenticationProvider.superDigest"
 *                                  (or with a "zookeeper." prefix):
 *                                  "super:<base64 sha1>"
 *   server.N=host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]
 *                                  parsed and kept for the ensemble
 *   initLimit, syncLimit, electionPortBindRetry, admin.*, standaloneEnabled,
 *   reconfigEnabled, ... (other known ZooKeeper keys)  accepted silently
 * Unknown keys: a WARN log naming the key and the line (not an error).
 * A bad value: APHX_CONFIG, the message names the file, line and key.
 */
#ifndef APHX_KEEPER_CONFIG_H
#define APHX_KEEPER_CONFIG_H

#include "base/base.h"

/* One `server.N=` line. Strings point into the config's arena. */
typedef struct keeper_server_entry {
    int64_t     id;              /* N */
    const char *host;
    int         quorum_port;
    int         election_port;
    bool        observer;        /* role "observer" (default participant) */
    const char *client_host;     /* NULL if the line has no ";client" part */
    int         client_port;     /* 0 if absent */
    int         line;            /* line in the file, 0 for overrides */
} keeper_server_entry;

typedef struct keeper_config {
    const char *source;               /* file name, or "<flags>" */
    int64_t     tick_time_ms;
    const char *data_dir;             /* never NULL after a successful load */
    const char *data_log_dir;         /* == data_dir unless set */
    int         client_port;
    const char *client_port_address;  /* NULL = all addresses */
    int         max_client_cnxns;
    int64_t     min_session_timeout_ms;
    int64_t     max_session_timeout_ms;
    int64_t     snap_count;
    int64_t     pre_alloc_size_kb;
    int         snap_retain_count;
    int         purge_interval_hours;
    bool        four_letter_all;      /* whitelist "*" */
    const char *four_letter_whitelist;/* normalised: "srvr,ruok" (no spaces) */
    int64_t     global_outstanding_limit;
    int         metrics_http_port;    /* 0 = off */
    const char *metrics_class_name;   /* NULL if not set */
    int64_t     jute_max_buffer;
    bool        force_sync;
    const char *super_digest;         /* "super:xxxx" or NULL */
    int64_t     init_limit;
    int64_t     sync_limit;
    bool        reconfig_enabled;     /* reconfigEnabled, default false: a
                                         reconfig request then fails with
                                         ZRECONFIGDISABLED; when true, a
                                         standalone ZooKeeper answers
                                         ZUNIMPLEMENTED */
    bool        standalone_enabled;   /* standaloneEnabled, default true */
    keeper_server_entry *servers;     /* sorted by id */
    size_t      server_count;
    aphx_arena  arena;                /* owns every string and array above */
} keeper_config;

/* Command-line overrides applied on top of the file (or alone). Zero/NULL
 * fields are not applied. `settings` are extra "key=value" strings (e.g.
 * from a repeated `--set` flag) treated as if they were in the file. */
typedef struct keeper_config_overrides {
    int                 port;        /* --port; 0 = not given */
    const char         *data_dir;    /* --data-dir */
    const char         *data_log_dir;
    const char *const  *settings;
    size_t              setting_count;
} keeper_config_overrides;

/* Build a configuration from an optional zoo.cfg (path may be NULL) and
 * optional overrides (may be NULL); overrides win over the file. Validates
 * everything and fills the derived defaults (dataLogDir, session timeouts).
 * On success the caller owns *cfg (release with keeper_config_free).
 * Errors: APHX_IO (file unreadable), APHX_CONFIG (malformed line, bad value
 * naming key and line, missing dataDir or clientPort, min > max session
 * timeout), APHX_NOMEM. On failure *cfg holds nothing to free. */
aphx_rc keeper_config_load(keeper_config *cfg, const char *path,
                           const keeper_config_overrides *ov, aphx_error *err);

/* Same from text held in memory; `name` is used in messages and as source. */
aphx_rc keeper_config_parse(keeper_config *cfg, const char *name, const char *text,
                            size_t len, const keeper_config_overrides *ov,
                            aphx_error *err);

void keeper_config_free(keeper_config *cfg);

/* Is the four-letter word (e.g. "ruok") allowed by 4lw.commands.whitelist? */
bool keeper_config_4lw_allowed(const keeper_config *cfg, const char *word);

/* Append the `conf` four-letter-word rendering ("key=value\n" lines in
 * ZooKeeper's order: clientPort, secureClientPort, dataDir, dataDirSize,
 * dataLogDir, dataLogSize, tickTime, maxClientCnxns, minSessionTimeout,
 * maxSessionTimeout, clientPortListenBacklog, serverId). Directory sizes
 * are not known here and are printed as 0 unless given. */
void keeper_config_render(const keeper_config *cfg, int64_t data_dir_size,
                          int64_t data_log_size, aphx_buf *out);

#endif /* APHX_KEEPER_CONFIG_H */
