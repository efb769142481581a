/*
 * db.c — the keeper's data tree: znodes in a path hash table with child
 * arrays, the ACL cache, sessions with their ephemerals, the containers
 * and TTL-node sets, and keeper_db_apply, the one function that changes
 * them (a txn from the log, live or replayed). Also the snapshot
 * serialization of the whole tree.
 *
 * Snapshot records (types in keeper_int.h; jute encodings):
 *   META     lastZxid:long
 *   SESSION  id:long timeout:int passwd:buffer
 *   NODE     path:ustring data:buffer acl:vector<ACL> czxid:long mzxid:long
 *            ctime:long mtime:long version:int cversion:int aversion:int
 *            ephemeralOwner:long pzxid:long
 * Sessions come first, then nodes in pre-order (a parent before its
 * children), so loading is a single pass.
 */
#include "keeper/keeper_int.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* hashing                                                             */
/* ------------------------------------------------------------------ */
uint64_t keeper_hash_path(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

/* ------------------------------------------------------------------ */
/* ACL cache                                                           */
/* ------------------------------------------------------------------ */
static uint64_t keeper_acl_hash(const zk_acl_list *acl)
{
    uint64_t h = 7;
    for (int32_t i = 0; i < acl->n; i++) {
        h = h * 31 + (uint64_t)acl->v[i].perms;
        h = h * 31 + keeper_hash_path(acl->v[i].id.scheme, strlen(acl->v[i].id.scheme));
        h = h * 31 + keeper_hash_path(acl->v[i].id.id, strlen(acl->v[i].id.id));
    }
    return h;
}

static bool keeper_acl_equal(const zk_acl_list *a, const zk_acl_list *b)
{
    if (a->n != b->n) return false;
    for (int32_t i = 0; i < a->n; i++) {
        if (a->v[i].perms != b->v[i].perms || strcmp(a->v[i].id.scheme, b->v[i].id.scheme) != 0 ||
            strcmp(a->v[i].id.id, b->v[i].id.id) != 0)
            return false;
    }
    return true;
}

static void keeper_acl_list_free(zk_acl_list *l)
{
    for (int32_t i = 0; i < l->n; i++) {
        aphx_free(l->v[i].id.scheme);
        aphx_free(l->v[i].id.id);
    }
    aphx_free(l->v);
    l->v = NULL;
    l->n = 0;
}

uint32_t keeper_acl_intern(keeper_acl_cache *c, const zk_acl_list *acl)
{
    uint64_t h = keeper_acl_hash(acl);
    /* Few distinct ACL lists exist in practice: a linear scan is fine. */
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->v[i].refs > 0 && c->v[i].hash == h && keeper_acl_equal(&c->v[i].acl, acl)) {
            c->v[i].refs++;
            return i;
        }
    }
    zk_acl_list copy = {NULL, 0};
    if (acl->n > 0) {
        copy.v = aphx_calloc((size_t)acl->n, sizeof(zk_acl));
        if (!copy.v) return UINT32_MAX;
        copy.n = acl->n;
        for (int32_t i = 0; i < acl->n; i++) {
            copy.v[i].perms = acl->v[i].perms;
            copy.v[i].id.scheme = aphx_strdup(acl->v[i].id.scheme);
            copy.v[i].id.id = aphx_strdup(acl->v[i].id.id);
            if (!copy.v[i].id.scheme || !copy.v[i].id.id) {
                keeper_acl_list_free(&copy);
                return UINT32_MAX;
            }
        }
    }
    uint32_t id;
    if (c->nfree > 0) {
        id = c->free_ids[--c->nfree];
    } else {
        if (c->n == c->cap) {
            uint32_t cap = c->cap ? c->cap * 2 : 16;
            keeper_acl_entry *v = aphx_realloc(c->v, sizeof *v * cap);
            if (!v) {
                keeper_acl_list_free(&copy);
                return UINT32_MAX;
            }
            c->v = v;
            c->cap = cap;
        }
        id = c->n++;
    }
    c->v[id].acl = copy;
    c->v[id].refs = 1;
    c->v[id].hash = h;
    return id;
}

void keeper_acl_addref(keeper_acl_cache *c, uint32_t id)
{
    if (id < c->n) c->v[id].refs++;
}

