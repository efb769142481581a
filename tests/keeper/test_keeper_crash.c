/*
 * test_keeper_crash.c — durability under kill -9. For several seeds: start
 * `aphx keeper` as a subprocess over a fresh data directory, run 4 clients
 * each pipelining creates and two-node multis, kill -9 the keeper at a
 * seeded moment, restart it on the same directory, and check that every
 * acknowledged create is present and that every multi is all-or-nothing.
 * A second restart checks that recovery itself left a consistent log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "keeper_test_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#ifndef APHX_BIN
#error "APHX_BIN must name the aphx binary"
#endif

enum { KT_CLIENTS = 4, KT_MAX_OPS = 20000, KT_WINDOW = 32 };

typedef struct kt_loader {
    int        port;
    int        id;
    int        acked;             /* ops acknowledged OK, in order */
    bool       is_multi[KT_MAX_OPS];
    _Atomic bool *stop;
} kt_loader;

/* Seeds >= 3 also take snapshots every 500 txns, so recovery goes through
 * snapshot + log (and kill -9 may land in the middle of a snapshot). */
static const char *kt_snap_count = "snapCount=100000";

static pid_t kt_spawn(const char *dir, int *port)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        char portarg[16];
        snprintf(portarg, sizeof portarg, "%d", *port);
        execl(APHX_BIN, "aphx", "keeper", "--port", portarg, "--data-dir", dir, "--log-level", "warn",
              "--set", kt_snap_count, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    char line[256];
    size_t n = 0;
    for (;;) {
        struct pollfd pf = {pipefd[0], POLLIN, 0};
        if (poll(&pf, 1, 20000) <= 0) break;
        ssize_t r = read(pipefd[0], line + n, 1);
        if (r <= 0) break;
        if (line[n] == '\n') {
            line[n] = 0;
            const char *colon = strrchr(line, ':');
            if (strstr(line, "keeper listening") && colon) *port = atoi(colon + 1);
            break;
        }
        if (n < sizeof line - 2) n++;
    }
    close(pipefd[0]);
    return pid;
}

static void kt_op_paths(int client, int i, bool multi, char *a, char *b, size_t cap)
{
    if (multi) {
        snprintf(a, cap, "/crash/m%d-%06d-a", client, i);
        snprintf(b, cap, "/crash/m%d-%06d-b", client, i);
    } else {
        snprintf(a, cap, "/crash/t%d-%06d", client, i);
        b[0] = 0;
    }
}

static void kt_put_create(aphx_buf *b, const char *path)
{
    jute_put_string(b, path);
    jute_put_buffer(b, "payload-0123456789", 18);
    jute_put_int(b, 1);
    jute_put_int(b, ZK_PERM_ALL);
    jute_put_string(b, "world");
    jute_put_string(b, "anyone");
    jute_put_int(b, 0);
}

static void *kt_load_main(void *arg)
{
    kt_loader *L = arg;
    kt_session s;
    if (kt_raw_connect(L->port, 2000, 0, NULL, &s) != 0 || s.id == 0) return NULL;
    unsigned seed = (unsigned)L->id * 7919u;
    aphx_buf b, rb;
    aphx_buf_init(&b);
    aphx_buf_init(&rb);
    int sent = 0;
    while (L->acked < KT_MAX_OPS) {
        /* fill the window */
        aphx_buf_reset(&b);
        while (sent < KT_MAX_OPS && sent - L->acked < KT_WINDOW && !atomic_load(L->stop)) {
            bool multi = (rand_r(&seed) % 4) == 0;
            L->is_multi[sent] = multi;
            char pa[64], pb[64];
            kt_op_paths(L->id, sent, multi, pa, pb, sizeof pa);
            size_t at = jute_frame_begin(&b);
            jute_put_int(&b, sent + 1);
            if (multi) {
                jute_put_int(&b, ZK_OP_MULTI);
                jute_put_int(&b, ZK_OP_CREATE); jute_put_bool(&b, false); jute_put_int(&b, -1);
                kt_put_create(&b, pa);
                jute_put_int(&b, ZK_OP_CREATE); jute_put_bool(&b, false); jute_put_int(&b, -1);
                kt_put_create(&b, pb);
                jute_put_int(&b, -1); jute_put_bool(&b, true); jute_put_int(&b, -1);
            } else {
                jute_put_int(&b, ZK_OP_CREATE);
                kt_put_create(&b, pa);
            }
            jute_frame_end(&b, at);
            sent++;
        }
        if (b.len && kt_send_all(s.fd, b.data, b.len)) break;
        if (sent == L->acked) break;
        if (kt_recv_frame(s.fd, &rb, 5000) != 0) break;   /* killed: connection gone */
        jute_reader r;
        jute_reader_init(&r, rb.data, rb.len);
        int32_t xid = jute_get_int(&r);
        (void)jute_get_long(&r);
        int32_t err = jute_get_int(&r);
        if (xid != L->acked + 1 || err != 0) break;
        if (L->is_multi[L->acked]) {
            /* both results must be OK */
            int32_t t1 = jute_get_int(&r); (void)jute_get_bool(&r); int32_t e1 = jute_get_int(&r);
            (void)t1;
            if (e1 != 0) break;
        }
        L->acked++;
    }
    aphx_buf_free(&b);
    aphx_buf_free(&rb);
    close(s.fd);
    return NULL;
}

