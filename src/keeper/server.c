/*
 * server.c — the keeper's server: an epoll event loop (non-blocking client
 * sockets, per-connection input/output buffers, length-prefixed jute frames
 * validated before use), sessions, and the request pipeline:
 *
 *   decode (jute.c)
 *     -> prepare: validate, check ACLs against the tree plus the outstanding
 *        changes of earlier prepared txns, build a txn with the next zxid
 *     -> propose: append to the txn log; the sync thread writes and
 *        fdatasyncs many txns at once (group commit) and wakes the loop
 *        through an eventfd            [Zab: PROPOSAL, ACK after fsync]
 *     -> commit: once a zxid is durable  [Zab: COMMIT on a quorum of ACKs]
 *     -> apply the txn to the data tree (db.c), fire watches (their events
 *        reach the sockets before the reply that caused them), reply.
 *
 * Reads are answered from the tree at once, except that a connection's
 * request never overtakes its own earlier writes: its input is parked until
 * those writes are applied (ZooKeeper's per-session ordering).
 *
 * A connection that sends a frame longer than jute.maxbuffer, a malformed
 * or truncated record, or an unknown opcode is closed with a log line; one
 * that does not read its replies is closed when its output queue passes a
 * bound. Nobody else is affected.
 */
#include "keeper/keeper_server.h"
#include "keeper/keeper_acl.h"
#include "keeper/snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MOD "keeper"
/* Output beyond this many bytes means the client does not read: close it. */
#define KEEPER_OUT_LIMIT (64u * 1024u * 1024u)
/* Stop reading requests from a connection whose output passes this. */
#define KEEPER_OUT_THROTTLE (4u * 1024u * 1024u)
#define KEEPER_CONTAINER_CHECK_MS 1000

static void keeper_conn_close(keeper_server *s, keeper_conn *c, const char *why);
static void keeper_conn_process_input(keeper_server *s, keeper_conn *c);
static void keeper_pipeline_signal_sync(keeper_server *s);
static void keeper_conn_input_throttle(keeper_server *s, keeper_conn *c);

/* ------------------------------------------------------------------ */
/* small helpers                                                       */
/* ------------------------------------------------------------------ */
static uint32_t keeper_be32(const char *p)
{
    const uint8_t *q = (const uint8_t *)p;
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static int64_t keeper_be64(const uint8_t *q)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | q[i];
    return (int64_t)v;
}

static void keeper_conn_mark_dirty(keeper_server *s, keeper_conn *c)
{
    if (c->in_dirty_list || c->dead) return;
    c->in_dirty_list = true;
    c->dirty_next = s->dirty;
    s->dirty = c;
}

static size_t keeper_reply_begin(keeper_conn *c, int32_t xid, int64_t zxid, int32_t err)
{
    size_t at = jute_frame_begin(&c->out);
    jute_put_int(&c->out, xid);
    jute_put_long(&c->out, zxid);
    jute_put_int(&c->out, err);
    return at;
}

static void keeper_reply_end(keeper_server *s, keeper_conn *c, size_t at)
{
    jute_frame_end(&c->out, at);
    c->packets_sent++;
    s->packets_sent++;
    keeper_conn_mark_dirty(s, c);
}

static void keeper_reply_error(keeper_server *s, keeper_conn *c, int32_t xid, int32_t err)
{
    if (!c || c->dead) return;
    keeper_reply_end(s, c, keeper_reply_begin(c, xid, s->db.last_zxid, err));
}

static void keeper_record_latency(keeper_server *s, keeper_conn *c, int32_t type, int64_t start_ns)
{
    int64_t lat = aphx_now_ns() - start_ns;
    keeper_op_stats *o = &s->ops[type & (KEEPER_STAT_OPS - 1)];
    o->count++;
    o->lat_sum_ns += lat;
    if (lat > o->lat_max_ns) o->lat_max_ns = lat;
    if (s->lat_count == 0 || lat < s->lat_min_ns) s->lat_min_ns = lat;
    if (lat > s->lat_max_ns) s->lat_max_ns = lat;
    s->lat_sum_ns += lat;
    s->lat_count++;
    if (c) {
        if (c->lat_count == 0 || lat < c->lat_min_ns) c->lat_min_ns = lat;
        if (lat > c->lat_max_ns) c->lat_max_ns = lat;
        c->lat_sum_ns += lat;
        c->lat_count++;
        c->last_latency_ns = lat;
        c->last_op = type;
        c->last_response_ms = aphx_wall_ms();
        c->last_zxid = s->db.last_zxid;
    }
}

void keeper_conn_reset_stats(keeper_conn *c)
{
    c->packets_received = c->packets_sent = 0;
    c->lat_min_ns = c->lat_max_ns = c->lat_sum_ns = c->lat_count = 0;
}

static bool keeper_conn_add_auth(keeper_conn *c, const char *scheme, const char *id)
{
    for (int i = 0; i < c->nauth; i++)
        if (strcmp(c->auth[i].scheme, scheme) == 0 && strcmp(c->auth[i].id, id) == 0) return true;
    if (c->nauth == c->auth_cap) {
        int cap = c->auth_cap ? c->auth_cap * 2 : 4;
        zk_id *v = aphx_realloc(c->auth, sizeof *v * (size_t)cap);
        if (!v) return false;
        c->auth = v;
        c->auth_cap = cap;
    }
    char *sc = aphx_strdup(scheme), *ident = aphx_strdup(id);
    if (!sc || !ident) {
        aphx_free(sc);
        aphx_free(ident);
        return false;
    }
    c->auth[c->nauth].scheme = sc;
    c->auth[c->nauth].id = ident;
    c->nauth++;
    return true;
}

/* ------------------------------------------------------------------ */
/* watch event delivery                                                */
/* ------------------------------------------------------------------ */
static void keeper_send_event(keeper_server *s, keeper_conn *c, int32_t type, const char *path)
{
    size_t at = keeper_reply_begin(c, ZK_XID_NOTIFICATION, -1, ZK_OK);
    jute_put_int(&c->out, type);
    jute_put_int(&c->out, ZK_STATE_SYNC_CONNECTED);
    jute_put_string(&c->out, path);
    keeper_reply_end(s, c, at);
}

static void keeper_deliver(void *ctx, void *watcher, int32_t type, const char *path)
{
    keeper_server *s = ctx;
    keeper_conn *c = watcher;
    if (c->dead || c->watch_mark == s->db.trigger_gen) return;
    c->watch_mark = s->db.trigger_gen;
    keeper_send_event(s, c, type, path);
}

/* ------------------------------------------------------------------ */
/* outstanding changes                                                 */
/* ------------------------------------------------------------------ */
typedef struct keeper_view {
    bool     exists;
    zk_stat  stat;
    uint32_t acl_id;
} keeper_view;

static keeper_change **keeper_change_slot(keeper_server *s, const char *path, uint64_t h)
{
    keeper_change **pp = &s->ch_map[h & (KEEPER_CHANGE_BUCKETS - 1)];
    while (*pp && !((*pp)->hash == h && strcmp((*pp)->path, path) == 0)) pp = &(*pp)->hnext;
    return pp;
}

static void keeper_view_get(keeper_server *s, const char *path, keeper_view *v)
{
    memset(v, 0, sizeof *v);
    if (s->nchanges > 0) {
        uint64_t h = keeper_hash_path(path, strlen(path));
        keeper_change *ch = *keeper_change_slot(s, path, h);
        if (ch) {
            v->exists = ch->exists;
            v->stat = ch->stat;
            v->acl_id = ch->acl_id;
            return;
        }
    }
    keeper_node *n = keeper_db_find(&s->db, path);
    if (!n) return;
    v->exists = true;
    v->stat = n->stat;
    v->stat.num_children = (int32_t)n->nkids;
    v->stat.data_length = n->data_len > 0 ? n->data_len : 0;
    v->acl_id = n->acl_id;
}

static bool keeper_change_push(keeper_server *s, int64_t zxid, const char *path, const keeper_view *v)
{
    keeper_change *ch = aphx_calloc(1, sizeof *ch);
    if (!ch) return false;
    ch->path = aphx_strdup(path);
    if (!ch->path) {
        aphx_free(ch);
        return false;
    }
    ch->zxid = zxid;
    ch->hash = keeper_hash_path(path, strlen(path));
    ch->exists = v->exists;
    ch->stat = v->stat;
    ch->acl_id = v->acl_id;
    keeper_acl_addref(&s->db.acls, ch->acl_id);
    keeper_change **slot = keeper_change_slot(s, path, ch->hash);
    keeper_change *old = *slot;
    if (old) {
        *slot = old->hnext;
        old->hnext = NULL;
    }
    ch->prev_same = old;
    ch->hnext = s->ch_map[ch->hash & (KEEPER_CHANGE_BUCKETS - 1)];
    s->ch_map[ch->hash & (KEEPER_CHANGE_BUCKETS - 1)] = ch;
    if (s->ch_tail) s->ch_tail->next = ch;
    else s->ch_head = ch;
    s->ch_tail = ch;
    s->nchanges++;
    return true;
}

static void keeper_change_free(keeper_server *s, keeper_change *ch)
{
    keeper_acl_release(&s->db.acls, ch->acl_id);
    aphx_free(ch->path);
    aphx_free(ch);
    s->nchanges--;
}

/* Undo every change made with `zxid` (a multi that failed half way). They
 * are the newest changes, at the tail of the FIFO. */
static void keeper_change_rollback(keeper_server *s, int64_t zxid)
{
    /* Collect the tail run with this zxid. */
    keeper_change *prev = NULL, *first = s->ch_head;
    for (keeper_change *x = s->ch_head; x && x->zxid != zxid; x = x->next) prev = x;
    first = prev ? prev->next : s->ch_head;
    if (!first) return;
    /* Unlink from the map newest first, so prev_same restores correctly. */
    keeper_change *stack[256];
    size_t nstack = 0;
    keeper_change **heap = NULL;
    size_t cnt = 0;
    for (keeper_change *x = first; x; x = x->next) cnt++;
    keeper_change **arr = stack;
    if (cnt > APHX_ARRAY_LEN(stack)) {
        heap = aphx_malloc(sizeof *heap * cnt);
        if (heap) arr = heap;
        else cnt = APHX_ARRAY_LEN(stack);   /* cannot happen in practice; partial rollback */
    }
    for (keeper_change *x = first; x && nstack < cnt; x = x->next) arr[nstack++] = x;
    for (size_t i = nstack; i-- > 0;) {
        keeper_change *x = arr[i];
        keeper_change **slot = keeper_change_slot(s, x->path, x->hash);
        if (*slot == x) {
            *slot = x->hnext;
            if (x->prev_same) {
                x->prev_same->hnext = s->ch_map[x->hash & (KEEPER_CHANGE_BUCKETS - 1)];
                s->ch_map[x->hash & (KEEPER_CHANGE_BUCKETS - 1)] = x->prev_same;
            }
        }
        keeper_change_free(s, x);
    }
    aphx_free(heap);
    if (prev) prev->next = NULL;
    else s->ch_head = NULL;
    s->ch_tail = prev;
}

/* Forget the changes of every txn up to `zxid` (now applied to the tree). */
static void keeper_change_release(keeper_server *s, int64_t zxid)
{
    while (s->ch_head && s->ch_head->zxid <= zxid) {
        keeper_change *x = s->ch_head;
        s->ch_head = x->next;
        if (!s->ch_head) s->ch_tail = NULL;
        keeper_change **slot = keeper_change_slot(s, x->path, x->hash);
        if (*slot == x) {
            *slot = x->hnext;
        } else {
            for (keeper_change *y = *slot; y; y = y->prev_same)
                if (y->prev_same == x) {
                    y->prev_same = NULL;
                    break;
                }
        }
        keeper_change_free(s, x);
    }
}