void keeper_acl_release(keeper_acl_cache *c, uint32_t id)
{
    if (id >= c->n || c->v[id].refs <= 0) return;
    if (--c->v[id].refs > 0) return;
    keeper_acl_list_free(&c->v[id].acl);
    if (c->nfree == c->free_cap) {
        uint32_t cap = c->free_cap ? c->free_cap * 2 : 16;
        uint32_t *f = aphx_realloc(c->free_ids, sizeof *f * cap);
        if (!f) return;   /* slot is leaked for reuse, harmless */
        c->free_ids = f;
        c->free_cap = cap;
    }
    c->free_ids[c->nfree++] = id;
}

const zk_acl_list *keeper_acl_get(const keeper_acl_cache *c, uint32_t id)
{
    static const zk_acl_list empty = {NULL, 0};
    if (id >= c->n) return &empty;
    return &c->v[id].acl;
}

/* ------------------------------------------------------------------ */
/* node table                                                          */
/* ------------------------------------------------------------------ */
static keeper_node *keeper_db_find_n(const keeper_db *db, const char *path, size_t n, uint64_t h)
{
    for (keeper_node *x = db->b[h & (db->nb - 1)]; x; x = x->hnext)
        if (x->hash == h && x->path_len == n && memcmp(x->path, path, n) == 0) return x;
    return NULL;
}

keeper_node *keeper_db_find(const keeper_db *db, const char *path)
{
    size_t n = strlen(path);
    return keeper_db_find_n(db, path, n, keeper_hash_path(path, n));
}

static bool keeper_db_grow(keeper_db *db)
{
    size_t nb = db->nb * 2;
    keeper_node **b = aphx_calloc(nb, sizeof *b);
    if (!b) return false;
    for (size_t i = 0; i < db->nb; i++) {
        keeper_node *x = db->b[i];
        while (x) {
            keeper_node *next = x->hnext;
            x->hnext = b[x->hash & (nb - 1)];
            b[x->hash & (nb - 1)] = x;
            x = next;
        }
    }
    aphx_free(db->b);
    db->b = b;
    db->nb = nb;
    return true;
}

static void keeper_db_unlink(keeper_db *db, keeper_node *n)
{
    keeper_node **pp = &db->b[n->hash & (db->nb - 1)];
    while (*pp && *pp != n) pp = &(*pp)->hnext;
    if (*pp) *pp = n->hnext;
    db->count--;
}

static bool keeper_ptr_push(keeper_node ***arr, uint32_t *n, uint32_t *cap, keeper_node *x,
                            uint32_t *index_out)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 4;
        keeper_node **a = aphx_realloc(*arr, sizeof *a * c);
        if (!a) return false;
        *arr = a;
        *cap = c;
    }
    *index_out = *n;
    (*arr)[(*n)++] = x;
    return true;
}

/* Remove x (at x->list_index, or index_in_parent) by moving the last one in. */
static void keeper_ptr_remove(keeper_node **arr, uint32_t *n, uint32_t idx, bool kids)
{
    if (idx >= *n) return;
    keeper_node *last = arr[*n - 1];
    arr[idx] = last;
    if (kids) last->index_in_parent = idx;
    else last->list_index = idx;
    (*n)--;
}

/* Create a node object and link it (no watches, no parent stat changes). */
static keeper_node *keeper_db_link_new(keeper_db *db, keeper_node *parent, const char *path,
                                       const uint8_t *data, int32_t data_len, uint32_t acl_id)
{
    keeper_node *n = aphx_calloc(1, sizeof *n);
    if (!n) return NULL;
    size_t len = strlen(path);
    n->path = aphx_strndup(path, len);
    if (!n->path) goto fail;
    if (data_len > 0) {
        n->data = aphx_malloc((size_t)data_len);
        if (!n->data) goto fail;
        memcpy(n->data, data, (size_t)data_len);
    }
    n->data_len = data_len;
    n->path_len = (uint32_t)len;
    n->hash = keeper_hash_path(path, len);
    const char *slash = strrchr(n->path, '/');
    n->name = slash ? slash + 1 : n->path;
    n->parent = parent;
    n->acl_id = acl_id;
    n->stat.data_length = data_len > 0 ? data_len : 0;
    if (parent && !keeper_ptr_push(&parent->kids, &parent->nkids, &parent->kcap, n,
                                   &n->index_in_parent))
        goto fail;
    if (db->count + 1 > db->nb && !keeper_db_grow(db)) {
        if (parent) keeper_ptr_remove(parent->kids, &parent->nkids, n->index_in_parent, true);
        goto fail;
    }
    n->hnext = db->b[n->hash & (db->nb - 1)];
    db->b[n->hash & (db->nb - 1)] = n;
    db->count++;
    if (parent) parent->stat.num_children = (int32_t)parent->nkids;
    db->data_bytes += (int64_t)len + (data_len > 0 ? data_len : 0);
    return n;
fail:
    aphx_free(n->data);
    aphx_free(n->path);
    aphx_free(n);
    return NULL;
}

