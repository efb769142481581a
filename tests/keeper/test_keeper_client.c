/*
 * test_keeper_client.c — integration tests of the keeper through the
 * official ZooKeeper C client (libzookeeper-mt): every operation the client
 * offers, ZooKeeper's error codes and Stat fields, sequential names, multi
 * and its rollback results, watches, ACLs with digest/super/ip/auth,
 * ephemerals, containers and TTL nodes. The keeper runs in process on a
 * free 127.0.0.1 port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "keeper_test_util.h"
#include "keeper/keeper_acl.h"

#include <pthread.h>
#include <zookeeper/zookeeper.h>

static kt_server server;

typedef struct kt_events {
    pthread_mutex_t mu;
    int connected;
    int expired;
    int n;
    int type[64];
    char path[64][128];
} kt_events;

static void kt_record(kt_events *ev, int type, int state, const char *path)
{
    pthread_mutex_lock(&ev->mu);
    if (type == ZOO_SESSION_EVENT) {
        if (state == ZOO_CONNECTED_STATE) ev->connected = 1;
        if (state == ZOO_EXPIRED_SESSION_STATE) ev->expired = 1;
    } else if (ev->n < 64) {
        ev->type[ev->n] = type;
        snprintf(ev->path[ev->n], sizeof ev->path[0], "%s", path ? path : "");
        ev->n++;
    }
    pthread_mutex_unlock(&ev->mu);
}

static void kt_global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    kt_record(ctx, type, state, path);
}

static void kt_node_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    kt_record(ctx, type, state, path);
}

static int kt_wait_events(kt_events *ev, int n, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        pthread_mutex_lock(&ev->mu);
        int have = ev->n;
        pthread_mutex_unlock(&ev->mu);
        if (have >= n) return have;
        usleep(10000);
    }
    pthread_mutex_lock(&ev->mu);
    int have = ev->n;
    pthread_mutex_unlock(&ev->mu);
    return have;
}

static zhandle_t *kt_connect(kt_events *ev)
{
    memset(ev, 0, sizeof *ev);
    pthread_mutex_init(&ev->mu, NULL);
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", server.port);
    zhandle_t *zh = zookeeper_init(host, kt_global_watcher, 4000, NULL, ev, 0);
    assert_non_null(zh);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&ev->mu);
        int ok = ev->connected;
        pthread_mutex_unlock(&ev->mu);
        if (ok) return zh;
        usleep(10000);
    }
    fail_msg("C client did not connect to the keeper on port %d", server.port);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    char super_id[256];
    keeper_digest_id("super:secret", super_id, sizeof super_id);
    char extra[512];
    snprintf(extra, sizeof extra, "DigestAuthenticationProvider.superDigest=%s\n", super_id);
    return kt_start(&server, extra);
}

static int teardown(void **state)
{
    (void)state;
    kt_stop(&server, false);
    return 0;
}

static void test_crud_and_errors(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    char buf[256];
    int len;
    struct Stat st;

    assert_int_equal(zoo_create(zh, "/crud", "v1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof buf), ZOK);
    assert_string_equal(buf, "/crud");
    assert_int_equal(zoo_create(zh, "/crud", "v1", 2, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof buf), ZNODEEXISTS);
    assert_int_equal(zoo_create(zh, "/nope/child", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZNONODE);
    len = sizeof buf;
    assert_int_equal(zoo_get(zh, "/crud", 0, buf, &len, &st), ZOK);
    assert_int_equal(len, 2);
    assert_memory_equal(buf, "v1", 2);
    assert_int_equal(st.version, 0);
    assert_int_equal(st.dataLength, 2);
    assert_int_equal(st.numChildren, 0);
    assert_int_equal(st.ephemeralOwner, 0);
    assert_true(st.czxid > 0 && st.czxid == st.mzxid && st.pzxid == st.czxid);
    int64_t czxid = st.czxid;

    assert_int_equal(zoo_set(zh, "/crud", "v22", 3, 5), ZBADVERSION);
    assert_int_equal(zoo_set2(zh, "/crud", "v22", 3, 0, &st), ZOK);
    assert_int_equal(st.version, 1);
    assert_int_equal(st.dataLength, 3);
    assert_true(st.mzxid > czxid);
    assert_int_equal(st.czxid, czxid);
    assert_int_equal(zoo_set(zh, "/crud", "x", 1, -1), ZOK);
    assert_int_equal(zoo_exists(zh, "/crud", 0, &st), ZOK);
    assert_int_equal(st.version, 2);
    assert_int_equal(zoo_exists(zh, "/crud/none", 0, &st), ZNONODE);
    assert_int_equal(zoo_set(zh, "/crud/none", "x", 1, -1), ZNONODE);
    assert_int_equal(zoo_delete(zh, "/crud/none", -1), ZNONODE);

    /* null data */
    assert_int_equal(zoo_create(zh, "/crud/null", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    len = sizeof buf;
    assert_int_equal(zoo_get(zh, "/crud/null", 0, buf, &len, &st), ZOK);
    assert_int_equal(len, -1);
    assert_int_equal(st.dataLength, 0);

    /* children, cversion, pzxid */
    assert_int_equal(zoo_create(zh, "/crud/a", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    struct String_vector kids;
    assert_int_equal(zoo_get_children2(zh, "/crud", 0, &kids, &st), ZOK);
    assert_int_equal(kids.count, 2);
    assert_int_equal(st.numChildren, 2);
    assert_int_equal(st.cversion, 2);
    deallocate_String_vector(&kids);
    assert_int_equal(zoo_delete(zh, "/crud", -1), ZNOTEMPTY);
    assert_int_equal(zoo_delete(zh, "/crud/a", 3), ZBADVERSION);
    assert_int_equal(zoo_delete(zh, "/crud/a", 0), ZOK);
    assert_int_equal(zoo_delete(zh, "/crud/null", -1), ZOK);
    /* empty (not null) data stays empty */
    assert_int_equal(zoo_create(zh, "/crud/empty", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    len = sizeof buf;
    assert_int_equal(zoo_get(zh, "/crud/empty", 0, buf, &len, &st), ZOK);
    assert_int_equal(len, 0);
    assert_int_equal(zoo_delete(zh, "/crud/empty", -1), ZOK);
    assert_int_equal(zoo_exists(zh, "/crud", 0, &st), ZOK);
    assert_int_equal(st.numChildren, 0);
    assert_int_equal(st.cversion, 6);   /* 3 creations + 3 deletions, as ZooKeeper reports it */
    assert_true(st.pzxid > czxid);
    assert_int_equal(zoo_delete(zh, "/crud", -1), ZOK);
    assert_int_equal(zoo_get_children(zh, "/crud", 0, &kids), ZNONODE);

    /* root and the system nodes */
    assert_int_equal(zoo_get_children(zh, "/zookeeper", 0, &kids), ZOK);
    assert_int_equal(kids.count, 2);
    deallocate_String_vector(&kids);
    assert_int_equal(zoo_delete(zh, "/", -1), ZBADARGUMENTS);

    /* create2 returns the stat */
    assert_int_equal(zoo_create2(zh, "/c2", "abc", 3, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof buf, &st), ZOK);
    assert_int_equal(st.dataLength, 3);
    assert_int_equal(st.version, 0);
    assert_int_equal(zoo_delete(zh, "/c2", 0), ZOK);

    /* a 512 KB value round-trips */
    size_t big = 512 * 1024;
    char *data = malloc(big), *back = malloc(big);
    for (size_t i = 0; i < big; i++) data[i] = (char)(i * 7);
    assert_int_equal(zoo_create(zh, "/big", data, (int)big, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    len = (int)big;
    assert_int_equal(zoo_get(zh, "/big", 0, back, &len, &st), ZOK);
    assert_int_equal(len, (int)big);
    assert_memory_equal(data, back, big);
    assert_int_equal(zoo_delete(zh, "/big", -1), ZOK);
    free(data);
    free(back);

    /* sync */
    zookeeper_close(zh);
}

static void test_sequential_names(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    char buf[256];
    assert_int_equal(zoo_create(zh, "/seq", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/seq/n-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, buf, sizeof buf), ZOK);
    assert_string_equal(buf, "/seq/n-0000000000");
    assert_int_equal(zoo_create(zh, "/seq/x", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(zh, "/seq/n-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL, buf, sizeof buf), ZOK);
    assert_string_equal(buf, "/seq/n-0000000002");
    assert_int_equal(zoo_delete(zh, "/seq/x", -1), ZOK);
    assert_int_equal(zoo_create(zh, "/seq/", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, buf, sizeof buf), ZOK);
    assert_string_equal(buf, "/seq/0000000003");
    zookeeper_close(zh);
}

static void test_multi(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    zoo_op_t ops[4];
    zoo_op_result_t res[4];
    char p1[64], p2[64];
    struct Stat st;
    zoo_create_op_init(&ops[0], "/m", "root", 4, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_create_op_init(&ops[1], "/m/s-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, p2, sizeof p2);
    zoo_set_op_init(&ops[2], "/m", "v2", 2, 0, &st);
    zoo_check_op_init(&ops[3], "/m", 1);
    assert_int_equal(zoo_multi(zh, 4, ops, res), ZOK);
    assert_string_equal(p1, "/m");
    assert_string_equal(p2, "/m/s-0000000000");
    for (int i = 0; i < 4; i++) assert_int_equal(res[i].err, ZOK);
    assert_int_equal(st.version, 1);

    /* rollback: ops before the failure report OK (0), the failing op its
     * error, later ones RUNTIMEINCONSISTENCY; nothing is applied */
    zoo_create_op_init(&ops[0], "/m/new", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_delete_op_init(&ops[1], "/m", -1);   /* fails: not empty */
    zoo_set_op_init(&ops[2], "/m", "v3", 2, -1, &st);
    zoo_check_op_init(&ops[3], "/m", 7);
    assert_int_equal(zoo_multi(zh, 4, ops, res), ZNOTEMPTY);
    assert_int_equal(res[0].err, ZOK);
    assert_int_equal(res[1].err, ZNOTEMPTY);
    assert_int_equal(res[2].err, ZRUNTIMEINCONSISTENCY);
    assert_int_equal(res[3].err, ZRUNTIMEINCONSISTENCY);
    assert_int_equal(zoo_exists(zh, "/m/new", 0, &st), ZNONODE);
    assert_int_equal(zoo_exists(zh, "/m", 0, &st), ZOK);
    assert_int_equal(st.version, 1);
    assert_int_equal(st.cversion, 1);

    /* a check failure */
    zoo_check_op_init(&ops[0], "/m", 5);
    zoo_create_op_init(&ops[1], "/m/y", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    assert_int_equal(zoo_multi(zh, 2, ops, res), ZBADVERSION);
    assert_int_equal(res[0].err, ZBADVERSION);
    assert_int_equal(res[1].err, ZRUNTIMEINCONSISTENCY);

    /* sequence counter not consumed by the rolled-back multi */
    char buf[64];
    assert_int_equal(zoo_create(zh, "/m/s-", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL, buf, sizeof buf), ZOK);
    assert_string_equal(buf, "/m/s-0000000001");
    /* create then delete of the same node inside one multi */
    zoo_create_op_init(&ops[0], "/m/tmp", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, p1, sizeof p1);
    zoo_delete_op_init(&ops[1], "/m/tmp", 0);
    assert_int_equal(zoo_multi(zh, 2, ops, res), ZOK);
    assert_int_equal(zoo_exists(zh, "/m/tmp", 0, &st), ZNONODE);
    zookeeper_close(zh);
}

static void test_watches(void **state)
{
    (void)state;
    kt_events gev, ev;
    memset(&ev, 0, sizeof ev);
    pthread_mutex_init(&ev.mu, NULL);
    zhandle_t *zh = kt_connect(&gev);
    zhandle_t *other = kt_connect(&gev);
    struct Stat st;
    char buf[64];
    int len = sizeof buf;
    assert_int_equal(zoo_create(zh, "/w", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    /* data watch, one shot */
    assert_int_equal(zoo_wget(zh, "/w", kt_node_watcher, &ev, buf, &len, &st), ZOK);
    assert_int_equal(zoo_set(other, "/w", "1", 1, -1), ZOK);
    assert_int_equal(kt_wait_events(&ev, 1, 2000), 1);
    assert_int_equal(ev.type[0], ZOO_CHANGED_EVENT);
    assert_string_equal(ev.path[0], "/w");
    assert_int_equal(zoo_set(other, "/w", "2", 1, -1), ZOK);
    usleep(100000);
    assert_int_equal(ev.n, 1);
    /* exists watch on a missing node fires on create */
    assert_int_equal(zoo_wexists(zh, "/w/c", kt_node_watcher, &ev, &st), ZNONODE);
    /* child watch */
    struct String_vector kids;
    assert_int_equal(zoo_wget_children(zh, "/w", kt_node_watcher, &ev, &kids), ZOK);
    deallocate_String_vector(&kids);
    assert_int_equal(zoo_create(other, "/w/c", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(kt_wait_events(&ev, 3, 2000), 3);
    bool created = false, child = false;
    for (int i = 1; i < 3; i++) {
        if (ev.type[i] == ZOO_CREATED_EVENT && strcmp(ev.path[i], "/w/c") == 0) created = true;
        if (ev.type[i] == ZOO_CHILD_EVENT && strcmp(ev.path[i], "/w") == 0) child = true;
    }
    assert_true(created && child);
    /* delete fires data watch (NodeDeleted) and child watch on the parent */
    assert_int_equal(zoo_wexists(zh, "/w/c", kt_node_watcher, &ev, &st), ZOK);
    assert_int_equal(zoo_wget_children(zh, "/w", kt_node_watcher, &ev, &kids), ZOK);
    deallocate_String_vector(&kids);
    assert_int_equal(zoo_delete(other, "/w/c", -1), ZOK);
    assert_int_equal(kt_wait_events(&ev, 5, 2000), 5);
    bool deleted = false;
    child = false;
    for (int i = 3; i < 5; i++) {
        if (ev.type[i] == ZOO_DELETED_EVENT && strcmp(ev.path[i], "/w/c") == 0) deleted = true;
        if (ev.type[i] == ZOO_CHILD_EVENT && strcmp(ev.path[i], "/w") == 0) child = true;
    }
    assert_true(deleted && child);
    /* removeWatches: none left -> ZNOWATCHER; then one set and removed */
    assert_int_equal(zoo_remove_watches(zh, "/w", ZWATCHTYPE_DATA, kt_node_watcher, &ev, 0), ZNOWATCHER);
    len = sizeof buf;
    assert_int_equal(zoo_wget(zh, "/w", kt_node_watcher, &ev, buf, &len, &st), ZOK);
    assert_int_equal(zoo_remove_watches(zh, "/w", ZWATCHTYPE_DATA, kt_node_watcher, &ev, 0), ZOK);
    int before = kt_wait_events(&ev, 0, 0);
    assert_int_equal(zoo_set(other, "/w", "3", 1, -1), ZOK);
    usleep(150000);
    /* the client reports the removal as an event of its own; no data event follows */
    for (int i = before; i < ev.n; i++) assert_int_not_equal(ev.type[i], ZOO_CHANGED_EVENT);
    zookeeper_close(other);
    zookeeper_close(zh);
}

static void test_acls(void **state)
{
    (void)state;
    kt_events ev1, ev2, ev3;
    zhandle_t *alice = kt_connect(&ev1);
    zhandle_t *anon = kt_connect(&ev2);
    zhandle_t *root = kt_connect(&ev3);
    assert_int_equal(zoo_add_auth(alice, "digest", "alice:pw", 8, NULL, NULL), ZOK);
    assert_int_equal(zoo_add_auth(root, "digest", "super:secret", 12, NULL, NULL), ZOK);
    usleep(50000);
    /* auth scheme = "whoever I am": becomes digest:alice:<hash> */
    struct ACL creator[] = {{ZOO_PERM_ALL, {"auth", ""}}};
    struct ACL_vector creator_acl = {1, creator};
    assert_int_equal(zoo_create(alice, "/secret", "s", 1, &creator_acl, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_create(anon, "/anon", "s", 1, &creator_acl, 0, NULL, 0), ZINVALIDACL);
    struct ACL_vector got;
    struct Stat st;
    assert_int_equal(zoo_get_acl(alice, "/secret", &got, &st), ZOK);
    assert_int_equal(got.count, 1);
    assert_string_equal(got.data[0].id.scheme, "digest");
    char expect[256];
    keeper_digest_id("alice:pw", expect, sizeof expect);
    assert_string_equal(got.data[0].id.id, expect);
    deallocate_ACL_vector(&got);
    char buf[16];
    int len = sizeof buf;
    assert_int_equal(zoo_get(anon, "/secret", 0, buf, &len, &st), ZNOAUTH);
    assert_int_equal(zoo_set(anon, "/secret", "x", 1, -1), ZNOAUTH);
    assert_int_equal(zoo_get_acl(anon, "/secret", &got, &st), ZNOAUTH);
    /* exists needs no permission */
    assert_int_equal(zoo_exists(anon, "/secret", 0, &st), ZOK);
    len = sizeof buf;
    assert_int_equal(zoo_get(root, "/secret", 0, buf, &len, &st), ZOK);   /* super */
    /* read-only for everyone, all for alice */
    struct ACL mixed[] = {{ZOO_PERM_READ, {"world", "anyone"}}, {ZOO_PERM_ALL, {"digest", expect}}};
    struct ACL_vector mixed_acl = {2, mixed};
    assert_int_equal(zoo_set_acl(alice, "/secret", 5, &mixed_acl), ZBADVERSION);
    assert_int_equal(zoo_set_acl(alice, "/secret", 0, &mixed_acl), ZOK);
    assert_int_equal(zoo_exists(alice, "/secret", 0, &st), ZOK);
    assert_int_equal(st.aversion, 1);
    len = sizeof buf;
    assert_int_equal(zoo_get(anon, "/secret", 0, buf, &len, &st), ZOK);
    assert_int_equal(zoo_create(anon, "/secret/kid", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZNOAUTH);
    assert_int_equal(zoo_create(alice, "/secret/kid", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_delete(anon, "/secret/kid", -1), ZNOAUTH);
    assert_int_equal(zoo_delete(alice, "/secret/kid", -1), ZOK);
    /* getACL with READ but not ADMIN hides the digest */
    assert_int_equal(zoo_get_acl(anon, "/secret", &got, &st), ZOK);
    assert_int_equal(got.count, 2);
    assert_string_equal(got.data[1].id.id, "alice:x");
    deallocate_ACL_vector(&got);
    /* invalid ACLs */
    struct ACL bad1[] = {{ZOO_PERM_ALL, {"digest", "nocolon"}}};
    struct ACL_vector bad1_acl = {1, bad1};
    assert_int_equal(zoo_create(alice, "/bad", "", 0, &bad1_acl, 0, NULL, 0), ZINVALIDACL);
    struct ACL bad2[] = {{ZOO_PERM_ALL, {"nosuchscheme", "x"}}};
    struct ACL_vector bad2_acl = {1, bad2};
    assert_int_equal(zoo_create(alice, "/bad", "", 0, &bad2_acl, 0, NULL, 0), ZINVALIDACL);
    struct ACL_vector empty_acl = {0, NULL};
    assert_int_equal(zoo_create(alice, "/bad", "", 0, &empty_acl, 0, NULL, 0), ZINVALIDACL);
    /* ip ACL: 127.0.0.1 matches 127.0.0.0/8, not 10.0.0.0/8 */
    struct ACL ipok[] = {{ZOO_PERM_ALL, {"ip", "127.0.0.0/8"}}};
    struct ACL_vector ipok_acl = {1, ipok};
    assert_int_equal(zoo_create(anon, "/ipok", "", 0, &ipok_acl, 0, NULL, 0), ZOK);
    len = sizeof buf;
    assert_int_equal(zoo_get(anon, "/ipok", 0, buf, &len, &st), ZOK);
    struct ACL ipno[] = {{ZOO_PERM_ALL, {"ip", "10.0.0.0/8"}}};
    struct ACL_vector ipno_acl = {1, ipno};
    assert_int_equal(zoo_create(anon, "/ipno", "", 0, &ipno_acl, 0, NULL, 0), ZOK);
    len = sizeof buf;
    assert_int_equal(zoo_get(anon, "/ipno", 0, buf, &len, &st), ZNOAUTH);
    assert_int_equal(zoo_delete(root, "/ipno", -1), ZOK);
    assert_int_equal(zoo_delete(anon, "/ipok", -1), ZOK);
    zookeeper_close(root);
    zookeeper_close(anon);
    zookeeper_close(alice);
}

static void test_auth_failure_closes(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    assert_int_equal(zoo_add_auth(zh, "nosuchscheme", "x", 1, NULL, NULL), ZOK);
    for (int i = 0; i < 200 && zoo_state(zh) != ZOO_AUTH_FAILED_STATE; i++) usleep(10000);
    assert_int_equal(zoo_state(zh), ZOO_AUTH_FAILED_STATE);
    zookeeper_close(zh);
}

static void test_ephemerals(void **state)
{
    (void)state;
    kt_events ev1, ev2;
    zhandle_t *a = kt_connect(&ev1);
    zhandle_t *b = kt_connect(&ev2);
    struct Stat st;
    assert_int_equal(zoo_create(a, "/eph", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), ZOK);
    assert_int_equal(zoo_exists(b, "/eph", 0, &st), ZOK);
    assert_int_equal(st.ephemeralOwner, zoo_client_id(a)->client_id);
    assert_int_equal(zoo_create(a, "/eph/kid", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZNOCHILDRENFOREPHEMERALS);
    assert_int_equal(zoo_wexists(b, "/eph", kt_node_watcher, &ev2, &st), ZOK);
    zookeeper_close(a);
    assert_true(kt_wait_events(&ev2, 1, 2000) >= 1);
    assert_int_equal(ev2.type[0], ZOO_DELETED_EVENT);
    assert_int_equal(zoo_exists(b, "/eph", 0, &st), ZNONODE);
    zookeeper_close(b);
}

static void test_containers_and_ttl(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    struct Stat st;
    char buf[64];
    assert_int_equal(zoo_create(zh, "/box", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, NULL, 0), ZOK);
    assert_int_equal(zoo_exists(zh, "/box", 0, &st), ZOK);
    assert_int_equal(st.ephemeralOwner, 0);   /* containers report no owner, as in ZooKeeper */
    assert_int_equal(zoo_create(zh, "/box/a", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    assert_int_equal(zoo_delete(zh, "/box/a", -1), ZOK);
    assert_int_equal(zoo_create2_ttl(zh, "/ttl", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 100, buf,
                                      sizeof buf, &st), ZOK);
    assert_int_equal(st.ephemeralOwner, 0);   /* so do TTL nodes */
    assert_int_equal(zoo_create2_ttl(zh, "/ttl2", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 0, buf,
                                      sizeof buf, &st), ZBADARGUMENTS);
    int rc1 = ZOK, rc2 = ZOK;
    for (int i = 0; i < 40; i++) {
        rc1 = zoo_exists(zh, "/box", 0, &st);
        rc2 = zoo_exists(zh, "/ttl", 0, &st);
        if (rc1 == ZNONODE && rc2 == ZNONODE) break;
        usleep(100000);
    }
    assert_int_equal(rc1, ZNONODE);
    assert_int_equal(rc2, ZNONODE);
    zookeeper_close(zh);
}

static void test_many_async_creates(void **state)
{
    (void)state;
    kt_events ev;
    zhandle_t *zh = kt_connect(&ev);
    assert_int_equal(zoo_create(zh, "/load", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    /* many outstanding writes from one client share fsyncs; order is kept */
    char path[64];
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "/load/n%d", i);
        assert_int_equal(zoo_create(zh, path, "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), ZOK);
    }
    struct String_vector kids;
    assert_int_equal(zoo_get_children(zh, "/load", 0, &kids), ZOK);
    assert_int_equal(kids.count, 300);
    deallocate_String_vector(&kids);
    zookeeper_close(zh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_errors),
        cmocka_unit_test(test_sequential_names),
        cmocka_unit_test(test_multi),
        cmocka_unit_test(test_watches),
        cmocka_unit_test(test_acls),
        cmocka_unit_test(test_auth_failure_closes),
        cmocka_unit_test(test_ephemerals),
        cmocka_unit_test(test_containers_and_ttl),
        cmocka_unit_test(test_many_async_creates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