/* ------------------------------------------------------------------ */
/* prepare                                                             */
/* ------------------------------------------------------------------ */
static void keeper_parent_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n == 0) n = 1;
    if (n >= cap) n = cap - 1;
    memcpy(out, path, n);
    out[n] = 0;
}

static bool keeper_check_perm(keeper_server *s, keeper_conn *c, uint32_t acl_id, int32_t perm)
{
    const zk_acl_list *acl = keeper_acl_get(&s->db.acls, acl_id);
    return keeper_acl_check(acl, perm, c ? c->auth : NULL, c ? c->nauth : 0);
}

static bool keeper_owner_is_normal_ephemeral(int64_t owner)
{
    if (owner == 0 || owner == ZK_CONTAINER_OWNER) return false;
    if ((owner & ZK_TTL_OWNER_MASK) == ZK_TTL_OWNER_MASK) return false;
    return true;
}

/* Record in the overlay that `path` (which exists) goes away. */
static bool keeper_overlay_delete(keeper_server *s, int64_t zxid, const char *path)
{
    char ppath[4096];
    keeper_parent_of(path, ppath, sizeof ppath);
    keeper_view pv, nv;
    keeper_view_get(s, ppath, &pv);
    keeper_view_get(s, path, &nv);
    nv.exists = false;
    if (!keeper_change_push(s, zxid, path, &nv)) return false;
    if (pv.exists) {
        pv.stat.num_children--;
        pv.stat.pzxid = zxid;
        if (!keeper_change_push(s, zxid, ppath, &pv)) return false;
    }
    return true;
}

/* /zookeeper, /zookeeper/quota and /zookeeper/config cannot be deleted. */
static bool keeper_is_system_node(const char *path)
{
    return strcmp(path, "/zookeeper") == 0 || strcmp(path, "/zookeeper/quota") == 0 ||
           strcmp(path, "/zookeeper/config") == 0;
}

/* Prepare one write op: validate, check ACLs, write its txn body to s->txn
 * and record its effect in the overlay. Returns a ZK error code. */
static int32_t keeper_prepare_op(keeper_server *s, keeper_conn *c, keeper_request *op, int64_t zxid,
                                 int64_t session_id)
{
    aphx_buf *b = &s->txn;
    const char *path = op->path;
    switch (op->type) {
    case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_CREATECONTAINER: case ZK_OP_CREATETTL: {
        int32_t flags = op->flags;
        if (flags < 0 || flags > ZK_CREATE_PERSISTENT_SEQUENTIAL_TTL) return ZK_BADARGUMENTS;
        bool seq = flags == ZK_CREATE_PERSISTENT_SEQUENTIAL || flags == ZK_CREATE_EPHEMERAL_SEQUENTIAL ||
                   flags == ZK_CREATE_PERSISTENT_SEQUENTIAL_TTL;
        bool ttl_mode = flags == ZK_CREATE_PERSISTENT_TTL || flags == ZK_CREATE_PERSISTENT_SEQUENTIAL_TTL;
        if (op->type == ZK_OP_CREATECONTAINER) flags = ZK_CREATE_CONTAINER;   /* the opcode decides */
        if (op->type != ZK_OP_CREATECONTAINER && flags == ZK_CREATE_CONTAINER) return ZK_BADARGUMENTS;
        if (ttl_mode != (op->type == ZK_OP_CREATETTL)) return ZK_BADARGUMENTS;
        if (ttl_mode && (op->ttl <= 0 || op->ttl > ZK_TTL_MAX)) return ZK_BADARGUMENTS;
        /* validatePath(path, sequential): a sequential name may end in '/' */
        const char *why;
        if (seq) {
            char *probe = aphx_arena_printf(&s->scratch, "%s1", path);
            why = probe ? keeper_path_invalid(probe) : "out of memory";
        } else {
            why = keeper_path_invalid(path);
        }
        if (strcmp(path, "/") == 0) return ZK_NODEEXISTS;
        if (why) return ZK_BADARGUMENTS;
        zk_acl_list acl;
        int32_t rc = keeper_acl_fixup(&op->acl, c ? c->auth : NULL, c ? c->nauth : 0, &s->scratch, &acl);
        if (rc) return rc;
        char ppath[4096];
        if (strlen(path) + 16 >= sizeof ppath) return ZK_BADARGUMENTS;
        keeper_parent_of(path, ppath, sizeof ppath);
        keeper_view pv;
        keeper_view_get(s, ppath, &pv);
        if (!pv.exists) return ZK_NONODE;
        if (!keeper_check_perm(s, c, pv.acl_id, ZK_PERM_CREATE)) return ZK_NOAUTH;
        char *final = (char *)path;
        if (seq) {
            final = aphx_arena_printf(&s->scratch, "%s%010d", path, pv.stat.cversion);
            if (!final) return ZK_SYSTEMERROR;
            if (keeper_path_invalid(final)) return ZK_BADARGUMENTS;
        }
        keeper_view nv;
        keeper_view_get(s, final, &nv);
        if (nv.exists) return ZK_NODEEXISTS;
        if (keeper_owner_is_normal_ephemeral(pv.stat.ephemeral_owner)) return ZK_NOCHILDRENFOREPHEMERALS;
        int64_t owner = 0;
        if (flags == ZK_CREATE_EPHEMERAL || flags == ZK_CREATE_EPHEMERAL_SEQUENTIAL) owner = session_id;
        else if (flags == ZK_CREATE_CONTAINER) owner = ZK_CONTAINER_OWNER;
        else if (ttl_mode) owner = ZK_TTL_OWNER_MASK | op->ttl;
        jute_put_string(b, final);
        jute_put_buffer(b, op->data, op->data_len);
        jute_put_acl_list(b, &acl);
        jute_put_long(b, owner);
        /* overlay: the node and its parent */
        uint32_t acl_id = keeper_acl_intern(&s->db.acls, &acl);
        if (acl_id == UINT32_MAX) return ZK_SYSTEMERROR;
        memset(&nv, 0, sizeof nv);
        nv.exists = true;
        nv.stat.czxid = nv.stat.mzxid = nv.stat.pzxid = zxid;
        nv.stat.ephemeral_owner = owner;
        nv.stat.data_length = op->data_len > 0 ? op->data_len : 0;
        nv.acl_id = acl_id;
        bool ok = keeper_change_push(s, zxid, final, &nv);
        keeper_acl_release(&s->db.acls, acl_id);   /* the change holds its own ref */
        pv.stat.cversion++;
        pv.stat.num_children++;
        pv.stat.pzxid = zxid;
        if (!ok || !keeper_change_push(s, zxid, ppath, &pv)) return ZK_SYSTEMERROR;
        op->path = final;
        return ZK_OK;
    }
    case ZK_OP_DELETE: case ZK_OP_DELETECONTAINER: {
        if (keeper_path_invalid(path)) return ZK_BADARGUMENTS;
        if (strcmp(path, "/") == 0 || keeper_is_system_node(path)) return ZK_BADARGUMENTS;
        char ppath[4096];
        if (strlen(path) >= sizeof ppath) return ZK_BADARGUMENTS;
        keeper_parent_of(path, ppath, sizeof ppath);
        keeper_view pv, nv;
        keeper_view_get(s, ppath, &pv);
        if (!pv.exists) return ZK_NONODE;
        if (op->type == ZK_OP_DELETE && !keeper_check_perm(s, c, pv.acl_id, ZK_PERM_DELETE))
            return ZK_NOAUTH;
        keeper_view_get(s, path, &nv);
        if (!nv.exists) return ZK_NONODE;
        if (op->version != -1 && op->version != nv.stat.version) return ZK_BADVERSION;
        if (nv.stat.num_children > 0) return ZK_NOTEMPTY;
        if (op->type == ZK_OP_DELETECONTAINER && nv.stat.ephemeral_owner != ZK_CONTAINER_OWNER &&
            (nv.stat.ephemeral_owner & ZK_TTL_OWNER_MASK) != ZK_TTL_OWNER_MASK)
            return ZK_BADARGUMENTS;
        jute_put_string(b, path);
        if (!keeper_overlay_delete(s, zxid, path)) return ZK_SYSTEMERROR;
        return ZK_OK;
    }
    case ZK_OP_SETDATA: {
        if (keeper_path_invalid(path)) return ZK_BADARGUMENTS;
        if (strcmp(path, "/zookeeper/config") == 0) return ZK_NOAUTH;   /* reconfig only, as in ZooKeeper */
        keeper_view nv;
        keeper_view_get(s, path, &nv);
        if (!nv.exists) return ZK_NONODE;
        if (!keeper_check_perm(s, c, nv.acl_id, ZK_PERM_WRITE)) return ZK_NOAUTH;
        if (op->version != -1 && op->version != nv.stat.version) return ZK_BADVERSION;
        nv.stat.version++;
        nv.stat.mzxid = zxid;
        nv.stat.data_length = op->data_len > 0 ? op->data_len : 0;
        jute_put_string(b, path);
        jute_put_buffer(b, op->data, op->data_len);
        jute_put_int(b, nv.stat.version);
        if (!keeper_change_push(s, zxid, path, &nv)) return ZK_SYSTEMERROR;
        return ZK_OK;
    }
    case ZK_OP_SETACL: {
        if (keeper_path_invalid(path)) return ZK_BADARGUMENTS;
        zk_acl_list acl;
        int32_t rc = keeper_acl_fixup(&op->acl, c ? c->auth : NULL, c ? c->nauth : 0, &s->scratch, &acl);
        if (rc) return rc;
        keeper_view nv;
        keeper_view_get(s, path, &nv);
        if (!nv.exists) return ZK_NONODE;
        if (!keeper_check_perm(s, c, nv.acl_id, ZK_PERM_ADMIN)) return ZK_NOAUTH;
        if (op->version != -1 && op->version != nv.stat.aversion) return ZK_BADVERSION;
        nv.stat.aversion++;
        jute_put_string(b, path);
        jute_put_acl_list(b, &acl);
        jute_put_int(b, nv.stat.aversion);
        uint32_t acl_id = keeper_acl_intern(&s->db.acls, &acl);
        if (acl_id == UINT32_MAX) return ZK_SYSTEMERROR;
        nv.acl_id = acl_id;
        bool ok = keeper_change_push(s, zxid, path, &nv);
        keeper_acl_release(&s->db.acls, acl_id);
        return ok ? ZK_OK : ZK_SYSTEMERROR;
    }
    case ZK_OP_CHECK: {
        if (keeper_path_invalid(path)) return ZK_BADARGUMENTS;
        keeper_view nv;
        keeper_view_get(s, path, &nv);
        if (!nv.exists) return ZK_NONODE;
        if (!keeper_check_perm(s, c, nv.acl_id, ZK_PERM_READ)) return ZK_NOAUTH;
        if (op->version != -1 && op->version != nv.stat.version) return ZK_BADVERSION;
        jute_put_string(b, path);
        jute_put_int(b, op->version);
        return ZK_OK;
    }
    default:
        return ZK_BADARGUMENTS;
    }
}