static void keeper_node_free(keeper_db *db, keeper_node *n)
{
    keeper_acl_release(&db->acls, n->acl_id);
    aphx_free(n->kids);
    aphx_free(n->data);
    aphx_free(n->path);
    aphx_free(n);
}

/* ------------------------------------------------------------------ */
/* sessions                                                            */
/* ------------------------------------------------------------------ */
keeper_session *keeper_db_session(const keeper_db *db, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    for (keeper_session *s = db->sb[(h >> 20) & (db->snb - 1)]; s; s = s->hnext)
        if (s->id == id) return s;
    return NULL;
}

static keeper_session *keeper_db_session_add(keeper_db *db, int64_t id, int32_t timeout,
                                             const uint8_t *passwd, int32_t passwd_len)
{
    keeper_session *s = keeper_db_session(db, id);
    if (s) return s;
    if (db->scount + 1 > db->snb) {
        size_t nb = db->snb * 2;
        keeper_session **b = aphx_calloc(nb, sizeof *b);
        if (!b) return NULL;
        for (size_t i = 0; i < db->snb; i++) {
            keeper_session *x = db->sb[i];
            while (x) {
                keeper_session *next = x->hnext;
                uint64_t h = (uint64_t)x->id * 0x9E3779B97F4A7C15ULL;
                x->hnext = b[(h >> 20) & (nb - 1)];
                b[(h >> 20) & (nb - 1)] = x;
                x = next;
            }
        }
        aphx_free(db->sb);
        db->sb = b;
        db->snb = nb;
    }
    s = aphx_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->id = id;
    s->timeout_ms = timeout;
    if (passwd && passwd_len > 0)
        memcpy(s->passwd, passwd, (size_t)APHX_MIN(passwd_len, 16));
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    s->hnext = db->sb[(h >> 20) & (db->snb - 1)];
    db->sb[(h >> 20) & (db->snb - 1)] = s;
    db->scount++;
    return s;
}

static void keeper_db_session_remove(keeper_db *db, keeper_session *s)
{
    uint64_t h = (uint64_t)s->id * 0x9E3779B97F4A7C15ULL;
    keeper_session **pp = &db->sb[(h >> 20) & (db->snb - 1)];
    while (*pp && *pp != s) pp = &(*pp)->hnext;
    if (*pp) *pp = s->hnext;
    db->scount--;
    aphx_free(s->eph);
    aphx_free(s);
}

/* ------------------------------------------------------------------ */
/* init / free                                                         */
/* ------------------------------------------------------------------ */
static const zk_acl keeper_world_all = {ZK_PERM_ALL, {"world", "anyone"}};

aphx_rc keeper_db_init(keeper_db *db, aphx_error *err)
{
    memset(db, 0, sizeof *db);
    db->nb = 1024;
    db->b = aphx_calloc(db->nb, sizeof *db->b);
    db->snb = 64;
    db->sb = aphx_calloc(db->snb, sizeof *db->sb);
    if (!db->b || !db->sb) goto nomem;
    zk_acl_list open = {(zk_acl *)&keeper_world_all, 1};
    uint32_t acl = keeper_acl_intern(&db->acls, &open);
    if (acl == UINT32_MAX) goto nomem;
    db->root = keeper_db_link_new(db, NULL, "/", NULL, -1, acl);
    if (!db->root) goto nomem;
    db->root->name = "";
    /* ZooKeeper's system nodes: /zookeeper, /zookeeper/quota, /zookeeper/config. */
    static const char *const sys[] = {"/zookeeper", "/zookeeper/quota", "/zookeeper/config"};
    for (size_t i = 0; i < APHX_ARRAY_LEN(sys); i++) {
        const char *slash = strrchr(sys[i], '/');
        keeper_node *parent = slash == sys[i] ? db->root : keeper_db_find(db, "/zookeeper");
        keeper_acl_addref(&db->acls, acl);
        bool config = i == 2;
        keeper_node *n = keeper_db_link_new(db, parent, sys[i], NULL, config ? 0 : -1, acl);
        if (!n) goto nomem;
        /* As ZooKeeper creates it: empty (not null) data, aversion -1. */
        if (config) n->stat.aversion = -1;
    }
    return APHX_OK;
nomem:
    keeper_db_free(db);
    return aphx_fail(err, APHX_NOMEM, "out of memory creating the data tree");
}

