/*
 * snapshot.h — the keeper's snapshot files: "snapshot.<zxid in lower-case
 * hex>" in the snapshot directory (dataDir), made of checksummed records
 * (type, bytes) between a header (magic, version, zxid) and a trailer
 * (record count, checksum of the whole file). Byte layout: see snapshot.c.
 *
 * Writing: a streaming writer, one record per znode / session / whatever
 * the server wants (types are the server's, any value but 0xFFFFFFFF). It
 * writes to "snapshot.<zxid>.tmp", and commit fsyncs, renames and fsyncs the
 * directory, so a crash leaves either the whole snapshot or none. The
 * writer is used by one thread at a time; the server may run it on its own
 * thread over a copy-on-write view of the tree ("fuzzy" snapshot: the zxid
 * in the header is the last zxid applied when the walk began, and replaying
 * the log from there must be idempotent — ZooKeeper's rule).
 *
 * Loading: keeper_snapshot_load verifies the newest snapshot completely
 * before delivering any record; on any corruption it logs a WARN naming
 * the file and what was wrong and falls back to the previous snapshot.
 */
#ifndef APHX_KEEPER_SNAPSHOT_H
#define APHX_KEEPER_SNAPSHOT_H

#include "base/base.h"

#define KEEPER_SNAPSHOT_MAX_RECORD (256u * 1024u * 1024u)

typedef struct keeper_snapshot_writer keeper_snapshot_writer;

/* Start a snapshot of the state at `zxid` in `dir` (created, one level, if
 * missing). On success the caller owns *out and must end it with commit or
 * abort. Errors: APHX_IO, APHX_NOMEM. */
aphx_rc keeper_snapshot_writer_open(keeper_snapshot_writer **out, const char *dir,
                                    int64_t zxid, aphx_error *err);

/* Append one record (buffered). Errors: APHX_INVALID (type 0xFFFFFFFF or
 * len > KEEPER_SNAPSHOT_MAX_RECORD), APHX_IO (the writer is then poisoned:
 * only abort is allowed), APHX_NOMEM. */
aphx_rc keeper_snapshot_writer_add(keeper_snapshot_writer *w, uint32_t type, const void *data,
                                   size_t len, aphx_error *err);

/* Write the trailer, fsync, rename into place, fsync the directory, and
 * free the writer (in every case: *w must not be used afterwards). On
 * failure the temp file is removed. Errors: APHX_IO. If path_out is
 * non-NULL it receives the final path (caller frees with aphx_free). */
aphx_rc keeper_snapshot_writer_commit(keeper_snapshot_writer *w, char **path_out,
                                      aphx_error *err);

/* Drop an unfinished snapshot: removes the temp file, frees w (NULL ok). */
void keeper_snapshot_writer_abort(keeper_snapshot_writer *w);

/* Load callbacks. `begin` (may be NULL) is called once with the zxid of
 * the snapshot about to be delivered; then `record` once per record in
 * file order (data valid only during the call). A non-OK return stops the
 * load and is returned as is (no fallback: that is the server's error). */
typedef struct keeper_snapshot_loader {
    aphx_rc (*begin)(void *ctx, int64_t zxid, const char *path, aphx_error *err);
    aphx_rc (*record)(void *ctx, uint32_t type, const uint8_t *data, size_t len,
                      aphx_error *err);
    void *ctx;
} keeper_snapshot_loader;

/* Load the newest valid snapshot of `dir` (first removing "*.tmp" leftovers
 * of a crashed writer: call it before any writer runs). *zxid receives its zxid, or 0
 * when the directory holds no snapshot (fresh start: APHX_OK, no callbacks;
 * a missing directory counts as empty). Corrupt snapshots are skipped with
 * a WARN. Errors: APHX_CORRUPT (snapshots exist but none is valid), APHX_IO,
 * APHX_NOMEM, or a callback's code. */
aphx_rc keeper_snapshot_load(const char *dir, const keeper_snapshot_loader *loader,
                             int64_t *zxid, aphx_error *err);

/* Check one snapshot file completely (header, every record, trailer).
 * *zxid (may be NULL) receives its zxid, *records the record count.
 * Errors: APHX_CORRUPT (message says what and at which offset), APHX_IO. */
aphx_rc keeper_snapshot_verify(const char *path, int64_t *zxid, uint64_t *records,
                               aphx_error *err);

/* List the snapshot zxids of `dir`, newest first (temp files ignored).
 * Caller frees *zxids with aphx_free. A missing directory gives 0. */
aphx_rc keeper_snapshot_list(const char *dir, int64_t **zxids, size_t *count, aphx_error *err);

/* Autopurge: keep the newest `retain_count` snapshots (values below 3 count
 * as 3, as ZooKeeper's autopurge.snapRetainCount), delete older snapshots
 * (temp files are left alone: a writer may be running; keeper_snapshot_load
 * removes leftovers at startup), and delete the txn log files of log_dir that only
 * hold zxids the oldest kept snapshot already covers. *removed (may be
 * NULL) receives the number of files deleted. Errors: APHX_IO. */
aphx_rc keeper_persist_purge(const char *snap_dir, const char *log_dir, int retain_count,
                             int *removed, aphx_error *err);

#endif /* APHX_KEEPER_SNAPSHOT_H */
