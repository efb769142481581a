/*
 * test_keeper_persist.c — unit tests for src/keeper/keeper_config.c,
 * txnlog.c and snapshot.c: zoo.cfg parsing (values, defaults, errors that
 * name key and line, unknown-key warnings, overrides), the txn log (append,
 * group-commit sync, replay, torn tail cut and corrupted at every byte of the
 * last record, rollover, purge, fault injection) and snapshots (write/load,
 * corruption at every byte falls back to the previous one, purge).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "keeper/keeper_config.h"
#include "keeper/snapshot.h"
#include "keeper/txnlog.h"

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */
static FILE *captured_log;

static void log_capture_begin(void)
{
    captured_log = tmpfile();
    assert_non_null(captured_log);
    aphx_log_set_stream(captured_log);
}

/* Returns the captured text (caller frees) and restores stderr. */
static char *log_capture_end(void)
{
    fflush(captured_log);
    long n = ftell(captured_log);
    char *s = calloc(1, (size_t)n + 1);
    rewind(captured_log);
    size_t got = fread(s, 1, (size_t)n, captured_log);
    s[got] = '\0';
    fclose(captured_log);
    captured_log = NULL;
    aphx_log_set_stream(NULL);
    return s;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static char *make_tmpdir(void)
{
    char *t = strdup("/tmp/aphx-kpersist-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static long file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (long)st.st_size;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *d = malloc((size_t)n + 1);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* Overwrite bytes in place (no truncation: ext4 flushes files that are
 * truncated to zero and rewritten, which would make these loops slow). */
static void patch(const char *path, long off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
    close(fd);
}

static void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* ------------------------------------------------------------------ */
/* Config                                                              */
/* ------------------------------------------------------------------ */
static const char full_cfg[] =
    "# a ZooKeeper 3.8 zoo.cfg\n"
    "tickTime=2000\n"
    "dataDir=/var/lib/zk\n"
    "clientPort=2181\n"
    "clientPortAddress=127.0.0.1\n"
    "maxClientCnxns=100\n"
    "snapCount=5000\n"
    "preAllocSize=1024\n"
    "autopurge.snapRetainCount=5\n"
    "autopurge.purgeInterval=2\n"
    "4lw.commands.whitelist=ruok, srvr ,mntr\n"
    "globalOutstandingLimit=2000\n"
    "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n"
    "metricsProvider.httpPort=7000\n"
    "zookeeper.jute.maxbuffer=4194304\n"
    "forceSync=no\n"
    "admin.enableServer=false\n"
    "initLimit=10\n"
    "syncLimit=5\n"
    "electionPortBindRetry=3\n"
    "server.2=zk2.example:2888:3888;2181\n"
    "server.1=zk1.example:2888:3888:participant;127.0.0.1:2182\n"
    "server.3=[::1]:2888:3888:observer\n"
    "reconfigEnabled=true\n"
    "standaloneEnabled=false\n";

static void test_config_full(void **state)
{
    (void)state;
    keeper_config c;
    aphx_error err = {0};
    log_capture_begin();
    assert_int_equal(keeper_config_parse(&c, "zoo.cfg", full_cfg, strlen(full_cfg), NULL, &err),
                     APHX_OK);
    char *log = log_capture_end();
    assert_null(strstr(log, "unknown")); /* every key is known */
    free(log);
    assert_int_equal(c.tick_time_ms, 2000);
    assert_string_equal(c.data_dir, "/var/lib/zk");
    assert_string_equal(c.data_log_dir, "/var/lib/zk");
    assert_int_equal(c.client_port, 2181);
    assert_string_equal(c.client_port_address, "127.0.0.1");
    assert_int_equal(c.max_client_cnxns, 100);
    assert_int_equal(c.min_session_timeout_ms, 4000);
    assert_int_equal(c.max_session_timeout_ms, 40000);
    assert_int_equal(c.snap_count, 5000);
    assert_int_equal(c.pre_alloc_size_kb, 1024);
    assert_int_equal(c.snap_retain_count, 5);
    assert_int_equal(c.purge_interval_hours, 2);
    assert_string_equal(c.four_letter_whitelist, "ruok,srvr,mntr");
    assert_true(keeper_config_4lw_allowed(&c, "ruok"));
    assert_true(keeper_config_4lw_allowed(&c, "mntr"));
    assert_false(keeper_config_4lw_allowed(&c, "stat"));
    assert_false(keeper_config_4lw_allowed(&c, "ruo"));
    assert_int_equal(c.global_outstanding_limit, 2000);
    assert_int_equal(c.metrics_http_port, 7000);
    assert_non_null(c.metrics_class_name);
    assert_int_equal(c.jute_max_buffer, 4194304);
    assert_false(c.force_sync);
    assert_int_equal(c.server_count, 3);
    assert_int_equal(c.servers[0].id, 1);
    assert_string_equal(c.servers[0].host, "zk1.example");
    assert_string_equal(c.servers[0].client_host, "127.0.0.1");
    assert_int_equal(c.servers[0].client_port, 2182);
    assert_int_equal(c.servers[0].line, 22);
    assert_int_equal(c.servers[1].id, 2);
    assert_string_equal(c.servers[1].client_host, "0.0.0.0");
    assert_int_equal(c.servers[1].client_port, 2181);
    assert_int_equal(c.servers[1].quorum_port, 2888);
    assert_int_equal(c.servers[1].election_port, 3888);
    assert_false(c.servers[1].observer);
    assert_string_equal(c.servers[2].host, "::1");
    assert_true(c.servers[2].observer);
    assert_null(c.servers[2].client_host);
    assert_true(c.reconfig_enabled);
    assert_false(c.standalone_enabled);
    aphx_buf b;
    aphx_buf_init(&b);
    keeper_config_render(&c, 0, 0, &b);
    assert_non_null(strstr(b.data, "clientPort=2181\n"));
    assert_non_null(strstr(b.data, "maxSessionTimeout=40000\n"));
    aphx_buf_free(&b);
    keeper_config_free(&c);
}

static void test_config_defaults(void **state)
{
    (void)state;
    const char *t = "dataDir=/d\nclientPort=2181\n";
    keeper_config c;
    assert_int_equal(keeper_config_parse(&c, "zoo.cfg", t, strlen(t), NULL, NULL), APHX_OK);
    assert_int_equal(c.tick_time_ms, 3000);
    assert_int_equal(c.min_session_timeout_ms, 6000);
    assert_int_equal(c.max_session_timeout_ms, 60000);
    assert_int_equal(c.snap_count, 100000);
    assert_int_equal(c.pre_alloc_size_kb, 65536);
    assert_int_equal(c.snap_retain_count, 3);
    assert_int_equal(c.purge_interval_hours, 0);
    assert_int_equal(c.max_client_cnxns, 60);
    assert_int_equal(c.jute_max_buffer, 0xfffff);
    assert_int_equal(c.global_outstanding_limit, 1000);
    assert_int_equal(c.metrics_http_port, 0);
    assert_true(c.force_sync);
    assert_false(c.reconfig_enabled);
    assert_true(c.standalone_enabled);
    assert_null(c.client_port_address);
    assert_true(keeper_config_4lw_allowed(&c, "srvr"));
    assert_false(keeper_config_4lw_allowed(&c, "ruok"));
    keeper_config_free(&c);

    t = "dataDir=/d\nclientPort=2181\n4lw.commands.whitelist=*\nautopurge.snapRetainCount=1\n"
        "jute.maxbuffer=2000000\ndataLogDir=/l\n";
    assert_int_equal(keeper_config_parse(&c, "zoo.cfg", t, strlen(t), NULL, NULL), APHX_OK);
    assert_true(keeper_config_4lw_allowed(&c, "dump"));
    assert_int_equal(c.snap_retain_count, 3);
    assert_int_equal(c.jute_max_buffer, 2000000);
    assert_string_equal(c.data_log_dir, "/l");
    keeper_config_free(&c);
}

/* A config that must fail with APHX_CONFIG and a message holding `want`. */
static void expect_config_error(const char *text, const char *want1, const char *want2)
{
    keeper_config c;
    aphx_error err = {0};
    aphx_rc rc = keeper_config_parse(&c, "zoo.cfg", text, strlen(text), NULL, &err);
    if (rc != APHX_CONFIG || !strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("config:\n%s\ngot rc=%d msg='%s', wanted '%s' and '%s'", text, rc, err.msg, want1,
                 want2 ? want2 : "");
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("dataDir=/d\nclientPort=2181\ntickTime=fast\n", "zoo.cfg:3", "tickTime");
    expect_config_error("dataDir=/d\nclientPort=99999\n", "zoo.cfg:2", "clientPort");
    expect_config_error("dataDir=/d\nclientPort=2181\n\n# c\nsnapCount=-5\n", "zoo.cfg:5",
                        "snapCount");
    expect_config_error("dataDir=/d\nclientPort=2181\nserver.1=host:2888\n", "zoo.cfg:3",
                        "server.1");
    expect_config_error("dataDir=/d\nclientPort=2181\nserver.x=h:1:2\n", "zoo.cfg:3", "server.x");
    expect_config_error("dataDir=/d\nclientPort=2181\nserver.1=h:1:2:boss\n", "zoo.cfg:3", "role");
    expect_config_error("dataDir=/d\nclientPort=2181\nserver.1=h:1:2\nserver.01=h:3:4\n",
                        "zoo.cfg:4", "duplicate");
    expect_config_error("dataDir=/d\nclientPort=2181\nforceSync=maybe\n", "zoo.cfg:3",
                        "forceSync");
    expect_config_error("dataDir=/d\nclientPort=2181\nreconfigEnabled=maybe\n", "zoo.cfg:3",
                        "reconfigEnabled");
    expect_config_error("dataDir=/d\nclientPort=2181\n4lw.commands.whitelist=ruok,stats\n",
                        "zoo.cfg:3", "4lw.commands.whitelist");
    expect_config_error("dataDir=/d\nclientPort=2181\njute.maxbuffer=1k\n", "zoo.cfg:3",
                        "jute.maxbuffer");
    expect_config_error("dataDir=/d\nclientPort=2181\nmetricsProvider.httpPort=70000\n",
                        "zoo.cfg:3", "metricsProvider.httpPort");
    expect_config_error("dataDir=/d\nclientPort=2181\nminSessionTimeout=9000\n"
                        "maxSessionTimeout=4000\n",
                        "zoo.cfg:3", "minSessionTimeout");
    expect_config_error("clientPort=2181\n", "dataDir", NULL);
    expect_config_error("dataDir=/d\n", "clientPort", NULL);
    expect_config_error("dataDir=\nclientPort=2181\n", "zoo.cfg:1", "dataDir");
    expect_config_error("dataDir=/d\nclientPort=2181\nmaxClientCnxns=-1\n", "zoo.cfg:3",
                        "maxClientCnxns");
}

static void test_config_unknown_key_warns(void **state)
{
    (void)state;
    const char *t = "dataDir=/d\nfrobnicate=yes\nclientPort=2181\n";
    keeper_config c;
    log_capture_begin();
    aphx_rc rc = keeper_config_parse(&c, "zoo.cfg", t, strlen(t), NULL, NULL);
    char *log = log_capture_end();
    assert_int_equal(rc, APHX_OK);
    assert_non_null(strstr(log, "WARN"));
    assert_non_null(strstr(log, "zoo.cfg:2"));
    assert_non_null(strstr(log, "frobnicate"));
    free(log);
    keeper_config_free(&c);
}

static void test_config_overrides(void **state)
{
    (void)state;
    keeper_config c;
    aphx_error err = {0};
    keeper_config_overrides ov = {.port = 12181, .data_dir = "/tmp/x"};
    assert_int_equal(keeper_config_load(&c, NULL, &ov, &err), APHX_OK);
    assert_int_equal(c.client_port, 12181);
    assert_string_equal(c.data_dir, "/tmp/x");
    assert_string_equal(c.data_log_dir, "/tmp/x");
    keeper_config_free(&c);

    /* Overrides win over the file; settings act like file entries. */
    const char *settings[] = {"tickTime=500", "snapCount=10"};
    ov = (keeper_config_overrides){.port = 3000, .settings = settings, .setting_count = 2};
    const char *t = "dataDir=/d\nclientPort=2181\ntickTime=2000\n";
    assert_int_equal(keeper_config_parse(&c, "zoo.cfg", t, strlen(t), &ov, &err), APHX_OK);
    assert_int_equal(c.client_port, 3000);
    assert_int_equal(c.tick_time_ms, 500);
    assert_int_equal(c.min_session_timeout_ms, 1000);
    assert_int_equal(c.snap_count, 10);
    keeper_config_free(&c);

    const char *bad[] = {"tickTime=zero"};
    ov = (keeper_config_overrides){.port = 1, .data_dir = "/d", .settings = bad,
                                   .setting_count = 1};
    assert_int_equal(keeper_config_load(&c, NULL, &ov, &err), APHX_CONFIG);
    assert_non_null(strstr(err.msg, "tickTime"));

    /* A file that does not exist: APHX_IO naming it. */
    assert_int_equal(keeper_config_load(&c, "/nonexistent/zoo.cfg", NULL, &err), APHX_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/zoo.cfg"));
}

/* ------------------------------------------------------------------ */
/* Txn log                                                             */
/* ------------------------------------------------------------------ */
/* Payload of record zxid: deterministic, length 0..299. */
static size_t payload_for(int64_t zxid, unsigned char *out)
{
    size_t n = (size_t)((zxid * 37) % 300);
    for (size_t i = 0; i < n; i++) out[i] = (unsigned char)(zxid * 7 + (int64_t)i);
    return n;
}

typedef struct replay_check {
    int64_t next;      /* expected next zxid */
    int64_t count;
    int64_t fail_at;   /* return an error at this zxid (0 = never) */
} replay_check;

static aphx_rc replay_cb(void *ctx, int64_t zxid, const uint8_t *payload, size_t len,
                         aphx_error *err)
{
    replay_check *rc = ctx;
    unsigned char want[300];
    if (zxid == rc->fail_at) return aphx_fail(err, APHX_INTERNAL, "callback stop");
    if (zxid != rc->next) return aphx_fail(err, APHX_INTERNAL, "got zxid %lld want %lld",
                                           (long long)zxid, (long long)rc->next);
    size_t n = payload_for(zxid, want);
    if (n != len || memcmp(want, payload, n) != 0)
        return aphx_fail(err, APHX_INTERNAL, "payload mismatch at %lld", (long long)zxid);
    rc->next++;
    rc->count++;
    return APHX_OK;
}

static keeper_txnlog *open_log(const char *dir, int64_t last, int64_t prealloc)
{
    keeper_txnlog *log;
    aphx_error err = {0};
    keeper_txnlog_options opt = {.dir = dir, .prealloc_bytes = prealloc};
    if (keeper_txnlog_open(&log, &opt, last, &err) != APHX_OK) fail_msg("open: %s", err.msg);
    return log;
}

static void append_range(keeper_txnlog *log, int64_t from, int64_t to)
{
    unsigned char p[300];
    aphx_error err = {0};
    for (int64_t z = from; z <= to; z++) {
        size_t n = payload_for(z, p);
        if (keeper_txnlog_append(log, z, p, n, &err) != APHX_OK) fail_msg("append: %s", err.msg);
    }
}

static void test_txnlog_basic(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *logdir = join(dir, "log");
    aphx_error err = {0};
    /* Empty (missing) directory replays nothing. */
    replay_check rc = {.next = 1};
    int64_t last = -1;
    assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(last, 0);
    assert_int_equal(rc.count, 0);

    keeper_txnlog *log = open_log(logdir, 0, 4096);
    append_range(log, 1, 500);
    assert_int_equal(keeper_txnlog_last_zxid(log), 500);
    assert_int_equal(keeper_txnlog_synced_zxid(log), 0);
    int64_t synced = 0;
    assert_int_equal(keeper_txnlog_sync(log, &synced, &err), APHX_OK);
    assert_int_equal(synced, 500);
    append_range(log, 501, 1000);
    assert_int_equal(keeper_txnlog_sync(log, &synced, &err), APHX_OK);
    assert_int_equal(synced, 1000);
    /* Nothing pending: sync is a no-op reporting the durable zxid. */
    assert_int_equal(keeper_txnlog_sync(log, &synced, &err), APHX_OK);
    assert_int_equal(synced, 1000);
    /* zxids must increase. */
    unsigned char p[4] = {1, 2, 3, 4};
    assert_int_equal(keeper_txnlog_append(log, 1000, p, 4, &err), APHX_INVALID);
    /* Buffered but unsynced records are not durable. */
    append_range(log, 1001, 1010);
    keeper_txnlog_close(log);

    rc = (replay_check){.next = 1};
    assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 1000);
    assert_int_equal(last, 1000);
    rc = (replay_check){.next = 701};
    assert_int_equal(keeper_txnlog_replay(logdir, 700, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 300);
    /* A callback error stops the replay and comes back as is. */
    rc = (replay_check){.next = 1, .fail_at = 10};
    assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_INTERNAL);
    assert_int_equal(rc.count, 9);

    /* The file is preallocated in 4096-byte chunks. */
    char *f1 = join(logdir, "log.1");
    assert_int_equal(file_size(f1) % 4096, 0);
    free(f1);

    /* Reopen and continue: a new file named after the next zxid. */
    log = open_log(logdir, last, 4096);
    append_range(log, 1001, 1100);
    assert_int_equal(keeper_txnlog_sync(log, &synced, &err), APHX_OK);
    keeper_txnlog_close(log);
    char *f2 = join(logdir, "log.3e9");
    assert_true(file_size(f2) > 0);
    free(f2);
    rc = (replay_check){.next = 1};
    assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 1100);

    rm_rf(dir);
    free(logdir);
    free(dir);
}

typedef struct appender {
    keeper_txnlog *log;
    int64_t        from, to;
} appender;

static void *append_thread(void *arg)
{
    appender *a = arg;
    unsigned char p[300];
    for (int64_t z = a->from; z <= a->to; z++) {
        size_t n = payload_for(z, p);
        if (keeper_txnlog_append(a->log, z, p, n, NULL) != APHX_OK) abort();
        if (z % 64 == 0) keeper_txnlog_roll(a->log);
    }
    return NULL;
}

/* A new log file is the spare a helper thread zero-filled in advance, so
 * the first batch of a file does not wait for the preallocation. */
static void test_txnlog_spare_file(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *spare = join(dir, "log.spare");
    aphx_error err = {0};
    keeper_txnlog *log = open_log(dir, 0, 256 * 1024);
    struct stat st;
    for (int i = 0; i < 500 && !keeper_txnlog_spare_ready(log); i++) usleep(10000);
    assert_true(keeper_txnlog_spare_ready(log));
    assert_int_equal(stat(spare, &st), 0);
    assert_int_equal(st.st_size, 256 * 1024);
    ino_t spare_ino = st.st_ino;
    append_range(log, 1, 50);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    char *f1 = join(dir, "log.1");
    assert_int_equal(stat(f1, &st), 0);
    assert_true(st.st_ino == spare_ino); /* the spare became log.1 */
    assert_int_equal(st.st_size, 256 * 1024);
    /* Roll: the next file is the next spare (or made in line if not ready). */
    keeper_txnlog_roll(log);
    append_range(log, 51, 60);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    keeper_txnlog_close(log);
    assert_int_equal(file_size(spare), -1); /* close removes the spare */
    replay_check rc = {.next = 1};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(dir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 60);
    /* A stale spare is ignored by replay and removed by open. */
    spit(spare, "junk", 4);
    rc = (replay_check){.next = 1};
    assert_int_equal(keeper_txnlog_replay(dir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 60);
    log = open_log(dir, last, 4096);
    keeper_txnlog_close(log);
    assert_int_equal(file_size(spare), -1);
    free(f1);
    free(spare);
    rm_rf(dir);
    free(dir);
}

/* Appends on one thread while another syncs in a loop (group commit). */
static void test_txnlog_group_commit(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    aphx_error err = {0};
    keeper_txnlog *log = open_log(dir, 0, 8192);
    appender a = {log, 1, 3000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, append_thread, &a), 0);
    int64_t synced = 0;
    int syncs = 0;
    while (synced < 3000) {
        int64_t before = synced;
        assert_int_equal(keeper_txnlog_sync(log, &synced, &err), APHX_OK);
        if (synced != before) syncs++;
        else usleep(100);
    }
    pthread_join(t, NULL);
    keeper_txnlog_close(log);
    replay_check rc = {.next = 1};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(dir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 3000);
    int64_t *files;
    size_t nfiles;
    assert_int_equal(keeper_txnlog_list(dir, &files, &nfiles, &err), APHX_OK);
    assert_int_equal(nfiles, 3000 / 64 + 1);
    assert_int_equal(files[1], 65);
    aphx_free(files);
    print_message("group commit: 3000 records in %d syncs\n", syncs);
    rm_rf(dir);
    free(dir);
}

static void test_txnlog_rollover_purge(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    aphx_error err = {0};
    keeper_txnlog *log = open_log(dir, 0, 4096);
    append_range(log, 1, 10);
    keeper_txnlog_roll(log);
    append_range(log, 11, 20);
    keeper_txnlog_roll(log);
    append_range(log, 21, 30); /* three files from one sync */
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    keeper_txnlog_roll(log);
    append_range(log, 31, 40);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    keeper_txnlog_close(log);
    int64_t *files;
    size_t n;
    assert_int_equal(keeper_txnlog_list(dir, &files, &n, &err), APHX_OK);
    assert_int_equal(n, 4);
    assert_int_equal(files[0], 1);
    assert_int_equal(files[1], 11);
    assert_int_equal(files[2], 21);
    assert_int_equal(files[3], 31);
    aphx_free(files);
    char *f = join(dir, "log.1f"); /* 31 in hex */
    assert_true(file_size(f) > 0);
    free(f);

    /* Replay from 15 starts in log.b and skips log.1. */
    replay_check rc = {.next = 16};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(dir, 15, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 25);
    /* Purge what a snapshot at zxid 22 covers: log.1 and log.b go. */
    int removed = -1;
    assert_int_equal(keeper_txnlog_purge(dir, 22, &removed, &err), APHX_OK);
    assert_int_equal(removed, 2);
    rc = (replay_check){.next = 23};
    assert_int_equal(keeper_txnlog_replay(dir, 22, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 18);
    /* Purging beyond the end keeps the newest file. */
    assert_int_equal(keeper_txnlog_purge(dir, 1000, &removed, &err), APHX_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(keeper_txnlog_list(dir, &files, &n, &err), APHX_OK);
    assert_int_equal(n, 1);
    aphx_free(files);
    rm_rf(dir);
    free(dir);
}

/* Write records 1..count into log.1 of `dir`; returns the offsets where
 * the last record starts and ends (found by walking the record lengths). */
static void write_small_log(const char *dir, int64_t count, long *last_start, long *last_end)
{
    aphx_error err = {0};
    keeper_txnlog *log = open_log(dir, 0, 4096);
    append_range(log, 1, count);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    keeper_txnlog_close(log);
    char *path = join(dir, "log.1");
    size_t len;
    unsigned char *d = slurp(path, &len);
    long off = 16;
    for (int64_t z = 1; z < count; z++) {
        uint32_t n = (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 |
                     (uint32_t)d[off + 2] << 8 | d[off + 3];
        off += 20 + (long)n;
    }
    free(d);
    free(path);
    unsigned char p[300];
    *last_start = off;
    *last_end = off + 20 + (long)payload_for(count, p);
}

static void test_txnlog_torn_tail(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *logdir = join(dir, "log");
    mkdir(logdir, 0755);
    const int64_t count = 40; /* record 40 is 280 bytes of payload */
    long start, end;
    write_small_log(logdir, count, &start, &end);
    char *path = join(logdir, "log.1");
    size_t full_len;
    unsigned char *full = slurp(path, &full_len);
    assert_true(end > start + 100);
    aphx_error err = {0};
    int cuts = 0, flips = 0;

    /* Cut the file at every byte of the last record. */
    for (long cut = start; cut < end; cut++) {
        if (cut > start) patch(path, start, full + start, (size_t)(cut - start));
        assert_int_equal(truncate(path, cut), 0);
        log_capture_begin();
        replay_check rc = {.next = 1};
        int64_t last;
        aphx_rc r = keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err);
        char *log = log_capture_end();
        if (r != APHX_OK) fail_msg("cut at %ld: %s", cut, err.msg);
        assert_int_equal(rc.count, count - 1);
        assert_int_equal(last, count - 1);
        /* A tail of fewer than 20 zero bytes looks like preallocated space
         * (the length field starts with zeros): a clean end, no warning. */
        bool zero_tail = true;
        for (long k = start; k < cut; k++) zero_tail = zero_tail && full[k] == 0;
        if (!zero_tail) {
            if (!strstr(log, "WARN") || !strstr(log, "log.1") || !strstr(log, "truncating"))
                fail_msg("cut at %ld: no truncation warning: %s", cut, log);
            assert_int_equal(file_size(path), start);
        }
        free(log);
        /* Replaying again is clean and the log can continue. */
        rc = (replay_check){.next = 1};
        assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_OK);
        assert_int_equal(rc.count, count - 1);
        cuts++;
    }
    /* Flip every byte of the last record (file otherwise whole, zeros after). */
    spit(path, full, full_len);
    for (long at = start; at < end; at++) {
        unsigned char b = full[at] ^ 0x5a;
        patch(path, at, &b, 1);
        log_capture_begin();
        replay_check rc = {.next = 1};
        int64_t last;
        aphx_rc r = keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err);
        char *log = log_capture_end();
        if (r != APHX_OK) fail_msg("flip at %ld: %s", at, err.msg);
        if (rc.count != count - 1 || !strstr(log, "WARN"))
            fail_msg("flip at %ld: %lld records, log '%s'", at, (long long)rc.count, log);
        free(log);
        assert_int_equal(file_size(path), start);
        patch(path, start, full + start, full_len - (size_t)start); /* restore */
        flips++;
    }
    /* After a truncation, the log continues in a new file. */
    assert_int_equal(truncate(path, start), 0);
    keeper_txnlog *lg = open_log(logdir, count - 1, 4096);
    append_range(lg, count, count + 5);
    assert_int_equal(keeper_txnlog_sync(lg, NULL, &err), APHX_OK);
    keeper_txnlog_close(lg);
    replay_check rc = {.next = 1};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, count + 5);

    /* Now log.1 is not the last file: corruption there is an error. */
    full[start - 5] ^= 1; /* inside record 39 */
    spit(path, full, (size_t)start);
    rc = (replay_check){.next = 1};
    aphx_rc r2 = keeper_txnlog_replay(logdir, 0, replay_cb, &rc, &last, &err);
    if (r2 != APHX_CORRUPT) fail_msg("corrupt non-last file: rc=%d %s", r2, err.msg);
    assert_non_null(strstr(err.msg, "log.1"));
    assert_non_null(strstr(err.msg, "not the last"));
    print_message("torn tail: %d cuts and %d flips, all truncated to the last good record\n",
                  cuts, flips);
    free(full);
    free(path);
    rm_rf(dir);
    free(logdir);
    free(dir);
}

static void test_txnlog_torn_header_and_faults(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    aphx_error err = {0};
    keeper_txnlog *log = open_log(dir, 0, 4096);
    append_range(log, 1, 5);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
    keeper_txnlog_close(log);
    /* A last file whose header is torn holds nothing: removed with a WARN. */
    char *bad = join(dir, "log.6");
    spit(bad, "AKL", 3);
    log_capture_begin();
    replay_check rc = {.next = 1};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(dir, 0, replay_cb, &rc, &last, &err), APHX_OK);
    char *text = log_capture_end();
    assert_non_null(strstr(text, "log.6"));
    free(text);
    assert_int_equal(rc.count, 5);
    assert_int_equal(last, 5);
    assert_int_equal(file_size(bad), -1);
    free(bad);

    /* An injected fsync failure poisons the log. */
    log = open_log(dir, 5, 4096);
    append_range(log, 6, 10);
    keeper_txnlog_inject_fault(log, KEEPER_TXNLOG_FAULT_FSYNC);
    log_capture_begin();
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_IO);
    assert_non_null(strstr(err.msg, "injected"));
    unsigned char p[1] = {0};
    assert_int_equal(keeper_txnlog_append(log, 11, p, 1, &err), APHX_IO);
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_IO);
    free(log_capture_end());
    assert_int_equal(keeper_txnlog_synced_zxid(log), 5);
    keeper_txnlog_close(log);
    /* And a write failure. */
    char *dir2 = make_tmpdir();
    log = open_log(dir2, 0, 4096);
    append_range(log, 1, 3);
    keeper_txnlog_inject_fault(log, KEEPER_TXNLOG_FAULT_WRITE);
    log_capture_begin();
    assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_IO);
    free(log_capture_end());
    keeper_txnlog_close(log);
    /* Oversized payloads are refused. */
    log = open_log(dir2, 100, 4096);
    assert_int_equal(keeper_txnlog_append(log, 101, p, KEEPER_TXNLOG_MAX_PAYLOAD + 1u, &err),
                     APHX_INVALID);
    keeper_txnlog_close(log);
    rm_rf(dir2);
    free(dir2);
    rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */
/* ------------------------------------------------------------------ */
typedef struct snap_collect {
    int64_t  zxid;
    uint64_t records;
    uint64_t sum;        /* sum over records of type * (len + 1) + bytes */
} snap_collect;

static aphx_rc snap_begin(void *ctx, int64_t zxid, const char *path, aphx_error *err)
{
    (void)path; (void)err;
    snap_collect *c = ctx;
    c->zxid = zxid;
    c->records = 0;
    c->sum = 0;
    return APHX_OK;
}

static aphx_rc snap_record(void *ctx, uint32_t type, const uint8_t *data, size_t len,
                           aphx_error *err)
{
    (void)err;
    snap_collect *c = ctx;
    c->records++;
    c->sum += (uint64_t)type * (len + 1);
    for (size_t i = 0; i < len; i++) c->sum += data[i];
    return APHX_OK;
}

/* Write snapshot `zxid` with `n` records; returns the expected sum. */
static uint64_t write_snapshot(const char *dir, int64_t zxid, int n, size_t big)
{
    keeper_snapshot_writer *w;
    aphx_error err = {0};
    if (keeper_snapshot_writer_open(&w, dir, zxid, &err) != APHX_OK) fail_msg("%s", err.msg);
    uint64_t sum = 0;
    unsigned char buf[512];
    for (int i = 0; i < n; i++) {
        size_t len = (size_t)((i * 13 + zxid) % 90);
        for (size_t k = 0; k < len; k++) buf[k] = (unsigned char)(i + (int)k + (int)zxid);
        uint32_t type = (uint32_t)(i % 3 + 1);
        assert_int_equal(keeper_snapshot_writer_add(w, type, buf, len, &err), APHX_OK);
        sum += (uint64_t)type * (len + 1);
        for (size_t k = 0; k < len; k++) sum += buf[k];
    }
    if (big) {
        unsigned char *b = calloc(1, big);
        for (size_t k = 0; k < big; k++) b[k] = (unsigned char)k;
        assert_int_equal(keeper_snapshot_writer_add(w, 9, b, big, &err), APHX_OK);
        sum += 9u * (big + 1);
        for (size_t k = 0; k < big; k++) sum += b[k];
        free(b);
    }
    char *path = NULL;
    if (keeper_snapshot_writer_commit(w, &path, &err) != APHX_OK) fail_msg("%s", err.msg);
    aphx_free(path);
    return sum;
}