void keeper_db_free(keeper_db *db)
{
    if (db->b) {
        for (size_t i = 0; i < db->nb; i++) {
            keeper_node *x = db->b[i];
            while (x) {
                keeper_node *next = x->hnext;
                keeper_node_free(db, x);
                x = next;
            }
        }
    }
    if (db->sb) {
        for (size_t i = 0; i < db->snb; i++) {
            keeper_session *s = db->sb[i];
            while (s) {
                keeper_session *next = s->hnext;
                aphx_free(s->eph);
                aphx_free(s);
                s = next;
            }
        }
    }
    for (uint32_t i = 0; i < db->acls.n; i++) keeper_acl_list_free(&db->acls.v[i].acl);
    aphx_free(db->acls.v);
    aphx_free(db->acls.free_ids);
    aphx_free(db->b);
    aphx_free(db->sb);
    aphx_free(db->containers);
    aphx_free(db->ttls);
    keeper_watch_free(db);
    memset(db, 0, sizeof *db);
}

int64_t keeper_db_count_descendants(const keeper_node *n)
{
    int64_t total = 0;
    for (uint32_t i = 0; i < n->nkids; i++) total += 1 + keeper_db_count_descendants(n->kids[i]);
    return total;
}

/* ------------------------------------------------------------------ */
/* path validation (PathUtils.validatePath)                            */
/* ------------------------------------------------------------------ */
const char *keeper_path_invalid(const char *path)
{
    if (!path || !path[0]) return "path length must be > 0";
    if (path[0] != '/') return "path must start with / character";
    size_t n = strlen(path);
    if (n == 1) return NULL;
    if (path[n - 1] == '/') return "path must not end with / character";
    const unsigned char *p = (const unsigned char *)path;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = p[i];
        if (c == '/' && p[i - 1] == '/') return "empty node name specified";
        if (c == '.' && p[i - 1] == '/' && (i + 1 == n || p[i + 1] == '/'))
            return "relative paths not allowed";
        if (c == '.' && i >= 2 && p[i - 1] == '.' && p[i - 2] == '/' && (i + 1 == n || p[i + 1] == '/'))
            return "relative paths not allowed";
        if (c < 0x20 || c == 0x7f) return "invalid character";
        if (c == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) return "invalid character";
        if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBF && p[i + 2] >= 0xB0) return "invalid character";
        if ((c == 0xEE || (c == 0xEF && i + 1 < n && p[i + 1] <= 0xA3)) ) return "invalid character";
        if (c == 0xED && i + 1 < n && p[i + 1] >= 0xA0) return "invalid character";
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* apply                                                               */
/* ------------------------------------------------------------------ */
void keeper_txn_header(aphx_buf *b, int64_t zxid, int64_t time_ms, int64_t session,
                       int32_t cxid, int32_t type)
{
    jute_put_long(b, zxid);
    jute_put_long(b, time_ms);
    jute_put_long(b, session);
    jute_put_int(b, cxid);
    jute_put_int(b, type);
}

typedef struct keeper_txn_ctx {
    int64_t zxid, time, session;
} keeper_txn_ctx;

static void keeper_parent_path(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n == 0) n = 1;   /* parent of "/x" is "/" */
    if (n >= cap) n = cap - 1;
    memcpy(out, path, n);
    out[n] = 0;
}

void keeper_node_wire_stat(const keeper_node *n, zk_stat *st)
{
    *st = n->stat;
    st->data_length = n->data_len > 0 ? n->data_len : 0;
    st->num_children = (int32_t)n->nkids;
    /* The tree counts child creations (sequential names come from that);
     * clients see creations + deletions, which is 2 * creations - children
     * (ZooKeeper's DataNode.copyStat). */
    st->cversion = n->stat.cversion * 2 - (int32_t)n->nkids;
    /* Containers and TTL nodes report no owner (DataTree.getClientEphemeralOwner). */
    int64_t owner = n->stat.ephemeral_owner;
    if (owner == ZK_CONTAINER_OWNER || (owner != 0 && (owner & ZK_TTL_OWNER_MASK) == ZK_TTL_OWNER_MASK))
        st->ephemeral_owner = 0;
}

