/*
 * keeper_config.c — zoo.cfg → struct keeper_config (see keeper_config.h for
 * the keys, their defaults and their meaning).
 *
 * Order of work: parse the file with aphx_props, lay the command-line
 * overrides on top as if they were entries, interpret every known key
 * (typed getters name file, line and key on a bad value), warn about the
 * keys nobody used, then derive the defaults that depend on other keys.
 */
#include "keeper/keeper_config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEEPER_CONFIG_MOD "keeper.config"

/* Keys ZooKeeper 3.8 understands that the single-node keeper accepts and
 * ignores (cluster, TLS, admin server, quotas, auth providers...). Keys that
 * start with one of the prefixes below are accepted as well. */
static const char *const keeper_config_ignored_keys[] = {
    "initLimit", "syncLimit", "electionPortBindRetry", "electionAlg", "peerType",
    "dynamicConfigFile", "secureClientPort",
    "secureClientPortAddress", "clientPortListenBacklog", "localSessionsEnabled",
    "localSessionsUpgradingEnabled", "quorumListenOnAllIPs", "syncEnabled",
    "connectToLearnerMasterLimit", "maxCnxns", "observerMasterPort", "multiAddress.enabled",
    "multiAddress.reachabilityCheckTimeoutMs", "multiAddress.reachabilityCheckEnabled",
    "serverCnxnFactory", "sslQuorum", "portUnification", "sslQuorumReloadCertFiles",
    "client.portUnification", "snapSizeLimitInKb", "txnLogSizeLimitInKb",
    "commitLogCount", "maxResponseCacheSize", "maxGetChildrenResponseCacheSize",
    "skipACL", "zookeeper.skipACL", "authProvider.1", "authProvider.2", "authProvider.3",
    "quorum.auth.enableSasl", "quorum.auth.learnerRequireSasl", "quorum.auth.serverRequireSasl",
    "quorum.auth.learner.saslLoginContext", "quorum.auth.server.saslLoginContext",
    "quorum.cnxn.threads.size", "enforceQuota", "zookeeper.enforceQuota",
    "fsync.warningthresholdms", "zookeeper.fsync.warningthresholdms",
    "syncLimitCheck", "minClientCnxns", "leaderServes", "cnxTimeout", "flushDelay",
    "maxWriteQueuePollTime", "maxBatchSize", "requestThrottleLimit",
    "requestThrottleStallTime", "requestThrottleDropStale", "learner.asyncSending",
    "audit.enable", "zookeeper.audit.enable", "digest.enabled", "zookeeper.digest.enabled",
    "snapshot.trust.empty", "zookeeper.snapshot.trust.empty", "extendedTypesEnabled",
    "zookeeper.extendedTypesEnabled", "emulate353TTLNodes", "zookeeper.emulate353TTLNodes",
    "snapshot.compression.method", "zookeeper.snapshot.compression.method",
    "serverId", "myid", "group.1", "weight.1",
};
static const char *const keeper_config_ignored_prefixes[] = {
    "admin.", "ssl.", "zookeeper.ssl.", "metricsProvider.", "authProvider.", "group.",
    "weight.", "quorum.", "zookeeper.admin.", "sasl.", "zookeeper.sasl", "jvm.",
};

static bool keeper_config_is_ignored(const char *key)
{
    for (size_t i = 0; i < APHX_ARRAY_LEN(keeper_config_ignored_keys); i++)
        if (strcmp(key, keeper_config_ignored_keys[i]) == 0) return true;
    for (size_t i = 0; i < APHX_ARRAY_LEN(keeper_config_ignored_prefixes); i++) {
        const char *p = keeper_config_ignored_prefixes[i];
        if (strncmp(key, p, strlen(p)) == 0) return true;
    }
    return false;
}

/* Message prefix locating an entry: "zoo.cfg:12: key 'x'" or "setting 'x'". */
static aphx_rc keeper_config_bad(aphx_props *p, const aphx_prop *e, aphx_error *err,
                                 const char *why)
{
    if (e->line > 0)
        return aphx_fail(err, APHX_CONFIG, "%s:%d: key '%s': %s (got '%s')", p->path, e->line,
                         e->key, why, e->value);
    return aphx_fail(err, APHX_CONFIG, "setting '%s': %s (got '%s')", e->key, why, e->value);
}

