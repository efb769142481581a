/*
 * cmd_bench.c — `aphx bench keeper`: a load generator for any
 * ZooKeeper-compatible server (Apache ZooKeeper or our keeper), driven
 * through the official C client's asynchronous API (libzookeeper-mt).
 *
 *   aphx bench keeper --connect 127.0.0.1:2181 --op set --clients 8 \
 *                     --depth 32 --seconds 10 --bytes 100 [--json]
 *
 * N sessions each keep D requests outstanding for S seconds: every
 * completion records its latency and issues the next request, so the load
 * is closed-loop. Operations:
 *   create  create a new persistent znode per request (never deleted:
 *           run against a scratch server)
 *   set     setData on one znode per session
 *   get     getData of one znode per session
 *   mixed   80% get / 20% set on the session's znode
 * All znodes live under /aphx-bench/r<pid>-<ms>. Prints ops/s and the
 * p50/p99/p999/max latency (or one JSON object with --json).
 *
 * Threads: the C client runs an I/O thread and a completion thread per
 * session; a session's completions (and so its histogram and counters)
 * only ever run on its own completion thread. The main thread only sets
 * the stop flag and reads results after the sessions have drained.
 */
#include "cli/cli.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef APHX_HAVE_ZOOKEEPER_MT
#ifndef THREADED
#define THREADED 1 /* libzookeeper-mt: declares the synchronous calls too */
#endif
#include <zookeeper/zookeeper.h>

/* Latency histogram over microseconds: exact below 128 us, then 64
 * sub-buckets per power of two (about 1.5% resolution) up to 2^40 us. */
#define BENCH_HIST_SUB 64
#define BENCH_HIST_MAX_MSB 40
#define BENCH_HIST_BUCKETS (2 * BENCH_HIST_SUB + (BENCH_HIST_MAX_MSB - 7 + 1) * BENCH_HIST_SUB)

typedef enum bench_op { BENCH_CREATE, BENCH_SET, BENCH_GET, BENCH_MIXED } bench_op;

typedef struct bench_client bench_client;

/* One outstanding request. */
typedef struct bench_slot {
    bench_client *client;
    int64_t       start_ns;
    char          path[160];
} bench_slot;

struct bench_client {
    int           index;
    zhandle_t    *zh;
    char          node[128];     /* the session's znode (set/get/mixed) */
    bench_slot   *slots;
    uint64_t      rng;           /* xorshift state for mixed */
    uint64_t      created;       /* counter for create paths */
    uint64_t      ops;           /* completed OK before stop */
    uint64_t      errors;
    int           first_error;
    uint64_t      hist[BENCH_HIST_BUCKETS];
    atomic_int    outstanding;
};

typedef struct bench_run {
    bench_op      op;
    const char   *connect;
    int           clients, depth, seconds, bytes;
    bool          json;
    char          base[96];      /* /aphx-bench/r<pid>-<ms> */
    char         *value;         /* `bytes` bytes of payload */
    atomic_bool   stop;
    bench_client *c;
} bench_run;

static bench_run *bench_global; /* completions need the run's settings */

static int bench_bucket(uint64_t us)
{
    if (us < 2 * BENCH_HIST_SUB) return (int)us;
    int msb = 63 - __builtin_clzll(us);
    if (msb > BENCH_HIST_MAX_MSB) return BENCH_HIST_BUCKETS - 1;
    return 2 * BENCH_HIST_SUB + (msb - 7) * BENCH_HIST_SUB +
           (int)((us >> (msb - 6)) & (BENCH_HIST_SUB - 1));
}

/* Representative value (middle of the bucket) in microseconds. */
static double bench_bucket_value(int b)
{
    if (b < 2 * BENCH_HIST_SUB) return b;
    int msb = 7 + (b - 2 * BENCH_HIST_SUB) / BENCH_HIST_SUB;
    int sub = (b - 2 * BENCH_HIST_SUB) % BENCH_HIST_SUB;
    double lo = (double)((uint64_t)(BENCH_HIST_SUB + sub) << (msb - 6));
    double width = (double)(1ull << (msb - 6));
    return lo + width / 2;
}