static int32_t keeper_apply_create(keeper_db *db, const keeper_txn_ctx *t, const char *path,
                                   const uint8_t *data, int32_t data_len, const zk_acl_list *acl,
                                   int64_t owner, keeper_op_result *out)
{
    if (keeper_db_find(db, path)) return ZK_NODEEXISTS;
    char ppath[4096];
    if (strlen(path) >= sizeof ppath) return ZK_BADARGUMENTS;
    keeper_parent_path(path, ppath, sizeof ppath);
    keeper_node *parent = keeper_db_find(db, ppath);
    if (!parent || strcmp(path, "/") == 0) return ZK_NONODE;
    uint32_t acl_id = keeper_acl_intern(&db->acls, acl);
    if (acl_id == UINT32_MAX) return ZK_SYSTEMERROR;
    keeper_node *n = keeper_db_link_new(db, parent, path, data, data_len, acl_id);
    if (!n) {
        keeper_acl_release(&db->acls, acl_id);
        return ZK_SYSTEMERROR;
    }
    n->stat.czxid = n->stat.mzxid = n->stat.pzxid = t->zxid;
    n->stat.ctime = n->stat.mtime = t->time;
    n->stat.ephemeral_owner = owner;
    parent->stat.cversion++;
    parent->stat.pzxid = t->zxid;
    if (owner == ZK_CONTAINER_OWNER) {
        keeper_ptr_push(&db->containers, &db->ncontainers, &db->containers_cap, n, &n->list_index);
    } else if (owner != 0 && (owner & ZK_TTL_OWNER_MASK) == ZK_TTL_OWNER_MASK) {
        keeper_ptr_push(&db->ttls, &db->nttls, &db->ttls_cap, n, &n->list_index);
    } else if (owner != 0) {
        keeper_session *s = keeper_db_session(db, owner);
        if (s) keeper_ptr_push(&s->eph, &s->neph, &s->ecap, n, &n->list_index);
    }
    if (out) keeper_node_wire_stat(n, &out->stat);
    keeper_watch_trigger(db, ZK_EVENT_CREATED, path);
    keeper_watch_trigger(db, ZK_EVENT_CHILD_CHANGED, ppath);
    return ZK_OK;
}

static int32_t keeper_apply_delete(keeper_db *db, const keeper_txn_ctx *t, const char *path)
{
    keeper_node *n = keeper_db_find(db, path);
    if (!n || n == db->root) return ZK_NONODE;
    if (n->nkids > 0) return ZK_NOTEMPTY;
    keeper_node *parent = n->parent;
    keeper_ptr_remove(parent->kids, &parent->nkids, n->index_in_parent, true);
    parent->stat.num_children = (int32_t)parent->nkids;
    if (t->zxid > parent->stat.pzxid) parent->stat.pzxid = t->zxid;
    int64_t owner = n->stat.ephemeral_owner;
    if (owner == ZK_CONTAINER_OWNER) {
        keeper_ptr_remove(db->containers, &db->ncontainers, n->list_index, false);
    } else if (owner != 0 && (owner & ZK_TTL_OWNER_MASK) == ZK_TTL_OWNER_MASK) {
        keeper_ptr_remove(db->ttls, &db->nttls, n->list_index, false);
    } else if (owner != 0) {
        keeper_session *s = keeper_db_session(db, owner);
        if (s) keeper_ptr_remove(s->eph, &s->neph, n->list_index, false);
    }
    keeper_db_unlink(db, n);
    db->data_bytes -= (int64_t)n->path_len + (n->data_len > 0 ? n->data_len : 0);
    char ppath[4096];
    keeper_parent_path(path, ppath, sizeof ppath);
    /* The node's path must outlive the node for the triggers. */
    keeper_watch_trigger(db, ZK_EVENT_DELETED, n->path);
    keeper_watch_trigger(db, ZK_EVENT_CHILD_CHANGED, ppath);
    keeper_node_free(db, n);
    return ZK_OK;
}

static int32_t keeper_apply_set_data(keeper_db *db, const keeper_txn_ctx *t, const char *path,
                                     const uint8_t *data, int32_t data_len, int32_t version,
                                     keeper_op_result *out)
{
    keeper_node *n = keeper_db_find(db, path);
    if (!n) return ZK_NONODE;
    uint8_t *copy = NULL;
    if (data_len > 0) {
        copy = aphx_malloc((size_t)data_len);
        if (!copy) return ZK_SYSTEMERROR;
        memcpy(copy, data, (size_t)data_len);
    }
    db->data_bytes += (int64_t)(data_len > 0 ? data_len : 0) - (n->data_len > 0 ? n->data_len : 0);
    aphx_free(n->data);
    n->data = copy;
    n->data_len = data_len;
    n->stat.version = version;
    n->stat.mzxid = t->zxid;
    n->stat.mtime = t->time;
    if (out) keeper_node_wire_stat(n, &out->stat);
    keeper_watch_trigger(db, ZK_EVENT_DATA_CHANGED, path);
    return ZK_OK;
}