/* ------------------------------------------------------------------ */
/* the commit queue                                                    */
/* ------------------------------------------------------------------ */
static keeper_pending *keeper_pending_new(keeper_server *s, keeper_conn *c, int32_t xid, int32_t type,
                                          int64_t zxid)
{
    keeper_pending *p = aphx_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->conn = c;
    p->xid = xid;
    p->type = type;
    p->zxid = zxid;
    p->start_ns = aphx_now_ns();
    if (c) {
        c->refs++;
        c->pending_writes++;
    }
    if (s->q_tail) s->q_tail->next = p;
    else s->q_head = p;
    s->q_tail = p;
    s->npending++;
    return p;
}

/* Propose the txn in s->txn under zxid: queue it and hand it to the log. */
static bool keeper_propose(keeper_server *s, keeper_conn *c, int32_t xid, int32_t type, int64_t zxid,
                           bool is_connect)
{
    if (s->txn.oom) return false;
    uint8_t *copy = aphx_malloc(s->txn.len);
    if (!copy) return false;
    memcpy(copy, s->txn.data, s->txn.len);
    aphx_error err = {0};
    if (keeper_txnlog_append(s->log, zxid, copy, s->txn.len, &err) != APHX_OK) {
        APHX_ERROR(MOD, "txn log append of zxid 0x%llx failed: %s", (unsigned long long)zxid, err.msg);
        aphx_free(copy);
        return false;
    }
    keeper_pending *p = keeper_pending_new(s, c, xid, type, zxid);
    if (!p) {
        /* The txn is in the log buffer: it will be applied on restart. Treat
         * it as fatal for this server rather than diverge. */
        aphx_free(copy);
        APHX_ERROR(MOD, "out of memory queueing zxid 0x%llx", (unsigned long long)zxid);
        s->stop_requested = 1;
        return false;
    }
    p->txn = copy;
    p->txn_len = s->txn.len;
    p->is_connect = is_connect;
    s->last_assigned_zxid = zxid;
    keeper_pipeline_signal_sync(s);
    return true;
}

/* Reply with an error, in order behind this connection's pending writes. */
static void keeper_reply_error_ordered(keeper_server *s, keeper_conn *c, int32_t xid, int32_t type,
                                       int32_t err, int64_t start_ns)
{
    if (c && c->pending_writes > 0) {
        keeper_pending *p = keeper_pending_new(s, c, xid, type, s->last_assigned_zxid);
        if (p) {
            p->err = err;
            p->start_ns = start_ns;
            return;
        }
    }
    keeper_reply_error(s, c, xid, err);
    keeper_record_latency(s, c, type, start_ns);
}

static void keeper_write_multi_reply(keeper_server *s, keeper_conn *c, int32_t xid,
                                     const keeper_apply_result *res, const int32_t *errs,
                                     const int32_t *types, int32_t nops)
{
    size_t at = keeper_reply_begin(c, xid, s->db.last_zxid, ZK_OK);
    aphx_buf *o = &c->out;
    for (int32_t i = 0; i < nops; i++) {
        if (errs) {
            jute_put_int(o, ZK_OP_ERROR);
            jute_put_bool(o, false);
            jute_put_int(o, errs[i]);
            jute_put_int(o, errs[i]);
            (void)types;
            continue;
        }
        const keeper_op_result *r = &res->ops[i];
        if (r->err != ZK_OK) {
            jute_put_int(o, ZK_OP_ERROR);
            jute_put_bool(o, false);
            jute_put_int(o, r->err);
            jute_put_int(o, r->err);
            continue;
        }
        jute_put_int(o, r->type);
        jute_put_bool(o, false);
        jute_put_int(o, 0);
        switch (r->type) {
        case ZK_OP_CREATE:
            jute_put_string(o, r->path);
            break;
        case ZK_OP_CREATE2: case ZK_OP_CREATETTL: case ZK_OP_CREATECONTAINER:
            jute_put_string(o, r->path);
            jute_put_stat(o, &r->stat);
            break;
        case ZK_OP_SETDATA:
            jute_put_stat(o, &r->stat);
            break;
        default:
            break;
        }
    }
    jute_put_int(o, -1);
    jute_put_bool(o, true);
    jute_put_int(o, -1);
    keeper_reply_end(s, c, at);
}

static void keeper_send_connect_response(keeper_server *s, keeper_conn *c, int32_t timeout,
                                         int64_t session_id, const uint8_t *passwd)
{
    static const uint8_t zeros[16];
    size_t at = jute_frame_begin(&c->out);
    jute_put_int(&c->out, 0);
    jute_put_int(&c->out, timeout);
    jute_put_long(&c->out, session_id);
    jute_put_buffer(&c->out, passwd ? passwd : zeros, 16);
    if (c->has_read_only) jute_put_bool(&c->out, false);
    jute_frame_end(&c->out, at);
    c->packets_sent++;
    s->packets_sent++;
    keeper_conn_mark_dirty(s, c);
}

static void keeper_session_touch(keeper_server *s, keeper_session *ss)
{
    (void)s;
    ss->deadline_ns = aphx_now_ns() + (int64_t)ss->timeout_ms * 1000000;
}

/* Apply and answer one committed item. */
static void keeper_commit_one(keeper_server *s, keeper_pending *p, aphx_arena *arena)
{
    keeper_conn *c = p->conn;
    bool live = c && !c->dead;
    if (!p->txn) {
        /* An error decided at prepare time, released in order. */
        if (live) {
            if (p->multi_errs) {
                keeper_write_multi_reply(s, c, p->xid, NULL, p->multi_errs, p->multi_types, p->nops);
            } else {
                keeper_reply_error(s, c, p->xid, p->err);
            }
        }
        keeper_record_latency(s, live ? c : NULL, p->type, p->start_ns);
        return;
    }
    int64_t session_id = p->txn_len >= 24 ? keeper_be64(p->txn + 16) : 0;
    if (p->type == ZK_OP_CLOSESESSION) {
        keeper_session *ss = keeper_db_session(&s->db, session_id);
        if (ss && ss->conn) {
            ss->conn->session = NULL;
            ss->conn = NULL;
        }
    }
    keeper_apply_result res;
    aphx_error err = {0};
    if (keeper_db_apply(&s->db, p->txn, p->txn_len, arena, &res, &err) != APHX_OK) {
        APHX_ERROR(MOD, "applying zxid 0x%llx failed: %s", (unsigned long long)p->zxid, err.msg);
        if (live) keeper_reply_error(s, c, p->xid, ZK_SYSTEMERROR);
        return;
    }
    s->applied_zxid = p->zxid;
    s->txns_since_snapshot++;
    if (res.err != ZK_OK && p->type != ZK_OP_MULTI && p->type != ZK_OP_CLOSESESSION)
        APHX_WARN(MOD, "zxid 0x%llx (%s) applied with error %d", (unsigned long long)p->zxid,
                  jute_op_name(p->type), res.err);
    if (p->is_connect) {
        keeper_session *ss = keeper_db_session(&s->db, session_id);
        if (!ss) return;
        keeper_session_touch(s, ss);
        if (live) {
            c->connecting = false;
            c->session = ss;
            ss->conn = c;
            keeper_send_connect_response(s, c, ss->timeout_ms, ss->id, ss->passwd);
        }
        return;
    }
    if (!live) return;
    keeper_record_latency(s, c, p->type, p->start_ns);
    size_t at;
    switch (p->type) {
    case ZK_OP_CREATE:
        at = keeper_reply_begin(c, p->xid, s->db.last_zxid, res.err);
        if (res.err == ZK_OK) jute_put_string(&c->out, res.one.path);
        keeper_reply_end(s, c, at);
        break;
    case ZK_OP_CREATE2: case ZK_OP_CREATECONTAINER: case ZK_OP_CREATETTL:
        at = keeper_reply_begin(c, p->xid, s->db.last_zxid, res.err);
        if (res.err == ZK_OK) {
            jute_put_string(&c->out, res.one.path);
            jute_put_stat(&c->out, &res.one.stat);
        }
        keeper_reply_end(s, c, at);
        break;
    case ZK_OP_SETDATA: case ZK_OP_SETACL:
        at = keeper_reply_begin(c, p->xid, s->db.last_zxid, res.err);
        if (res.err == ZK_OK) jute_put_stat(&c->out, &res.one.stat);
        keeper_reply_end(s, c, at);
        break;
    case ZK_OP_MULTI:
        keeper_write_multi_reply(s, c, p->xid, &res, NULL, NULL, res.nops);
        break;
    case ZK_OP_CLOSESESSION:
        keeper_reply_end(s, c, keeper_reply_begin(c, p->xid, s->db.last_zxid, ZK_OK));
        c->closing = true;
        break;
    default:   /* delete, deleteContainer, check */
        keeper_reply_end(s, c, keeper_reply_begin(c, p->xid, s->db.last_zxid, res.err));
        break;
    }
}

static void keeper_maybe_snapshot(keeper_server *s);

/* Everything up to `synced` is durable: apply and answer in order. */
static void keeper_commit_upto(keeper_server *s, int64_t synced)
{
    aphx_arena arena;
    aphx_arena_init(&arena, 16384);
    keeper_conn *resume[64];
    int nresume = 0;
    bool resume_all = false;
    while (s->q_head && s->q_head->zxid <= synced) {
        keeper_pending *p = s->q_head;
        s->q_head = p->next;
        if (!s->q_head) s->q_tail = NULL;
        s->npending--;
        keeper_commit_one(s, p, &arena);
        if (p->txn) keeper_change_release(s, p->zxid);
        keeper_conn *c = p->conn;
        if (c) {
            c->refs--;
            c->pending_writes--;
            if (c->pending_writes == 0 && c->blocked && !c->dead) {
                c->blocked = false;
                if (nresume < (int)APHX_ARRAY_LEN(resume)) resume[nresume++] = c;
                else resume_all = true;
            }
        }
        aphx_free(p->txn);
        aphx_free(p->multi_errs);
        aphx_free(p->multi_types);
        aphx_free(p);
        aphx_arena_reset(&arena);
    }
    aphx_arena_destroy(&arena);
    for (int i = 0; i < nresume; i++) {
        if (resume[i]->dead) continue;
        keeper_conn_process_input(s, resume[i]);
        keeper_conn_input_throttle(s, resume[i]);
    }
    if (resume_all || s->global_outstanding_limit > 0) {
        for (keeper_conn *c = s->conns; c; c = c->next) {
            if (c->dead || c->blocked || c->in.len <= c->in_off) continue;
            keeper_conn_process_input(s, c);
            keeper_conn_input_throttle(s, c);
        }
    }
    keeper_maybe_snapshot(s);
}

