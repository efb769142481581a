/*
 * txnlog.h — the keeper's write-ahead transaction log.
 *
 * A record is (zxid, payload bytes); the payload is opaque here (the server
 * puts its serialized txn in it). Records are appended to an in-memory
 * buffer and made durable by keeper_txnlog_sync, which writes every
 * buffered record and fdatasyncs once (group commit; the server calls it
 * from its sync thread while other threads keep appending).
 *
 * Files live in one directory and are named after the first zxid they hold,
 * as ZooKeeper names them: "log.<zxid in lower-case hex, no padding>". Each
 * file is preallocated with zeros in preAllocSize chunks so fdatasync rarely
 * has to update metadata. A new file is started when the log is opened and
 * whenever the server asks (keeper_txnlog_roll, after snapCount txns).
 * Byte layout: see txnlog.c.
 *
 * Recovery: keeper_txnlog_replay walks every file in zxid order and calls
 * back for each record after a given zxid. A torn or corrupt record in the
 * LAST file ends the log: it is logged (WARN) and the file is truncated
 * there. A corrupt record in any earlier file is an error (APHX_CORRUPT).
 */
#ifndef APHX_KEEPER_TXNLOG_H
#define APHX_KEEPER_TXNLOG_H

#include "base/base.h"

/* Largest payload accepted in one record (far above jute.maxbuffer). */
#define KEEPER_TXNLOG_MAX_PAYLOAD (64u * 1024u * 1024u)

typedef struct keeper_txnlog keeper_txnlog;

typedef struct keeper_txnlog_options {
    const char *dir;             /* created (one level) if missing */
    int64_t     prealloc_bytes;  /* preAllocSize * 1024; <= 0 means 64 MiB */
    bool        no_sync;         /* forceSync=no: write but do not fdatasync */
} keeper_txnlog_options;

/* Open the log directory for appending. Does not read old files (call
 * keeper_txnlog_replay first); `last_zxid` is the highest zxid already in
 * the directory (from replay, or 0), and appends must be above it. The
 * first append after open creates a new file.
 * On success the caller owns *out (keeper_txnlog_close).
 * Errors: APHX_IO (directory cannot be created/opened), APHX_NOMEM. */
aphx_rc keeper_txnlog_open(keeper_txnlog **out, const keeper_txnlog_options *opt,
                           int64_t last_zxid, aphx_error *err);

/* Buffer one record (copied; nothing is written yet). Thread-safe with
 * respect to keeper_txnlog_sync. zxid must be greater than every zxid
 * appended before. Errors: APHX_INVALID (zxid not increasing, payload
 * larger than KEEPER_TXNLOG_MAX_PAYLOAD), APHX_NOMEM, APHX_IO (the log is
 * poisoned by an earlier write/fsync failure: it refuses all further
 * work, as an LMDB transaction does). */
aphx_rc keeper_txnlog_append(keeper_txnlog *log, int64_t zxid, const void *payload,
                             size_t len, aphx_error *err);

/* Write every buffered record, fdatasync once, and report the highest
 * zxid now durable in *synced_zxid (may be NULL; unchanged value if there
 * was nothing to write). Only one sync runs at a time (others wait).
 * Errors: APHX_IO (write or fdatasync failed: the log is poisoned and
 * every later call fails; restart and replay), APHX_NOMEM. */
aphx_rc keeper_txnlog_sync(keeper_txnlog *log, int64_t *synced_zxid, aphx_error *err);

/* Ask for a new file: records appended after this call go to a new file
 * named after the first of them. Cheap; takes effect at the next sync. */
void keeper_txnlog_roll(keeper_txnlog *log);

/* Highest zxid appended (buffered or durable) and highest durable zxid. */
int64_t keeper_txnlog_last_zxid(keeper_txnlog *log);
int64_t keeper_txnlog_synced_zxid(keeper_txnlog *log);

/* Close the files. Records buffered but not synced are discarded (they were
 * never acknowledged). Accepts NULL. */
void keeper_txnlog_close(keeper_txnlog *log);

/* Fault injection for tests: the next write (or the next fdatasync) made by
 * keeper_txnlog_sync fails with EIO as if the disk did. */
typedef enum keeper_txnlog_fault {
    KEEPER_TXNLOG_FAULT_NONE = 0,
    KEEPER_TXNLOG_FAULT_WRITE,
    KEEPER_TXNLOG_FAULT_FSYNC
} keeper_txnlog_fault;
void keeper_txnlog_inject_fault(keeper_txnlog *log, keeper_txnlog_fault fault);

/* Is a zero-filled spare file ready for the next new log file? (A helper
 * thread prepares "log.spare" off the commit path; see txnlog.c.) */
bool keeper_txnlog_spare_ready(keeper_txnlog *log);

/* Replay callback: one durable record with zxid > after_zxid, in order. The
 * payload is valid only during the call. A non-OK return stops the replay
 * and is returned by keeper_txnlog_replay. */
typedef aphx_rc (*keeper_txnlog_replay_fn)(void *ctx, int64_t zxid, const uint8_t *payload,
                                           size_t len, aphx_error *err);

/* Replay every record with zxid > after_zxid from all log files in `dir`
 * (a missing directory is an empty log). Files that hold only zxids <=
 * after_zxid are not read. *last_zxid (may be NULL) receives the highest
 * valid zxid read, or after_zxid if that is higher (so it is the zxid the
 * server continues from). Truncates a torn tail of the last file (WARN log naming
 * the file, offset and reason) and removes a last file whose header is
 * torn. Errors: APHX_CORRUPT (corrupt record or bad header in a file that
 * is not the last, zxids out of order; message names file and offset),
 * APHX_IO, APHX_NOMEM, or whatever the callback returned. */
aphx_rc keeper_txnlog_replay(const char *dir, int64_t after_zxid, keeper_txnlog_replay_fn fn,
                             void *ctx, int64_t *last_zxid, aphx_error *err);

/* Delete the log files that hold only zxids <= keep_after_zxid (files are
 * kept from the newest one whose first zxid is <= keep_after_zxid + 1, so
 * replay(keep_after_zxid) still finds everything after it). Never deletes
 * the newest file. *removed (may be NULL) receives the count. Errors:
 * APHX_IO. */
aphx_rc keeper_txnlog_purge(const char *dir, int64_t keep_after_zxid, int *removed,
                            aphx_error *err);

/* List the log files of `dir` as first zxids, ascending. Caller frees
 * *zxids with aphx_free. A missing directory gives 0 files. */
aphx_rc keeper_txnlog_list(const char *dir, int64_t **zxids, size_t *count, aphx_error *err);

/* The zxids of the files in `dir` whose names parse_name accepts
 * ("log.<hex>", "snapshot.<hex>"), sorted oldest first (newest first when
 * newest_first). A missing directory is an empty list. On success the caller
 * frees *zxids with aphx_free. `what` names the directory in messages.
 * Errors: APHX_IO, APHX_NOMEM. */
aphx_rc keeper_list_zxid_files(const char *dir, bool (*parse_name)(const char *, int64_t *),
                               bool newest_first, const char *what, int64_t **zxids,
                               size_t *count, aphx_error *err);

#endif /* APHX_KEEPER_TXNLOG_H */
