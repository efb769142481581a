/*
 * snapshot.c — the keeper's snapshot files (contract in snapshot.h):
 * streaming writer (temp file, fsync, rename, directory fsync), complete
 * verification, newest-valid-first loader with fallback, listing, purge.
 *
 * File layout (all integers big-endian):
 *
 *   header, 24 bytes
 *   offset  size  field
 *   0       4     magic "AKSN"
 *   4       4     format version (1)
 *   8       8     zxid (int64: last txn applied when the snapshot began)
 *   16      8     XXH64 (seed 0) of bytes 0..15
 *
 *   record, 16 + n bytes, repeated
 *   0       4     type (uint32, chosen by the server; never 0xFFFFFFFF)
 *   4       4     payload length n (<= KEEPER_SNAPSHOT_MAX_RECORD)
 *   8       8     XXH64 of bytes 0..7 followed by the payload
 *   16      n     payload
 *
 *   trailer, 32 bytes, then end of file
 *   0       4     0xFFFFFFFF (end marker, in the place of a record type)
 *   4       4     0 (reserved)
 *   8       8     record count
 *   16      8     XXH64 of every byte before the trailer (header + records)
 *   24      8     XXH64 of trailer bytes 0..23
 *
 * A file is valid only if every checksum matches, the counts agree and the
 * file ends right after the trailer; anything else is corruption and the
 * loader falls back to the next older snapshot.
 */
#include "keeper/snapshot.h"

#include "keeper/txnlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define SNAP_MOD "keeper.snapshot"
#define SNAP_MAGIC "AKSN"
#define SNAP_VERSION 1u
#define SNAP_HEADER 24
#define SNAP_REC_HEADER 16
#define SNAP_TRAILER 32
#define SNAP_END_MARKER 0xFFFFFFFFu
#define SNAP_WRITE_CHUNK (256 * 1024)

struct keeper_snapshot_writer {
    char          *dir;
    char          *tmp_path;
    char          *final_path;
    int            fd;
    aphx_buf       buf;        /* bytes not yet written */
    XXH64_state_t  digest;     /* over everything written before the trailer */
    uint64_t       records;
    bool           poisoned;
};

static uint64_t snap_record_sum(const uint8_t *head8, const void *data, size_t len)
{
    XXH64_state_t st;
    XXH64_reset(&st, 0);
    XXH64_update(&st, head8, 8);
    if (len) XXH64_update(&st, data, len);
    return XXH64_digest(&st);
}

static char *snap_path(const char *dir, int64_t zxid, const char *suffix)
{
    size_t n = strlen(dir) + 48;
    char *p = aphx_malloc(n);
    if (p) snprintf(p, n, "%s/snapshot.%" PRIx64 "%s", dir, (uint64_t)zxid, suffix);
    return p;
}

/* "snapshot.<hex>" → zxid; temp files and other names → false. */
static bool snap_parse_name(const char *name, int64_t *zxid)
{
    if (strncmp(name, "snapshot.", 9) != 0) return false;
    const char *h = name + 9;
    if (!*h || strlen(h) > 16) return false;
    uint64_t v = 0;
    for (; *h; h++) {
        int d;
        if (*h >= '0' && *h <= '9') d = *h - '0';
        else if (*h >= 'a' && *h <= 'f') d = *h - 'a' + 10;
        else return false;
        v = v << 4 | (uint64_t)d;
    }
    if (v > INT64_MAX) return false;
    *zxid = (int64_t)v;
    return true;
}