static void test_snapshot_roundtrip(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    aphx_error err = {0};
    snap_collect c = {0};
    keeper_snapshot_loader ld = {snap_begin, snap_record, &c};
    int64_t z = -1;
    /* Empty directory: fresh start. */
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_OK);
    assert_int_equal(z, 0);
    uint64_t s1 = write_snapshot(dir, 0x10, 100, 0);
    uint64_t s2 = write_snapshot(dir, 0x20, 1000, 3 << 20); /* one record > read window */
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_OK);
    assert_int_equal(z, 0x20);
    assert_int_equal(c.zxid, 0x20);
    assert_int_equal(c.records, 1001);
    assert_true(c.sum == s2);
    int64_t vz;
    uint64_t vr;
    char *p1 = join(dir, "snapshot.10");
    assert_int_equal(keeper_snapshot_verify(p1, &vz, &vr, &err), APHX_OK);
    assert_int_equal(vz, 0x10);
    assert_int_equal(vr, 100);
    free(p1);
    (void)s1;
    /* An aborted writer leaves nothing; a crashed one leaves a .tmp that
     * load removes. */
    keeper_snapshot_writer *w;
    assert_int_equal(keeper_snapshot_writer_open(&w, dir, 0x30, &err), APHX_OK);
    assert_int_equal(keeper_snapshot_writer_add(w, 1, "x", 1, &err), APHX_OK);
    assert_int_equal(keeper_snapshot_writer_add(w, 0xFFFFFFFFu, "x", 1, &err), APHX_INVALID);
    keeper_snapshot_writer_abort(w);
    char *t = join(dir, "snapshot.30.tmp");
    assert_int_equal(file_size(t), -1);
    spit(t, "junk", 4);
    int64_t *list;
    size_t n;
    assert_int_equal(keeper_snapshot_list(dir, &list, &n, &err), APHX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0], 0x20);
    assert_int_equal(list[1], 0x10);
    aphx_free(list);
    log_capture_begin();
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_OK);
    free(log_capture_end());
    assert_int_equal(file_size(t), -1);
    free(t);
    rm_rf(dir);
    free(dir);
}