/* Non-empty string value into the arena; NULL (and OK) when absent. */
static aphx_rc keeper_config_get_str(keeper_config *cfg, aphx_props *p, const char *key,
                                     const char **out, aphx_error *err)
{
    const aphx_prop *e = aphx_props_find(p, key);
    if (!e) return APHX_OK;
    if (e->value[0] == '\0') return keeper_config_bad(p, e, err, "must not be empty");
    char *s = aphx_arena_strdup(&cfg->arena, e->value);
    if (!s) return aphx_fail(err, APHX_NOMEM, "out of memory");
    *out = s;
    return APHX_OK;
}

/* ZooKeeper reads yes/no for forceSync ("no" turns fsync off); accept the
 * boolean spellings as well. */
static aphx_rc keeper_config_get_yesno(aphx_props *p, const char *key, bool *out,
                                       aphx_error *err)
{
    const aphx_prop *e = aphx_props_find(p, key);
    if (!e) return APHX_OK;
    if (strcasecmp(e->value, "yes") == 0 || strcasecmp(e->value, "true") == 0) {
        *out = true;
    } else if (strcasecmp(e->value, "no") == 0 || strcasecmp(e->value, "false") == 0) {
        *out = false;
    } else {
        return keeper_config_bad(p, e, err, "expected yes or no");
    }
    return APHX_OK;
}

/* Parse a port "1..65535" from s[0..n); false if not one. */
static bool keeper_config_parse_port(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 5) return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535) return false;
    *out = v;
    return true;
}

/* Split "host:port" at the LAST colon (IPv6 in brackets allowed); host may
 * be empty when allow_no_host and there is no colon. */
static aphx_rc keeper_config_parse_server(keeper_config *cfg, aphx_props *p, const aphx_prop *e,
                                          keeper_server_entry *out, aphx_error *err)
{
    const char *v = e->value;
    const char *semi = strchr(v, ';');
    size_t main_len = semi ? (size_t)(semi - v) : strlen(v);
    /* Fields of the part before ';', separated by ':' (host may be [v6]). */
    const char *fields[4] = {0};
    size_t lens[4] = {0};
    int nf = 0;
    size_t i = 0;
    if (main_len > 0 && v[0] == '[') {
        const char *close = memchr(v, ']', main_len);
        if (!close) return keeper_config_bad(p, e, err, "unterminated '[' in host");
        fields[0] = v + 1;
        lens[0] = (size_t)(close - v - 1);
        nf = 1;
        i = (size_t)(close - v) + 1;
        if (i < main_len && v[i] != ':')
            return keeper_config_bad(p, e, err, "expected ':' after ']'");
        if (i < main_len) i++;
    }
    while (i <= main_len && nf < 4) {
        size_t j = i;
        while (j < main_len && v[j] != ':') j++;
        fields[nf] = v + i;
        lens[nf] = j - i;
        nf++;
        if (j >= main_len) break;
        i = j + 1;
        if (nf == 4 && i <= main_len)
            return keeper_config_bad(p, e, err, "too many ':' fields (host:port:port[:role])");
    }
    if (nf < 3 || lens[0] == 0)
        return keeper_config_bad(p, e, err, "expected host:quorumPort:electionPort[:role][;[host:]clientPort]");
    if (!keeper_config_parse_port(fields[1], lens[1], &out->quorum_port))
        return keeper_config_bad(p, e, err, "quorum port must be 1..65535");
    if (!keeper_config_parse_port(fields[2], lens[2], &out->election_port))
        return keeper_config_bad(p, e, err, "election port must be 1..65535");
    if (nf == 4) {
        if (lens[3] == 11 && strncmp(fields[3], "participant", 11) == 0) {
            out->observer = false;
        } else if (lens[3] == 8 && strncmp(fields[3], "observer", 8) == 0) {
            out->observer = true;
        } else {
            return keeper_config_bad(p, e, err, "role must be participant or observer");
        }
    }
    out->host = aphx_arena_strndup(&cfg->arena, fields[0], lens[0]);
    if (!out->host) return aphx_fail(err, APHX_NOMEM, "out of memory");
    if (semi) {
        const char *c = semi + 1;
        const char *colon = strrchr(c, ':');
        const char *port = colon ? colon + 1 : c;
        if (!keeper_config_parse_port(port, strlen(port), &out->client_port))
            return keeper_config_bad(p, e, err, "client port must be 1..65535");
        if (colon) {
            const char *h = c;
            size_t hl = (size_t)(colon - c);
            if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { h++; hl -= 2; }
            out->client_host = aphx_arena_strndup(&cfg->arena, h, hl);
        } else {
            out->client_host = aphx_arena_strdup(&cfg->arena, "0.0.0.0");
        }
        if (!out->client_host) return aphx_fail(err, APHX_NOMEM, "out of memory");
    }
    out->line = e->line;
    return APHX_OK;
}