/* ------------------------------------------------------------------ */
/* request handlers                                                    */
/* ------------------------------------------------------------------ */
static void keeper_handle_write(keeper_server *s, keeper_conn *c, keeper_request *req, int64_t t0)
{
    int64_t zxid = s->last_assigned_zxid + 1;
    int64_t sid = c->session->id;
    aphx_buf_reset(&s->txn);
    keeper_txn_header(&s->txn, zxid, aphx_wall_ms(), sid, req->xid, req->type);
    if (req->type == ZK_OP_RECONFIG) {
        /* Single node: ZooKeeper standalone answers RECONFIGDISABLED, or
         * UNIMPLEMENTED when reconfigEnabled=true. */
        keeper_reply_error_ordered(s, c, req->xid, req->type,
                                   s->reconfig_enabled ? ZK_UNIMPLEMENTED : ZK_RECONFIGDISABLED, t0);
        return;
    }
    if (req->type == ZK_OP_CLOSESESSION) {
        keeper_session *ss = c->session;
        ss->closing = true;
        for (uint32_t i = 0; i < ss->neph; i++) keeper_overlay_delete(s, zxid, ss->eph[i]->path);
        if (!keeper_propose(s, c, req->xid, req->type, zxid, false)) keeper_conn_close(s, c, "txn log failure");
        return;
    }
    if (req->type == ZK_OP_MULTI) {
        for (int32_t i = 0; i < req->nops; i++) {
            switch (req->ops[i].type) {
            case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_CREATETTL: case ZK_OP_CREATECONTAINER:
            case ZK_OP_DELETE: case ZK_OP_SETDATA: case ZK_OP_CHECK:
                continue;
            default:   /* reads belong in multiRead: ZooKeeper answers MARSHALLINGERROR */
                keeper_reply_error_ordered(s, c, req->xid, req->type, ZK_MARSHALLINGERROR, t0);
                return;
            }
        }
        jute_put_int(&s->txn, req->nops);
        for (int32_t i = 0; i < req->nops; i++) {
            keeper_request *op = &req->ops[i];
            jute_put_int(&s->txn, op->type);
            int32_t rc = keeper_prepare_op(s, c, op, zxid, sid);
            if (rc == ZK_OK) continue;
            keeper_change_rollback(s, zxid);
            int32_t *errs = aphx_calloc((size_t)req->nops, sizeof *errs);
            if (!errs) {
                keeper_reply_error_ordered(s, c, req->xid, req->type, ZK_SYSTEMERROR, t0);
                return;
            }
            for (int32_t j = 0; j < req->nops; j++)
                errs[j] = j < i ? ZK_OK : j == i ? rc : ZK_RUNTIMEINCONSISTENCY;
            if (c->pending_writes > 0) {
                keeper_pending *p = keeper_pending_new(s, c, req->xid, req->type, s->last_assigned_zxid);
                if (p) {
                    p->multi_errs = errs;
                    p->nops = req->nops;
                    p->start_ns = t0;
                    return;
                }
            }
            keeper_write_multi_reply(s, c, req->xid, NULL, errs, NULL, req->nops);
            keeper_record_latency(s, c, req->type, t0);
            aphx_free(errs);
            return;
        }
    } else {
        int32_t rc = keeper_prepare_op(s, c, req, zxid, sid);
        if (rc != ZK_OK) {
            keeper_change_rollback(s, zxid);
            keeper_reply_error_ordered(s, c, req->xid, req->type, rc, t0);
            return;
        }
    }
    if (!keeper_propose(s, c, req->xid, req->type, zxid, false)) {
        keeper_change_rollback(s, zxid);
        keeper_reply_error_ordered(s, c, req->xid, req->type, ZK_SYSTEMERROR, t0);
        return;
    }
    s->q_tail->start_ns = t0;
}

static void keeper_put_children(aphx_buf *o, const keeper_node *n)
{
    jute_put_int(o, (int32_t)n->nkids);
    for (uint32_t i = 0; i < n->nkids; i++) jute_put_string(o, n->kids[i]->name);
}

static void keeper_node_stat_out(const keeper_node *n, zk_stat *st)
{
    keeper_node_wire_stat(n, st);
}

/* getData / getChildren(2) inside multiRead: returns the error code, or
 * writes the result record after the MultiHeader. */
static int32_t keeper_read_node(keeper_server *s, keeper_conn *c, keeper_request *q, keeper_node **out)
{
    if (keeper_path_invalid(q->path)) return ZK_BADARGUMENTS;
    keeper_node *n = keeper_db_find(&s->db, q->path);
    if (!n) return ZK_NONODE;
    if (!keeper_check_perm(s, c, n->acl_id, ZK_PERM_READ)) return ZK_NOAUTH;
    *out = n;
    return ZK_OK;
}

static void keeper_handle_set_watches(keeper_server *s, keeper_conn *c, keeper_request *q)
{
    for (int k = 0; k < 5; k++) {
        for (int32_t i = 0; i < q->watch_count[k]; i++) {
            const char *path = q->watch_paths[k][i];
            if (keeper_path_invalid(path)) continue;
            keeper_node *n = keeper_db_find(&s->db, path);
            switch (k) {
            case 0:   /* data */
                if (!n) keeper_send_event(s, c, ZK_EVENT_DELETED, path);
                else if (n->stat.mzxid > q->relative_zxid) keeper_send_event(s, c, ZK_EVENT_DATA_CHANGED, path);
                else keeper_watch_add(&s->db, KEEPER_WT_DATA, path, c);
                break;
            case 1:   /* exist */
                if (n) keeper_send_event(s, c, ZK_EVENT_CREATED, path);
                else keeper_watch_add(&s->db, KEEPER_WT_DATA, path, c);
                break;
            case 2:   /* child */
                if (!n) keeper_send_event(s, c, ZK_EVENT_DELETED, path);
                else if (n->stat.pzxid > q->relative_zxid) keeper_send_event(s, c, ZK_EVENT_CHILD_CHANGED, path);
                else keeper_watch_add(&s->db, KEEPER_WT_CHILD, path, c);
                break;
            case 3:
                keeper_watch_add(&s->db, KEEPER_WT_PERSISTENT, path, c);
                break;
            default:
                keeper_watch_add(&s->db, KEEPER_WT_RECURSIVE, path, c);
                break;
            }
        }
    }
    keeper_reply_end(s, c, keeper_reply_begin(c, ZK_XID_SETWATCHES, s->db.last_zxid, ZK_OK));
}

static void keeper_handle_auth(keeper_server *s, keeper_conn *c, keeper_request *q)
{
    bool ok = false;
    if (strcmp(q->auth_scheme, "digest") == 0 && q->auth_data && q->auth_len > 0) {
        char *up = aphx_arena_strndup(&s->scratch, (const char *)q->auth_data, (size_t)q->auth_len);
        if (up && strchr(up, ':')) {
            char id[512];
            keeper_digest_id(up, id, sizeof id);
            ok = keeper_conn_add_auth(c, "digest", id);
            if (ok && s->super_digest && strcmp(id, s->super_digest) == 0)
                ok = keeper_conn_add_auth(c, "super", "");
        }
    } else if (strcmp(q->auth_scheme, "ip") == 0) {
        ok = keeper_conn_add_auth(c, "ip", c->peer_ip);
    }
    if (!ok) {
        APHX_WARN(MOD, "authentication with scheme '%s' failed for %s:%d", q->auth_scheme, c->peer_ip,
                  c->peer_port);
        keeper_reply_end(s, c, keeper_reply_begin(c, ZK_XID_AUTH, 0, ZK_AUTHFAILED));
        c->closing = true;
        return;
    }
    keeper_reply_end(s, c, keeper_reply_begin(c, ZK_XID_AUTH, 0, ZK_OK));
}

static bool keeper_watch_kind_matches(keeper_server *s, keeper_conn *c, const char *path, int32_t type,
                                      bool remove)
{
    int kinds[4];
    int nk = 0;
    switch (type) {
    case ZK_WTYPE_CHILDREN: kinds[nk++] = KEEPER_WT_CHILD; break;
    case ZK_WTYPE_DATA: kinds[nk++] = KEEPER_WT_DATA; break;
    case ZK_WTYPE_PERSISTENT: kinds[nk++] = KEEPER_WT_PERSISTENT; break;
    case ZK_WTYPE_PERSISTENT_RECURSIVE: kinds[nk++] = KEEPER_WT_RECURSIVE; break;
    case ZK_WTYPE_ANY:
        kinds[nk++] = KEEPER_WT_CHILD;
        kinds[nk++] = KEEPER_WT_DATA;
        kinds[nk++] = KEEPER_WT_PERSISTENT;
        kinds[nk++] = KEEPER_WT_RECURSIVE;
        break;
    default:
        return false;
    }
    bool found = false;
    for (int i = 0; i < nk; i++) {
        if (remove) found |= keeper_watch_remove(&s->db, kinds[i], path, c);
        else found |= keeper_watch_has(&s->db, kinds[i], path, c);
    }
    return found;
}

