/*
 * jute.c — ZooKeeper's jute wire encoding: a bounds-checked reader, a
 * writer, and the decoder of client request frames.
 *
 * Primitive encodings (all big-endian):
 *   int      4 bytes            long   8 bytes          boolean  1 byte (0/1)
 *   buffer   int len (-1 = null) + len bytes
 *   ustring  int len (-1 = null) + len UTF-8 bytes
 *   vector   int count (-1 = null) + count elements
 *
 * Frames on the client port: int32 length N (0 < N <= jute.maxbuffer)
 * followed by N bytes.
 *
 *   ConnectRequest   protocolVersion:int lastZxidSeen:long timeOut:int
 *                    sessionId:long passwd:buffer [readOnly:boolean]
 *   ConnectResponse  protocolVersion:int timeOut:int sessionId:long
 *                    passwd:buffer [readOnly:boolean — only if the request had it]
 *   RequestHeader    xid:int type:int                 (then the op's record)
 *   ReplyHeader      xid:int zxid:long err:int        (then the reply record if err == 0)
 *   Id               scheme:ustring id:ustring
 *   ACL              perms:int id:Id
 *   Stat             czxid:long mzxid:long ctime:long mtime:long version:int
 *                    cversion:int aversion:int ephemeralOwner:long
 *                    dataLength:int numChildren:int pzxid:long   (68 bytes)
 *   WatcherEvent     type:int state:int path:ustring  (after ReplyHeader xid -1)
 *   MultiHeader      type:int done:boolean err:int    (9 bytes)
 *
 * Requests (after RequestHeader):
 *   create 1 / create2 15 / createContainer 19:
 *                    path:ustring data:buffer acl:vector<ACL> flags:int
 *   createTTL 21     same + ttl:long
 *   delete 2 / deleteContainer 20 (path only for 20) / check 13:
 *                    path:ustring version:int
 *   exists 3 / getData 4 / getChildren 8 / getChildren2 12:
 *                    path:ustring watch:boolean
 *   setData 5        path:ustring data:buffer version:int
 *   getACL 6 / sync 9 / getAllChildrenNumber 104 / getEphemerals 103:
 *                    path:ustring
 *   setACL 7         path:ustring acl:vector<ACL> version:int
 *   ping 11, closeSession -11, whoAmI 107:  no record
 *   multi 14 / multiRead 22: repeated (MultiHeader, op record), ended by
 *                    MultiHeader{type -1, done true, err -1}
 *   reconfig 16      joining:ustring leaving:ustring newMembers:ustring curConfigId:long
 *   checkWatches 17 / removeWatches 18: path:ustring type:int
 *   auth 100         type:int scheme:ustring auth:buffer
 *   setWatches 101   relativeZxid:long data,exist,child:vector<ustring>
 *   setWatches2 105  same + persistent,persistentRecursive:vector<ustring>
 *   addWatch 106     path:ustring mode:int
 *
 * Replies (after ReplyHeader, only when err == 0):
 *   create: path:ustring          create2/createContainer/createTTL: path:ustring stat:Stat
 *   exists/setData/setACL: Stat   getData: data:buffer stat:Stat
 *   getACL: acl:vector<ACL> stat:Stat
 *   getChildren: vector<ustring>  getChildren2: vector<ustring> stat:Stat
 *   sync: path:ustring            getAllChildrenNumber: totalNumber:int
 *   getEphemerals: vector<ustring> whoAmI: vector<ClientInfo{authScheme:ustring user:ustring}>
 *   addWatch: ErrorResponse{err:int}   delete/check/setWatches/removeWatches: nothing
 *   multi/multiRead: per op MultiHeader{type, false, err} + result record
 *                    (error: type -1 + ErrorResponse{err}), then {-1, true, -1}
 */
#include "keeper/jute.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* reader                                                              */
/* ------------------------------------------------------------------ */
void jute_reader_init(jute_reader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

static bool jute_need(jute_reader *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return false;
    }
    return true;
}

