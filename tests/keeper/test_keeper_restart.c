/*
 * test_keeper_restart.c — the keeper's durability across clean restarts:
 * snapshots every snapCount txns, recovery from the newest snapshot plus
 * the txn log (znodes, data, versions, ACLs, sessions and their
 * ephemerals), fallback when the newest snapshot is corrupt, and a torn
 * log tail truncated on restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "keeper_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static int32_t kt_create(kt_session *s, const char *path, const char *data, int32_t flags)
{
    aphx_buf b;
    aphx_buf_init(&b);
    int32_t xid = s->xid++, err = 1;
    size_t at = kt_req_begin(&b, xid, ZK_OP_CREATE);
    jute_put_string(&b, path);
    jute_put_buffer(&b, data, (int32_t)strlen(data));
    jute_put_int(&b, 1);
    jute_put_int(&b, ZK_PERM_ALL);
    jute_put_string(&b, "world");
    jute_put_string(&b, "anyone");
    jute_put_int(&b, flags);
    if (kt_call(s, &b, at, xid, &err, NULL)) err = 999;
    aphx_buf_free(&b);
    return err;
}

/* getData: returns err; data copied to out, version to *version. */
static int32_t kt_get(kt_session *s, const char *path, char *out, size_t cap, int32_t *version)
{
    aphx_buf b;
    aphx_buf_init(&b);
    int32_t xid = s->xid++, err = 1;
    size_t at = kt_req_begin(&b, xid, ZK_OP_GETDATA);
    jute_put_string(&b, path);
    jute_put_bool(&b, false);
    if (kt_call(s, &b, at, xid, &err, NULL)) err = 999;
    if (err == 0) {
        jute_reader r;
        jute_reader_init(&r, b.data, b.len);
        r.pos = 16;
        int32_t n;
        const uint8_t *d = jute_get_buffer(&r, &n);
        snprintf(out, cap, "%.*s", n > 0 ? n : 0, d ? (const char *)d : "");
        r.pos += 32;
        *version = jute_get_int(&r);
    }
    aphx_buf_free(&b);
    return err;
}

static int32_t kt_set(kt_session *s, const char *path, const char *data)
{
    aphx_buf b;
    aphx_buf_init(&b);
    int32_t xid = s->xid++, err = 1;
    size_t at = kt_req_begin(&b, xid, ZK_OP_SETDATA);
    jute_put_string(&b, path);
    jute_put_buffer(&b, data, (int32_t)strlen(data));
    jute_put_int(&b, -1);
    if (kt_call(s, &b, at, xid, &err, NULL)) err = 999;
    aphx_buf_free(&b);
    return err;
}

