/*
 * fourlw.c — ZooKeeper's four-letter words on the client port (ruok srvr
 * stat mntr conf cons envi wchs wchc wchp dirs isro crst srst dump), gated
 * by 4lw.commands.whitelist, and the Prometheus text exposition served at
 * http://<clientPortAddress>:<metricsProvider.httpPort>/metrics.
 *
 * A four-letter word is recognised when the first 4 bytes of a connection,
 * read as the frame length, spell one of the words; the answer is plain
 * text and the connection is closed after it, as ZooKeeper does.
 */
#include "keeper/keeper_server.h"

#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const keeper_words[] = {"ruok", "srvr", "stat", "mntr", "conf", "cons", "envi", "wchs",
                                           "wchc", "wchp", "dirs", "isro", "crst", "srst", "dump"};

bool keeper_fourlw_known(uint32_t v, char word[5])
{
    word[0] = (char)(v >> 24);
    word[1] = (char)(v >> 16);
    word[2] = (char)(v >> 8);
    word[3] = (char)v;
    word[4] = 0;
    for (size_t i = 0; i < APHX_ARRAY_LEN(keeper_words); i++)
        if (memcmp(word, keeper_words[i], 4) == 0) return true;
    return false;
}

static bool keeper_word_allowed(keeper_server *s, const char *word)
{
    if (s->four_letter_all) return true;
    const char *p = s->four_letter_whitelist;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 4 && memcmp(p, word, 4) == 0) return true;
        if (n == 1 && p[0] == '*') return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

static int64_t keeper_dir_size(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int64_t total = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
    }
    closedir(d);
    return total;
}

static int64_t keeper_ephemeral_count(keeper_server *s)
{
    int64_t n = 0;
    for (size_t i = 0; i < s->db.snb; i++)
        for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext) n += ss->neph;
    return n;
}

static int64_t keeper_watch_total(keeper_server *s)
{
    int64_t n = 0;
    for (int k = 0; k < KEEPER_WT_KINDS; k++) n += s->db.watches[k].total;
    return n;
}

static void keeper_put_latency(keeper_server *s, aphx_buf *o)
{
    double avg = s->lat_count ? (double)s->lat_sum_ns / (double)s->lat_count / 1e6 : 0.0;
    aphx_buf_printf(o, "Latency min/avg/max: %lld/%.4f/%lld\n", (long long)(s->lat_min_ns / 1000000), avg,
                    (long long)(s->lat_max_ns / 1000000));
}

static void keeper_put_cons_line(aphx_buf *o, keeper_conn *c, bool full)
{
    aphx_buf_printf(o, " /%s:%d[%d](queued=%d,recved=%lld,sent=%lld", c->peer_ip, c->peer_port,
                    c->handshaken ? 1 : 0, c->pending_writes, (long long)c->packets_received,
                    (long long)c->packets_sent);
    if (full && c->session) {
        double avg = c->lat_count ? (double)c->lat_sum_ns / (double)c->lat_count / 1e6 : 0.0;
        aphx_buf_printf(o, ",sid=0x%llx,lop=%s,est=%lld,to=%d,lcxid=0x%x,lzxid=0x%llx,lresp=%lld,"
                        "llat=%lld,minlat=%lld,avglat=%.4f,maxlat=%lld",
                        (unsigned long long)c->session->id, jute_op_name(c->last_op),
                        (long long)c->established_ms, c->session->timeout_ms, (unsigned)c->last_cxid,
                        (unsigned long long)c->last_zxid, (long long)c->last_response_ms,
                        (long long)(c->last_latency_ns / 1000000), (long long)(c->lat_min_ns / 1000000),
                        avg, (long long)(c->lat_max_ns / 1000000));
    }
    aphx_buf_puts(o, ")\n");
}

typedef struct keeper_wch_ctx {
    aphx_buf *o;
    bool      by_path;
    int64_t   sid;
    const char *path;
} keeper_wch_ctx;

