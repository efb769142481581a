/*
 * keeper.h — public header of src/keeper: the ArrowPhoenix keeper, a
 * ZooKeeper 3.8-compatible coordination server (single node for now; the
 * request pipeline leaves the propose/ack/commit seam for Zab).
 *
 * Use:
 *   keeper_config cfg;   keeper_config_load(&cfg, "zoo.cfg", NULL, &err);
 *   keeper_server *s;    keeper_server_open(&s, &cfg, &err);   recovers + binds
 *   keeper_server_run(s, &err);     event loop; returns after keeper_server_stop
 *   keeper_server_close(s);
 * or keeper_server_start_thread() to run it on a thread of its own (embedded
 * mode, tests).
 *
 * Threads: the event loop thread does network I/O, request decoding,
 * prepare (validation, ACL checks, txn building), apply and replies; a sync
 * thread does group commit on the txn log. keeper_server_stop is the only
 * call that may be made from another thread (or a signal handler).
 */
#ifndef APHX_KEEPER_H
#define APHX_KEEPER_H

#include "base/base.h"
#include "keeper/keeper_config.h"

typedef struct keeper_server keeper_server;

/* Create a server from a loaded configuration (the server copies what it
 * needs; cfg may be freed afterwards): recover the data tree from the newest
 * valid snapshot plus the txn log of cfg->data_log_dir, open the log, bind
 * the client port (clientPort 0 picks a free port: see keeper_server_port)
 * and the metrics port. On success the caller owns *out (keeper_server_close).
 * Errors: APHX_IO (bind/listen, data directories), APHX_CORRUPT (log or
 * snapshots unreadable), APHX_NOMEM. */
aphx_rc keeper_server_open(keeper_server **out, const keeper_config *cfg, aphx_error *err);

/* The bound client port (useful when clientPort was 0). */
int keeper_server_port(const keeper_server *s);
/* The bound metrics port, 0 when metrics are off. */
int keeper_server_metrics_port(const keeper_server *s);

/* Run the event loop on the calling thread until keeper_server_stop.
 * Errors: APHX_IO (the txn log failed: the server stops rather than
 * acknowledge writes it could not make durable). */
aphx_rc keeper_server_run(keeper_server *s, aphx_error *err);

/* Ask the loop to stop (thread-safe and async-signal-safe). */
void keeper_server_stop(keeper_server *s);

/* Run keeper_server_run on a new thread; keeper_server_join waits for it
 * after keeper_server_stop and returns its result. */
aphx_rc keeper_server_start_thread(keeper_server *s, aphx_error *err);
aphx_rc keeper_server_join(keeper_server *s, aphx_error *err);

/* Close sockets and files and free everything (after the loop ended).
 * Buffered txns that were never synced were never acknowledged. NULL ok. */
void keeper_server_close(keeper_server *s);

#endif /* APHX_KEEPER_H */