static void test_snapshot_corruption_fallback(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    aphx_error err = {0};
    uint64_t s1 = write_snapshot(dir, 0x100, 20, 0);
    write_snapshot(dir, 0x200, 25, 0);
    char *path = join(dir, "snapshot.200");
    size_t len;
    unsigned char *orig = slurp(path, &len);
    snap_collect c = {0};
    keeper_snapshot_loader ld = {snap_begin, snap_record, &c};
    int flips = 0, cuts = 0;
    /* Every byte flipped, and the file cut at every length. */
    for (size_t at = 0; at < len; at++) {
        unsigned char b = orig[at] ^ 0x01;
        patch(path, (long)at, &b, 1);
        int64_t z = -1;
        log_capture_begin();
        aphx_rc rc = keeper_snapshot_load(dir, &ld, &z, &err);
        char *log = log_capture_end();
        if (rc != APHX_OK || z != 0x100 || c.records != 20 || c.sum != s1)
            fail_msg("flip at %zu: rc=%d zxid=%llx records=%llu", at, rc, (unsigned long long)z,
                     (unsigned long long)c.records);
        if (!strstr(log, "WARN") || !strstr(log, "snapshot.200"))
            fail_msg("flip at %zu: no warning naming the file: %s", at, log);
        free(log);
        patch(path, (long)at, &orig[at], 1);
        flips++;
    }
    for (size_t cut = 0; cut < len; cut += 3) {
        assert_int_equal(truncate(path, (off_t)cut), 0);
        int64_t z = -1;
        log_capture_begin();
        aphx_rc rc = keeper_snapshot_load(dir, &ld, &z, &err);
        free(log_capture_end());
        if (rc != APHX_OK || z != 0x100) fail_msg("cut at %zu: rc=%d", cut, rc);
        patch(path, (long)cut, orig + cut, len - cut);
        cuts++;
    }
    /* Garbage appended after the trailer is corruption too. */
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, orig, len);
    longer[len] = 0;
    spit(path, longer, len + 1);
    free(longer);
    int64_t z = -1;
    log_capture_begin();
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_OK);
    free(log_capture_end());
    assert_int_equal(z, 0x100);
    /* Restored: the newest loads again. */
    spit(path, orig, len);
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_OK);
    assert_int_equal(z, 0x200);
    /* Both corrupt: APHX_CORRUPT. */
    char *p1 = join(dir, "snapshot.100");
    spit(p1, "AKSN", 4);
    orig[len / 2] ^= 0xff;
    spit(path, orig, len);
    log_capture_begin();
    assert_int_equal(keeper_snapshot_load(dir, &ld, &z, &err), APHX_CORRUPT);
    free(log_capture_end());
    print_message("snapshot: %d flips and %d cuts of the newest, all fell back\n", flips, cuts);
    free(p1);
    free(orig);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_persist_purge(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *logdir = join(dir, "logs");
    aphx_error err = {0};
    keeper_txnlog *log = open_log(logdir, 0, 4096);
    /* Log files at 1, 11, 21, 31, 41; snapshots at 10, 20, 30, 40, 50. */
    for (int64_t f = 0; f < 5; f++) {
        append_range(log, f * 10 + 1, f * 10 + 10);
        keeper_txnlog_roll(log);
        assert_int_equal(keeper_txnlog_sync(log, NULL, &err), APHX_OK);
        write_snapshot(dir, f * 10 + 10, 3, 0);
    }
    keeper_txnlog_close(log);
    int removed = -1;
    /* retain 1 counts as 3: keep 30, 40, 50; logs from log.1f (31) on. */
    log_capture_begin();
    assert_int_equal(keeper_persist_purge(dir, logdir, 1, &removed, &err), APHX_OK);
    free(log_capture_end());
    assert_int_equal(removed, 2 + 3);
    int64_t *list;
    size_t n;
    assert_int_equal(keeper_snapshot_list(dir, &list, &n, &err), APHX_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[2], 30);
    aphx_free(list);
    assert_int_equal(keeper_txnlog_list(logdir, &list, &n, &err), APHX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0], 31);
    aphx_free(list);
    /* Recovery from the oldest kept snapshot still finds every txn. */
    replay_check rc = {.next = 31};
    int64_t last;
    assert_int_equal(keeper_txnlog_replay(logdir, 30, replay_cb, &rc, &last, &err), APHX_OK);
    assert_int_equal(rc.count, 20);
    rm_rf(dir);
    free(logdir);
    free(dir);
}

int main(int argc, char **argv)
{
    aphx_log_set_level(APHX_LOG_INFO);
    if (argc > 1) cmocka_set_test_filter(argv[1]); /* e.g. "test_snapshot*" */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_full),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_unknown_key_warns),
        cmocka_unit_test(test_config_overrides),
        cmocka_unit_test(test_txnlog_basic),
        cmocka_unit_test(test_txnlog_group_commit),
        cmocka_unit_test(test_txnlog_spare_file),
        cmocka_unit_test(test_txnlog_rollover_purge),
        cmocka_unit_test(test_txnlog_torn_tail),
        cmocka_unit_test(test_txnlog_torn_header_and_faults),
        cmocka_unit_test(test_snapshot_roundtrip),
        cmocka_unit_test(test_snapshot_corruption_fallback),
        cmocka_unit_test(test_persist_purge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