static int32_t keeper_apply_set_acl(keeper_db *db, const char *path, const zk_acl_list *acl,
                                    int32_t aversion, keeper_op_result *out)
{
    keeper_node *n = keeper_db_find(db, path);
    if (!n) return ZK_NONODE;
    uint32_t id = keeper_acl_intern(&db->acls, acl);
    if (id == UINT32_MAX) return ZK_SYSTEMERROR;
    keeper_acl_release(&db->acls, n->acl_id);
    n->acl_id = id;
    n->stat.aversion = aversion;
    if (out) keeper_node_wire_stat(n, &out->stat);
    return ZK_OK;
}

static int32_t keeper_apply_close_session(keeper_db *db, const keeper_txn_ctx *t)
{
    keeper_session *s = keeper_db_session(db, t->session);
    if (!s) return ZK_SESSIONEXPIRED;
    /* Delete the deepest first is unnecessary: ephemerals have no children. */
    while (s->neph > 0) {
        keeper_node *n = s->eph[s->neph - 1];
        if (keeper_apply_delete(db, t, n->path) != ZK_OK) {
            /* Cannot happen (ephemerals have no children); drop it from the list. */
            s->neph--;
        }
    }
    keeper_db_session_remove(db, s);
    return ZK_OK;
}

/* Decode and apply one op body of `type`. */
static void keeper_apply_op(keeper_db *db, const keeper_txn_ctx *t, int32_t type, jute_reader *r,
                            aphx_arena *arena, keeper_op_result *out)
{
    out->type = type;
    out->err = ZK_OK;
    switch (type) {
    case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_CREATECONTAINER: case ZK_OP_CREATETTL: {
        char *path = jute_get_string(r, arena);
        int32_t dlen;
        const uint8_t *data = jute_get_buffer(r, &dlen);
        zk_acl_list acl;
        jute_get_acl_list(r, arena, &acl);
        int64_t owner = jute_get_long(r);
        if (r->bad || !path) return;
        out->path = path;
        out->err = keeper_apply_create(db, t, path, data, dlen, &acl, owner, out);
        return;
    }
    case ZK_OP_DELETE: case ZK_OP_DELETECONTAINER: {
        char *path = jute_get_string(r, arena);
        if (r->bad || !path) return;
        out->path = path;
        out->err = keeper_apply_delete(db, t, path);
        return;
    }
    case ZK_OP_SETDATA: {
        char *path = jute_get_string(r, arena);
        int32_t dlen;
        const uint8_t *data = jute_get_buffer(r, &dlen);
        int32_t version = jute_get_int(r);
        if (r->bad || !path) return;
        out->path = path;
        out->err = keeper_apply_set_data(db, t, path, data, dlen, version, out);
        return;
    }
    case ZK_OP_SETACL: {
        char *path = jute_get_string(r, arena);
        zk_acl_list acl;
        jute_get_acl_list(r, arena, &acl);
        int32_t aversion = jute_get_int(r);
        if (r->bad || !path) return;
        out->path = path;
        out->err = keeper_apply_set_acl(db, path, &acl, aversion, out);
        return;
    }
    case ZK_OP_CHECK: {
        out->path = jute_get_string(r, arena);
        (void)jute_get_int(r);
        return;
    }
    case ZK_OP_CREATESESSION: {
        int32_t timeout = jute_get_int(r);
        int32_t plen;
        const uint8_t *pw = jute_get_buffer(r, &plen);
        if (r->bad) return;
        if (!keeper_db_session_add(db, t->session, timeout, pw, plen)) out->err = ZK_SYSTEMERROR;
        return;
    }
    case ZK_OP_CLOSESESSION:
        out->err = keeper_apply_close_session(db, t);
        return;
    default:
        r->bad = true;
        return;
    }
}

