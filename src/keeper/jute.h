/*
 * jute.h — the ZooKeeper wire codec (internal to src/keeper): a
 * bounds-checked reader and a writer for jute records, the protocol's
 * constants (opcodes, error codes, event types, create modes, permissions)
 * and the decoder of client requests into keeper_request.
 *
 * Wire layouts are in the table at the top of jute.c.
 */
#ifndef APHX_KEEPER_JUTE_H
#define APHX_KEEPER_JUTE_H

#include "base/base.h"

/* ---- opcodes (ZooDefs.OpCode) ---- */
enum {
    ZK_OP_NOTIFICATION = 0, ZK_OP_CREATE = 1, ZK_OP_DELETE = 2, ZK_OP_EXISTS = 3,
    ZK_OP_GETDATA = 4, ZK_OP_SETDATA = 5, ZK_OP_GETACL = 6, ZK_OP_SETACL = 7,
    ZK_OP_GETCHILDREN = 8, ZK_OP_SYNC = 9, ZK_OP_PING = 11, ZK_OP_GETCHILDREN2 = 12,
    ZK_OP_CHECK = 13, ZK_OP_MULTI = 14, ZK_OP_CREATE2 = 15, ZK_OP_RECONFIG = 16,
    ZK_OP_CHECKWATCHES = 17, ZK_OP_REMOVEWATCHES = 18, ZK_OP_CREATECONTAINER = 19,
    ZK_OP_DELETECONTAINER = 20, ZK_OP_CREATETTL = 21, ZK_OP_MULTIREAD = 22,
    ZK_OP_AUTH = 100, ZK_OP_SETWATCHES = 101, ZK_OP_SASL = 102, ZK_OP_GETEPHEMERALS = 103,
    ZK_OP_GETALLCHILDRENNUMBER = 104, ZK_OP_SETWATCHES2 = 105, ZK_OP_ADDWATCH = 106,
    ZK_OP_WHOAMI = 107, ZK_OP_CREATESESSION = -10, ZK_OP_CLOSESESSION = -11,
    ZK_OP_ERROR = -1
};

/* ---- special xids ---- */
enum { ZK_XID_NOTIFICATION = -1, ZK_XID_PING = -2, ZK_XID_AUTH = -4, ZK_XID_SETWATCHES = -8 };

/* ---- error codes (KeeperException.Code) ---- */
enum {
    ZK_OK = 0, ZK_SYSTEMERROR = -1, ZK_RUNTIMEINCONSISTENCY = -2, ZK_DATAINCONSISTENCY = -3,
    ZK_CONNECTIONLOSS = -4, ZK_MARSHALLINGERROR = -5, ZK_UNIMPLEMENTED = -6,
    ZK_OPERATIONTIMEOUT = -7, ZK_BADARGUMENTS = -8, ZK_UNKNOWNSESSION = -12,
    ZK_APIERROR = -100, ZK_NONODE = -101, ZK_NOAUTH = -102, ZK_BADVERSION = -103,
    ZK_NOCHILDRENFOREPHEMERALS = -108, ZK_NODEEXISTS = -110, ZK_NOTEMPTY = -111,
    ZK_SESSIONEXPIRED = -112, ZK_INVALIDCALLBACK = -113, ZK_INVALIDACL = -114,
    ZK_AUTHFAILED = -115, ZK_CLOSING = -116, ZK_NOTHING = -117, ZK_SESSIONMOVED = -118,
    ZK_NOTREADONLY = -119, ZK_EPHEMERALONLOCALSESSION = -120, ZK_NOWATCHER = -121,
    ZK_RECONFIGDISABLED = -123, ZK_SESSIONCLOSEDREQUIRESASLAUTH = -124,
    ZK_QUOTAEXCEEDED = -125, ZK_THROTTLEDOP = -127
};

/* ---- watch events (Watcher.Event.EventType / KeeperState) ---- */
enum {
    ZK_EVENT_NONE = -1, ZK_EVENT_CREATED = 1, ZK_EVENT_DELETED = 2, ZK_EVENT_DATA_CHANGED = 3,
    ZK_EVENT_CHILD_CHANGED = 4, ZK_EVENT_DATA_WATCH_REMOVED = 5,
    ZK_EVENT_CHILD_WATCH_REMOVED = 6, ZK_EVENT_PERSISTENT_WATCH_REMOVED = 7
};
enum { ZK_STATE_SYNC_CONNECTED = 3 };

/* ---- removeWatches / checkWatches types (WatcherType) ---- */
enum { ZK_WTYPE_CHILDREN = 1, ZK_WTYPE_DATA = 2, ZK_WTYPE_ANY = 3,
       ZK_WTYPE_PERSISTENT = 4, ZK_WTYPE_PERSISTENT_RECURSIVE = 5 };
/* addWatch modes */
enum { ZK_ADDWATCH_PERSISTENT = 0, ZK_ADDWATCH_PERSISTENT_RECURSIVE = 1 };

/* ---- create modes (CreateMode.toFlag) ---- */
enum {
    ZK_CREATE_PERSISTENT = 0, ZK_CREATE_EPHEMERAL = 1, ZK_CREATE_PERSISTENT_SEQUENTIAL = 2,
    ZK_CREATE_EPHEMERAL_SEQUENTIAL = 3, ZK_CREATE_CONTAINER = 4, ZK_CREATE_PERSISTENT_TTL = 5,
    ZK_CREATE_PERSISTENT_SEQUENTIAL_TTL = 6
};