static aphx_rc snap_fsync_dir(const char *dir, aphx_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return aphx_fail(err, APHX_IO, "cannot open %s: %s", dir, strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r != 0) return aphx_fail(err, APHX_IO, "fsync of directory %s: %s", dir, strerror(e));
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */
static aphx_rc snap_flush(keeper_snapshot_writer *w, aphx_error *err)
{
    if (w->buf.len == 0) return APHX_OK;
    aphx_rc rc = aphx_write_all(w->fd, w->buf.data, w->buf.len, err);
    if (rc != APHX_OK) {
        w->poisoned = true;
        return aphx_error_prefix(err, "snapshot %s", w->tmp_path);
    }
    aphx_buf_reset(&w->buf);
    return APHX_OK;
}

/* Append bytes that count towards the file digest. */
static aphx_rc snap_emit(keeper_snapshot_writer *w, const void *p, size_t n, aphx_error *err)
{
    XXH64_update(&w->digest, p, n);
    if (n >= SNAP_WRITE_CHUNK) {
        aphx_rc rc = snap_flush(w, err);
        if (rc != APHX_OK) return rc;
        rc = aphx_write_all(w->fd, p, n, err);
        if (rc != APHX_OK) {
            w->poisoned = true;
            return aphx_error_prefix(err, "snapshot %s", w->tmp_path);
        }
        return APHX_OK;
    }
    aphx_buf_append(&w->buf, p, n);
    if (w->buf.oom) {
        w->poisoned = true;
        return aphx_fail(err, APHX_NOMEM, "out of memory writing snapshot %s", w->tmp_path);
    }
    return w->buf.len >= SNAP_WRITE_CHUNK ? snap_flush(w, err) : APHX_OK;
}

aphx_rc keeper_snapshot_writer_open(keeper_snapshot_writer **out, const char *dir, int64_t zxid,
                                    aphx_error *err)
{
    aphx_rc rc;
    *out = NULL;
    keeper_snapshot_writer *w = aphx_calloc(1, sizeof *w);
    if (!w) return aphx_fail(err, APHX_NOMEM, "out of memory");
    w->fd = -1;
    aphx_buf_init(&w->buf);
    XXH64_reset(&w->digest, 0);
    w->dir = aphx_strdup(dir);
    w->tmp_path = snap_path(dir, zxid, ".tmp");
    w->final_path = snap_path(dir, zxid, "");
    if (!w->dir || !w->tmp_path || !w->final_path || !aphx_buf_reserve(&w->buf, SNAP_WRITE_CHUNK)) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto fail;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = aphx_fail(err, APHX_IO, "cannot create snapshot directory %s: %s", dir,
                       strerror(errno));
        goto fail;
    }
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        rc = aphx_fail(err, APHX_IO, "cannot create %s: %s", w->tmp_path, strerror(errno));
        goto fail;
    }
    uint8_t head[SNAP_HEADER];
    memcpy(head, SNAP_MAGIC, 4);
    aphx_put_be32(head + 4, SNAP_VERSION);
    aphx_put_be64(head + 8, (uint64_t)zxid);
    aphx_put_be64(head + 16, XXH64(head, 16, 0));
    rc = snap_emit(w, head, sizeof head, err);
    if (rc != APHX_OK) goto fail;
    *out = w;
    return APHX_OK;
fail:
    keeper_snapshot_writer_abort(w);
    return rc;
}

aphx_rc keeper_snapshot_writer_add(keeper_snapshot_writer *w, uint32_t type, const void *data,
                                   size_t len, aphx_error *err)
{
    if (w->poisoned)
        return aphx_fail(err, APHX_IO, "snapshot %s: writer failed earlier", w->tmp_path);
    if (type == SNAP_END_MARKER)
        return aphx_fail(err, APHX_INVALID, "snapshot record type 0xFFFFFFFF is reserved");
    if (len > KEEPER_SNAPSHOT_MAX_RECORD)
        return aphx_fail(err, APHX_INVALID, "snapshot record of %zu bytes exceeds the %u limit",
                         len, KEEPER_SNAPSHOT_MAX_RECORD);
    uint8_t head[SNAP_REC_HEADER];
    aphx_put_be32(head, type);
    aphx_put_be32(head + 4, (uint32_t)len);
    aphx_put_be64(head + 8, snap_record_sum(head, data, len));
    aphx_rc rc = snap_emit(w, head, sizeof head, err);
    if (rc == APHX_OK && len) rc = snap_emit(w, data, len, err);
    if (rc == APHX_OK) w->records++;
    return rc;
}

aphx_rc keeper_snapshot_writer_commit(keeper_snapshot_writer *w, char **path_out, aphx_error *err)
{
    aphx_rc rc;
    if (path_out) *path_out = NULL;
    if (w->poisoned) {
        rc = aphx_fail(err, APHX_IO, "snapshot %s: writer failed earlier", w->tmp_path);
        goto fail;
    }
    uint8_t tr[SNAP_TRAILER];
    aphx_put_be32(tr, SNAP_END_MARKER);
    aphx_put_be32(tr + 4, 0);
    aphx_put_be64(tr + 8, w->records);
    aphx_put_be64(tr + 16, XXH64_digest(&w->digest));
    aphx_put_be64(tr + 24, XXH64(tr, 24, 0));
    aphx_buf_append(&w->buf, tr, sizeof tr);
    if (w->buf.oom) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory writing snapshot %s", w->tmp_path);
        goto fail;
    }
    rc = snap_flush(w, err);
    if (rc != APHX_OK) goto fail;
    if (fsync(w->fd) != 0) {
        rc = aphx_fail(err, APHX_IO, "fsync of %s: %s", w->tmp_path, strerror(errno));
        goto fail;
    }
    close(w->fd);
    w->fd = -1;
    if (rename(w->tmp_path, w->final_path) != 0) {
        rc = aphx_fail(err, APHX_IO, "rename %s to %s: %s", w->tmp_path, w->final_path,
                       strerror(errno));
        goto fail;
    }
    rc = snap_fsync_dir(w->dir, err);
    if (rc != APHX_OK) goto fail_renamed;
    if (path_out) {
        *path_out = w->final_path;
        w->final_path = NULL;
    }
    APHX_DEBUG(SNAP_MOD, "wrote %s (%llu records)", path_out && *path_out ? *path_out : "snapshot",
               (unsigned long long)w->records);
    keeper_snapshot_writer_abort(w); /* frees; the temp name no longer exists */
    return APHX_OK;