static double bench_percentile(const uint64_t *hist, uint64_t total, double q)
{
    if (total == 0) return 0;
    uint64_t rank = (uint64_t)(q * (double)total);
    if (rank >= total) rank = total - 1;
    uint64_t seen = 0;
    for (int b = 0; b < BENCH_HIST_BUCKETS; b++) {
        seen += hist[b];
        if (seen > rank) return bench_bucket_value(b);
    }
    return bench_bucket_value(BENCH_HIST_BUCKETS - 1);
}

static void bench_issue(bench_slot *s);

/* A request finished with ZooKeeper code rc. */
static void bench_complete(bench_slot *s, int rc)
{
    bench_client *c = s->client;
    bool stopped = atomic_load(&bench_global->stop);
    if (!stopped) {
        if (rc == ZOK) {
            uint64_t us = (uint64_t)(aphx_now_ns() - s->start_ns) / 1000;
            c->hist[bench_bucket(us)]++;
            c->ops++;
        } else {
            if (c->errors == 0) c->first_error = rc;
            c->errors++;
        }
    }
    if (stopped || rc == ZCONNECTIONLOSS || rc == ZSESSIONEXPIRED || rc == ZCLOSING) {
        atomic_fetch_sub(&c->outstanding, 1);
        return;
    }
    bench_issue(s);
}

static void bench_string_done(int rc, const char *value, const void *data)
{
    (void)value;
    bench_complete((bench_slot *)data, rc);
}

static void bench_stat_done(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    bench_complete((bench_slot *)data, rc);
}

static void bench_data_done(int rc, const char *value, int len, const struct Stat *stat,
                            const void *data)
{
    (void)value; (void)len; (void)stat;
    bench_complete((bench_slot *)data, rc);
}

static uint64_t bench_rand(bench_client *c)
{
    uint64_t x = c->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return c->rng = x;
}

/* Issue the next request of slot s (on a completion thread, or the main
 * thread for the first D). */
static void bench_issue(bench_slot *s)
{
    bench_client *c = s->client;
    bench_run *r = bench_global;
    bench_op op = r->op;
    if (op == BENCH_MIXED) op = bench_rand(c) % 5 == 0 ? BENCH_SET : BENCH_GET;
    s->start_ns = aphx_now_ns();
    int rc;
    switch (op) {
    case BENCH_CREATE:
        snprintf(s->path, sizeof s->path, "%s/c%d-%llu", r->base, c->index,
                 (unsigned long long)c->created++);
        rc = zoo_acreate(c->zh, s->path, r->value, r->bytes, &ZOO_OPEN_ACL_UNSAFE, 0,
                         bench_string_done, s);
        break;
    case BENCH_SET:
        rc = zoo_aset(c->zh, c->node, r->value, r->bytes, -1, bench_stat_done, s);
        break;
    default:
        rc = zoo_aget(c->zh, c->node, 0, bench_data_done, s);
        break;
    }
    if (rc != ZOK) {
        /* Not even queued (closing, bad state): count it and retire the slot. */
        if (c->errors == 0) c->first_error = rc;
        c->errors++;
        atomic_fetch_sub(&c->outstanding, 1);
    }
}

static void bench_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh; (void)type; (void)state; (void)path; (void)ctx;
}

static bool bench_wait_connected(zhandle_t *zh, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (zoo_state(zh) == ZOO_CONNECTED_STATE) return true;
        usleep(10 * 1000);
    }
    return zoo_state(zh) == ZOO_CONNECTED_STATE;
}

static void bench_usage(FILE *f)
{
    fprintf(f,
            "Usage: aphx bench keeper [options]\n\n"
            "Load a ZooKeeper-compatible server through the official C client's async API.\n\n"
            "Options:\n"
            "  --connect HOSTS   host:port[,host:port...] (default 127.0.0.1:2181)\n"
            "  --op OP           create | set | get | mixed (80%% get, 20%% set); default set\n"
            "  --clients N       sessions (default 8, 1..1024)\n"
            "  --depth D         outstanding requests per session (default 32, 1..10000)\n"
            "  --seconds S       measured duration (default 10, 1..3600)\n"
            "  --bytes B         value size for create/set (default 100, 0..1000000)\n"
            "  --json            print one JSON object instead of text\n");
}

static int bench_int_arg(const char *name, const char *v, int lo, int hi, int *out)
{
    int64_t x;
    if (!v || !aphx_parse_i64(v, &x) || x < lo || x > hi)
        return cli_usage_error("bench", "%s expects an integer %d..%d (got '%s')", name, lo, hi,
                               v ? v : "");
    *out = (int)x;
    return 0;
}