/* ---- permissions ---- */
enum { ZK_PERM_READ = 1, ZK_PERM_WRITE = 2, ZK_PERM_CREATE = 4, ZK_PERM_DELETE = 8,
       ZK_PERM_ADMIN = 16, ZK_PERM_ALL = 31 };

/* ephemeralOwner encodings of EphemeralType */
#define ZK_CONTAINER_OWNER ((int64_t)INT64_MIN)          /* 0x8000000000000000 */
#define ZK_TTL_OWNER_MASK  ((int64_t)0xFF00000000000000ULL)
#define ZK_TTL_MAX         ((int64_t)0x000000FFFFFFFFFFLL)

/* ---- reader ---- */
typedef struct jute_reader {
    const uint8_t *p;
    size_t         len;
    size_t         pos;
    bool           bad;     /* sticky: a read ran past the end or a length was invalid */
} jute_reader;

void    jute_reader_init(jute_reader *r, const void *p, size_t len);
int32_t jute_get_int(jute_reader *r);
int64_t jute_get_long(jute_reader *r);
bool    jute_get_bool(jute_reader *r);
/* A buffer: *len = -1 for null. The data points into the frame. */
const uint8_t *jute_get_buffer(jute_reader *r, int32_t *len);
/* A ustring copied into `arena`, NUL-terminated; NULL for a null string
 * (length -1) or on error (r->bad set). An embedded NUL byte is replaced
 * by 0x01 (which no valid path contains). */
char   *jute_get_string(jute_reader *r, aphx_arena *arena);
/* A vector count: -1 (null) becomes 0; a count that cannot fit in the bytes
 * left (each element needs at least `min_elem` bytes) sets bad. */
int32_t jute_get_count(jute_reader *r, size_t min_elem);
static inline size_t jute_left(const jute_reader *r) { return r->len - r->pos; }

/* ---- writer (appends big-endian to an aphx_buf) ---- */
void jute_put_int(aphx_buf *b, int32_t v);
void jute_put_long(aphx_buf *b, int64_t v);
void jute_put_bool(aphx_buf *b, bool v);
void jute_put_buffer(aphx_buf *b, const void *p, int32_t len);   /* len -1 = null */
void jute_put_string(aphx_buf *b, const char *s);                /* NULL = null */
/* Start a length-prefixed frame: returns the offset to pass to jute_frame_end. */
size_t jute_frame_begin(aphx_buf *b);
void   jute_frame_end(aphx_buf *b, size_t start);

/* ---- records shared by requests, txns and snapshots ---- */
typedef struct zk_id {
    char *scheme;
    char *id;
} zk_id;

typedef struct zk_acl {
    int32_t perms;
    zk_id   id;
} zk_acl;

typedef struct zk_acl_list {
    zk_acl *v;
    int32_t n;
} zk_acl_list;

typedef struct zk_stat {
    int64_t czxid, mzxid, ctime, mtime;
    int32_t version, cversion, aversion;
    int64_t ephemeral_owner;
    int32_t data_length, num_children;
    int64_t pzxid;
} zk_stat;

void    jute_put_stat(aphx_buf *b, const zk_stat *st);
void    jute_put_acl_list(aphx_buf *b, const zk_acl_list *acl);
/* Reads a vector<ACL> into arena memory. */
void    jute_get_acl_list(jute_reader *r, aphx_arena *arena, zk_acl_list *out);

/* ---- decoded client requests ---- */
typedef struct keeper_request keeper_request;
struct keeper_request {
    int32_t xid;
    int32_t type;
    char   *path;
    const uint8_t *data;       /* create/setData payload (points into the frame) */
    int32_t data_len;          /* -1 = null */
    zk_acl_list acl;
    int32_t flags;             /* create mode */
    int64_t ttl;
    int32_t version;           /* delete/setData/setACL/check */
    bool    watch;             /* exists/getData/getChildren(2) */
    int32_t mode;              /* addWatch mode; remove/checkWatches type */
    /* auth */
    int32_t auth_type;
    char   *auth_scheme;
    const uint8_t *auth_data;
    int32_t auth_len;
    /* setWatches(2): 0 data, 1 exist, 2 child, 3 persistent, 4 recursive */
    int64_t relative_zxid;
    char  **watch_paths[5];
    int32_t watch_count[5];
    /* multi / multiRead */
    keeper_request *ops;
    int32_t nops;
};

/* Decode one request frame body (after the 4-byte length): RequestHeader
 * then the record of its opcode. Strings, vectors and sub-ops live in
 * `arena`; data pointers point into `frame`.
 * Errors: APHX_CORRUPT (truncated or malformed; message says what),
 * APHX_UNSUPPORTED (unknown opcode; req->type is set). */
aphx_rc jute_decode_request(const uint8_t *frame, size_t len, aphx_arena *arena,
                            keeper_request *req, aphx_error *err);

/* The ConnectRequest that opens every client connection. */
typedef struct zk_connect_request {
    int32_t protocol_version;
    int64_t last_zxid_seen;
    int32_t timeout;
    int64_t session_id;
    const uint8_t *passwd;
    int32_t passwd_len;
    bool    read_only;
    bool    has_read_only;   /* the optional trailing byte was present */
} zk_connect_request;

aphx_rc jute_decode_connect(const uint8_t *frame, size_t len, zk_connect_request *out,
                            aphx_error *err);

/* Is this an opcode that changes state (goes through the txn log)? */
bool jute_op_is_write(int32_t type);
const char *jute_op_name(int32_t type);

#endif /* APHX_KEEPER_JUTE_H */