fail_renamed:
    /* The rename may or may not be durable; a complete valid file stays. */
    keeper_snapshot_writer_abort(w);
    return rc;
fail:
    keeper_snapshot_writer_abort(w);
    return rc;
}

void keeper_snapshot_writer_abort(keeper_snapshot_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (w->tmp_path) unlink(w->tmp_path); /* ENOENT after a successful rename */
    aphx_buf_free(&w->buf);
    aphx_free(w->dir);
    aphx_free(w->tmp_path);
    aphx_free(w->final_path);
    aphx_free(w);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */
typedef struct snap_reader {
    const char *path;
    int         fd;
    int64_t     size;
    int64_t     off;       /* file offset of the next unread byte */
    uint8_t    *buf;       /* read-ahead window */
    size_t      cap, start, end;
    uint8_t    *rec;       /* payload buffer for records larger than the window */
    size_t      rec_cap;
} snap_reader;

static aphx_rc snap_reader_open(snap_reader *r, const char *path, aphx_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) return aphx_fail(err, APHX_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        aphx_rc rc = aphx_fail(err, APHX_IO, "cannot stat %s: %s", path, strerror(errno));
        close(r->fd);
        r->fd = -1;
        return rc;
    }
    r->size = st.st_size;
    r->cap = 64 * 1024;
    r->buf = aphx_malloc(r->cap);
    if (!r->buf) {
        close(r->fd);
        r->fd = -1;
        return aphx_fail(err, APHX_NOMEM, "out of memory");
    }
    return APHX_OK;
}

static void snap_reader_close(snap_reader *r)
{
    if (r->fd >= 0) close(r->fd);
    aphx_free(r->buf);
    aphx_free(r->rec);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* Read exactly n bytes; returns a pointer valid until the next call. The
 * caller has already checked that n bytes remain in the file. */
static const uint8_t *snap_reader_take(snap_reader *r, size_t n, aphx_rc *rc, aphx_error *err)
{
    if (r->end - r->start >= n) {
        const uint8_t *p = r->buf + r->start;
        r->start += n;
        r->off += (int64_t)n;
        return p;
    }
    uint8_t *dst;
    if (n <= r->cap) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
        dst = r->buf;
    } else {
        if (n > r->rec_cap) {
            uint8_t *nb = aphx_realloc(r->rec, n);
            if (!nb) {
                *rc = aphx_fail(err, APHX_NOMEM, "out of memory reading %s", r->path);
                return NULL;
            }
            r->rec = nb;
            r->rec_cap = n;
        }
        memcpy(r->rec, r->buf + r->start, r->end - r->start);
        size_t have = r->end - r->start;
        r->start = r->end = 0;
        while (have < n) {
            ssize_t k = read(r->fd, r->rec + have, n - have);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                *rc = aphx_fail(err, k < 0 ? APHX_IO : APHX_CORRUPT, "reading %s: %s", r->path,
                                k < 0 ? strerror(errno) : "file shrank while reading");
                return NULL;
            }
            have += (size_t)k;
        }
        r->off += (int64_t)n;
        return r->rec;
    }
    size_t limit = r->cap;
    while (r->end < n) {
        ssize_t k = read(r->fd, dst + r->end, limit - r->end);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            *rc = aphx_fail(err, k < 0 ? APHX_IO : APHX_CORRUPT, "reading %s: %s", r->path,
                            k < 0 ? strerror(errno) : "file shrank while reading");
            return NULL;
        }
        r->end += (size_t)k;
    }
    r->start = n;
    r->off += (int64_t)n;
    return dst;
}

