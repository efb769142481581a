/*
 * keeper_test_util.h — helpers for the keeper tests: start a keeper in
 * process on a free 127.0.0.1 port over a scratch data directory, and a
 * tiny raw ZooKeeper protocol client (length-prefixed jute frames over a
 * blocking socket) for what the official C client cannot send: malformed
 * frames, persistent watches, multiRead, getEphemerals, whoAmI, and
 * sessions resumed with a chosen id and password.
 */
#ifndef APHX_KEEPER_TEST_UTIL_H
#define APHX_KEEPER_TEST_UTIL_H

#include "keeper/jute.h"
#include "keeper/keeper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct kt_server {
    keeper_server *s;
    char           dir[256];
    int            port;
} kt_server;

/* Start a keeper with tickTime 100 (sessions 200..2000 ms), every 4lw word
 * allowed, plus `extra` zoo.cfg lines. Returns 0 on success. */
static inline int kt_start_in(kt_server *k, const char *dir, const char *extra)
{
    memset(k, 0, sizeof *k);
    if (dir) {
        snprintf(k->dir, sizeof k->dir, "%s", dir);
    } else {
        snprintf(k->dir, sizeof k->dir, "/tmp/aphx-keeper-test.XXXXXX");
        if (!mkdtemp(k->dir)) return -1;
    }
    char text[2048];
    snprintf(text, sizeof text,
             "clientPort=2181\ndataDir=%s\ntickTime=100\n4lw.commands.whitelist=*\n%s\n", k->dir,
             extra ? extra : "");
    keeper_config cfg;
    aphx_error err = {0};
    if (keeper_config_parse(&cfg, "test.cfg", text, strlen(text), NULL, &err) != APHX_OK) {
        fprintf(stderr, "config: %s\n", err.msg);
        return -1;
    }
    cfg.client_port = 0;   /* any free port */
    if (cfg.metrics_http_port == 1) cfg.metrics_http_port = 0;
    aphx_rc rc = keeper_server_open(&k->s, &cfg, &err);
    keeper_config_free(&cfg);
    if (rc != APHX_OK) {
        fprintf(stderr, "keeper_server_open: %s\n", err.msg);
        return -1;
    }
    k->port = keeper_server_port(k->s);
    if (keeper_server_start_thread(k->s, &err) != APHX_OK) return -1;
    return 0;
}

static inline int kt_start(kt_server *k, const char *extra) { return kt_start_in(k, NULL, extra); }

/* Stop the keeper; the data directory is removed unless keep_dir. */
static inline void kt_stop(kt_server *k, bool keep_dir)
{
    if (k->s) {
        keeper_server_stop(k->s);
        keeper_server_join(k->s, NULL);
        keeper_server_close(k->s);
        k->s = NULL;
    }
    if (!keep_dir && k->dir[0]) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", k->dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", k->dir);
    }
}

/* ---- raw protocol client ---- */
static inline int kt_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static inline int kt_send_all(int fd, const void *p, size_t n)
{
    const char *q = p;
    while (n > 0) {
        ssize_t w = send(fd, q, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes within timeout_ms; 0 ok, -1 error/EOF, -2 timeout. */
static inline int kt_recv_exact(int fd, void *p, size_t n, int timeout_ms)
{
    char *q = p;
    while (n > 0) {
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, timeout_ms);
        if (r == 0) return -2;
        if (r < 0) return -1;
        ssize_t got = recv(fd, q, n, 0);
        if (got <= 0) return -1;
        q += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Receive one frame into *b (reset first). 0 ok, -1 closed, -2 timeout. */
static inline int kt_recv_frame(int fd, aphx_buf *b, int timeout_ms)
{
    uint8_t len4[4];
    int rc = kt_recv_exact(fd, len4, 4, timeout_ms);
    if (rc) return rc;
    uint32_t n = (uint32_t)len4[0] << 24 | (uint32_t)len4[1] << 16 | (uint32_t)len4[2] << 8 | len4[3];
    if (n > (64u << 20)) return -1;
    aphx_buf_reset(b);
    if (!aphx_buf_reserve(b, n + 1)) return -1;
    rc = kt_recv_exact(fd, b->data, n, timeout_ms);
    if (rc) return rc;
    b->len = n;
    return 0;
}

/* True if the server closed the connection (EOF) within timeout_ms,
 * discarding whatever it still sends. */
static inline bool kt_wait_closed(int fd, int timeout_ms)
{
    char tmp[4096];
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, 20);
        if (r > 0) {
            ssize_t got = recv(fd, tmp, sizeof tmp, 0);
            if (got <= 0) return true;
        }
    }
    return false;
}

typedef struct kt_session {
    int     fd;
    int32_t timeout;
    int64_t id;
    uint8_t passwd[16];
    int32_t xid;
} kt_session;

/* Handshake. Returns 0 and fills s (id 0 and timeout 0 mean "expired"). */
static inline int kt_raw_connect(int port, int32_t timeout, int64_t sid, const uint8_t *pw, kt_session *s)
{
    memset(s, 0, sizeof *s);
    s->fd = kt_tcp(port);
    if (s->fd < 0) return -1;
    aphx_buf b;
    aphx_buf_init(&b);
    size_t at = jute_frame_begin(&b);
    jute_put_int(&b, 0);
    jute_put_long(&b, 0);
    jute_put_int(&b, timeout);
    jute_put_long(&b, sid);
    static const uint8_t zeros[16];
    jute_put_buffer(&b, pw ? pw : zeros, 16);
    jute_put_bool(&b, false);
    jute_frame_end(&b, at);
    int rc = kt_send_all(s->fd, b.data, b.len);
    if (rc == 0) rc = kt_recv_frame(s->fd, &b, 3000);
    if (rc == 0) {
        jute_reader r;
        jute_reader_init(&r, b.data, b.len);
        (void)jute_get_int(&r);
        s->timeout = jute_get_int(&r);
        s->id = jute_get_long(&r);
        int32_t n;
        const uint8_t *p = jute_get_buffer(&r, &n);
        if (p && n == 16) memcpy(s->passwd, p, 16);
        rc = r.bad ? -1 : 0;
    }
    aphx_buf_free(&b);
    s->xid = 1;
    return rc;
}

/* Frame a request: header + body already written by the caller after
 * kt_req_begin. */
static inline size_t kt_req_begin(aphx_buf *b, int32_t xid, int32_t type)
{
    aphx_buf_reset(b);
    size_t at = jute_frame_begin(b);
    jute_put_int(b, xid);
    jute_put_int(b, type);
    return at;
}

/* Send and wait for the reply with this xid, skipping (and counting)
 * notifications into *events (may be NULL). Reply body stays in *b; *err
 * receives the ReplyHeader err. 0 ok. */
static inline int kt_call(kt_session *s, aphx_buf *b, size_t at, int32_t xid, int32_t *err, int *events)
{
    jute_frame_end(b, at);
    if (kt_send_all(s->fd, b->data, b->len)) return -1;
    for (;;) {
        int rc = kt_recv_frame(s->fd, b, 3000);
        if (rc) return rc;
        jute_reader r;
        jute_reader_init(&r, b->data, b->len);
        int32_t rx = jute_get_int(&r);
        (void)jute_get_long(&r);
        int32_t e = jute_get_int(&r);
        if (rx == -1) {
            if (events) (*events)++;
            continue;
        }
        if (rx != xid) return -3;
        *err = e;
        return 0;
    }
}

#endif /* APHX_KEEPER_TEST_UTIL_H */
