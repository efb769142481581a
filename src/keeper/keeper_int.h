/*
 * keeper_int.h — internals of src/keeper shared by its files: the data tree
 * (db.c), watch tables (watch.c), the txn encoding and its apply (db.c),
 * and the server structures (server.c, fourlw.c, metrics.c).
 *
 * The data tree is the single source of truth for the znode state, the
 * sessions and their ephemerals. It changes only through keeper_db_apply,
 * which takes one serialized txn (the same bytes the txn log stores), so
 * live operation and recovery share one code path.
 *
 * Txn layout (all jute encodings, see jute.c):
 *   header   zxid:long time:long session:long cxid:int type:int
 *   create 1 / create2 15 / createContainer 19 / createTTL 21:
 *            path:ustring data:buffer acl:vector<ACL> ephemeralOwner:long
 *   delete 2 / deleteContainer 20:      path:ustring
 *   setData 5    path:ustring data:buffer newVersion:int
 *   setACL 7     path:ustring acl:vector<ACL> newAversion:int
 *   check 13     path:ustring version:int   (no effect; kept for multi results)
 *   createSession -10  timeout:int passwd:buffer
 *   closeSession -11   (none: deletes every ephemeral of `session`)
 *   multi 14     count:int then count × (type:int body)
 */
#ifndef APHX_KEEPER_INT_H
#define APHX_KEEPER_INT_H

#include "keeper/jute.h"

/* ------------------------------------------------------------------ */
/* ACL cache: every distinct ACL list is stored once with a refcount.   */
/* ------------------------------------------------------------------ */
typedef struct keeper_acl_entry {
    zk_acl_list acl;    /* deep copy, malloc'd */
    int64_t     refs;
    uint64_t    hash;
} keeper_acl_entry;

typedef struct keeper_acl_cache {
    keeper_acl_entry *v;
    uint32_t          n, cap;
    uint32_t         *free_ids;     /* slots with refs == 0 available for reuse */
    uint32_t          nfree, free_cap;
} keeper_acl_cache;

/* ------------------------------------------------------------------ */
/* Nodes and sessions                                                  */
/* ------------------------------------------------------------------ */
typedef struct keeper_node keeper_node;
struct keeper_node {
    char        *path;         /* full path, owned */
    uint32_t     path_len;
    uint64_t     hash;
    keeper_node *hnext;        /* hash chain */
    keeper_node *parent;
    const char  *name;         /* into path, after the last '/' ("" for root) */
    keeper_node **kids;
    uint32_t     nkids, kcap;
    uint32_t     index_in_parent;
    uint8_t     *data;         /* NULL when data_len <= 0 */
    int32_t      data_len;     /* -1 = null data */
    uint32_t     acl_id;
    uint32_t     list_index;   /* index in its session's ephemerals, or in containers/ttls */
    zk_stat      stat;         /* data_length and num_children kept up to date */
};

typedef struct keeper_conn keeper_conn;

typedef struct keeper_session keeper_session;
struct keeper_session {
    int64_t         id;
    int32_t         timeout_ms;
    uint8_t         passwd[16];
    keeper_node   **eph;
    uint32_t        neph, ecap;
    keeper_session *hnext;
    /* runtime (not part of the replicated state) */
    keeper_conn    *conn;        /* attached connection or NULL */
    int64_t         deadline_ns; /* expiry time (monotonic) */
    bool            closing;     /* a closeSession txn is in flight */
};

/* ------------------------------------------------------------------ */
/* Watches                                                             */
/* ------------------------------------------------------------------ */
enum { KEEPER_WT_DATA = 0, KEEPER_WT_CHILD = 1, KEEPER_WT_PERSISTENT = 2,
       KEEPER_WT_RECURSIVE = 3, KEEPER_WT_KINDS = 4 };

typedef struct keeper_watch_entry keeper_watch_entry;
struct keeper_watch_entry {
    char               *path;
    uint64_t            hash;
    keeper_watch_entry *hnext;
    void              **w;           /* watchers (connections) */
    uint32_t            n, cap;
};

typedef struct keeper_watch_table {
    keeper_watch_entry **b;
    size_t               nb, count;  /* count = number of paths */
    int64_t              total;      /* number of (path, watcher) pairs */
} keeper_watch_table;

/* Called for each watcher an event reaches (at most once per trigger). */
typedef void (*keeper_watch_deliver_fn)(void *ctx, void *watcher, int32_t type, const char *path);

