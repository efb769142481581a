/*
 * keeper_server.h — the server's internal structures (connections, the
 * request pipeline, statistics), shared by server.c, pipeline parts and
 * the four-letter-word / metrics renderers (fourlw.c).
 */
#ifndef APHX_KEEPER_SERVER_H
#define APHX_KEEPER_SERVER_H

#include "keeper/keeper.h"
#include "keeper/keeper_int.h"
#include "keeper/txnlog.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

struct keeper_conn {
    int          fd;
    uint64_t     id;
    char         peer_ip[64];
    int          peer_port;
    aphx_buf     in;            /* bytes received, not yet consumed from in_off */
    size_t       in_off;
    aphx_buf     out;           /* bytes to send, from out_off */
    size_t       out_off;
    keeper_session *session;    /* NULL until the handshake is done */
    bool         handshaken;    /* ConnectRequest seen */
    bool         connecting;    /* createSession txn in flight */
    bool         has_read_only;
    bool         closing;       /* close once the output is flushed */
    bool         dead;          /* socket closed; freed when refs == 0 */
    bool         want_write;    /* EPOLLOUT registered */
    bool         in_dirty_list;
    bool         blocked;       /* stopped parsing: a read waits behind this connection's writes */
    bool         throttled;     /* not reading: too much output queued */
    bool         in_throttled;  /* not reading: a full frame's worth of input is parked */
    int          pending_writes;/* items of this connection in the commit queue */
    int          refs;          /* commit-queue items referring to it */
    zk_id       *auth;          /* authenticated ids (malloc'd strings) */
    int          nauth, auth_cap;
    uint64_t     watch_mark;
    int64_t      nwatches;      /* watches registered by this connection (approximate) */
    /* statistics (cons) */
    int64_t      packets_received, packets_sent;
    int64_t      lat_min_ns, lat_max_ns, lat_sum_ns, lat_count;
    int64_t      established_ms;
    int64_t      last_zxid;
    int32_t      last_cxid;
    int32_t      last_op;
    int64_t      last_latency_ns;
    int64_t      last_response_ms;
    keeper_conn *next, *prev;   /* all connections */
    keeper_conn *dirty_next;    /* connections with output to flush */
};

/* A request in the commit queue, released in order when its zxid is durable. */
typedef struct keeper_pending keeper_pending;
struct keeper_pending {
    keeper_pending *next;
    keeper_conn    *conn;       /* NULL for internal txns (expiry, containers) */
    int32_t         xid;
    int32_t         type;
    int64_t         zxid;       /* txn zxid, or the zxid it must wait for (error replies) */
    uint8_t        *txn;        /* serialized txn (malloc'd) or NULL */
    size_t          txn_len;
    int32_t         err;        /* prepare error to reply with (no txn) */
    int32_t        *multi_errs; /* failed multi: per-op error codes */
    int32_t        *multi_types;
    int32_t         nops;
    int64_t         start_ns;
    bool            is_connect; /* reply with a ConnectResponse */
};

/* An outstanding change (ZooKeeper's ChangeRecord): the state a path will
 * have once every prepared txn is applied. Prepare reads these before the
 * tree, so writes can be validated while earlier ones wait for fsync. */
typedef struct keeper_change keeper_change;
struct keeper_change {
    keeper_change *next;        /* FIFO by zxid */
    keeper_change *hnext;       /* hash chain (latest change per path) */
    keeper_change *prev_same;   /* previous change of this path (rollback) */
    int64_t        zxid;
    char          *path;
    uint64_t       hash;
    bool           exists;
    zk_stat        stat;
    uint32_t       acl_id;      /* holds a reference in the ACL cache */
};

enum { KEEPER_CHANGE_BUCKETS = 4096 };

/* Latency and count statistics per opcode family. */
typedef struct keeper_op_stats {
    int64_t count;
    int64_t lat_sum_ns;
    int64_t lat_max_ns;
} keeper_op_stats;

enum { KEEPER_STAT_OPS = 128 };   /* indexed by opcode & 127 */