static int keeper_config_server_cmp(const void *a, const void *b)
{
    const keeper_server_entry *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static aphx_rc keeper_config_read_servers(keeper_config *cfg, aphx_props *p, aphx_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < p->count; i++)
        if (strncmp(p->items[i].key, "server.", 7) == 0) n++;
    if (n == 0) return APHX_OK;
    cfg->servers = aphx_arena_calloc(&cfg->arena, n * sizeof *cfg->servers);
    if (!cfg->servers) return aphx_fail(err, APHX_NOMEM, "out of memory");
    for (size_t i = 0; i < p->count; i++) {
        aphx_prop *e = &p->items[i];
        if (strncmp(e->key, "server.", 7) != 0) continue;
        e->used = true;
        keeper_server_entry *s = &cfg->servers[cfg->server_count];
        int64_t id;
        if (!aphx_parse_i64(e->key + 7, &id) || id < 0 || id > 255) {
            if (e->line > 0)
                return aphx_fail(err, APHX_CONFIG,
                                 "%s:%d: key '%s': server id must be an integer 0..255",
                                 p->path, e->line, e->key);
            return aphx_fail(err, APHX_CONFIG, "setting '%s': server id must be 0..255", e->key);
        }
        s->id = id;
        aphx_rc rc = keeper_config_parse_server(cfg, p, e, s, err);
        if (rc != APHX_OK) return rc;
        for (size_t k = 0; k < cfg->server_count; k++) {
            if (cfg->servers[k].id == id)
                return keeper_config_bad(p, e, err, "duplicate server id");
        }
        cfg->server_count++;
    }
    qsort(cfg->servers, cfg->server_count, sizeof *cfg->servers, keeper_config_server_cmp);
    return APHX_OK;
}

/* Normalise "srvr, ruok ,stat" to "srvr,ruok,stat"; "*" means all. Words
 * must be four lowercase letters (ZooKeeper ignores others; we refuse). */
static aphx_rc keeper_config_read_4lw(keeper_config *cfg, aphx_props *p, aphx_error *err)
{
    const aphx_prop *e = aphx_props_find(p, "4lw.commands.whitelist");
    const char *v = e ? e->value : "srvr";
    aphx_buf b;
    aphx_buf_init(&b);
    aphx_rc rc = APHX_OK;
    const char *s = v;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == ',') s++;
        if (!*s) break;
        const char *w = s;
        while (*s && *s != ',' && *s != ' ' && *s != '\t') s++;
        size_t n = (size_t)(s - w);
        if (n == 1 && w[0] == '*') {
            cfg->four_letter_all = true;
            continue;
        }
        bool ok = n == 4;
        for (size_t i = 0; ok && i < n; i++) ok = w[i] >= 'a' && w[i] <= 'z';
        if (!ok) {
            rc = keeper_config_bad(p, e, err, "expected '*' or a comma list of four-letter words");
            goto out;
        }
        if (b.len) aphx_buf_putc(&b, ',');
        aphx_buf_append(&b, w, n);
    }
    if (b.oom) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto out;
    }
    cfg->four_letter_whitelist = aphx_arena_strdup(&cfg->arena, b.len ? b.data : "");
    if (!cfg->four_letter_whitelist) rc = aphx_fail(err, APHX_NOMEM, "out of memory");
out:
    aphx_buf_free(&b);
    return rc;
}