static int kt_count_files(const char *dir, const char *prefix, char *newest, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    newest[0] = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || strstr(e->d_name, ".tmp")) continue;
        n++;
        /* same-length hex names compare like numbers; longer is newer */
        if (!newest[0] || strlen(e->d_name) > strlen(newest) ||
            (strlen(e->d_name) == strlen(newest) && strcmp(e->d_name, newest) > 0))
            snprintf(newest, cap, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

static void kt_verify(kt_server *k, int nodes)
{
    kt_session s;
    assert_int_equal(kt_raw_connect(k->port, 2000, 0, NULL, &s), 0);
    char path[64], data[64], want[64];
    int32_t version = -1;
    for (int i = 0; i < nodes; i++) {
        snprintf(path, sizeof path, "/p/n%04d", i);
        assert_int_equal(kt_get(&s, path, data, sizeof data, &version), 0);
        snprintf(want, sizeof want, i % 10 == 0 ? "updated-%d" : "value-%d", i);
        assert_string_equal(data, want);
        assert_int_equal(version, i % 10 == 0 ? 1 : 0);
    }
    close(s.fd);
}

static void test_snapshot_and_recovery(void **state)
{
    (void)state;
    kt_server k;
    assert_int_equal(kt_start(&k, "snapCount=50\n"), 0);
    kt_session s, owner;
    assert_int_equal(kt_raw_connect(k.port, 2000, 0, NULL, &s), 0);
    assert_int_equal(kt_create(&s, "/p", "", 0), 0);
    const int nodes = 300;
    char path[64], data[64];
    for (int i = 0; i < nodes; i++) {
        snprintf(path, sizeof path, "/p/n%04d", i);
        snprintf(data, sizeof data, "value-%d", i);
        assert_int_equal(kt_create(&s, path, data, 0), 0);
    }
    for (int i = 0; i < nodes; i += 10) {
        snprintf(path, sizeof path, "/p/n%04d", i);
        snprintf(data, sizeof data, "updated-%d", i);
        assert_int_equal(kt_set(&s, path, data), 0);
    }
    assert_int_equal(kt_raw_connect(k.port, 2000, 0, NULL, &owner), 0);
    assert_int_equal(kt_create(&owner, "/p-eph", "e", ZK_CREATE_EPHEMERAL), 0);
    char newest[256];
    int snaps = 0;
    for (int i = 0; i < 100 && (snaps = kt_count_files(k.dir, "snapshot.", newest, sizeof newest)) < 2; i++)
        usleep(20000);
    assert_true(snaps >= 2);
    int64_t owner_id = owner.id;
    uint8_t owner_pw[16];
    memcpy(owner_pw, owner.passwd, 16);
    close(s.fd);
    close(owner.fd);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", k.dir);
    kt_stop(&k, true);

    /* clean restart: everything back, the session resumable with its ephemeral */
    assert_int_equal(kt_start_in(&k, dir, "snapCount=50\n"), 0);
    kt_verify(&k, nodes);
    kt_session again;
    assert_int_equal(kt_raw_connect(k.port, 2000, owner_id, owner_pw, &again), 0);
    assert_true(again.id == owner_id);
    int32_t version;
    assert_int_equal(kt_get(&again, "/p-eph", data, sizeof data, &version), 0);
    close(again.fd);
    kt_stop(&k, true);

    /* corrupt the newest snapshot: the previous one plus the log recover all */
    kt_count_files(dir, "snapshot.", newest, sizeof newest);
    char snap_path[600];
    snprintf(snap_path, sizeof snap_path, "%s/%s", dir, newest);
    int fd = open(snap_path, O_RDWR);
    assert_true(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    uint8_t byte;
    assert_int_equal(pread(fd, &byte, 1, st.st_size / 2), 1);
    byte ^= 0x5a;
    assert_int_equal(pwrite(fd, &byte, 1, st.st_size / 2), 1);
    close(fd);
    assert_int_equal(kt_start_in(&k, dir, "snapCount=50\n"), 0);
    kt_verify(&k, nodes);
    kt_stop(&k, true);

    /* a torn tail on the newest log: truncated, service starts, data intact */
    char newest_log[256];
    assert_true(kt_count_files(dir, "log.", newest_log, sizeof newest_log) >= 1);
    char log_path[600];
    snprintf(log_path, sizeof log_path, "%s/%s", dir, newest_log);
    fd = open(log_path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x01\x02garbage-torn-record", 21), 21);
    close(fd);
    assert_int_equal(kt_start_in(&k, dir, "snapCount=50\n"), 0);
    kt_verify(&k, nodes);
    kt_session more;
    assert_int_equal(kt_raw_connect(k.port, 2000, 0, NULL, &more), 0);
    assert_int_equal(kt_create(&more, "/after-torn", "x", 0), 0);
    close(more.fd);
    kt_stop(&k, true);
    assert_int_equal(kt_start_in(&k, dir, "snapCount=50\n"), 0);
    kt_session last;
    assert_int_equal(kt_raw_connect(k.port, 2000, 0, NULL, &last), 0);
    assert_int_equal(kt_get(&last, "/after-torn", data, sizeof data, &version), 0);
    close(last.fd);
    kt_stop(&k, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_and_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