/* One full pass over a snapshot: checks everything and, when `loader` is
 * non-NULL, delivers the records as it goes. Corruption → APHX_CORRUPT with
 * "what at offset N" (no file name; callers add it). */
static aphx_rc snap_scan(const char *path, const keeper_snapshot_loader *loader, int64_t *zxid_out,
                         uint64_t *records_out, aphx_error *err)
{
    snap_reader r;
    aphx_rc rc = snap_reader_open(&r, path, err);
    if (rc != APHX_OK) return rc;
    XXH64_state_t digest;
    XXH64_reset(&digest, 0);
    uint64_t records = 0;
    const uint8_t *p;

    if (r.size < SNAP_HEADER + SNAP_TRAILER) {
        rc = aphx_fail(err, APHX_CORRUPT, "file of %lld bytes is shorter than header + trailer",
                       (long long)r.size);
        goto out;
    }
    p = snap_reader_take(&r, SNAP_HEADER, &rc, err);
    if (!p) goto out;
    if (memcmp(p, SNAP_MAGIC, 4) != 0 || aphx_get_be32(p + 4) != SNAP_VERSION ||
        aphx_get_be64(p + 16) != XXH64(p, 16, 0)) {
        rc = aphx_fail(err, APHX_CORRUPT, "bad header (magic, version or checksum)");
        goto out;
    }
    int64_t zxid = (int64_t)aphx_get_be64(p + 8);
    XXH64_update(&digest, p, SNAP_HEADER);
    if (loader && loader->begin) {
        rc = loader->begin(loader->ctx, zxid, path, err);
        if (rc != APHX_OK) goto out;
    }
    for (;;) {
        int64_t at = r.off;
        if (r.size - at < SNAP_REC_HEADER) {
            rc = aphx_fail(err, APHX_CORRUPT, "file ends inside a record header at offset %lld",
                           (long long)at);
            goto out;
        }
        p = snap_reader_take(&r, SNAP_REC_HEADER, &rc, err);
        if (!p) goto out;
        uint8_t head[SNAP_REC_HEADER];
        memcpy(head, p, sizeof head);
        uint32_t type = aphx_get_be32(head);
        if (type == SNAP_END_MARKER) {
            /* Trailer: 16 bytes already taken, 16 more. */
            if (r.size - r.off != SNAP_TRAILER - SNAP_REC_HEADER) {
                rc = aphx_fail(err, APHX_CORRUPT,
                               "trailer at offset %lld is not at the end of the file",
                               (long long)at);
                goto out;
            }
            uint64_t file_digest = XXH64_digest(&digest);
            p = snap_reader_take(&r, SNAP_TRAILER - SNAP_REC_HEADER, &rc, err);
            if (!p) goto out;
            uint8_t tr[SNAP_TRAILER];
            memcpy(tr, head, SNAP_REC_HEADER);
            memcpy(tr + SNAP_REC_HEADER, p, SNAP_TRAILER - SNAP_REC_HEADER);
            if (aphx_get_be64(tr + 24) != XXH64(tr, 24, 0) || aphx_get_be32(tr + 4) != 0) {
                rc = aphx_fail(err, APHX_CORRUPT, "trailer checksum mismatch at offset %lld",
                               (long long)at);
                goto out;
            }
            if (aphx_get_be64(tr + 8) != records) {
                rc = aphx_fail(err, APHX_CORRUPT, "trailer counts %llu records, file has %llu",
                               (unsigned long long)aphx_get_be64(tr + 8),
                               (unsigned long long)records);
                goto out;
            }
            if (aphx_get_be64(tr + 16) != file_digest) {
                rc = aphx_fail(err, APHX_CORRUPT, "whole-file checksum mismatch");
                goto out;
            }
            break;
        }
        uint32_t len = aphx_get_be32(head + 4);
        if (len > KEEPER_SNAPSHOT_MAX_RECORD || (int64_t)len > r.size - r.off) {
            rc = aphx_fail(err, APHX_CORRUPT, "record length %u at offset %lld runs past the end",
                           len, (long long)at);
            goto out;
        }
        p = len ? snap_reader_take(&r, len, &rc, err) : (const uint8_t *)"";
        if (!p) goto out;
        if (snap_record_sum(head, p, len) != aphx_get_be64(head + 8)) {
            rc = aphx_fail(err, APHX_CORRUPT, "record checksum mismatch at offset %lld",
                           (long long)at);
            goto out;
        }
        XXH64_update(&digest, head, sizeof head);
        if (len) XXH64_update(&digest, p, len);
        records++;
        if (loader && loader->record) {
            rc = loader->record(loader->ctx, type, p, len, err);
            if (rc != APHX_OK) goto out;
        }
    }
    if (zxid_out) *zxid_out = zxid;
    if (records_out) *records_out = records;
out:
    snap_reader_close(&r);
    return rc;
}