bool keeper_config_4lw_allowed(const keeper_config *cfg, const char *word)
{
    if (cfg->four_letter_all) return true;
    const char *list = cfg->four_letter_whitelist;
    size_t n = strlen(word);
    if (!list || n == 0) return false;
    for (const char *s = list; *s;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == n && strncmp(s, word, n) == 0) return true;
        if (!end) break;
        s = end + 1;
    }
    return false;
}

/* Lay the overrides over the parsed file as entries with line 0. */
static aphx_rc keeper_config_apply_overrides(aphx_props *p, const keeper_config_overrides *ov,
                                             aphx_error *err)
{
    char num[32];
    if (!ov) return APHX_OK;
    for (size_t i = 0; i < ov->setting_count; i++) {
        const char *s = ov->settings[i];
        const char *eq = strchr(s, '=');
        if (!eq || eq == s)
            return aphx_fail(err, APHX_CONFIG, "setting '%s': expected key=value", s);
        char *key = aphx_strndup(s, (size_t)(eq - s));
        if (!key) return aphx_fail(err, APHX_NOMEM, "out of memory");
        aphx_rc rc = aphx_props_set(p, key, eq + 1);
        aphx_free(key);
        if (rc != APHX_OK) return aphx_fail(err, rc, "out of memory");
    }
    if (ov->port != 0) {
        snprintf(num, sizeof num, "%d", ov->port);
        if (aphx_props_set(p, "clientPort", num) != APHX_OK)
            return aphx_fail(err, APHX_NOMEM, "out of memory");
    }
    if (ov->data_dir && aphx_props_set(p, "dataDir", ov->data_dir) != APHX_OK)
        return aphx_fail(err, APHX_NOMEM, "out of memory");
    if (ov->data_log_dir && aphx_props_set(p, "dataLogDir", ov->data_log_dir) != APHX_OK)
        return aphx_fail(err, APHX_NOMEM, "out of memory");
    return APHX_OK;
}