static void keeper_handle_read(keeper_server *s, keeper_conn *c, keeper_request *q, int64_t t0)
{
    aphx_buf *o = &c->out;
    int64_t zxid = s->db.last_zxid;
    keeper_node *n = NULL;
    int32_t rc = ZK_OK;
    size_t at;
    zk_stat st;
    switch (q->type) {
    case ZK_OP_EXISTS:
        if (keeper_path_invalid(q->path)) { rc = ZK_BADARGUMENTS; break; }
        n = keeper_db_find(&s->db, q->path);
        if (q->watch) keeper_watch_add(&s->db, KEEPER_WT_DATA, q->path, c);
        if (!n) { rc = ZK_NONODE; break; }
        keeper_node_stat_out(n, &st);
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_stat(o, &st);
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_GETDATA:
        if ((rc = keeper_read_node(s, c, q, &n)) != ZK_OK) break;
        if (q->watch) keeper_watch_add(&s->db, KEEPER_WT_DATA, q->path, c);
        keeper_node_stat_out(n, &st);
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_buffer(o, n->data_len > 0 ? (const void *)n->data : "", n->data_len);
        jute_put_stat(o, &st);
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_GETCHILDREN: case ZK_OP_GETCHILDREN2:
        if ((rc = keeper_read_node(s, c, q, &n)) != ZK_OK) break;
        if (q->watch) keeper_watch_add(&s->db, KEEPER_WT_CHILD, q->path, c);
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        keeper_put_children(o, n);
        if (q->type == ZK_OP_GETCHILDREN2) {
            keeper_node_stat_out(n, &st);
            jute_put_stat(o, &st);
        }
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_GETACL: {
        if (keeper_path_invalid(q->path)) { rc = ZK_BADARGUMENTS; break; }
        n = keeper_db_find(&s->db, q->path);
        if (!n) { rc = ZK_NONODE; break; }
        if (!keeper_check_perm(s, c, n->acl_id, ZK_PERM_READ | ZK_PERM_ADMIN)) { rc = ZK_NOAUTH; break; }
        bool admin = keeper_check_perm(s, c, n->acl_id, ZK_PERM_ADMIN);
        const zk_acl_list *acl = keeper_acl_get(&s->db.acls, n->acl_id);
        keeper_node_stat_out(n, &st);
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_int(o, acl->n);
        for (int32_t i = 0; i < acl->n; i++) {
            jute_put_int(o, acl->v[i].perms);
            jute_put_string(o, acl->v[i].id.scheme);
            if (!admin && strcmp(acl->v[i].id.scheme, "digest") == 0) {
                const char *colon = strchr(acl->v[i].id.id, ':');
                int ulen = colon ? (int)(colon - acl->v[i].id.id) : (int)strlen(acl->v[i].id.id);
                char *red = aphx_arena_printf(&s->scratch, "%.*s:x", ulen, acl->v[i].id.id);
                jute_put_string(o, red ? red : "x");
            } else {
                jute_put_string(o, acl->v[i].id.id);
            }
        }
        jute_put_stat(o, &st);
        keeper_reply_end(s, c, at);
        goto done;
    }
    case ZK_OP_SYNC:
        if (keeper_path_invalid(q->path)) { rc = ZK_BADARGUMENTS; break; }
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_string(o, q->path);
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_GETALLCHILDRENNUMBER:
        if ((rc = keeper_read_node(s, c, q, &n)) != ZK_OK) break;
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_int(o, (int32_t)keeper_db_count_descendants(n));
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_GETEPHEMERALS: {
        keeper_session *ss = c->session;
        size_t plen = strlen(q->path);
        bool all = strcmp(q->path, "/") == 0;
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        size_t count_at = o->len;
        jute_put_int(o, 0);
        int32_t cnt = 0;
        for (uint32_t i = 0; i < ss->neph; i++) {
            if (!all && strncmp(ss->eph[i]->path, q->path, plen) != 0) continue;
            jute_put_string(o, ss->eph[i]->path);
            cnt++;
        }
        if (!o->oom) {
            uint8_t *cp = (uint8_t *)o->data + count_at;
            cp[0] = (uint8_t)((uint32_t)cnt >> 24);
            cp[1] = (uint8_t)((uint32_t)cnt >> 16);
            cp[2] = (uint8_t)((uint32_t)cnt >> 8);
            cp[3] = (uint8_t)cnt;
        }
        keeper_reply_end(s, c, at);
        goto done;
    }
    case ZK_OP_WHOAMI:
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_int(o, c->nauth);
        for (int i = 0; i < c->nauth; i++) {
            jute_put_string(o, c->auth[i].scheme);
            jute_put_string(o, c->auth[i].id);
        }
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_CHECKWATCHES: case ZK_OP_REMOVEWATCHES:
        if (keeper_path_invalid(q->path)) { rc = ZK_BADARGUMENTS; break; }
        if (q->mode < ZK_WTYPE_CHILDREN || q->mode > ZK_WTYPE_ANY) { rc = ZK_MARSHALLINGERROR; break; }
        if (!keeper_watch_kind_matches(s, c, q->path, q->mode, q->type == ZK_OP_REMOVEWATCHES)) {
            rc = ZK_NOWATCHER;
            break;
        }
        keeper_reply_end(s, c, keeper_reply_begin(c, q->xid, zxid, ZK_OK));
        goto done;
    case ZK_OP_ADDWATCH:
        if (keeper_path_invalid(q->path)) { rc = ZK_BADARGUMENTS; break; }
        if (q->mode != ZK_ADDWATCH_PERSISTENT && q->mode != ZK_ADDWATCH_PERSISTENT_RECURSIVE) {
            rc = ZK_BADARGUMENTS;
            break;
        }
        keeper_watch_add(&s->db, q->mode == ZK_ADDWATCH_PERSISTENT ? KEEPER_WT_PERSISTENT : KEEPER_WT_RECURSIVE,
                         q->path, c);
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_int(o, 0);
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_MULTIREAD:
        for (int32_t i = 0; i < q->nops; i++)
            if (q->ops[i].type != ZK_OP_GETDATA && q->ops[i].type != ZK_OP_GETCHILDREN) rc = ZK_MARSHALLINGERROR;
        if (rc) break;
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        for (int32_t i = 0; i < q->nops; i++) {
            keeper_request *op = &q->ops[i];
            int32_t e = ZK_OK;
            n = NULL;
            if (op->type != ZK_OP_GETDATA && op->type != ZK_OP_GETCHILDREN) e = ZK_BADARGUMENTS;
            else e = keeper_read_node(s, c, op, &n);
            if (e != ZK_OK) {
                jute_put_int(o, ZK_OP_ERROR);
                jute_put_bool(o, false);
                jute_put_int(o, e);
                jute_put_int(o, e);
                continue;
            }
            jute_put_int(o, op->type);
            jute_put_bool(o, false);
            jute_put_int(o, 0);
            if (op->type == ZK_OP_GETDATA) {
                if (op->watch) keeper_watch_add(&s->db, KEEPER_WT_DATA, op->path, c);
                keeper_node_stat_out(n, &st);
                jute_put_buffer(o, n->data_len > 0 ? (const void *)n->data : "", n->data_len);
                jute_put_stat(o, &st);
            } else {
                if (op->watch) keeper_watch_add(&s->db, KEEPER_WT_CHILD, op->path, c);
                keeper_put_children(o, n);
            }
        }
        jute_put_int(o, -1);
        jute_put_bool(o, true);
        jute_put_int(o, -1);
        keeper_reply_end(s, c, at);
        goto done;
    case ZK_OP_SASL:
        /* No SASL mechanism is configured: ZooKeeper answers with a null token. */
        at = keeper_reply_begin(c, q->xid, zxid, ZK_OK);
        jute_put_buffer(o, NULL, -1);
        keeper_reply_end(s, c, at);
        goto done;
    default:
        rc = ZK_UNIMPLEMENTED;
        break;
    }
    keeper_reply_error(s, c, q->xid, rc);
done:
    keeper_record_latency(s, c, q->type, t0);
}

/* One complete request frame of a connected client. Returns false if the
 * connection was closed. */
static bool keeper_handle_request(keeper_server *s, keeper_conn *c, const uint8_t *frame, size_t len)
{
    int64_t t0 = aphx_now_ns();
    keeper_request req;
    aphx_error err = {0};
    aphx_rc rc = jute_decode_request(frame, len, &s->scratch, &req, &err);
    if (rc != APHX_OK) {
        APHX_WARN(MOD, "closing connection from %s:%d (session 0x%llx): %s", c->peer_ip, c->peer_port,
                  c->session ? (unsigned long long)c->session->id : 0ULL, err.msg);
        s->conns_closed_bad_input++;
        if (rc == APHX_UNSUPPORTED) {
            /* as ZooKeeper: answer UNIMPLEMENTED, then close */
            keeper_reply_error(s, c, req.xid, ZK_UNIMPLEMENTED);
            c->closing = true;
            return true;
        }
        keeper_conn_close(s, c, NULL);
        return false;
    }
    c->packets_received++;
    s->packets_received++;
    if (c->session) keeper_session_touch(s, c->session);
    switch (req.type) {
    case ZK_OP_PING:
        keeper_reply_end(s, c, keeper_reply_begin(c, ZK_XID_PING, s->db.last_zxid, ZK_OK));
        return true;
    case ZK_OP_AUTH:
        keeper_handle_auth(s, c, &req);
        return true;
    case ZK_OP_SETWATCHES: case ZK_OP_SETWATCHES2:
        keeper_handle_set_watches(s, c, &req);
        keeper_record_latency(s, c, req.type, t0);
        return true;
    default:
        break;
    }
    if (!c->session || c->session->closing) {
        keeper_reply_error(s, c, req.xid, ZK_SESSIONEXPIRED);
        c->closing = true;
        return true;
    }
    if (jute_op_is_write(req.type)) keeper_handle_write(s, c, &req, t0);
    else keeper_handle_read(s, c, &req, t0);
    return !c->dead;
}

/* ------------------------------------------------------------------ */
/* handshake                                                           */
/* ------------------------------------------------------------------ */
static int64_t keeper_new_session_id(keeper_server *s)
{
    for (;;) {
        int64_t id = s->next_session_id++;
        if (id != 0 && !keeper_db_session(&s->db, id)) return id;
    }
}

static void keeper_handle_connect(keeper_server *s, keeper_conn *c, const uint8_t *frame, size_t len)
{
    zk_connect_request cr;
    aphx_error err = {0};
    if (jute_decode_connect(frame, len, &cr, &err) != APHX_OK) {
        APHX_WARN(MOD, "closing connection from %s:%d: %s", c->peer_ip, c->peer_port, err.msg);
        s->conns_closed_bad_input++;
        keeper_conn_close(s, c, NULL);
        return;
    }
    c->handshaken = true;
    c->has_read_only = cr.has_read_only;
    if (cr.last_zxid_seen > s->db.last_zxid) {
        APHX_WARN(MOD, "refusing session request from %s:%d: it has seen zxid 0x%llx, our last is 0x%llx",
                  c->peer_ip, c->peer_port, (unsigned long long)cr.last_zxid_seen,
                  (unsigned long long)s->db.last_zxid);
        keeper_conn_close(s, c, NULL);
        return;
    }
    int64_t timeout = cr.timeout;
    if (timeout < s->min_session_timeout_ms) timeout = s->min_session_timeout_ms;
    if (timeout > s->max_session_timeout_ms) timeout = s->max_session_timeout_ms;
    if (cr.session_id != 0) {
        keeper_session *ss = keeper_db_session(&s->db, cr.session_id);
        bool valid = ss && !ss->closing && cr.passwd_len == 16 &&
                     memcmp(cr.passwd, ss->passwd, 16) == 0;
        if (!valid) {
            APHX_INFO(MOD, "invalid session 0x%llx for client %s:%d, probably expired",
                      (unsigned long long)cr.session_id, c->peer_ip, c->peer_port);
            keeper_send_connect_response(s, c, 0, 0, NULL);
            c->closing = true;
            return;
        }
        if (ss->conn && ss->conn != c) {
            keeper_conn *old = ss->conn;
            keeper_conn_close(s, old, "session moved to a new connection");
            old->session = NULL;
            ss->conn = NULL;
        }
        ss->conn = c;
        c->session = ss;
        ss->timeout_ms = (int32_t)timeout;
        keeper_session_touch(s, ss);
        keeper_send_connect_response(s, c, ss->timeout_ms, ss->id, ss->passwd);
        return;
    }
    uint8_t passwd[16];
    if (getrandom(passwd, sizeof passwd, 0) != (ssize_t)sizeof passwd) {
        for (size_t i = 0; i < sizeof passwd; i++) passwd[i] = (uint8_t)(rand() & 0xff);
    }
    int64_t id = keeper_new_session_id(s);
    int64_t zxid = s->last_assigned_zxid + 1;
    aphx_buf_reset(&s->txn);
    keeper_txn_header(&s->txn, zxid, aphx_wall_ms(), id, 0, ZK_OP_CREATESESSION);
    jute_put_int(&s->txn, (int32_t)timeout);
    jute_put_buffer(&s->txn, passwd, 16);
    c->connecting = true;
    c->blocked = true;   /* requests pipelined behind the handshake wait for the session */
    if (!keeper_propose(s, c, 0, ZK_OP_CREATESESSION, zxid, true))
        keeper_conn_close(s, c, "cannot log the new session");
}

/* ------------------------------------------------------------------ */
/* connections                                                         */
/* ------------------------------------------------------------------ */
static void keeper_conn_update_events(keeper_server *s, keeper_conn *c)
{
    bool want_write = c->out.len > c->out_off;
    bool want_read = !c->throttled && !c->in_throttled && !c->closing;
    struct epoll_event ev = {0};
    ev.events = (want_read ? EPOLLIN : 0) | (want_write ? EPOLLOUT : 0) | EPOLLRDHUP;
    ev.data.ptr = c;
    epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_write = want_write;
}

static void keeper_conn_close(keeper_server *s, keeper_conn *c, const char *why)
{
    if (c->dead) return;
    if (why)
        APHX_INFO(MOD, "closing connection from %s:%d (session 0x%llx): %s", c->peer_ip, c->peer_port,
                  c->session ? (unsigned long long)c->session->id : 0ULL, why);
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->dead = true;
    if (c->session) {
        if (c->session->conn == c) c->session->conn = NULL;
        c->session = NULL;
    }
    keeper_watch_remove_all(&s->db, c);
    s->nconns--;
}

static void keeper_conn_free(keeper_conn *c)
{
    for (int i = 0; i < c->nauth; i++) {
        aphx_free(c->auth[i].scheme);
        aphx_free(c->auth[i].id);
    }
    aphx_free(c->auth);
    aphx_buf_free(&c->in);
    aphx_buf_free(&c->out);
    aphx_free(c);
}

/* Free closed connections nothing refers to any more. */
static void keeper_conn_sweep(keeper_server *s)
{
    keeper_conn **pp = &s->conns;
    while (*pp) {
        keeper_conn *c = *pp;
        if (c->dead && c->refs == 0 && !c->in_dirty_list) {
            *pp = c->next;
            keeper_conn_free(c);
        } else {
            pp = &c->next;
        }
    }
}