int32_t jute_get_int(jute_reader *r)
{
    if (!jute_need(r, 4)) return 0;
    const uint8_t *q = r->p + r->pos;
    r->pos += 4;
    return (int32_t)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]);
}

int64_t jute_get_long(jute_reader *r)
{
    if (!jute_need(r, 8)) return 0;
    const uint8_t *q = r->p + r->pos;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | q[i];
    r->pos += 8;
    return (int64_t)v;
}

bool jute_get_bool(jute_reader *r)
{
    if (!jute_need(r, 1)) return false;
    return r->p[r->pos++] != 0;
}

const uint8_t *jute_get_buffer(jute_reader *r, int32_t *len)
{
    int32_t n = jute_get_int(r);
    *len = -1;
    if (r->bad) return NULL;
    if (n < 0) {
        if (n != -1) r->bad = true;
        return NULL;
    }
    if (!jute_need(r, (size_t)n)) return NULL;
    const uint8_t *d = r->p + r->pos;
    r->pos += (size_t)n;
    *len = n;
    return d;
}

char *jute_get_string(jute_reader *r, aphx_arena *arena)
{
    int32_t n;
    const uint8_t *d = jute_get_buffer(r, &n);
    if (!d) return NULL;
    char *s = aphx_arena_strndup(arena, (const char *)d, (size_t)n);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    /* An embedded NUL cannot live in a C string: it becomes 0x01, which path
     * validation rejects (BADARGUMENTS, as ZooKeeper answers "/b\0"). */
    for (int32_t i = 0; i < n; i++)
        if (s[i] == 0) s[i] = 1;
    return s;
}

