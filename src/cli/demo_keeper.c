/*
 * demo_keeper.c — the keeper part of `aphx demo`: start the embedded
 * ZooKeeper-compatible keeper on a loopback port (durable, under
 * <data-dir>/keeper), talk to it with the official ZooKeeper C client as any
 * ZooKeeper user would, store a table definition where the catalog will keep
 * it (/aphx/<cluster>/catalog/<schema>/<table>), show a change made by one
 * client reaching a second client's watch, and ask `srvr` on the client port.
 */
#include "cli/cli.h"
#include "keeper/keeper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

typedef struct demo_session {
    zhandle_t      *zh;
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    bool            connected;
    atomic_llong    event_ns;   /* when a data watch fired (0 = not yet) */
} demo_session;

static void demo_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    demo_session *s = ctx;
    (void)zh; (void)path;
    if (type == ZOO_SESSION_EVENT) {
        pthread_mutex_lock(&s->lock);
        s->connected = state == ZOO_CONNECTED_STATE;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
}

static void demo_data_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    demo_session *s = ctx;
    (void)zh; (void)state; (void)path;
    if (type == ZOO_CHANGED_EVENT) atomic_store(&s->event_ns, aphx_now_ns());
}

static aphx_rc demo_connect(demo_session *s, int port, aphx_error *err)
{
    char hosts[64];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", port);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->zh = zookeeper_init(hosts, demo_watcher, 10000, NULL, s, 0);
    if (!s->zh) return aphx_fail(err, APHX_IO, "zookeeper_init(%s) failed", hosts);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&s->lock);
    while (!s->connected)
        if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0) break;
    bool ok = s->connected;
    pthread_mutex_unlock(&s->lock);
    return ok ? APHX_OK : aphx_fail(err, APHX_TIMEOUT, "no session with the keeper at %s", hosts);
}

static void demo_disconnect(demo_session *s)
{
    if (s->zh) zookeeper_close(s->zh);
    s->zh = NULL;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

/* Create every missing node of an absolute path (empty data). */
static aphx_rc demo_mkdirs(zhandle_t *zh, const char *path, aphx_error *err)
{
    char partial[512];
    for (const char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        size_t n = p ? (size_t)(p - path) : strlen(path);
        snprintf(partial, sizeof partial, "%.*s", (int)n, path);
        int rc = zoo_create(zh, partial, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        if (rc != ZOK && rc != ZNODEEXISTS)
            return aphx_fail(err, APHX_IO, "create %s: %s", partial, zerror(rc));
        if (!p) return APHX_OK;
    }
}

/* Send a four-letter word to the client port and print the answer. */
static void demo_four_letter(int port, const char *word)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        write(fd, word, 4) != 4) {
        if (fd >= 0) close(fd);
        printf("   (%s: no answer)\n", word);
        return;
    }
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
    buf[n] = '\0';
    close(fd);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        printf("     %s\n", line);
}

aphx_rc cli_demo_keeper(const char *data_dir, const arrow_schema *schema, aphx_error *err)
{
    keeper_config cfg;
    keeper_server *server = NULL;
    demo_session a = {0}, b = {0};
    aphx_buf def;
    aphx_buf_init(&def);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/keeper", data_dir);
    const char *settings[] = {"4lw.commands.whitelist=srvr,ruok,mntr",
                              "clientPortAddress=127.0.0.1"};
    /* zoo.cfg wants a port in 1..65535; 0 (pick a free one) is set after. */
    keeper_config_overrides ov = {.port = 65535, .data_dir = dir, .settings = settings,
                                  .setting_count = APHX_ARRAY_LEN(settings)};
    aphx_rc rc = keeper_config_load(&cfg, NULL, &ov, err);
    if (rc) return rc;
    cfg.client_port = 0;

    printf("\n4. The keeper: ZooKeeper-compatible coordination, embedded\n");
    aphx_log_level saved_level = aphx_log_get_level();
    aphx_log_set_level(APHX_LOG_WARN);   /* keep the demo's output readable */
    int64_t t0 = aphx_now_ns();
    if ((rc = keeper_server_open(&server, &cfg, err))) goto done;
    if ((rc = keeper_server_start_thread(server, err))) goto done;
    int port = keeper_server_port(server);
    printf("   keeper up on 127.0.0.1:%d in %.1f ms (data and txn log in %s; fsync on)\n", port,
           (double)(aphx_now_ns() - t0) / 1e6, dir);

    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    if ((rc = demo_connect(&a, port, err)) || (rc = demo_connect(&b, port, err))) goto done;
    printf("   two clients connected through the official ZooKeeper C client\n");

    const char *path = "/aphx/demo/catalog/public/orders";
    if ((rc = demo_mkdirs(a.zh, path, err))) goto done;
    arrow_schema_format(schema, &def);
    int zrc = zoo_set(a.zh, path, def.data, (int)def.len, -1);
    struct Stat st;
    char got[4096];
    int got_len = sizeof got;
    if (zrc == ZOK) zrc = zoo_wget(b.zh, path, demo_data_watcher, &b, got, &got_len, &st);
    if (zrc != ZOK) {
        rc = aphx_fail(err, APHX_IO, "%s: %s", path, zerror(zrc));
        goto done;
    }
    printf("   client 1 wrote the table definition to %s (%d bytes, version %d);\n"
           "   client 2 read it and set a watch\n", path, got_len, st.version);

    aphx_buf_puts(&def, "discount: float64\n");
    int64_t t1 = aphx_now_ns();
    if ((zrc = zoo_set(a.zh, path, def.data, (int)def.len, st.version)) != ZOK) {
        rc = aphx_fail(err, APHX_IO, "set %s: %s", path, zerror(zrc));
        goto done;
    }
    while (!atomic_load(&b.event_ns) && aphx_now_ns() - t1 < 5000000000LL) usleep(100);
    int64_t seen = atomic_load(&b.event_ns);
    if (!seen) {
        rc = aphx_fail(err, APHX_TIMEOUT, "client 2 never saw the change to %s", path);
        goto done;
    }
    printf("   client 1 added a column (a compare-and-set on version %d, fsynced);\n"
           "   client 2's watch fired %.2f ms later\n", st.version, (double)(seen - t1) / 1e6);
    printf("   `srvr` on the client port:\n");
    demo_four_letter(port, "srvr");
done:
    demo_disconnect(&a);
    demo_disconnect(&b);
    if (server) {
        keeper_server_stop(server);
        keeper_server_join(server, NULL);
        keeper_server_close(server);
    }
    keeper_config_free(&cfg);
    aphx_buf_free(&def);
    aphx_log_set_level(saved_level);
    return rc;
}