static void keeper_conn_flush(keeper_server *s, keeper_conn *c)
{
    if (c->dead) return;
    if (c->out.oom) {
        keeper_conn_close(s, c, "out of memory for its replies");
        return;
    }
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        keeper_conn_close(s, c, n < 0 ? strerror(errno) : "send returned 0");
        return;
    }
    if (c->out_off == c->out.len) {
        aphx_buf_reset(&c->out);
        c->out_off = 0;
        if (c->out.cap > (1u << 20)) {
            aphx_buf_free(&c->out);
            aphx_buf_init(&c->out);
        }
        if (c->closing) {
            keeper_conn_close(s, c, NULL);
            return;
        }
    } else if (c->out_off > (1u << 20)) {
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    size_t queued = c->out.len - c->out_off;
    if (queued > KEEPER_OUT_LIMIT) {
        APHX_WARN(MOD, "closing connection from %s:%d: %zu bytes of replies unread (client not reading)",
                  c->peer_ip, c->peer_port, queued);
        s->conns_closed_bad_input++;
        keeper_conn_close(s, c, NULL);
        return;
    }
    bool throttle = queued > KEEPER_OUT_THROTTLE;
    bool was_throttled = c->throttled;
    c->throttled = throttle;
    if (c->want_write != (queued > 0) || throttle != was_throttled || c->closing)
        keeper_conn_update_events(s, c);
}

static void keeper_flush_dirty(keeper_server *s)
{
    while (s->dirty) {
        keeper_conn *c = s->dirty;
        s->dirty = c->dirty_next;
        c->in_dirty_list = false;
        keeper_conn_flush(s, c);
    }
}

static void keeper_conn_process_input(keeper_server *s, keeper_conn *c)
{
    while (!c->dead && !c->closing && !c->blocked && !c->connecting) {
        size_t avail = c->in.len - c->in_off;
        if (avail < 4) break;
        uint32_t len = keeper_be32(c->in.data + c->in_off);
        if (!c->handshaken) {
            char word[5];
            if (keeper_fourlw_known(len, word)) {
                c->in_off += 4;
                keeper_fourlw_handle(s, c, word);
                c->closing = true;
                break;
            }
        }
        if ((int32_t)len < 0 || (int64_t)len > s->max_buffer) {
            APHX_WARN(MOD, "closing connection from %s:%d: frame length %d is outside 0..%lld (jute.maxbuffer)",
                      c->peer_ip, c->peer_port, (int32_t)len, (long long)s->max_buffer);
            s->conns_closed_bad_input++;
            keeper_conn_close(s, c, NULL);
            return;
        }
        if (avail < 4 + (size_t)len) break;
        const uint8_t *frame = (const uint8_t *)c->in.data + c->in_off + 4;
        if (!c->handshaken) {
            c->in_off += 4 + len;
            keeper_handle_connect(s, c, frame, len);
            continue;
        }
        if (len < 8) {
            APHX_WARN(MOD, "closing connection from %s:%d: request frame of %u bytes has no header",
                      c->peer_ip, c->peer_port, len);
            s->conns_closed_bad_input++;
            keeper_conn_close(s, c, NULL);
            return;
        }
        int32_t type = (int32_t)keeper_be32((const char *)frame + 4);
        if (!jute_op_is_write(type) && c->pending_writes > 0) {
            c->blocked = true;
            break;
        }
        if (s->global_outstanding_limit > 0 && s->npending >= s->global_outstanding_limit) break;
        c->in_off += 4 + len;
        bool alive = keeper_handle_request(s, c, frame, len);
        aphx_arena_reset(&s->scratch);
        if (!alive) return;
    }
    if (c->dead) return;
    if (c->in_off == c->in.len) {
        aphx_buf_reset(&c->in);
        c->in_off = 0;
        if (c->in.cap > (4u << 20)) {
            aphx_buf_free(&c->in);
            aphx_buf_init(&c->in);
        }
    } else if (c->in_off > (256u << 10)) {
        memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in_off = 0;
    }
}

/* Unparsed input beyond one maximal frame is not read until it drains
 * (requests parked behind a connection's own writes, or the global
 * outstanding limit). */
static void keeper_conn_input_throttle(keeper_server *s, keeper_conn *c)
{
    if (c->dead) return;
    bool full = c->in.len - c->in_off > (size_t)s->max_buffer + 65536;
    if (full != c->in_throttled) {
        c->in_throttled = full;
        keeper_conn_update_events(s, c);
    }
}

static void keeper_conn_read(keeper_server *s, keeper_conn *c)
{
    for (int rounds = 0; rounds < 16 && !c->dead; rounds++) {
        if (c->in.len - c->in_off > (size_t)s->max_buffer + 65536) break;
        if (!aphx_buf_reserve(&c->in, 65536)) {
            keeper_conn_close(s, c, "out of memory for its input");
            return;
        }
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            s->bytes_received += n;
            /* Do not buffer more than one maximal frame beyond what is parsed. */
            if (c->in.len - c->in_off > (size_t)s->max_buffer + 65536) break;
            if ((size_t)n < 65536) break;
            continue;
        }
        if (n == 0) {
            keeper_conn_close(s, c, NULL);
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        keeper_conn_close(s, c, strerror(errno));
        return;
    }
    keeper_conn_process_input(s, c);
    keeper_conn_input_throttle(s, c);
}

static void keeper_accept(keeper_server *s)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                APHX_WARN(MOD, "accept failed: %s", strerror(errno));
            return;
        }
        keeper_conn *c = aphx_calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->id = ++s->next_conn_id;
        aphx_buf_init(&c->in);
        aphx_buf_init(&c->out);
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, c->peer_ip, sizeof c->peer_ip);
            c->peer_port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, c->peer_ip, sizeof c->peer_ip);
            c->peer_port = ntohs(a->sin6_port);
        }
        if (s->max_client_cnxns > 0) {
            int same = 0;
            for (keeper_conn *x = s->conns; x; x = x->next)
                if (!x->dead && strcmp(x->peer_ip, c->peer_ip) == 0) same++;
            if (same >= s->max_client_cnxns) {
                APHX_WARN(MOD, "too many connections from %s - max is %d", c->peer_ip, s->max_client_cnxns);
                close(fd);
                keeper_conn_free(c);
                continue;
            }
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        keeper_conn_add_auth(c, "ip", c->peer_ip);
        c->established_ms = aphx_wall_ms();
        struct epoll_event ev = {0};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            keeper_conn_free(c);
            continue;
        }
        c->next = s->conns;
        if (s->conns) s->conns->prev = c;
        s->conns = c;
        s->nconns++;
    }
}

/* ------------------------------------------------------------------ */
/* sessions expiry, containers and TTL nodes                           */
/* ------------------------------------------------------------------ */
static void keeper_expire_sessions(keeper_server *s, int64_t now)
{
    for (size_t i = 0; i < s->db.snb; i++) {
        for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext) {
            if (ss->closing || ss->deadline_ns > now) continue;
            APHX_INFO(MOD, "expiring session 0x%llx, timeout of %dms exceeded",
                      (unsigned long long)ss->id, ss->timeout_ms);
            ss->closing = true;
            if (ss->conn) {
                keeper_conn *c = ss->conn;
                c->session = NULL;
                ss->conn = NULL;
                keeper_conn_close(s, c, NULL);
            }
            int64_t zxid = s->last_assigned_zxid + 1;
            aphx_buf_reset(&s->txn);
            keeper_txn_header(&s->txn, zxid, aphx_wall_ms(), ss->id, 0, ZK_OP_CLOSESESSION);
            for (uint32_t k = 0; k < ss->neph; k++) keeper_overlay_delete(s, zxid, ss->eph[k]->path);
            if (!keeper_propose(s, NULL, 0, ZK_OP_CLOSESESSION, zxid, false))
                keeper_change_rollback(s, zxid);
        }
    }
}

static void keeper_delete_internal(keeper_server *s, const char *path)
{
    keeper_view v;
    keeper_view_get(s, path, &v);
    if (!v.exists || v.stat.num_children > 0) return;
    int64_t zxid = s->last_assigned_zxid + 1;
    aphx_buf_reset(&s->txn);
    keeper_txn_header(&s->txn, zxid, aphx_wall_ms(), 0, 0, ZK_OP_DELETECONTAINER);
    jute_put_string(&s->txn, path);
    if (!keeper_overlay_delete(s, zxid, path) ||
        !keeper_propose(s, NULL, 0, ZK_OP_DELETECONTAINER, zxid, false))
        keeper_change_rollback(s, zxid);
}

static void keeper_check_containers(keeper_server *s)
{
    int64_t now_ms = aphx_wall_ms();
    /* Collect first: proposing does not change the tree, but be safe. */
    size_t n = s->db.ncontainers + s->db.nttls;
    if (n == 0) return;
    char **paths = aphx_calloc(n, sizeof *paths);
    if (!paths) return;
    size_t k = 0;
    for (uint32_t i = 0; i < s->db.ncontainers; i++) {
        keeper_node *x = s->db.containers[i];
        if (x->nkids == 0 && x->stat.cversion > 0) paths[k++] = aphx_strdup(x->path);
    }
    for (uint32_t i = 0; i < s->db.nttls; i++) {
        keeper_node *x = s->db.ttls[i];
        int64_t ttl = x->stat.ephemeral_owner & ZK_TTL_MAX;
        if (x->nkids == 0 && now_ms - x->stat.mtime > ttl) paths[k++] = aphx_strdup(x->path);
    }
    for (size_t i = 0; i < k; i++) {
        if (paths[i]) keeper_delete_internal(s, paths[i]);
        aphx_free(paths[i]);
    }
    aphx_free(paths);
}

/* ------------------------------------------------------------------ */
/* the sync thread (group commit)                                      */
/* ------------------------------------------------------------------ */
static void keeper_pipeline_signal_sync(keeper_server *s)
{
    pthread_mutex_lock(&s->sync_mu);
    s->sync_dirty = true;
    pthread_cond_signal(&s->sync_cv);
    pthread_mutex_unlock(&s->sync_mu);
}

static void *keeper_sync_main(void *arg)
{
    keeper_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->sync_mu);
        while (!s->sync_dirty && !s->sync_stop) pthread_cond_wait(&s->sync_cv, &s->sync_mu);
        if (s->sync_stop && !s->sync_dirty) {
            pthread_mutex_unlock(&s->sync_mu);
            break;
        }
        s->sync_dirty = false;
        bool stopping = s->sync_stop;
        pthread_mutex_unlock(&s->sync_mu);
        int64_t z = atomic_load(&s->synced_zxid);
        aphx_error err = {0};
        int64_t t0 = aphx_now_ns();
        aphx_rc rc = keeper_txnlog_sync(s->log, &z, &err);
        int64_t dt = aphx_now_ns() - t0;
        atomic_fetch_add(&s->fsync_count, 1);
        atomic_fetch_add(&s->fsync_ns_total, dt);
        if (dt > atomic_load(&s->fsync_ns_max)) atomic_store(&s->fsync_ns_max, dt);
        if (rc != APHX_OK) {
            snprintf(s->sync_error, sizeof s->sync_error, "%s", err.msg);
            atomic_store(&s->sync_failed, true);
        } else {
            atomic_store(&s->synced_zxid, z);
        }
        uint64_t one = 1;
        ssize_t w = write(s->wake_fd, &one, sizeof one);
        (void)w;
        if (rc != APHX_OK || stopping) break;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* snapshots                                                           */
/* ------------------------------------------------------------------ */
typedef struct keeper_snap_job {
    aphx_buf *records;    /* type:u32 len:u32 bytes, repeated; the server's snap_records */
    char    *dir;
    char    *log_dir;
    int64_t  zxid;
    int      retain;
    bool     purge;
    keeper_server *s;
} keeper_snap_job;