/* ------------------------------------------------------------------ */
/* The database                                                        */
/* ------------------------------------------------------------------ */
typedef struct keeper_db {
    keeper_node   **b;             /* path hash table */
    size_t          nb, count;
    keeper_node    *root;
    keeper_acl_cache acls;
    keeper_session **sb;           /* session hash table */
    size_t          snb, scount;
    keeper_node   **containers;    /* container nodes */
    uint32_t        ncontainers, containers_cap;
    keeper_node   **ttls;          /* TTL nodes */
    uint32_t        nttls, ttls_cap;
    int64_t         last_zxid;     /* last applied */
    int64_t         data_bytes;    /* sum of path + data sizes, as mntr's approximate_data_size */
    keeper_watch_table watches[KEEPER_WT_KINDS];
    keeper_watch_deliver_fn deliver;
    void           *deliver_ctx;
    uint64_t        trigger_gen;   /* bumped per trigger: watchers dedupe on it */
} keeper_db;

/* One op's outcome from keeper_db_apply (multi: one per sub-op). */
typedef struct keeper_op_result {
    int32_t type;
    int32_t err;        /* ZK_* code */
    char   *path;       /* created path (arena) */
    zk_stat stat;
} keeper_op_result;

typedef struct keeper_apply_result {
    int32_t type;
    int64_t zxid;
    int64_t session;
    int32_t err;
    keeper_op_result  one;
    keeper_op_result *ops;   /* multi */
    int32_t           nops;
} keeper_apply_result;

aphx_rc keeper_db_init(keeper_db *db, aphx_error *err);
void    keeper_db_free(keeper_db *db);

uint64_t     keeper_hash_path(const char *p, size_t n);
keeper_node *keeper_db_find(const keeper_db *db, const char *path);
keeper_session *keeper_db_session(const keeper_db *db, int64_t id);

/* Apply one txn (bytes as logged). Per-op outcomes go to *res (strings in
 * `arena`; res may be NULL). Fires watches through db->deliver.
 * Errors: APHX_CORRUPT (undecodable txn), APHX_NOMEM. An op that cannot be
 * applied (e.g. NONODE during a replay over a fuzzy state) is reported in
 * res->err and is not an error of the call. */
aphx_rc keeper_db_apply(keeper_db *db, const uint8_t *txn, size_t len, aphx_arena *arena,
                        keeper_apply_result *res, aphx_error *err);

/* ACL cache */
uint32_t           keeper_acl_intern(keeper_acl_cache *c, const zk_acl_list *acl);  /* +1 ref; UINT32_MAX on OOM */
void               keeper_acl_release(keeper_acl_cache *c, uint32_t id);
const zk_acl_list *keeper_acl_get(const keeper_acl_cache *c, uint32_t id);
void               keeper_acl_addref(keeper_acl_cache *c, uint32_t id);

/* Snapshot support: serialize the whole db (nodes + sessions) as records
 * through `add`; load records back. Record types: */
enum { KEEPER_SNAP_REC_META = 1, KEEPER_SNAP_REC_NODE = 2, KEEPER_SNAP_REC_SESSION = 3 };
typedef aphx_rc (*keeper_record_fn)(void *ctx, uint32_t type, const void *data, size_t len,
                                    aphx_error *err);
aphx_rc keeper_db_serialize(keeper_db *db, keeper_record_fn add, void *ctx, aphx_error *err);
aphx_rc keeper_db_load_record(keeper_db *db, uint32_t type, const uint8_t *data, size_t len,
                              aphx_error *err);
aphx_rc keeper_db_load_finish(keeper_db *db, aphx_error *err);

/* The Stat a client sees for a node (dataLength, numChildren, cversion). */
void keeper_node_wire_stat(const keeper_node *n, zk_stat *st);

/* Number of descendants of a node. */
int64_t keeper_db_count_descendants(const keeper_node *n);

/* Watches */
void keeper_watch_add(keeper_db *db, int kind, const char *path, void *watcher);
bool keeper_watch_has(keeper_db *db, int kind, const char *path, void *watcher);
bool keeper_watch_remove(keeper_db *db, int kind, const char *path, void *watcher);
void keeper_watch_remove_all(keeper_db *db, void *watcher);
/* Fire the watches for an event on `path` (ZooKeeper's trigger rules). */
void keeper_watch_trigger(keeper_db *db, int32_t type, const char *path);
void keeper_watch_free(keeper_db *db);
/* Iterate: fn(ctx, kind, path, watcher) for every pair. */
void keeper_watch_foreach(keeper_db *db, void (*fn)(void *ctx, int kind, const char *path,
                                                    void *watcher), void *ctx);

/* Validate a znode path as ZooKeeper's PathUtils.validatePath does.
 * Returns NULL if valid, else a reason. */
const char *keeper_path_invalid(const char *path);

/* Encode a txn header. */
void keeper_txn_header(aphx_buf *b, int64_t zxid, int64_t time_ms, int64_t session,
                       int32_t cxid, int32_t type);

#endif /* APHX_KEEPER_INT_H */