aphx_rc keeper_snapshot_verify(const char *path, int64_t *zxid, uint64_t *records,
                               aphx_error *err)
{
    aphx_rc rc = snap_scan(path, NULL, zxid, records, err);
    if (rc == APHX_CORRUPT) aphx_error_prefix(err, "%s", path);
    return rc;
}

aphx_rc keeper_snapshot_list(const char *dir, int64_t **zxids, size_t *count, aphx_error *err)
{
    return keeper_list_zxid_files(dir, snap_parse_name, true, "snapshot", zxids, count, err);
}

/* Remove "snapshot.*.tmp" leftovers of a crash (only at load time, when no
 * writer can be running). */
static void snap_remove_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "snapshot.", 9) != 0 || n < 13 ||
            strcmp(de->d_name + n - 4, ".tmp") != 0)
            continue;
        size_t pn = strlen(dir) + n + 2;
        char *p = aphx_malloc(pn);
        if (!p) break;
        snprintf(p, pn, "%s/%s", dir, de->d_name);
        if (unlink(p) == 0) APHX_INFO(SNAP_MOD, "removed unfinished snapshot %s", p);
        aphx_free(p);
    }
    closedir(d);
}

aphx_rc keeper_snapshot_load(const char *dir, const keeper_snapshot_loader *loader, int64_t *zxid,
                             aphx_error *err)
{
    int64_t *snaps = NULL;
    size_t count = 0;
    char *path = NULL;
    *zxid = 0;
    snap_remove_temps(dir);
    aphx_rc rc = keeper_snapshot_list(dir, &snaps, &count, err);
    if (rc != APHX_OK) return rc;
    for (size_t i = 0; i < count; i++) {
        aphx_free(path);
        path = snap_path(dir, snaps[i], "");
        if (!path) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto out;
        }
        aphx_error verr = {0};
        int64_t z = 0;
        rc = snap_scan(path, NULL, &z, NULL, &verr);
        if (rc == APHX_CORRUPT || (rc == APHX_OK && z != snaps[i])) {
            APHX_WARN(SNAP_MOD, "%s: %s; falling back to an older snapshot", path,
                      rc == APHX_CORRUPT ? verr.msg : "zxid in header differs from file name");
            continue;
        }
        if (rc != APHX_OK) {
            aphx_fail(err, rc, "%s", verr.msg);
            goto out;
        }
        /* Valid: deliver. Corruption now means the file changed under us. */
        rc = snap_scan(path, loader, &z, NULL, err);
        if (rc == APHX_CORRUPT) aphx_error_prefix(err, "%s changed while loading", path);
        if (rc == APHX_OK) {
            *zxid = z;
            APHX_INFO(SNAP_MOD, "loaded %s", path);
        }
        goto out;
    }
    if (count > 0)
        rc = aphx_fail(err, APHX_CORRUPT, "%s: none of the %zu snapshots is valid", dir, count);
out:
    aphx_free(path);
    aphx_free(snaps);
    return rc;
}

aphx_rc keeper_persist_purge(const char *snap_dir, const char *log_dir, int retain_count,
                             int *removed, aphx_error *err)
{
    int64_t *snaps = NULL;
    size_t count = 0;
    int n = 0;
    if (retain_count < 3) retain_count = 3;
    aphx_rc rc = keeper_snapshot_list(snap_dir, &snaps, &count, err);
    if (rc != APHX_OK) goto out;
    if (count == 0) goto out;
    size_t keep = APHX_MIN(count, (size_t)retain_count);
    for (size_t i = keep; i < count; i++) {
        char *p = snap_path(snap_dir, snaps[i], "");
        if (!p) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto out;
        }
        if (unlink(p) != 0 && errno != ENOENT) {
            rc = aphx_fail(err, APHX_IO, "cannot remove %s: %s", p, strerror(errno));
            aphx_free(p);
            goto out;
        }
        APHX_INFO(SNAP_MOD, "purged %s", p);
        aphx_free(p);
        n++;
    }
    int logs = 0;
    rc = keeper_txnlog_purge(log_dir, snaps[keep - 1], &logs, err);
    n += logs;
out:
    if (removed) *removed = n;
    aphx_free(snaps);
    return rc;
}