static aphx_rc keeper_snap_collect(void *ctx, uint32_t type, const void *data, size_t len, aphx_error *err)
{
    aphx_buf *b = ctx;
    uint32_t hdr[2] = {type, (uint32_t)len};
    aphx_buf_append(b, hdr, sizeof hdr);
    aphx_buf_append(b, data, len);
    if (b->oom) return aphx_fail(err, APHX_NOMEM, "out of memory collecting the snapshot");
    return APHX_OK;
}

static void *keeper_snapshot_main(void *arg)
{
    keeper_snap_job *job = arg;
    int64_t t0 = aphx_now_ns();
    aphx_error err = {0};
    keeper_snapshot_writer *w = NULL;
    aphx_rc rc = keeper_snapshot_writer_open(&w, job->dir, job->zxid, &err);
    size_t off = 0;
    while (rc == APHX_OK && off + 8 <= job->records->len) {
        uint32_t hdr[2];
        memcpy(hdr, job->records->data + off, sizeof hdr);
        rc = keeper_snapshot_writer_add(w, hdr[0], job->records->data + off + 8, hdr[1], &err);
        off += 8 + hdr[1];
    }
    if (rc == APHX_OK) {
        rc = keeper_snapshot_writer_commit(w, NULL, &err);
        w = NULL;
    }
    if (w) keeper_snapshot_writer_abort(w);
    int64_t dt = aphx_now_ns() - t0;
    /* Touch the spare capacity here, off the loop thread, so the next
     * serialization does not stop on page faults. */
    if (job->records->data && job->records->cap > job->records->len)
        memset(job->records->data + job->records->len, 0, job->records->cap - job->records->len);
    if (rc != APHX_OK) {
        APHX_ERROR(MOD, "snapshot at zxid 0x%llx failed: %s", (unsigned long long)job->zxid, err.msg);
    } else {
        APHX_INFO(MOD, "snapshot at zxid 0x%llx written in %.1f ms", (unsigned long long)job->zxid, dt / 1e6);
        atomic_fetch_add(&job->s->snapshot_count, 1);
        atomic_store(&job->s->snapshot_ns_last, dt);
        atomic_fetch_add(&job->s->snapshot_ns_total, dt);
        if (job->purge) {
            int removed = 0;
            if (keeper_persist_purge(job->dir, job->log_dir, job->retain, &removed, &err) != APHX_OK)
                APHX_WARN(MOD, "autopurge failed: %s", err.msg);
            else if (removed > 0)
                APHX_INFO(MOD, "autopurge removed %d old files", removed);
        }
    }
    keeper_server *srv = job->s;
    aphx_free(job->dir);
    aphx_free(job->log_dir);
    aphx_free(job);
    atomic_store(&srv->snapshot_running, 0);
    return NULL;
}

static aphx_rc keeper_snap_write_record(void *ctx, uint32_t type, const void *data, size_t len,
                                        aphx_error *err)
{
    return keeper_snapshot_writer_add(ctx, type, data, len, err);
}

/* Fork a child that writes the snapshot from its copy-on-write view of the
 * tree (the state at fork time: nothing is half applied, since the loop
 * thread forks between requests) and exits. The loop pauses only for the
 * fork itself. Returns false if fork is not possible. */
static bool keeper_snapshot_fork(keeper_server *s)
{
    int64_t zxid = s->db.last_zxid;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        /* Child: drop every inherited descriptor (client sockets, the
         * listening port, the log) so none outlives the parent's use. */
        if (close_range(3, ~0U, 0) != 0)
            for (int fd = 3; fd < 65536; fd++) close(fd);
        aphx_error err = {0};
        keeper_snapshot_writer *w = NULL;
        aphx_rc rc = keeper_snapshot_writer_open(&w, s->data_dir, zxid, &err);
        if (rc == APHX_OK) rc = keeper_db_serialize(&s->db, keeper_snap_write_record, w, &err);
        if (rc == APHX_OK) {
            rc = keeper_snapshot_writer_commit(w, NULL, &err);
        } else {
            keeper_snapshot_writer_abort(w);
        }
        if (rc != APHX_OK) APHX_ERROR(MOD, "snapshot at zxid 0x%llx failed: %s", (unsigned long long)zxid, err.msg);
        _exit(rc == APHX_OK ? 0 : 1);
    }
    s->snap_pid = pid;
    s->snap_started_ns = aphx_now_ns();
    s->snap_zxid = zxid;
    return true;
}

/* Reap a finished snapshot child; purge old files after a success. */
static void keeper_snapshot_reap(keeper_server *s, bool wait)
{
    if (s->snap_pid <= 0) return;
    int status = 0;
    pid_t r = waitpid(s->snap_pid, &status, wait ? 0 : WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) return;
    s->snap_pid = 0;
    atomic_store(&s->snapshot_running, 0);
    int64_t dt = aphx_now_ns() - s->snap_started_ns;
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        APHX_ERROR(MOD, "snapshot writer for zxid 0x%llx failed (status %d)", (unsigned long long)s->snap_zxid,
                   status);
        return;
    }
    APHX_INFO(MOD, "snapshot at zxid 0x%llx written in %.1f ms (forked writer)", (unsigned long long)s->snap_zxid,
              dt / 1e6);
    atomic_fetch_add(&s->snapshot_count, 1);
    atomic_store(&s->snapshot_ns_last, dt);
    atomic_fetch_add(&s->snapshot_ns_total, dt);
    if (s->snap_purge) {
        aphx_error err = {0};
        int removed = 0;
        if (keeper_persist_purge(s->data_dir, s->data_log_dir, s->snap_retain_count, &removed, &err) != APHX_OK)
            APHX_WARN(MOD, "autopurge failed: %s", err.msg);
        else if (removed > 0)
            APHX_INFO(MOD, "autopurge removed %d old files", removed);
    }
}

/* Take a snapshot when snapCount txns were applied since the last one:
 * preferably in a forked child (copy-on-write, no pause but the fork);
 * if fork fails, the tree is serialized into memory here (a pause
 * proportional to the data size) and written by a thread. */
static void keeper_maybe_snapshot(keeper_server *s)
{
    if (s->snap_count <= 0 || s->txns_since_snapshot < s->snap_count) return;
    if (atomic_load(&s->snapshot_running)) return;
    {
        int64_t now = aphx_now_ns();
        bool purge = s->purge_interval_hours > 0 &&
                     now - s->last_purge_ns > (int64_t)s->purge_interval_hours * 3600 * 1000000000LL;
        int64_t t_fork = aphx_now_ns();
        if (keeper_snapshot_fork(s)) {
            s->snap_purge = purge;
            if (purge) s->last_purge_ns = now;
            s->txns_since_snapshot = 0;
            keeper_txnlog_roll(s->log);
            atomic_store(&s->snapshot_running, 1);
            APHX_INFO(MOD, "snapshot at zxid 0x%llx: forked the writer in %.1f ms (%zu znodes)",
                      (unsigned long long)s->snap_zxid, (aphx_now_ns() - t_fork) / 1e6, s->db.count);
            return;
        }
        APHX_WARN(MOD, "fork for the snapshot failed (%s); serializing in process", strerror(errno));
    }
    keeper_snap_job *job = aphx_calloc(1, sizeof *job);
    if (!job) return;
    /* The buffer is reused from one snapshot to the next: page faults on
     * tens of fresh MB cost several times the walk itself. */
    job->records = &s->snap_records;
    aphx_buf_reset(job->records);
    if (job->records->oom) {
        aphx_buf_free(job->records);
        aphx_buf_init(job->records);
    }
    size_t want = (size_t)s->db.data_bytes + s->db.count * 112 + s->db.scount * 48 + 4096;
    if (job->records->cap < want) {
        /* grow with headroom; the old bytes are not needed (no copy) */
        aphx_buf_free(job->records);
        aphx_buf_init(job->records);
        aphx_buf_reserve(job->records, want + want / 2);
    }
    aphx_error err = {0};
    int64_t t_ser = aphx_now_ns();
    aphx_rc src = keeper_db_serialize(&s->db, keeper_snap_collect, job->records, &err);
    APHX_INFO(MOD, "snapshot at zxid 0x%llx: %zu znodes serialized in %.1f ms (the loop paused)",
              (unsigned long long)s->db.last_zxid, s->db.count, (aphx_now_ns() - t_ser) / 1e6);
    if (src != APHX_OK) {
        APHX_WARN(MOD, "snapshot skipped: %s", err.msg);
        aphx_free(job);
        return;
    }
    job->dir = aphx_strdup(s->data_dir);
    job->log_dir = aphx_strdup(s->data_log_dir);
    job->zxid = s->db.last_zxid;
    job->s = s;
    job->retain = s->snap_retain_count;
    int64_t now = aphx_now_ns();
    job->purge = s->purge_interval_hours > 0 &&
                 now - s->last_purge_ns > (int64_t)s->purge_interval_hours * 3600 * 1000000000LL;
    if (job->purge) s->last_purge_ns = now;
    s->txns_since_snapshot = 0;
    keeper_txnlog_roll(s->log);
    atomic_store(&s->snapshot_running, 1);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, keeper_snapshot_main, job) != 0) {
        atomic_store(&s->snapshot_running, 0);
        aphx_free(job->dir);
        aphx_free(job->log_dir);
        aphx_free(job);
    }
    pthread_attr_destroy(&attr);
}

/* ------------------------------------------------------------------ */
/* recovery                                                            */
/* ------------------------------------------------------------------ */
static aphx_rc keeper_load_record(void *ctx, uint32_t type, const uint8_t *data, size_t len, aphx_error *err)
{
    keeper_server *s = ctx;
    return keeper_db_load_record(&s->db, type, data, len, err);
}

static aphx_rc keeper_replay_txn(void *ctx, int64_t zxid, const uint8_t *payload, size_t len, aphx_error *err)
{
    keeper_server *s = ctx;
    aphx_rc rc = keeper_db_apply(&s->db, payload, len, &s->scratch, NULL, err);
    aphx_arena_reset(&s->scratch);
    if (rc) return aphx_error_prefix(err, "replaying zxid 0x%llx", (unsigned long long)zxid);
    return APHX_OK;
}