static void keeper_wch_session_paths(void *ctx, int kind, const char *path, void *watcher)
{
    keeper_wch_ctx *x = ctx;
    keeper_conn *c = watcher;
    (void)kind;
    if (c->session && c->session->id == x->sid) aphx_buf_printf(x->o, "\t%s\n", path);
}

static void keeper_wch_path_sessions(void *ctx, int kind, const char *path, void *watcher)
{
    keeper_wch_ctx *x = ctx;
    keeper_conn *c = watcher;
    (void)kind;
    if (strcmp(path, x->path) == 0 && c->session)
        aphx_buf_printf(x->o, "\t0x%llx\n", (unsigned long long)c->session->id);
}

typedef struct keeper_path_set {
    char  **v;
    size_t  n, cap;
} keeper_path_set;

static void keeper_collect_paths(void *ctx, int kind, const char *path, void *watcher)
{
    keeper_path_set *ps = ctx;
    (void)kind;
    (void)watcher;
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i], path) == 0) return;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        char **v = aphx_realloc(ps->v, sizeof *v * cap);
        if (!v) return;
        ps->v = v;
        ps->cap = cap;
    }
    ps->v[ps->n] = aphx_strdup(path);
    if (ps->v[ps->n]) ps->n++;
}

void keeper_fourlw_handle(keeper_server *s, keeper_conn *c, const char *word)
{
    aphx_buf *o = &c->out;
    if (!keeper_word_allowed(s, word)) {
        aphx_buf_printf(o, "%s is not executed because it is not in the whitelist.\n", word);
        goto done;
    }
    if (strcmp(word, "ruok") == 0) {
        aphx_buf_puts(o, "imok");
    } else if (strcmp(word, "srvr") == 0 || strcmp(word, "stat") == 0) {
        aphx_buf_printf(o, "Zookeeper version: 3.8.0-aphx-keeper-%s, built on unknown\n", APHX_VERSION);
        if (strcmp(word, "stat") == 0) {
            aphx_buf_puts(o, "Clients:\n");
            for (keeper_conn *x = s->conns; x; x = x->next)
                if (!x->dead) keeper_put_cons_line(o, x, false);
            aphx_buf_puts(o, "\n");
        }
        keeper_put_latency(s, o);
        aphx_buf_printf(o, "Received: %lld\nSent: %lld\nConnections: %d\nOutstanding: %lld\nZxid: 0x%llx\n"
                        "Mode: standalone\nNode count: %zu\n",
                        (long long)s->packets_received, (long long)s->packets_sent, s->nconns,
                        (long long)s->npending, (unsigned long long)s->db.last_zxid, s->db.count);
    } else if (strcmp(word, "mntr") == 0) {
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        int open_fds = 0;
        DIR *d = opendir("/proc/self/fd");
        if (d) {
            while (readdir(d)) open_fds++;
            closedir(d);
            open_fds -= 3;   /* ".", "..", and the directory's own fd */
        }
        double avg = s->lat_count ? (double)s->lat_sum_ns / (double)s->lat_count / 1e6 : 0.0;
        aphx_buf_printf(o,
                        "zk_version\t3.8.0-aphx-keeper-%s\n"
                        "zk_server_state\tstandalone\n"
                        "zk_avg_latency\t%.4f\n"
                        "zk_max_latency\t%lld\n"
                        "zk_min_latency\t%lld\n"
                        "zk_packets_received\t%lld\n"
                        "zk_packets_sent\t%lld\n"
                        "zk_num_alive_connections\t%d\n"
                        "zk_outstanding_requests\t%lld\n"
                        "zk_znode_count\t%zu\n"
                        "zk_watch_count\t%lld\n"
                        "zk_ephemerals_count\t%lld\n"
                        "zk_approximate_data_size\t%lld\n"
                        "zk_open_file_descriptor_count\t%d\n"
                        "zk_max_file_descriptor_count\t%llu\n"
                        "zk_global_sessions\t%zu\n"
                        "zk_last_zxid\t0x%llx\n"
                        "zk_fsync_count\t%lld\n"
                        "zk_snapshot_count\t%lld\n"
                        "zk_uptime\t%lld\n",
                        APHX_VERSION, avg, (long long)(s->lat_max_ns / 1000000),
                        (long long)(s->lat_min_ns / 1000000), (long long)s->packets_received,
                        (long long)s->packets_sent, s->nconns, (long long)s->npending, s->db.count,
                        (long long)keeper_watch_total(s), (long long)keeper_ephemeral_count(s),
                        (long long)s->db.data_bytes, open_fds, (unsigned long long)rl.rlim_cur,
                        s->db.scount, (unsigned long long)s->db.last_zxid,
                        (long long)atomic_load(&s->fsync_count), (long long)atomic_load(&s->snapshot_count),
                        (long long)((aphx_wall_ms() - s->started_ms)));
    } else if (strcmp(word, "conf") == 0) {
        aphx_buf_puts(o, s->conf_text ? s->conf_text : "");
    } else if (strcmp(word, "cons") == 0) {
        for (keeper_conn *x = s->conns; x; x = x->next)
            if (!x->dead) keeper_put_cons_line(o, x, true);
        aphx_buf_puts(o, "\n");
    } else if (strcmp(word, "envi") == 0) {
        struct utsname u;
        uname(&u);
        char cwd[1024];
        if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
        aphx_buf_printf(o, "Environment:\nzookeeper.version=3.8.0-aphx-keeper-%s\nhost.name=%s\n"
                        "java.version=none (C)\nos.name=%s\nos.arch=%s\nos.version=%s\nuser.dir=%s\n",
                        APHX_VERSION, u.nodename, u.sysname, u.machine, u.release, cwd);
    } else if (strcmp(word, "wchs") == 0) {
        keeper_path_set ps = {0};
        keeper_watch_foreach(&s->db, keeper_collect_paths, &ps);
        int watching = 0;
        for (keeper_conn *x = s->conns; x; x = x->next) {
            if (x->dead) continue;
            bool any = false;
            for (size_t i = 0; i < ps.n && !any; i++)
                for (int k = 0; k < KEEPER_WT_KINDS && !any; k++) any = keeper_watch_has(&s->db, k, ps.v[i], x);
            watching += any;
        }
        aphx_buf_printf(o, "%d connections watching %zu paths\nTotal watches:%lld\n", watching, ps.n,
                        (long long)keeper_watch_total(s));
        for (size_t i = 0; i < ps.n; i++) aphx_free(ps.v[i]);
        aphx_free(ps.v);
    } else if (strcmp(word, "wchc") == 0) {
        for (keeper_conn *x = s->conns; x; x = x->next) {
            if (x->dead || !x->session) continue;
            aphx_buf_printf(o, "0x%llx\n", (unsigned long long)x->session->id);
            keeper_wch_ctx ctx = {o, false, x->session->id, NULL};
            keeper_watch_foreach(&s->db, keeper_wch_session_paths, &ctx);
        }
    } else if (strcmp(word, "wchp") == 0) {
        keeper_path_set ps = {0};
        keeper_watch_foreach(&s->db, keeper_collect_paths, &ps);
        for (size_t i = 0; i < ps.n; i++) {
            aphx_buf_printf(o, "%s\n", ps.v[i]);
            keeper_wch_ctx ctx = {o, true, 0, ps.v[i]};
            keeper_watch_foreach(&s->db, keeper_wch_path_sessions, &ctx);
            aphx_free(ps.v[i]);
        }
        aphx_free(ps.v);
    } else if (strcmp(word, "dirs") == 0) {
        aphx_buf_printf(o, "datadir_size: %lld\nlogdir_size: %lld\n", (long long)keeper_dir_size(s->data_dir),
                        (long long)keeper_dir_size(s->data_log_dir));
    } else if (strcmp(word, "isro") == 0) {
        aphx_buf_puts(o, "rw");
    } else if (strcmp(word, "crst") == 0) {
        for (keeper_conn *x = s->conns; x; x = x->next) keeper_conn_reset_stats(x);
        aphx_buf_puts(o, "Connection stats reset.\n");
    } else if (strcmp(word, "srst") == 0) {
        s->packets_received = s->packets_sent = 0;
        s->lat_min_ns = s->lat_max_ns = s->lat_sum_ns = s->lat_count = 0;
        aphx_buf_puts(o, "Server stats reset.\n");
    } else if (strcmp(word, "dump") == 0) {
        aphx_buf_printf(o, "SessionTracker dump:\nSession Sets (%zu):\n", s->db.scount);
        int64_t now = aphx_now_ns();
        for (size_t i = 0; i < s->db.snb; i++)
            for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext)
                aphx_buf_printf(o, "0x%llx\texpires in %lld ms\n", (unsigned long long)ss->id,
                                (long long)((ss->deadline_ns - now) / 1000000));
        aphx_buf_puts(o, "ephemeral nodes dump:\n");
        size_t with = 0;
        for (size_t i = 0; i < s->db.snb; i++)
            for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext) with += ss->neph > 0;
        aphx_buf_printf(o, "Sessions with Ephemerals (%zu):\n", with);
        for (size_t i = 0; i < s->db.snb; i++)
            for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext) {
                if (!ss->neph) continue;
                aphx_buf_printf(o, "0x%llx:\n", (unsigned long long)ss->id);
                for (uint32_t k = 0; k < ss->neph; k++) aphx_buf_printf(o, "\t%s\n", ss->eph[k]->path);
            }
        aphx_buf_puts(o, "Connections with Ephemerals: n/a\n");
    }