/* Interpret every key of p into cfg (already initialised with its arena). */
static aphx_rc keeper_config_interpret(keeper_config *cfg, aphx_props *p, aphx_error *err)
{
    aphx_rc rc;
    int64_t v;

    cfg->tick_time_ms = 3000;
    cfg->max_client_cnxns = 60;
    cfg->snap_count = 100000;
    cfg->pre_alloc_size_kb = 65536;
    cfg->snap_retain_count = 3;
    cfg->global_outstanding_limit = 1000;
    cfg->jute_max_buffer = 0xfffff;
    cfg->force_sync = true;
    cfg->init_limit = 10;
    cfg->sync_limit = 5;
    cfg->standalone_enabled = true;

#define KC_TRY(expr) do { rc = (expr); if (rc != APHX_OK) return rc; } while (0)
    KC_TRY(aphx_props_get_int(p, "tickTime", 1, 3600 * 1000, &cfg->tick_time_ms, err));
    KC_TRY(keeper_config_get_str(cfg, p, "dataDir", &cfg->data_dir, err));
    KC_TRY(keeper_config_get_str(cfg, p, "dataLogDir", &cfg->data_log_dir, err));
    v = 0;
    KC_TRY(aphx_props_get_int(p, "clientPort", 1, 65535, &v, err));
    cfg->client_port = (int)v;
    KC_TRY(keeper_config_get_str(cfg, p, "clientPortAddress", &cfg->client_port_address, err));
    v = cfg->max_client_cnxns;
    KC_TRY(aphx_props_get_int(p, "maxClientCnxns", 0, 1000000, &v, err));
    cfg->max_client_cnxns = (int)v;
    cfg->min_session_timeout_ms = -1;
    cfg->max_session_timeout_ms = -1;
    KC_TRY(aphx_props_get_int(p, "minSessionTimeout", -1, INT32_MAX,
                              &cfg->min_session_timeout_ms, err));
    KC_TRY(aphx_props_get_int(p, "maxSessionTimeout", -1, INT32_MAX,
                              &cfg->max_session_timeout_ms, err));
    KC_TRY(aphx_props_get_int(p, "snapCount", 2, INT32_MAX, &cfg->snap_count, err));
    KC_TRY(aphx_props_get_int(p, "preAllocSize", 1, 16 * 1024 * 1024, &cfg->pre_alloc_size_kb,
                              err));
    v = cfg->snap_retain_count;
    KC_TRY(aphx_props_get_int(p, "autopurge.snapRetainCount", 0, 1000000, &v, err));
    if (v < 3) {
        const aphx_prop *e = aphx_props_find(p, "autopurge.snapRetainCount");
        if (e)
            APHX_WARN(KEEPER_CONFIG_MOD, "%s:%d: autopurge.snapRetainCount %lld is below 3; using 3",
                      p->path, e->line, (long long)v);
        v = 3;
    }
    cfg->snap_retain_count = (int)v;
    v = 0;
    KC_TRY(aphx_props_get_int(p, "autopurge.purgeInterval", 0, 24 * 365 * 100, &v, err));
    cfg->purge_interval_hours = (int)v;
    KC_TRY(keeper_config_read_4lw(cfg, p, err));
    KC_TRY(aphx_props_get_int(p, "globalOutstandingLimit", 1, INT32_MAX,
                              &cfg->global_outstanding_limit, err));
    v = 0;
    KC_TRY(aphx_props_get_int(p, "metricsProvider.httpPort", 0, 65535, &v, err));
    cfg->metrics_http_port = (int)v;
    KC_TRY(keeper_config_get_str(cfg, p, "metricsProvider.className", &cfg->metrics_class_name,
                                 err));
    /* The system-property spelling first, the plain key overrides it. */
    KC_TRY(aphx_props_get_int(p, "zookeeper.jute.maxbuffer", 1024, INT32_MAX,
                              &cfg->jute_max_buffer, err));
    KC_TRY(aphx_props_get_int(p, "jute.maxbuffer", 1024, INT32_MAX, &cfg->jute_max_buffer, err));
    KC_TRY(keeper_config_get_yesno(p, "forceSync", &cfg->force_sync, err));
    KC_TRY(keeper_config_get_yesno(p, "zookeeper.forceSync", &cfg->force_sync, err));
    KC_TRY(keeper_config_get_str(cfg, p, "zookeeper.DigestAuthenticationProvider.superDigest",
                                 &cfg->super_digest, err));
    KC_TRY(keeper_config_get_str(cfg, p, "DigestAuthenticationProvider.superDigest",
                                 &cfg->super_digest, err));
    if (cfg->super_digest && !strchr(cfg->super_digest, ':')) {
        const aphx_prop *e = aphx_props_find(p, "DigestAuthenticationProvider.superDigest");
        if (!e) e = aphx_props_find(p, "zookeeper.DigestAuthenticationProvider.superDigest");
        return keeper_config_bad(p, e, err, "expected super:<base64 sha1 digest>");
    }
    KC_TRY(aphx_props_get_int(p, "initLimit", 1, INT32_MAX, &cfg->init_limit, err));
    KC_TRY(aphx_props_get_int(p, "syncLimit", 1, INT32_MAX, &cfg->sync_limit, err));
    KC_TRY(aphx_props_get_bool(p, "reconfigEnabled", &cfg->reconfig_enabled, err));
    KC_TRY(aphx_props_get_bool(p, "standaloneEnabled", &cfg->standalone_enabled, err));
    KC_TRY(keeper_config_read_servers(cfg, p, err));
#undef KC_TRY

    /* Unknown keys: warn, never fail (ZooKeeper turns them into system
     * properties, so users put all kinds of things in zoo.cfg). */
    for (size_t i = 0; i < p->count; i++) {
        aphx_prop *e = &p->items[i];
        if (e->used || keeper_config_is_ignored(e->key)) continue;
        if (e->line > 0)
            APHX_WARN(KEEPER_CONFIG_MOD, "%s:%d: unknown key '%s' ignored", p->path, e->line,
                      e->key);
        else
            APHX_WARN(KEEPER_CONFIG_MOD, "unknown setting '%s' ignored", e->key);
    }

    /* Required keys and derived values. */
    if (!cfg->data_dir)
        return aphx_fail(err, APHX_CONFIG, "%s: dataDir is not set (add dataDir= or --data-dir)",
                         p->path);
    if (cfg->client_port == 0)
        return aphx_fail(err, APHX_CONFIG, "%s: clientPort is not set (add clientPort= or --port)",
                         p->path);
    if (!cfg->data_log_dir) cfg->data_log_dir = cfg->data_dir;
    if (cfg->min_session_timeout_ms < 0) cfg->min_session_timeout_ms = 2 * cfg->tick_time_ms;
    if (cfg->max_session_timeout_ms < 0) cfg->max_session_timeout_ms = 20 * cfg->tick_time_ms;
    if (cfg->min_session_timeout_ms > cfg->max_session_timeout_ms) {
        const aphx_prop *e = aphx_props_find(p, "minSessionTimeout");
        if (!e) e = aphx_props_find(p, "maxSessionTimeout");
        return aphx_fail(err, APHX_CONFIG,
                         "%s:%d: minSessionTimeout (%lld) must not be larger than "
                         "maxSessionTimeout (%lld)",
                         p->path, e ? e->line : 0, (long long)cfg->min_session_timeout_ms,
                         (long long)cfg->max_session_timeout_ms);
    }
    return APHX_OK;
}