static aphx_rc keeper_recover(keeper_server *s, aphx_error *err)
{
    keeper_snapshot_loader loader = {NULL, keeper_load_record, s};
    int64_t snap_zxid = 0, log_last = 0;
    aphx_rc rc = keeper_snapshot_load(s->data_dir, &loader, &snap_zxid, err);
    if (rc) return aphx_error_prefix(err, "loading snapshots from %s", s->data_dir);
    rc = keeper_db_load_finish(&s->db, err);
    if (rc) return rc;
    rc = keeper_txnlog_replay(s->data_log_dir, snap_zxid, keeper_replay_txn, s, &log_last, err);
    if (rc) return aphx_error_prefix(err, "replaying the txn log in %s", s->data_log_dir);
    int64_t last = APHX_MAX(APHX_MAX(snap_zxid, log_last), s->db.last_zxid);
    s->db.last_zxid = last;
    s->last_assigned_zxid = last;
    s->applied_zxid = last;
    atomic_store(&s->synced_zxid, last);
    int64_t now = aphx_now_ns();
    for (size_t i = 0; i < s->db.snb; i++)
        for (keeper_session *ss = s->db.sb[i]; ss; ss = ss->hnext)
            ss->deadline_ns = now + (int64_t)ss->timeout_ms * 1000000;
    APHX_INFO(MOD, "recovered %zu znodes and %zu sessions up to zxid 0x%llx (snapshot 0x%llx)",
              s->db.count, s->db.scount, (unsigned long long)last, (unsigned long long)snap_zxid);
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* open / run / stop / close                                           */
/* ------------------------------------------------------------------ */
static int keeper_listen(const char *addr, int port, int *bound_port, aphx_error *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return aphx_fail(err, APHX_IO, "socket: %s", strerror(errno)), -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (!addr || !addr[0] || strcmp(addr, "0.0.0.0") == 0) {
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (strcmp(addr, "localhost") == 0) {
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        close(fd);
        aphx_fail(err, APHX_CONFIG, "clientPortAddress '%s' is not an IPv4 address", addr);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1024) != 0) {
        aphx_fail(err, APHX_IO, "cannot listen on %s:%d: %s", addr ? addr : "0.0.0.0", port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *bound_port = ntohs(sa.sin_port);
    return fd;
}

aphx_rc keeper_server_open(keeper_server **out, const keeper_config *cfg, aphx_error *err)
{
    *out = NULL;
    aphx_rc rc = APHX_OK;
    keeper_server *s = aphx_calloc(1, sizeof *s);
    if (!s) return aphx_fail(err, APHX_NOMEM, "out of memory");
    s->epfd = s->listen_fd = s->metrics_fd = s->wake_fd = s->stop_fd = -1;
    pthread_mutex_init(&s->sync_mu, NULL);
    pthread_cond_init(&s->sync_cv, NULL);
    aphx_arena_init(&s->scratch, 65536);
    aphx_buf_init(&s->txn);
    aphx_buf_init(&s->snap_records);
    s->tick_ms = cfg->tick_time_ms > 0 ? cfg->tick_time_ms : 3000;
    s->min_session_timeout_ms = cfg->min_session_timeout_ms > 0 ? cfg->min_session_timeout_ms : 2 * s->tick_ms;
    s->max_session_timeout_ms = cfg->max_session_timeout_ms > 0 ? cfg->max_session_timeout_ms : 20 * s->tick_ms;
    s->max_buffer = cfg->jute_max_buffer > 0 ? cfg->jute_max_buffer : 0xfffff;
    s->max_client_cnxns = cfg->max_client_cnxns;
    s->snap_count = cfg->snap_count > 0 ? cfg->snap_count : 100000;
    s->global_outstanding_limit = cfg->global_outstanding_limit;
    s->snap_retain_count = cfg->snap_retain_count < 3 ? 3 : cfg->snap_retain_count;
    s->purge_interval_hours = cfg->purge_interval_hours;
    s->force_sync = cfg->force_sync;
    s->reconfig_enabled = cfg->reconfig_enabled;
    s->data_dir = aphx_strdup(cfg->data_dir);
    s->data_log_dir = aphx_strdup(cfg->data_log_dir ? cfg->data_log_dir : cfg->data_dir);
    s->client_addr = cfg->client_port_address ? aphx_strdup(cfg->client_port_address) : NULL;
    s->super_digest = cfg->super_digest ? aphx_strdup(cfg->super_digest) : NULL;
    s->four_letter_all = cfg->four_letter_all;
    s->four_letter_whitelist = aphx_strdup(cfg->four_letter_whitelist ? cfg->four_letter_whitelist : "srvr");
    s->config_port = cfg->client_port;
    s->config_metrics_port = cfg->metrics_http_port;
    s->started_ms = aphx_wall_ms();
    if (!s->data_dir || !s->data_log_dir || !s->four_letter_whitelist) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto fail;
    }
    {
        aphx_buf conf;
        aphx_buf_init(&conf);
        keeper_config_render(cfg, 0, 0, &conf);
        s->conf_text = aphx_buf_steal(&conf);
    }
    /* ZooKeeper's standalone session ids: time-based, server id 0 in the top byte. */
    s->next_session_id = (int64_t)(((uint64_t)aphx_wall_ms() << 24) >> 8);
    rc = keeper_db_init(&s->db, err);
    if (rc) goto fail;
    s->db.deliver = keeper_deliver;
    s->db.deliver_ctx = s;
    rc = keeper_recover(s, err);
    if (rc) goto fail;
    keeper_txnlog_options lo = {s->data_log_dir, cfg->pre_alloc_size_kb * 1024, !cfg->force_sync};
    rc = keeper_txnlog_open(&s->log, &lo, s->db.last_zxid, err);
    if (rc) goto fail;
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->epfd < 0 || s->wake_fd < 0 || s->stop_fd < 0) {
        rc = aphx_fail(err, APHX_IO, "epoll/eventfd: %s", strerror(errno));
        goto fail;
    }
    s->listen_fd = keeper_listen(s->client_addr, cfg->client_port, &s->port, err);
    if (s->listen_fd < 0) {
        rc = err ? err->code : APHX_IO;
        goto fail;
    }
    if (cfg->metrics_http_port > 0) {
        s->metrics_fd = keeper_listen(s->client_addr, cfg->metrics_http_port, &s->metrics_port, err);
        if (s->metrics_fd < 0) {
            rc = err ? err->code : APHX_IO;
            goto fail;
        }
    }
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.ptr = &s->listen_fd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev);
    ev.data.ptr = &s->wake_fd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wake_fd, &ev);
    ev.data.ptr = &s->stop_fd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stop_fd, &ev);
    if (s->metrics_fd >= 0) {
        ev.data.ptr = &s->metrics_fd;
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->metrics_fd, &ev);
    }
    if (pthread_create(&s->sync_thread, NULL, keeper_sync_main, s) != 0) {
        rc = aphx_fail(err, APHX_INTERNAL, "cannot start the sync thread");
        goto fail;
    }
    s->sync_started = true;
    APHX_INFO(MOD, "serving clients on port %d (data %s, log %s)", s->port, s->data_dir, s->data_log_dir);
    *out = s;
    return APHX_OK;
fail:
    keeper_server_close(s);
    return rc;
}

int keeper_server_port(const keeper_server *s) { return s->port; }
int keeper_server_metrics_port(const keeper_server *s) { return s->metrics_port; }

void keeper_server_stop(keeper_server *s)
{
    s->stop_requested = 1;
    uint64_t one = 1;
    ssize_t w = write(s->stop_fd, &one, sizeof one);
    (void)w;
}

aphx_rc keeper_server_run(keeper_server *s, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    struct epoll_event evs[256];
    int64_t check_every_ns = APHX_MIN(s->tick_ms, 500) * 1000000LL / 2;
    if (check_every_ns <= 0) check_every_ns = 100000000;
    while (!s->stop_requested) {
        int timeout_ms = (int)(check_every_ns / 1000000);
        int n = epoll_wait(s->epfd, evs, (int)APHX_ARRAY_LEN(evs), timeout_ms);
        if (n < 0 && errno != EINTR) {
            rc = aphx_fail(err, APHX_IO, "epoll_wait: %s", strerror(errno));
            break;
        }
        bool sync_woke = false;
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &s->listen_fd) {
                keeper_accept(s);
            } else if (tag == &s->wake_fd) {
                uint64_t v;
                ssize_t r = read(s->wake_fd, &v, sizeof v);
                (void)r;
                sync_woke = true;
            } else if (tag == &s->stop_fd) {
                s->stop_requested = 1;
            } else if (tag == &s->metrics_fd) {
                int fd = accept4(s->metrics_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0) {
                    keeper_metrics_serve(s, fd);
                    close(fd);
                }
            } else {
                keeper_conn *c = tag;
                if (c->dead) continue;
                if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) keeper_conn_read(s, c);
                if (!c->dead && (evs[i].events & EPOLLOUT)) keeper_conn_flush(s, c);
            }
        }
        if (sync_woke || atomic_load(&s->synced_zxid) > s->applied_zxid || s->q_head) {
            if (atomic_load(&s->sync_failed)) {
                rc = aphx_fail(err, APHX_IO, "the txn log failed, stopping: %s", s->sync_error);
                APHX_ERROR(MOD, "%s", err ? err->msg : "txn log failure");
                break;
            }
            keeper_commit_upto(s, atomic_load(&s->synced_zxid));
        }
        int64_t now = aphx_now_ns();
        if (now - s->last_expiry_check_ns >= check_every_ns) {
            s->last_expiry_check_ns = now;
            keeper_expire_sessions(s, now);
        }
        if (now - s->last_container_check_ns >= KEEPER_CONTAINER_CHECK_MS * 1000000LL) {
            s->last_container_check_ns = now;
            keeper_check_containers(s);
        }
        keeper_flush_dirty(s);
        keeper_conn_sweep(s);
        keeper_snapshot_reap(s, false);
        keeper_maybe_snapshot(s);   /* one may be due since the last writer finished */
    }
    return rc;
}

static void *keeper_run_main(void *arg)
{
    keeper_server *s = arg;
    s->run_rc = keeper_server_run(s, &s->run_err);
    return NULL;
}

aphx_rc keeper_server_start_thread(keeper_server *s, aphx_error *err)
{
    if (pthread_create(&s->run_thread, NULL, keeper_run_main, s) != 0)
        return aphx_fail(err, APHX_INTERNAL, "cannot start the keeper thread");
    s->run_started = true;
    return APHX_OK;
}

aphx_rc keeper_server_join(keeper_server *s, aphx_error *err)
{
    if (!s->run_started) return APHX_OK;
    pthread_join(s->run_thread, NULL);
    s->run_started = false;
    if (s->run_rc && err) *err = s->run_err;
    return s->run_rc;
}

void keeper_server_close(keeper_server *s)
{
    if (!s) return;
    if (s->sync_started) {
        pthread_mutex_lock(&s->sync_mu);
        s->sync_stop = true;
        pthread_cond_signal(&s->sync_cv);
        pthread_mutex_unlock(&s->sync_mu);
        pthread_join(s->sync_thread, NULL);
    }
    /* Let a running snapshot writer finish (bounded: it only writes a file). */
    keeper_snapshot_reap(s, true);
    for (int i = 0; i < 30000 && atomic_load(&s->snapshot_running); i++) usleep(1000);
    if (!atomic_load(&s->snapshot_running)) aphx_buf_free(&s->snap_records);
    while (s->conns) {
        keeper_conn *c = s->conns;
        s->conns = c->next;
        if (c->fd >= 0) close(c->fd);
        keeper_conn_free(c);
    }
    while (s->q_head) {
        keeper_pending *p = s->q_head;
        s->q_head = p->next;
        aphx_free(p->txn);
        aphx_free(p->multi_errs);
        aphx_free(p->multi_types);
        aphx_free(p);
    }
    while (s->ch_head) {
        keeper_change *x = s->ch_head;
        s->ch_head = x->next;
        aphx_free(x->path);
        aphx_free(x);
    }
    keeper_txnlog_close(s->log);
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->metrics_fd >= 0) close(s->metrics_fd);
    if (s->wake_fd >= 0) close(s->wake_fd);
    if (s->stop_fd >= 0) close(s->stop_fd);
    if (s->epfd >= 0) close(s->epfd);
    if (s->db.b) keeper_db_free(&s->db);
    aphx_arena_destroy(&s->scratch);
    aphx_buf_free(&s->txn);
    aphx_free(s->data_dir);
    aphx_free(s->data_log_dir);
    aphx_free(s->client_addr);
    aphx_free(s->super_digest);
    aphx_free(s->four_letter_whitelist);
    aphx_free(s->conf_text);
    pthread_mutex_destroy(&s->sync_mu);
    pthread_cond_destroy(&s->sync_cv);
    aphx_free(s);
}