struct keeper_server {
    /* settings (copied from keeper_config) */
    int64_t     tick_ms;
    int64_t     min_session_timeout_ms, max_session_timeout_ms;
    int64_t     max_buffer;
    int         max_client_cnxns;
    int64_t     snap_count;
    int64_t     global_outstanding_limit;
    int         snap_retain_count;
    int         purge_interval_hours;
    bool        force_sync;
    bool        reconfig_enabled;
    char       *data_dir;
    char       *data_log_dir;
    char       *client_addr;
    char       *super_digest;      /* "super:xxx" or NULL */
    keeper_config cfg_copy_unused;
    bool        four_letter_all;
    char       *four_letter_whitelist;
    char       *conf_text;          /* `conf` rendering */
    int         config_port;
    int         config_metrics_port;

    int         epfd, listen_fd, metrics_fd, wake_fd, stop_fd;
    int         port, metrics_port;
    keeper_db   db;
    keeper_conn *conns;
    int         nconns;
    uint64_t    next_conn_id;
    keeper_conn *dirty;

    /* pipeline */
    keeper_pending *q_head, *q_tail;
    int64_t     npending;
    int64_t     last_assigned_zxid;
    keeper_change *ch_head, *ch_tail;
    keeper_change *ch_map[KEEPER_CHANGE_BUCKETS];
    int64_t     nchanges;
    keeper_txnlog *log;
    pthread_t   sync_thread;
    bool        sync_started;
    pthread_mutex_t sync_mu;
    pthread_cond_t  sync_cv;
    bool        sync_dirty, sync_stop;
    _Atomic int64_t synced_zxid;
    _Atomic bool sync_failed;
    char        sync_error[APHX_ERROR_MSG_MAX];
    _Atomic int64_t fsync_count, fsync_ns_total, fsync_ns_max;
    int64_t     applied_zxid;

    /* sessions */
    int64_t     next_session_id;
    int64_t     last_expiry_check_ns;
    int64_t     last_container_check_ns;

    /* snapshots */
    int64_t     txns_since_snapshot;
    _Atomic int64_t snapshot_count, snapshot_ns_last, snapshot_ns_total;   /* written by the snapshot thread */
    _Atomic int snapshot_running;
    aphx_buf    snap_records;       /* serialized tree, kept between snapshots (pages stay mapped) */
    pid_t       snap_pid;           /* forked snapshot writer, 0 if none */
    int64_t     snap_started_ns;
    int64_t     snap_zxid;
    bool        snap_purge;
    int64_t     last_purge_ns;

    aphx_arena  scratch;            /* per request; reset after each */
    aphx_buf    txn;                /* txn being built */

    /* statistics */
    int64_t     started_ms;
    keeper_op_stats ops[KEEPER_STAT_OPS];
    int64_t     packets_received, packets_sent;
    int64_t     lat_min_ns, lat_max_ns, lat_sum_ns, lat_count;
    int64_t     bytes_received;
    int64_t     conns_closed_bad_input;

    /* threads */
    pthread_t   run_thread;
    bool        run_started;
    aphx_rc     run_rc;
    aphx_error  run_err;
    volatile int stop_requested;
};

/* fourlw.c */
/* Handle a four-letter word received as the first 4 bytes of a connection:
 * appends the answer to conn->out and marks it closing. */
void keeper_fourlw_handle(keeper_server *s, keeper_conn *c, const char *word);
/* Is this 32-bit big-endian value one of the known four-letter words? */
bool keeper_fourlw_known(uint32_t v, char word[5]);
/* Render Prometheus text exposition of the server's metrics. */
void keeper_metrics_render(keeper_server *s, aphx_buf *out);
/* Serve one HTTP request on the metrics port (blocking briefly). */
void keeper_metrics_serve(keeper_server *s, int fd);

/* server.c helpers used by fourlw.c */
void keeper_conn_reset_stats(keeper_conn *c);

#endif /* APHX_KEEPER_SERVER_H */