aphx_rc keeper_config_parse(keeper_config *cfg, const char *name, const char *text, size_t len,
                            const keeper_config_overrides *ov, aphx_error *err)
{
    aphx_props props;
    aphx_rc rc;
    memset(cfg, 0, sizeof *cfg);
    aphx_arena_init(&cfg->arena, 4096);
    if (text) {
        rc = aphx_props_parse(&props, name, text, len, err);
    } else {
        rc = aphx_props_parse(&props, name ? name : "<flags>", "", 0, err);
    }
    if (rc != APHX_OK) goto fail_arena;
    rc = keeper_config_apply_overrides(&props, ov, err);
    if (rc != APHX_OK) goto fail_props;
    cfg->source = aphx_arena_strdup(&cfg->arena, props.path);
    if (!cfg->source) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto fail_props;
    }
    rc = keeper_config_interpret(cfg, &props, err);
    if (rc != APHX_OK) goto fail_props;
    aphx_props_free(&props);
    return APHX_OK;

fail_props:
    aphx_props_free(&props);
fail_arena:
    aphx_arena_destroy(&cfg->arena);
    memset(cfg, 0, sizeof *cfg);
    return rc;
}

aphx_rc keeper_config_load(keeper_config *cfg, const char *path,
                           const keeper_config_overrides *ov, aphx_error *err)
{
    if (!path) return keeper_config_parse(cfg, "<flags>", NULL, 0, ov, err);
    char *data;
    size_t len;
    aphx_rc rc = aphx_read_file(path, &data, &len, err);
    if (rc != APHX_OK) {
        memset(cfg, 0, sizeof *cfg);
        return rc;
    }
    rc = keeper_config_parse(cfg, path, data, len, ov, err);
    aphx_free(data);
    return rc;
}

void keeper_config_free(keeper_config *cfg)
{
    if (!cfg) return;
    aphx_arena_destroy(&cfg->arena);
    memset(cfg, 0, sizeof *cfg);
}

void keeper_config_render(const keeper_config *cfg, int64_t data_dir_size,
                          int64_t data_log_size, aphx_buf *out)
{
    aphx_buf_printf(out, "clientPort=%d\n", cfg->client_port);
    aphx_buf_printf(out, "secureClientPort=-1\n");
    aphx_buf_printf(out, "dataDir=%s\n", cfg->data_dir);
    aphx_buf_printf(out, "dataDirSize=%lld\n", (long long)data_dir_size);
    aphx_buf_printf(out, "dataLogDir=%s\n", cfg->data_log_dir);
    aphx_buf_printf(out, "dataLogSize=%lld\n", (long long)data_log_size);
    aphx_buf_printf(out, "tickTime=%lld\n", (long long)cfg->tick_time_ms);
    aphx_buf_printf(out, "maxClientCnxns=%d\n", cfg->max_client_cnxns);
    aphx_buf_printf(out, "minSessionTimeout=%lld\n", (long long)cfg->min_session_timeout_ms);
    aphx_buf_printf(out, "maxSessionTimeout=%lld\n", (long long)cfg->max_session_timeout_ms);
    aphx_buf_printf(out, "clientPortListenBacklog=-1\n");
    aphx_buf_printf(out, "serverId=0\n");
}