done:
    c->packets_sent++;
    c->closing = true;
    if (!c->in_dirty_list && !c->dead) {
        c->in_dirty_list = true;
        c->dirty_next = s->dirty;
        s->dirty = c;
    }
}

/* ------------------------------------------------------------------ */
/* Prometheus metrics                                                  */
/* ------------------------------------------------------------------ */
void keeper_metrics_render(keeper_server *s, aphx_buf *o)
{
    aphx_buf_puts(o, "# HELP keeper_requests_total Requests answered, by operation.\n"
                     "# TYPE keeper_requests_total counter\n");
    for (int i = 0; i < KEEPER_STAT_OPS; i++) {
        if (!s->ops[i].count) continue;
        int32_t op = i >= 100 ? i : (i > 64 ? i - KEEPER_STAT_OPS : i);
        aphx_buf_printf(o, "keeper_requests_total{op=\"%s\"} %lld\n", jute_op_name(op), (long long)s->ops[i].count);
    }
    aphx_buf_puts(o, "# HELP keeper_request_latency_seconds Request latency (receive to reply), by operation.\n"
                     "# TYPE keeper_request_latency_seconds summary\n");
    for (int i = 0; i < KEEPER_STAT_OPS; i++) {
        if (!s->ops[i].count) continue;
        int32_t op = i >= 100 ? i : (i > 64 ? i - KEEPER_STAT_OPS : i);
        aphx_buf_printf(o, "keeper_request_latency_seconds_sum{op=\"%s\"} %.9f\n", jute_op_name(op),
                        s->ops[i].lat_sum_ns / 1e9);
        aphx_buf_printf(o, "keeper_request_latency_seconds_count{op=\"%s\"} %lld\n", jute_op_name(op),
                        (long long)s->ops[i].count);
    }
    aphx_buf_puts(o, "# HELP keeper_request_latency_max_seconds Largest request latency, by operation.\n"
                     "# TYPE keeper_request_latency_max_seconds gauge\n");
    for (int i = 0; i < KEEPER_STAT_OPS; i++) {
        if (!s->ops[i].count) continue;
        int32_t op = i >= 100 ? i : (i > 64 ? i - KEEPER_STAT_OPS : i);
        aphx_buf_printf(o, "keeper_request_latency_max_seconds{op=\"%s\"} %.9f\n", jute_op_name(op),
                        s->ops[i].lat_max_ns / 1e9);
    }
    aphx_buf_printf(o,
                    "# TYPE keeper_outstanding_requests gauge\nkeeper_outstanding_requests %lld\n"
                    "# TYPE keeper_znode_count gauge\nkeeper_znode_count %zu\n"
                    "# TYPE keeper_watch_count gauge\nkeeper_watch_count %lld\n"
                    "# TYPE keeper_sessions gauge\nkeeper_sessions %zu\n"
                    "# TYPE keeper_connections gauge\nkeeper_connections %d\n"
                    "# TYPE keeper_ephemerals gauge\nkeeper_ephemerals %lld\n"
                    "# TYPE keeper_approximate_data_size_bytes gauge\nkeeper_approximate_data_size_bytes %lld\n"
                    "# TYPE keeper_last_zxid gauge\nkeeper_last_zxid %lld\n"
                    "# TYPE keeper_fsync_total counter\nkeeper_fsync_total %lld\n"
                    "# TYPE keeper_fsync_seconds_sum counter\nkeeper_fsync_seconds_sum %.9f\n"
                    "# TYPE keeper_fsync_seconds_max gauge\nkeeper_fsync_seconds_max %.9f\n"
                    "# TYPE keeper_snapshot_total counter\nkeeper_snapshot_total %lld\n"
                    "# TYPE keeper_snapshot_seconds_sum counter\nkeeper_snapshot_seconds_sum %.9f\n"
                    "# TYPE keeper_snapshot_seconds_last gauge\nkeeper_snapshot_seconds_last %.9f\n"
                    "# TYPE keeper_packets_received_total counter\nkeeper_packets_received_total %lld\n"
                    "# TYPE keeper_packets_sent_total counter\nkeeper_packets_sent_total %lld\n"
                    "# TYPE keeper_bad_input_closes_total counter\nkeeper_bad_input_closes_total %lld\n",
                    (long long)s->npending, s->db.count, (long long)keeper_watch_total(s), s->db.scount,
                    s->nconns, (long long)keeper_ephemeral_count(s), (long long)s->db.data_bytes,
                    (long long)s->db.last_zxid, (long long)atomic_load(&s->fsync_count),
                    atomic_load(&s->fsync_ns_total) / 1e9, atomic_load(&s->fsync_ns_max) / 1e9,
                    (long long)atomic_load(&s->snapshot_count), atomic_load(&s->snapshot_ns_total) / 1e9,
                    atomic_load(&s->snapshot_ns_last) / 1e9,
                    (long long)s->packets_received, (long long)s->packets_sent,
                    (long long)s->conns_closed_bad_input);
}

/* One HTTP/1.0-style exchange; the request is read with a short timeout so
 * a silent client cannot hold the loop for long. */
void keeper_metrics_serve(keeper_server *s, int fd)
{
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[2048];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t n = recv(fd, req + got, sizeof req - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) break;
    }
    req[got] = 0;
    aphx_buf body, resp;
    aphx_buf_init(&body);
    aphx_buf_init(&resp);
    int status = 200;
    if (strncmp(req, "GET /metrics", 12) == 0) {
        keeper_metrics_render(s, &body);
    } else {
        status = 404;
        aphx_buf_puts(&body, "not found; try /metrics\n");
    }
    aphx_buf_printf(&resp, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    status, status == 200 ? "OK" : "Not Found", body.len);
    aphx_buf_append(&resp, body.data ? body.data : "", body.len);
    if (!resp.oom) aphx_write_all(fd, resp.data, resp.len, NULL);
    aphx_buf_free(&body);
    aphx_buf_free(&resp);
}