/* Create path (ignoring "already exists"); returns ZK code. */
static int bench_ensure(zhandle_t *zh, const char *path, const char *value, int len)
{
    int rc = zoo_create(zh, path, value, len, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    return rc == ZNODEEXISTS ? ZOK : rc;
}

static int bench_keeper(int argc, char **argv)
{
    bench_run run = {.op = BENCH_SET, .connect = "127.0.0.1:2181", .clients = 8, .depth = 32,
                     .seconds = 10, .bytes = 100};
    int exit_code = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "--json") == 0) {
            run.json = true;
            continue;
        } else if (strcmp(a, "--connect") == 0) {
            if (!v) return cli_usage_error("bench", "--connect needs host:port");
            run.connect = v;
        } else if (strcmp(a, "--op") == 0) {
            if (!v) return cli_usage_error("bench", "--op needs create|set|get|mixed");
            if (strcmp(v, "create") == 0) run.op = BENCH_CREATE;
            else if (strcmp(v, "set") == 0) run.op = BENCH_SET;
            else if (strcmp(v, "get") == 0) run.op = BENCH_GET;
            else if (strcmp(v, "mixed") == 0) run.op = BENCH_MIXED;
            else return cli_usage_error("bench", "unknown --op '%s' (create|set|get|mixed)", v);
        } else if (strcmp(a, "--clients") == 0) {
            bad = bench_int_arg(a, v, 1, 1024, &run.clients);
        } else if (strcmp(a, "--depth") == 0) {
            bad = bench_int_arg(a, v, 1, 10000, &run.depth);
        } else if (strcmp(a, "--seconds") == 0) {
            bad = bench_int_arg(a, v, 1, 3600, &run.seconds);
        } else if (strcmp(a, "--bytes") == 0) {
            bad = bench_int_arg(a, v, 0, 1000000, &run.bytes);
        } else {
            return cli_usage_error("bench", "unknown option '%s'", a);
        }
        if (bad) return bad;
        i++;
    }
    static const char *const op_names[] = {"create", "set", "get", "mixed"};

    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    bench_global = &run;
    snprintf(run.base, sizeof run.base, "/aphx-bench/r%ld-%lld", (long)getpid(),
             (long long)aphx_wall_ms());
    run.value = aphx_malloc((size_t)run.bytes + 1);
    run.c = aphx_calloc((size_t)run.clients, sizeof *run.c);
    if (!run.value || !run.c) {
        fprintf(stderr, "aphx bench: out of memory\n");
        goto out;
    }
    for (int i = 0; i < run.bytes; i++) run.value[i] = (char)('a' + i % 26);

    /* Connect every session. */
    for (int i = 0; i < run.clients; i++) {
        bench_client *c = &run.c[i];
        c->index = i;
        c->rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        c->slots = aphx_calloc((size_t)run.depth, sizeof *c->slots);
        if (!c->slots) {
            fprintf(stderr, "aphx bench: out of memory\n");
            goto out;
        }
        c->zh = zookeeper_init(run.connect, bench_watcher, 30000, NULL, NULL, 0);
        if (!c->zh) {
            fprintf(stderr, "aphx bench: cannot create a session for %s\n", run.connect);
            goto out;
        }
    }
    for (int i = 0; i < run.clients; i++) {
        if (!bench_wait_connected(run.c[i].zh, 10000)) {
            fprintf(stderr, "aphx bench: session %d did not connect to %s within 10 s\n", i,
                    run.connect);
            goto out;
        }
    }
    /* Set up the tree with session 0, synchronously. */
    int zrc = bench_ensure(run.c[0].zh, "/aphx-bench", NULL, -1);
    if (zrc == ZOK) zrc = bench_ensure(run.c[0].zh, run.base, NULL, -1);
    for (int i = 0; zrc == ZOK && i < run.clients; i++) {
        snprintf(run.c[i].node, sizeof run.c[i].node, "%s/s%d", run.base, i);
        zrc = bench_ensure(run.c[0].zh, run.c[i].node, run.value, run.bytes);
    }
    if (zrc != ZOK) {
        fprintf(stderr, "aphx bench: setting up %s failed: %s\n", run.base, zerror(zrc));
        goto out;
    }

    /* Go: D requests per session, then measure S seconds. */
    int64_t t0 = aphx_now_ns();
    for (int i = 0; i < run.clients; i++) {
        bench_client *c = &run.c[i];
        atomic_store(&c->outstanding, run.depth);
        for (int d = 0; d < run.depth; d++) {
            c->slots[d].client = c;
            bench_issue(&c->slots[d]);
        }
    }
    int64_t deadline = t0 + (int64_t)run.seconds * 1000000000ll;
    while (aphx_now_ns() < deadline) usleep(20 * 1000);
    atomic_store(&run.stop, true);
    int64_t t1 = aphx_now_ns();
    /* Drain: bounded wait for every outstanding request. */
    for (int waited = 0; waited < 30000; waited += 10) {
        int left = 0;
        for (int i = 0; i < run.clients; i++) left += atomic_load(&run.c[i].outstanding);
        if (left == 0) break;
        usleep(10 * 1000);
    }

    uint64_t hist[BENCH_HIST_BUCKETS] = {0};
    uint64_t ops = 0, errors = 0;
    int first_error = 0;
    for (int i = 0; i < run.clients; i++) {
        bench_client *c = &run.c[i];
        for (int b = 0; b < BENCH_HIST_BUCKETS; b++) hist[b] += c->hist[b];
        ops += c->ops;
        if (c->errors && !first_error) first_error = c->first_error;
        errors += c->errors;
    }
    double secs = (double)(t1 - t0) / 1e9;
    double rate = (double)ops / secs;
    double p50 = bench_percentile(hist, ops, 0.50) / 1000.0;
    double p99 = bench_percentile(hist, ops, 0.99) / 1000.0;
    double p999 = bench_percentile(hist, ops, 0.999) / 1000.0;
    double pmax = 0;
    for (int b = BENCH_HIST_BUCKETS - 1; b >= 0; b--)
        if (hist[b]) { pmax = bench_bucket_value(b) / 1000.0; break; }
    if (run.json) {
        printf("{\"op\":\"%s\",\"connect\":\"%s\",\"clients\":%d,\"depth\":%d,\"bytes\":%d,"
               "\"seconds\":%.3f,\"ops\":%llu,\"ops_per_sec\":%.1f,\"errors\":%llu,"
               "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
               op_names[run.op], run.connect, run.clients, run.depth, run.bytes, secs,
               (unsigned long long)ops, rate, (unsigned long long)errors, p50, p99, p999, pmax);
    } else {
        printf("bench keeper: op=%s connect=%s clients=%d depth=%d bytes=%d\n",
               op_names[run.op], run.connect, run.clients, run.depth, run.bytes);
        printf("  %llu ops in %.2f s = %.0f ops/s, %llu errors\n", (unsigned long long)ops, secs,
               rate, (unsigned long long)errors);
        printf("  latency ms: p50 %.3f  p99 %.3f  p999 %.3f  max %.3f\n", p50, p99, p999, pmax);
    }
    if (errors)
        fprintf(stderr, "aphx bench: %llu requests failed (first: %s)\n",
                (unsigned long long)errors, zerror(first_error));
    exit_code = ops > 0 ? 0 : 1;
out:
    if (run.c) {
        atomic_store(&run.stop, true);
        for (int i = 0; i < run.clients; i++) {
            if (run.c[i].zh) zookeeper_close(run.c[i].zh);
            aphx_free(run.c[i].slots);
        }
    }
    aphx_free(run.c);
    aphx_free(run.value);
    bench_global = NULL;
    return exit_code;
}
#endif /* APHX_HAVE_ZOOKEEPER_MT */

int cli_cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "Usage: aphx bench <target> [options]\n\nTargets:\n"
                "  keeper    load a ZooKeeper-compatible server (aphx bench keeper --help)\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "keeper") == 0) {
#ifdef APHX_HAVE_ZOOKEEPER_MT
        if (cli_wants_help(argc - 1, argv + 1)) {
            bench_usage(stdout);
            return 0;
        }
        return bench_keeper(argc - 1, argv + 1);
#else
        fprintf(stderr, "aphx bench keeper: not supported in this build (libzookeeper-mt was "
                        "not found at configure time)\n");
        return 1;
#endif
    }
    return cli_usage_error("bench", "unknown target '%s' (try: keeper)", argv[1]);
}