static int32_t kt_exists(kt_session *s, const char *path)
{
    aphx_buf b;
    aphx_buf_init(&b);
    int32_t xid = s->xid++, err = 1;
    size_t at = kt_req_begin(&b, xid, ZK_OP_EXISTS);
    jute_put_string(&b, path);
    jute_put_bool(&b, false);
    if (kt_call(s, &b, at, xid, &err, NULL)) err = 999;
    aphx_buf_free(&b);
    return err;
}

static void kt_check(int port, kt_loader *loaders, int *present_total)
{
    kt_session s;
    assert_int_equal(kt_raw_connect(port, 4000, 0, NULL, &s), 0);
    assert_true(s.id != 0);
    int present = 0;
    for (int c = 0; c < KT_CLIENTS; c++) {
        kt_loader *L = &loaders[c];
        /* acknowledged: must exist; a few beyond: all-or-nothing for multis */
        for (int i = 0; i < L->acked + KT_WINDOW && i < KT_MAX_OPS; i++) {
            char pa[64], pb[64];
            kt_op_paths(c, i, L->is_multi[i], pa, pb, sizeof pa);
            int32_t ea = kt_exists(&s, pa);
            if (i < L->acked && ea != 0) fail_msg("acknowledged create %s is missing after the crash (%d)", pa, ea);
            if (L->is_multi[i]) {
                int32_t eb = kt_exists(&s, pb);
                if (ea != eb) fail_msg("multi %s/%s half applied (%d vs %d)", pa, pb, ea, eb);
            }
            present += ea == 0;
        }
    }
    *present_total = present;
    close(s.fd);
}

static void kt_crash_run(unsigned seed)
{
    kt_snap_count = seed >= 3 ? "snapCount=500" : "snapCount=100000";
    char dir[128];
    snprintf(dir, sizeof dir, "/tmp/aphx-keeper-crash.XXXXXX");
    assert_non_null(mkdtemp(dir));
    int port = 0;
    pid_t pid = kt_spawn(dir, &port);
    assert_true(pid > 0 && port > 0);
    {
        kt_session s;
        assert_int_equal(kt_raw_connect(port, 4000, 0, NULL, &s), 0);
        aphx_buf b;
        aphx_buf_init(&b);
        int32_t err;
        size_t at = kt_req_begin(&b, 1, ZK_OP_CREATE);
        kt_put_create(&b, "/crash");
        assert_int_equal(kt_call(&s, &b, at, 1, &err, NULL), 0);
        assert_int_equal(err, 0);
        aphx_buf_free(&b);
        close(s.fd);
    }
    static kt_loader loaders[KT_CLIENTS];
    _Atomic bool stop = false;
    pthread_t th[KT_CLIENTS];
    for (int c = 0; c < KT_CLIENTS; c++) {
        memset(&loaders[c], 0, sizeof loaders[c]);
        loaders[c].port = port;
        loaders[c].id = c;
        loaders[c].stop = &stop;
        pthread_create(&th[c], NULL, kt_load_main, &loaders[c]);
    }
    unsigned r = seed * 2654435761u;
    usleep(150000 + (r % 600) * 1000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    atomic_store(&stop, true);
    for (int c = 0; c < KT_CLIENTS; c++) pthread_join(th[c], NULL);
    int acked = 0;
    for (int c = 0; c < KT_CLIENTS; c++) acked += loaders[c].acked;

    int port2 = 0;
    pid = kt_spawn(dir, &port2);
    assert_true(pid > 0 && port2 > 0);
    int present = 0;
    kt_check(port2, loaders, &present);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* recovery must itself be recoverable */
    int port3 = 0;
    pid = kt_spawn(dir, &port3);
    assert_true(pid > 0 && port3 > 0);
    int present2 = 0;
    kt_check(port3, loaders, &present2);
    assert_int_equal(present, present2);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    printf("seed %u: %d ops acknowledged before kill -9, %d present after restart\n", seed, acked, present);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    assert_true(acked > 0);
}

static void test_crash_seed1(void **state) { (void)state; kt_crash_run(1); }
static void test_crash_seed2(void **state) { (void)state; kt_crash_run(2); }
static void test_crash_seed3(void **state) { (void)state; kt_crash_run(3); }
static void test_crash_seed4(void **state) { (void)state; kt_crash_run(4); }

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_seed1),
        cmocka_unit_test(test_crash_seed2),
        cmocka_unit_test(test_crash_seed3),
        cmocka_unit_test(test_crash_seed4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