aphx_rc keeper_db_apply(keeper_db *db, const uint8_t *txn, size_t len, aphx_arena *arena,
                        keeper_apply_result *res, aphx_error *err)
{
    keeper_apply_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    jute_reader r;
    jute_reader_init(&r, txn, len);
    keeper_txn_ctx t;
    t.zxid = jute_get_long(&r);
    t.time = jute_get_long(&r);
    t.session = jute_get_long(&r);
    (void)jute_get_int(&r);   /* cxid */
    int32_t type = jute_get_int(&r);
    if (r.bad) return aphx_fail(err, APHX_CORRUPT, "txn header truncated (%zu bytes)", len);
    res->type = type;
    res->zxid = t.zxid;
    res->session = t.session;
    if (type == ZK_OP_MULTI) {
        int32_t n = jute_get_count(&r, 4);
        if (r.bad) return aphx_fail(err, APHX_CORRUPT, "multi txn 0x%llx: bad op count",
                                    (unsigned long long)t.zxid);
        res->ops = aphx_arena_calloc(arena, sizeof *res->ops * (size_t)(n ? n : 1));
        if (!res->ops) return aphx_fail(err, APHX_NOMEM, "out of memory applying a multi");
        res->nops = n;
        for (int32_t i = 0; i < n && !r.bad; i++) {
            int32_t sub = jute_get_int(&r);
            keeper_apply_op(db, &t, sub, &r, arena, &res->ops[i]);
            if (res->ops[i].err != ZK_OK && res->err == ZK_OK) res->err = res->ops[i].err;
        }
    } else {
        keeper_apply_op(db, &t, type, &r, arena, &res->one);
        res->err = res->one.err;
    }
    if (r.bad)
        return aphx_fail(err, APHX_CORRUPT, "txn 0x%llx (type %d) is malformed",
                         (unsigned long long)t.zxid, type);
    if (t.zxid > db->last_zxid) db->last_zxid = t.zxid;
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* snapshot serialization                                              */
/* ------------------------------------------------------------------ */
static aphx_rc keeper_db_serialize_node(keeper_db *db, keeper_node *n, aphx_buf *b,
                                        keeper_record_fn add, void *ctx, aphx_error *err)
{
    aphx_buf_reset(b);
    jute_put_string(b, n->path);
    jute_put_buffer(b, n->data_len > 0 ? (const void *)n->data : "", n->data_len);
    jute_put_acl_list(b, keeper_acl_get(&db->acls, n->acl_id));
    jute_put_long(b, n->stat.czxid);
    jute_put_long(b, n->stat.mzxid);
    jute_put_long(b, n->stat.ctime);
    jute_put_long(b, n->stat.mtime);
    jute_put_int(b, n->stat.version);
    jute_put_int(b, n->stat.cversion);
    jute_put_int(b, n->stat.aversion);
    jute_put_long(b, n->stat.ephemeral_owner);
    jute_put_long(b, n->stat.pzxid);
    if (b->oom) return aphx_fail(err, APHX_NOMEM, "out of memory serializing %s", n->path);
    aphx_rc rc = add(ctx, KEEPER_SNAP_REC_NODE, b->data, b->len, err);
    if (rc) return rc;
    for (uint32_t i = 0; i < n->nkids; i++) {
        rc = keeper_db_serialize_node(db, n->kids[i], b, add, ctx, err);
        if (rc) return rc;
    }
    return APHX_OK;
}

aphx_rc keeper_db_serialize(keeper_db *db, keeper_record_fn add, void *ctx, aphx_error *err)
{
    aphx_buf b;
    aphx_buf_init(&b);
    aphx_rc rc;
    jute_put_long(&b, db->last_zxid);
    rc = add(ctx, KEEPER_SNAP_REC_META, b.data, b.len, err);
    if (rc) goto done;
    for (size_t i = 0; i < db->snb; i++) {
        for (keeper_session *s = db->sb[i]; s; s = s->hnext) {
            aphx_buf_reset(&b);
            jute_put_long(&b, s->id);
            jute_put_int(&b, s->timeout_ms);
            jute_put_buffer(&b, s->passwd, 16);
            if (b.oom) { rc = aphx_fail(err, APHX_NOMEM, "out of memory"); goto done; }
            rc = add(ctx, KEEPER_SNAP_REC_SESSION, b.data, b.len, err);
            if (rc) goto done;
        }
    }
    rc = keeper_db_serialize_node(db, db->root, &b, add, ctx, err);
done:
    aphx_buf_free(&b);
    return rc;
}

aphx_rc keeper_db_load_record(keeper_db *db, uint32_t type, const uint8_t *data, size_t len,
                              aphx_error *err)
{
    jute_reader r;
    jute_reader_init(&r, data, len);
    aphx_arena arena;
    aphx_arena_init(&arena, 4096);
    aphx_rc rc = APHX_OK;
    switch (type) {
    case KEEPER_SNAP_REC_META:
        db->last_zxid = jute_get_long(&r);
        break;
    case KEEPER_SNAP_REC_SESSION: {
        int64_t id = jute_get_long(&r);
        int32_t timeout = jute_get_int(&r);
        int32_t plen;
        const uint8_t *pw = jute_get_buffer(&r, &plen);
        if (!r.bad && !keeper_db_session_add(db, id, timeout, pw, plen))
            rc = aphx_fail(err, APHX_NOMEM, "out of memory loading sessions");
        break;
    }
    case KEEPER_SNAP_REC_NODE: {
        char *path = jute_get_string(&r, &arena);
        int32_t dlen;
        const uint8_t *d = jute_get_buffer(&r, &dlen);
        zk_acl_list acl;
        jute_get_acl_list(&r, &arena, &acl);
        zk_stat st = {0};
        st.czxid = jute_get_long(&r);
        st.mzxid = jute_get_long(&r);
        st.ctime = jute_get_long(&r);
        st.mtime = jute_get_long(&r);
        st.version = jute_get_int(&r);
        st.cversion = jute_get_int(&r);
        st.aversion = jute_get_int(&r);
        st.ephemeral_owner = jute_get_long(&r);
        st.pzxid = jute_get_long(&r);
        if (r.bad || !path) break;
        if (keeper_path_invalid(path)) {
            rc = aphx_fail(err, APHX_CORRUPT, "snapshot node has an invalid path '%s'", path);
            break;
        }
        keeper_node *n = keeper_db_find(db, path);
        if (!n) {
            char ppath[4096];
            if (strlen(path) >= sizeof ppath) { r.bad = true; break; }
            keeper_parent_path(path, ppath, sizeof ppath);
            keeper_node *parent = keeper_db_find(db, ppath);
            if (!parent) {
                rc = aphx_fail(err, APHX_CORRUPT, "snapshot node %s comes before its parent", path);
                break;
            }
            uint32_t id = keeper_acl_intern(&db->acls, &acl);
            if (id == UINT32_MAX || !(n = keeper_db_link_new(db, parent, path, d, dlen, id))) {
                rc = aphx_fail(err, APHX_NOMEM, "out of memory loading %s", path);
                break;
            }
        } else {
            /* root and system nodes already exist: replace data and ACL */
            uint32_t id = keeper_acl_intern(&db->acls, &acl);
            if (id == UINT32_MAX) { rc = aphx_fail(err, APHX_NOMEM, "out of memory"); break; }
            keeper_acl_release(&db->acls, n->acl_id);
            n->acl_id = id;
            uint8_t *copy = NULL;
            if (dlen > 0) {
                copy = aphx_malloc((size_t)dlen);
                if (!copy) { rc = aphx_fail(err, APHX_NOMEM, "out of memory"); break; }
                memcpy(copy, d, (size_t)dlen);
            }
            aphx_free(n->data);
            n->data = copy;
            n->data_len = dlen;
        }
        int32_t nk = n->stat.num_children;
        n->stat = st;
        n->stat.data_length = dlen > 0 ? dlen : 0;
        n->stat.num_children = nk;
        int64_t owner = st.ephemeral_owner;
        if (owner == ZK_CONTAINER_OWNER) {
            keeper_ptr_push(&db->containers, &db->ncontainers, &db->containers_cap, n, &n->list_index);
        } else if (owner != 0 && (owner & ZK_TTL_OWNER_MASK) == ZK_TTL_OWNER_MASK) {
            keeper_ptr_push(&db->ttls, &db->nttls, &db->ttls_cap, n, &n->list_index);
        } else if (owner != 0) {
            keeper_session *s = keeper_db_session(db, owner);
            if (s) keeper_ptr_push(&s->eph, &s->neph, &s->ecap, n, &n->list_index);
        }
        break;
    }
    default:
        rc = aphx_fail(err, APHX_CORRUPT, "unknown snapshot record type %u", type);
    }
    if (!rc && r.bad) rc = aphx_fail(err, APHX_CORRUPT, "malformed snapshot record (type %u, %zu bytes)", type, len);
    aphx_arena_destroy(&arena);
    return rc;
}

aphx_rc keeper_db_load_finish(keeper_db *db, aphx_error *err)
{
    (void)db;
    (void)err;
    return APHX_OK;
}