int32_t jute_get_count(jute_reader *r, size_t min_elem)
{
    int32_t n = jute_get_int(r);
    if (r->bad) return 0;
    if (n == -1) return 0;
    if (n < 0 || (min_elem > 0 && (size_t)n > jute_left(r) / min_elem)) {
        r->bad = true;
        return 0;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* writer                                                              */
/* ------------------------------------------------------------------ */
void jute_put_int(aphx_buf *b, int32_t v)
{
    uint8_t q[4] = {(uint8_t)((uint32_t)v >> 24), (uint8_t)((uint32_t)v >> 16),
                    (uint8_t)((uint32_t)v >> 8), (uint8_t)v};
    aphx_buf_append(b, q, 4);
}

void jute_put_long(aphx_buf *b, int64_t v)
{
    uint8_t q[8];
    for (int i = 0; i < 8; i++) q[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    aphx_buf_append(b, q, 8);
}

void jute_put_bool(aphx_buf *b, bool v)
{
    uint8_t c = v ? 1 : 0;
    aphx_buf_append(b, &c, 1);
}

void jute_put_buffer(aphx_buf *b, const void *p, int32_t len)
{
    if (!p || len < 0) {
        jute_put_int(b, -1);
        return;
    }
    jute_put_int(b, len);
    if (len > 0) aphx_buf_append(b, p, (size_t)len);
}

void jute_put_string(aphx_buf *b, const char *s)
{
    jute_put_buffer(b, s, s ? (int32_t)strlen(s) : -1);
}

size_t jute_frame_begin(aphx_buf *b)
{
    size_t at = b->len;
    jute_put_int(b, 0);
    return at;
}

void jute_frame_end(aphx_buf *b, size_t start)
{
    if (b->oom || b->len < start + 4) return;
    uint32_t n = (uint32_t)(b->len - start - 4);
    uint8_t *q = (uint8_t *)b->data + start;
    q[0] = (uint8_t)(n >> 24);
    q[1] = (uint8_t)(n >> 16);
    q[2] = (uint8_t)(n >> 8);
    q[3] = (uint8_t)n;
}

void jute_put_stat(aphx_buf *b, const zk_stat *st)
{
    jute_put_long(b, st->czxid);
    jute_put_long(b, st->mzxid);
    jute_put_long(b, st->ctime);
    jute_put_long(b, st->mtime);
    jute_put_int(b, st->version);
    jute_put_int(b, st->cversion);
    jute_put_int(b, st->aversion);
    jute_put_long(b, st->ephemeral_owner);
    jute_put_int(b, st->data_length);
    jute_put_int(b, st->num_children);
    jute_put_long(b, st->pzxid);
}

void jute_put_acl_list(aphx_buf *b, const zk_acl_list *acl)
{
    jute_put_int(b, acl->n);
    for (int32_t i = 0; i < acl->n; i++) {
        jute_put_int(b, acl->v[i].perms);
        jute_put_string(b, acl->v[i].id.scheme);
        jute_put_string(b, acl->v[i].id.id);
    }
}

void jute_get_acl_list(jute_reader *r, aphx_arena *arena, zk_acl_list *out)
{
    out->v = NULL;
    out->n = 0;
    int32_t n = jute_get_count(r, 12);
    if (r->bad || n == 0) return;
    zk_acl *v = aphx_arena_alloc(arena, sizeof(zk_acl) * (size_t)n);
    if (!v) {
        r->bad = true;
        return;
    }
    for (int32_t i = 0; i < n && !r->bad; i++) {
        v[i].perms = jute_get_int(r);
        v[i].id.scheme = jute_get_string(r, arena);
        v[i].id.id = jute_get_string(r, arena);
        /* Clients send null for an empty id (kazoo's auth:""): read it as "". */
        if (!r->bad && !v[i].id.scheme) v[i].id.scheme = "";
        if (!r->bad && !v[i].id.id) v[i].id.id = "";
    }
    out->v = v;
    out->n = n;
}

/* ------------------------------------------------------------------ */
/* request decoding                                                    */
/* ------------------------------------------------------------------ */
bool jute_op_is_write(int32_t type)
{
    switch (type) {
    case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_CREATECONTAINER: case ZK_OP_CREATETTL:
    case ZK_OP_DELETE: case ZK_OP_DELETECONTAINER: case ZK_OP_SETDATA: case ZK_OP_SETACL:
    case ZK_OP_MULTI: case ZK_OP_CLOSESESSION: case ZK_OP_CHECK: case ZK_OP_RECONFIG:
        return true;
    default:
        return false;
    }
}

const char *jute_op_name(int32_t type)
{
    switch (type) {
    case ZK_OP_CREATE: return "create";
    case ZK_OP_DELETE: return "delete";
    case ZK_OP_EXISTS: return "exists";
    case ZK_OP_GETDATA: return "getData";
    case ZK_OP_SETDATA: return "setData";
    case ZK_OP_GETACL: return "getACL";
    case ZK_OP_SETACL: return "setACL";
    case ZK_OP_GETCHILDREN: return "getChildren";
    case ZK_OP_SYNC: return "sync";
    case ZK_OP_PING: return "ping";
    case ZK_OP_GETCHILDREN2: return "getChildren2";
    case ZK_OP_CHECK: return "check";
    case ZK_OP_MULTI: return "multi";
    case ZK_OP_CREATE2: return "create2";
    case ZK_OP_RECONFIG: return "reconfig";
    case ZK_OP_CHECKWATCHES: return "checkWatches";
    case ZK_OP_REMOVEWATCHES: return "removeWatches";
    case ZK_OP_CREATECONTAINER: return "createContainer";
    case ZK_OP_DELETECONTAINER: return "deleteContainer";
    case ZK_OP_CREATETTL: return "createTTL";
    case ZK_OP_MULTIREAD: return "multiRead";
    case ZK_OP_AUTH: return "auth";
    case ZK_OP_SETWATCHES: return "setWatches";
    case ZK_OP_SASL: return "sasl";
    case ZK_OP_GETEPHEMERALS: return "getEphemerals";
    case ZK_OP_GETALLCHILDRENNUMBER: return "getAllChildrenNumber";
    case ZK_OP_SETWATCHES2: return "setWatches2";
    case ZK_OP_ADDWATCH: return "addWatch";
    case ZK_OP_WHOAMI: return "whoAmI";
    case ZK_OP_CREATESESSION: return "createSession";
    case ZK_OP_CLOSESESSION: return "closeSession";
    default: return "unknown";
    }
}

static void jute_get_string_vector(jute_reader *r, aphx_arena *arena, char ***out, int32_t *count)
{
    *out = NULL;
    *count = 0;
    int32_t n = jute_get_count(r, 4);
    if (r->bad || n == 0) return;
    char **v = aphx_arena_alloc(arena, sizeof(char *) * (size_t)n);
    if (!v) {
        r->bad = true;
        return;
    }
    for (int32_t i = 0; i < n && !r->bad; i++) {
        v[i] = jute_get_string(r, arena);
        if (!v[i]) r->bad = true;
    }
    *out = v;
    *count = n;
}

/* Decode the record of one op (type already known). Returns false for an
 * unknown opcode; malformed input sets r->bad. */
static bool jute_decode_body(jute_reader *r, aphx_arena *arena, keeper_request *q, bool in_multi)
{
    switch (q->type) {
    case ZK_OP_CREATE: case ZK_OP_CREATE2: case ZK_OP_CREATECONTAINER: case ZK_OP_CREATETTL:
        q->path = jute_get_string(r, arena);
        q->data = jute_get_buffer(r, &q->data_len);
        jute_get_acl_list(r, arena, &q->acl);
        q->flags = jute_get_int(r);
        if (q->type == ZK_OP_CREATETTL) q->ttl = jute_get_long(r);
        return true;
    case ZK_OP_DELETE: case ZK_OP_CHECK:
        q->path = jute_get_string(r, arena);
        q->version = jute_get_int(r);
        return true;
    case ZK_OP_DELETECONTAINER:
        q->path = jute_get_string(r, arena);
        q->version = -1;
        return true;
    case ZK_OP_EXISTS: case ZK_OP_GETDATA: case ZK_OP_GETCHILDREN: case ZK_OP_GETCHILDREN2:
        q->path = jute_get_string(r, arena);
        q->watch = jute_get_bool(r);
        return true;
    case ZK_OP_SETDATA:
        q->path = jute_get_string(r, arena);
        q->data = jute_get_buffer(r, &q->data_len);
        q->version = jute_get_int(r);
        return true;
    case ZK_OP_GETACL: case ZK_OP_SYNC: case ZK_OP_GETALLCHILDRENNUMBER:
    case ZK_OP_GETEPHEMERALS:
        q->path = jute_get_string(r, arena);
        return true;
    case ZK_OP_SETACL:
        q->path = jute_get_string(r, arena);
        jute_get_acl_list(r, arena, &q->acl);
        q->version = jute_get_int(r);
        return true;
    case ZK_OP_CHECKWATCHES: case ZK_OP_REMOVEWATCHES: case ZK_OP_ADDWATCH:
        q->path = jute_get_string(r, arena);
        q->mode = jute_get_int(r);
        return true;
    default:
        break;
    }
    if (in_multi) return false;
    switch (q->type) {
    case ZK_OP_PING: case ZK_OP_CLOSESESSION: case ZK_OP_WHOAMI:
        return true;
    case ZK_OP_RECONFIG:
        (void)jute_get_string(r, arena);
        (void)jute_get_string(r, arena);
        (void)jute_get_string(r, arena);
        (void)jute_get_long(r);
        return true;
    case ZK_OP_SASL:
        (void)jute_get_buffer(r, &q->auth_len);
        return true;
    case ZK_OP_AUTH:
        q->auth_type = jute_get_int(r);
        q->auth_scheme = jute_get_string(r, arena);
        q->auth_data = jute_get_buffer(r, &q->auth_len);
        if (!r->bad && !q->auth_scheme) r->bad = true;
        return true;
    case ZK_OP_SETWATCHES: case ZK_OP_SETWATCHES2: {
        q->relative_zxid = jute_get_long(r);
        int kinds = q->type == ZK_OP_SETWATCHES ? 3 : 5;
        for (int k = 0; k < kinds; k++)
            jute_get_string_vector(r, arena, &q->watch_paths[k], &q->watch_count[k]);
        return true;
    }
    case ZK_OP_MULTI: case ZK_OP_MULTIREAD: {
        /* Ops are counted first so they can live in one array. */
        size_t cap = 8, n = 0;
        keeper_request *ops = aphx_arena_calloc(arena, sizeof *ops * cap);
        if (!ops) { r->bad = true; return true; }
        for (;;) {
            int32_t type = jute_get_int(r);
            bool done = jute_get_bool(r);
            (void)jute_get_int(r);   /* err */
            if (r->bad) return true;
            if (done) break;
            if (n == cap) {
                keeper_request *bigger = aphx_arena_calloc(arena, sizeof *ops * cap * 2);
                if (!bigger) { r->bad = true; return true; }
                memcpy(bigger, ops, sizeof *ops * cap);
                ops = bigger;
                cap *= 2;
            }
            keeper_request *op = &ops[n++];
            op->xid = q->xid;
            op->type = type;
            op->data_len = -1;
            if (!jute_decode_body(r, arena, op, true)) {
                /* An op that cannot appear in a multi: malformed request. */
                r->bad = true;
                return true;
            }
            if (r->bad) return true;
        }
        q->ops = ops;
        q->nops = (int32_t)n;
        return true;
    }
    default:
        return false;
    }
}

aphx_rc jute_decode_request(const uint8_t *frame, size_t len, aphx_arena *arena,
                            keeper_request *req, aphx_error *err)
{
    jute_reader r;
    memset(req, 0, sizeof *req);
    req->data_len = -1;
    req->auth_len = -1;
    jute_reader_init(&r, frame, len);
    req->xid = jute_get_int(&r);
    req->type = jute_get_int(&r);
    if (r.bad) return aphx_fail(err, APHX_CORRUPT, "request header truncated (%zu bytes)", len);
    if (!jute_decode_body(&r, arena, req, false))
        return aphx_fail(err, APHX_UNSUPPORTED, "unknown opcode %d", req->type);
    if (r.bad)
        return aphx_fail(err, APHX_CORRUPT, "truncated or malformed %s request (opcode %d, %zu bytes)",
                         jute_op_name(req->type), req->type, len);
    /* Ops whose path is mandatory. */
    switch (req->type) {
    case ZK_OP_PING: case ZK_OP_CLOSESESSION: case ZK_OP_WHOAMI: case ZK_OP_AUTH:
    case ZK_OP_SETWATCHES: case ZK_OP_SETWATCHES2: case ZK_OP_MULTI: case ZK_OP_MULTIREAD:
    case ZK_OP_RECONFIG: case ZK_OP_SASL:
        break;
    default:
        if (!req->path)
            return aphx_fail(err, APHX_CORRUPT, "%s request without a path", jute_op_name(req->type));
    }
    for (int32_t i = 0; i < req->nops; i++)
        if (!req->ops[i].path)
            return aphx_fail(err, APHX_CORRUPT, "multi op %d without a path", i);
    return APHX_OK;
}

aphx_rc jute_decode_connect(const uint8_t *frame, size_t len, zk_connect_request *out,
                            aphx_error *err)
{
    jute_reader r;
    memset(out, 0, sizeof *out);
    jute_reader_init(&r, frame, len);
    out->protocol_version = jute_get_int(&r);
    out->last_zxid_seen = jute_get_long(&r);
    out->timeout = jute_get_int(&r);
    out->session_id = jute_get_long(&r);
    out->passwd = jute_get_buffer(&r, &out->passwd_len);
    if (r.bad) return aphx_fail(err, APHX_CORRUPT, "truncated ConnectRequest (%zu bytes)", len);
    if (jute_left(&r) >= 1) {
        out->has_read_only = true;
        out->read_only = jute_get_bool(&r);
    }
    return APHX_OK;
}
