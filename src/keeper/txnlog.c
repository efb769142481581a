/*
 * txnlog.c — the keeper's write-ahead transaction log (see txnlog.h for the
 * contract): buffered appends, group-commit sync, preallocated files named
 * log.<hex first zxid>, replay with torn-tail truncation, purge.
 *
 * File layout (all integers big-endian):
 *
 *   offset  size  field
 *   ------  ----  -----------------------------------------------------
 *   0       4     magic "AKLG"
 *   4       4     format version (1)
 *   8       8     first zxid (int64, equals the zxid in the file name)
 *   16      ...   records, back to back
 *   ...     ...   zero bytes up to the preallocated size
 *
 * Record layout (20-byte header + payload):
 *
 *   offset  size  field
 *   ------  ----  -----------------------------------------------------
 *   0       4     payload length n (uint32, <= KEEPER_TXNLOG_MAX_PAYLOAD)
 *   4       8     zxid (int64, > 0, strictly increasing through the log)
 *   12      8     XXH64 (seed 0) of bytes 0..11 followed by the payload
 *   20      n     payload
 *
 * The log ends at end of file or at a record header of 20 zero bytes (the
 * preallocated tail: a real record always has zxid > 0). Anything else that
 * does not check out — short header, length past the end of the file, bad
 * checksum, zxid not increasing — is a torn or corrupt record.
 *
 * Spare file: a new log file must not make the first batch written to it
 * wait for preAllocSize bytes of zeros to reach the disk. A helper thread
 * keeps "log.spare" ready (zero-filled to the preallocation size and
 * fdatasynced, off the commit path); starting a file renames the spare to
 * log.<zxid> (no-replace) and writes the header into it. If no spare is
 * ready the file is created and zero-filled in line, as before. Replay and
 * listing ignore the name; open removes a stale one.
 *
 * Threads: append takes `lock` briefly and copies into `pending`; sync takes
 * `sync_lock` (one syncer at a time), swaps `pending` out under `lock`, then
 * writes and fdatasyncs without holding `lock`, so appends continue while
 * the disk works — that is the group commit.
 */
#include "keeper/txnlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define TXNLOG_MOD "keeper.txnlog"
#define TXNLOG_MAGIC "AKLG"
#define TXNLOG_VERSION 1u
#define TXNLOG_FILE_HEADER 16
#define TXNLOG_REC_HEADER 20
#define TXNLOG_DEFAULT_PREALLOC (64 * 1024 * 1024)
#define TXNLOG_ZERO_CHUNK (1024 * 1024)

/* A point in the pending buffer where a new file must start. */
typedef struct txnlog_split {
    size_t  offset;
    int64_t first_zxid;
} txnlog_split;

struct keeper_txnlog {
    char   *dir;
    int     dir_fd;
    int64_t prealloc;
    bool    no_sync;

    pthread_mutex_t lock;        /* guards the fields down to `fault` */
    aphx_buf        pending;     /* encoded records not yet written */
    txnlog_split   *splits;
    size_t          split_count, split_cap;
    bool            need_new_file;
    int64_t         last_zxid;   /* highest appended */
    int64_t         synced_zxid; /* highest durable */
    bool            poisoned;
    keeper_txnlog_fault fault;

    pthread_mutex_t sync_lock;   /* guards the fields below */
    aphx_buf        writing;     /* the batch being written (swapped in) */
    txnlog_split   *wsplits;
    size_t          wsplit_count, wsplit_cap;
    int             fd;          /* current file, -1 before the first */
    int64_t         pos;         /* next write offset in fd */
    int64_t         alloc_end;   /* bytes preallocated (zeros) in fd */
    char           *zeros;       /* TXNLOG_ZERO_CHUNK zero bytes */

    pthread_mutex_t spare_lock;  /* guards the fields below */
    pthread_t       spare_thread;
    bool            spare_thread_live;  /* started and not yet joined */
    int             spare_state;        /* TXNLOG_SPARE_* */
    bool            closing;
};

enum { TXNLOG_SPARE_NONE, TXNLOG_SPARE_BUILDING, TXNLOG_SPARE_READY };
#define TXNLOG_SPARE_NAME "log.spare"

/* ------------------------------------------------------------------ */
/* Byte order and checksums                                            */
/* ------------------------------------------------------------------ */

static uint64_t txnlog_checksum(const uint8_t *head12, const void *payload, size_t len)
{
    XXH64_state_t st;
    XXH64_reset(&st, 0);
    XXH64_update(&st, head12, 12);
    if (len) XXH64_update(&st, payload, len);
    return XXH64_digest(&st);
}

/* ------------------------------------------------------------------ */
/* Directory helpers                                                   */
/* ------------------------------------------------------------------ */
static aphx_rc txnlog_mkdir(const char *dir, aphx_error *err)
{
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) return APHX_OK;
    return aphx_fail(err, APHX_IO, "cannot create log directory %s: %s", dir, strerror(errno));
}

/* Parse "log.<hex>" into *zxid; false for any other name. */
static bool txnlog_parse_name(const char *name, int64_t *zxid)
{
    if (strncmp(name, "log.", 4) != 0) return false;
    const char *h = name + 4;
    if (!*h || strlen(h) > 16) return false;
    uint64_t v = 0;
    for (; *h; h++) {
        int d;
        if (*h >= '0' && *h <= '9') d = *h - '0';
        else if (*h >= 'a' && *h <= 'f') d = *h - 'a' + 10;
        else return false;
        v = v << 4 | (uint64_t)d;
    }
    if (v == 0 || v > INT64_MAX) return false;
    *zxid = (int64_t)v;
    return true;
}

static int txnlog_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

aphx_rc keeper_list_zxid_files(const char *dir, bool (*parse_name)(const char *, int64_t *),
                               bool newest_first, const char *what, int64_t **zxids,
                               size_t *count, aphx_error *err)
{
    *zxids = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return APHX_OK;
        return aphx_fail(err, APHX_IO, "cannot open %s directory %s: %s", what, dir,
                         strerror(errno));
    }
    aphx_rc rc = APHX_OK;
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int64_t z;
        if (!parse_name(de->d_name, &z)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *nv = aphx_realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = aphx_fail(err, APHX_NOMEM, "out of memory");
                goto out;
            }
            v = nv;
        }
        v[n++] = z;
    }
    if (n > 1) qsort(v, n, sizeof *v, txnlog_cmp_i64);
    if (newest_first)
        for (size_t i = 0; i < n / 2; i++) {
            int64_t t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
    *zxids = v;
    *count = n;
    v = NULL;
out:
    aphx_free(v);
    closedir(d);
    return rc;
}

aphx_rc keeper_txnlog_list(const char *dir, int64_t **zxids, size_t *count, aphx_error *err)
{
    return keeper_list_zxid_files(dir, txnlog_parse_name, false, "log", zxids, count, err);
}

static char *txnlog_path(const char *dir, int64_t zxid)
{
    size_t n = strlen(dir) + 32;
    char *p = aphx_malloc(n);
    if (p) snprintf(p, n, "%s/log.%" PRIx64, dir, (uint64_t)zxid);
    return p;
}

/* ------------------------------------------------------------------ */
/* Appending                                                           */
/* ------------------------------------------------------------------ */
static char *txnlog_spare_path(const char *dir)
{
    size_t n = strlen(dir) + sizeof TXNLOG_SPARE_NAME + 2;
    char *p = aphx_malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, TXNLOG_SPARE_NAME);
    return p;
}

/* Helper thread: zero-fill log.spare to the preallocation size and make it
 * durable. Gives up quietly (state NONE) on any error or on close. */
static void *txnlog_spare_main(void *arg)
{
    keeper_txnlog *log = arg;
    bool ok = false;
    char *path = txnlog_spare_path(log->dir);
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (fd >= 0) {
        ok = true;
        for (int64_t off = 0; ok && off < log->prealloc; off += TXNLOG_ZERO_CHUNK) {
            pthread_mutex_lock(&log->spare_lock);
            bool closing = log->closing;
            pthread_mutex_unlock(&log->spare_lock);
            size_t n = (size_t)APHX_MIN((int64_t)TXNLOG_ZERO_CHUNK, log->prealloc - off);
            ok = !closing && pwrite(fd, log->zeros, n, (off_t)off) == (ssize_t)n;
        }
        ok = ok && fdatasync(fd) == 0;
        close(fd);
        if (!ok) unlink(path);
    }
    pthread_mutex_lock(&log->spare_lock);
    log->spare_state = ok ? TXNLOG_SPARE_READY : TXNLOG_SPARE_NONE;
    bool closing = log->closing;
    pthread_mutex_unlock(&log->spare_lock);
    if (!ok && !closing)
        APHX_DEBUG(TXNLOG_MOD, "could not prepare a spare log file in %s", log->dir);
    aphx_free(path);
    return NULL;
}

/* Start building a spare if there is none (called with sync_lock held or
 * from open/close, never concurrently). */
static void txnlog_spare_kick(keeper_txnlog *log)
{
    pthread_mutex_lock(&log->spare_lock);
    bool want = log->spare_state == TXNLOG_SPARE_NONE && !log->closing;
    bool join = want && log->spare_thread_live;
    pthread_mutex_unlock(&log->spare_lock);
    if (!want) return;
    if (join) {
        pthread_join(log->spare_thread, NULL); /* it finished: state is NONE */
        log->spare_thread_live = false;
    }
    pthread_mutex_lock(&log->spare_lock);
    log->spare_state = TXNLOG_SPARE_BUILDING;
    pthread_mutex_unlock(&log->spare_lock);
    if (pthread_create(&log->spare_thread, NULL, txnlog_spare_main, log) == 0) {
        log->spare_thread_live = true;
    } else {
        pthread_mutex_lock(&log->spare_lock);
        log->spare_state = TXNLOG_SPARE_NONE;
        pthread_mutex_unlock(&log->spare_lock);
    }
}

bool keeper_txnlog_spare_ready(keeper_txnlog *log)
{
    pthread_mutex_lock(&log->spare_lock);
    bool ready = log->spare_state == TXNLOG_SPARE_READY;
    pthread_mutex_unlock(&log->spare_lock);
    return ready;
}

/* Turn a ready spare into `path`; returns an open fd, or -1 if no spare was
 * ready (or the rename failed: the caller creates the file itself). */
static int txnlog_spare_take(keeper_txnlog *log, const char *path)
{
    pthread_mutex_lock(&log->spare_lock);
    bool ready = log->spare_state == TXNLOG_SPARE_READY;
    if (ready) log->spare_state = TXNLOG_SPARE_NONE;
    pthread_mutex_unlock(&log->spare_lock);
    if (!ready) return -1;
    char *spare = txnlog_spare_path(log->dir);
    int fd = -1;
    if (spare && renameat2(AT_FDCWD, spare, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        fd = open(path, O_RDWR | O_CLOEXEC);
    else if (spare)
        unlink(spare);
    aphx_free(spare);
    return fd;
}

aphx_rc keeper_txnlog_open(keeper_txnlog **out, const keeper_txnlog_options *opt,
                           int64_t last_zxid, aphx_error *err)
{
    aphx_rc rc;
    *out = NULL;
    keeper_txnlog *log = aphx_calloc(1, sizeof *log);
    if (!log) return aphx_fail(err, APHX_NOMEM, "out of memory");
    log->fd = -1;
    log->dir_fd = -1;
    log->prealloc = opt->prealloc_bytes > 0 ? opt->prealloc_bytes : TXNLOG_DEFAULT_PREALLOC;
    log->no_sync = opt->no_sync;
    log->need_new_file = true;
    log->last_zxid = last_zxid;
    log->synced_zxid = last_zxid;
    aphx_buf_init(&log->pending);
    aphx_buf_init(&log->writing);
    pthread_mutex_init(&log->lock, NULL);
    pthread_mutex_init(&log->sync_lock, NULL);
    pthread_mutex_init(&log->spare_lock, NULL);
    log->dir = aphx_strdup(opt->dir);
    log->zeros = aphx_calloc(1, TXNLOG_ZERO_CHUNK);
    if (!log->dir || !log->zeros) {
        rc = aphx_fail(err, APHX_NOMEM, "out of memory");
        goto fail;
    }
    rc = txnlog_mkdir(opt->dir, err);
    if (rc != APHX_OK) goto fail;
    log->dir_fd = open(opt->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (log->dir_fd < 0) {
        rc = aphx_fail(err, APHX_IO, "cannot open log directory %s: %s", opt->dir,
                       strerror(errno));
        goto fail;
    }
    char *stale = txnlog_spare_path(opt->dir);
    if (stale) unlink(stale);
    aphx_free(stale);
    txnlog_spare_kick(log);
    *out = log;
    return APHX_OK;
fail:
    keeper_txnlog_close(log);
    return rc;
}

aphx_rc keeper_txnlog_append(keeper_txnlog *log, int64_t zxid, const void *payload, size_t len,
                             aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    if (len > KEEPER_TXNLOG_MAX_PAYLOAD)
        return aphx_fail(err, APHX_INVALID, "txn log record of %zu bytes exceeds the %u limit",
                         len, KEEPER_TXNLOG_MAX_PAYLOAD);
    pthread_mutex_lock(&log->lock);
    if (log->poisoned) {
        rc = aphx_fail(err, APHX_IO, "txn log %s refuses appends after a failed write", log->dir);
        goto out;
    }
    if (zxid <= log->last_zxid) {
        rc = aphx_fail(err, APHX_INVALID, "txn log zxid 0x%" PRIx64 " not above 0x%" PRIx64,
                       (uint64_t)zxid, (uint64_t)log->last_zxid);
        goto out;
    }
    if (log->need_new_file) {
        if (log->split_count == log->split_cap) {
            size_t cap = log->split_cap ? log->split_cap * 2 : 4;
            txnlog_split *ns = aphx_realloc(log->splits, cap * sizeof *ns);
            if (!ns) {
                rc = aphx_fail(err, APHX_NOMEM, "out of memory");
                goto out;
            }
            log->splits = ns;
            log->split_cap = cap;
        }
        log->splits[log->split_count++] = (txnlog_split){log->pending.len, zxid};
        log->need_new_file = false;
    }
    uint8_t head[TXNLOG_REC_HEADER];
    aphx_put_be32(head, (uint32_t)len);
    aphx_put_be64(head + 4, (uint64_t)zxid);
    aphx_put_be64(head + 12, txnlog_checksum(head, payload, len));
    size_t before = log->pending.len;
    aphx_buf_append(&log->pending, head, sizeof head);
    if (len) aphx_buf_append(&log->pending, payload, len);
    if (log->pending.oom) {
        log->pending.oom = false;
        log->pending.len = before;
        if (log->split_count && log->splits[log->split_count - 1].offset == before &&
            log->splits[log->split_count - 1].first_zxid == zxid) {
            log->split_count--;
            log->need_new_file = true;
        }
        rc = aphx_fail(err, APHX_NOMEM, "out of memory buffering a txn log record");
        goto out;
    }
    log->last_zxid = zxid;
out:
    pthread_mutex_unlock(&log->lock);
    return rc;
}

void keeper_txnlog_roll(keeper_txnlog *log)
{
    pthread_mutex_lock(&log->lock);
    log->need_new_file = true;
    pthread_mutex_unlock(&log->lock);
}

int64_t keeper_txnlog_last_zxid(keeper_txnlog *log)
{
    pthread_mutex_lock(&log->lock);
    int64_t z = log->last_zxid;
    pthread_mutex_unlock(&log->lock);
    return z;
}

int64_t keeper_txnlog_synced_zxid(keeper_txnlog *log)
{
    pthread_mutex_lock(&log->lock);
    int64_t z = log->synced_zxid;
    pthread_mutex_unlock(&log->lock);
    return z;
}

void keeper_txnlog_inject_fault(keeper_txnlog *log, keeper_txnlog_fault fault)
{
    pthread_mutex_lock(&log->lock);
    log->fault = fault;
    pthread_mutex_unlock(&log->lock);
}

/* Take the pending injected fault of this kind (test hook). */
static bool txnlog_take_fault(keeper_txnlog *log, keeper_txnlog_fault kind)
{
    pthread_mutex_lock(&log->lock);
    bool hit = log->fault == kind;
    if (hit) log->fault = KEEPER_TXNLOG_FAULT_NONE;
    pthread_mutex_unlock(&log->lock);
    return hit;
}

static aphx_rc txnlog_pwrite(keeper_txnlog *log, const void *data, size_t len, int64_t off,
                             aphx_error *err)
{
    const char *p = data;
    if (txnlog_take_fault(log, KEEPER_TXNLOG_FAULT_WRITE))
        return aphx_fail(err, APHX_IO, "txn log write in %s: %s (injected)", log->dir,
                         strerror(EIO));
    while (len > 0) {
        ssize_t w = pwrite(log->fd, p, len, (off_t)off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return aphx_fail(err, APHX_IO, "txn log write in %s: %s", log->dir, strerror(errno));
        }
        p += w;
        len -= (size_t)w;
        off += w;
    }
    return APHX_OK;
}

static aphx_rc txnlog_datasync(keeper_txnlog *log, int fd, aphx_error *err)
{
    if (txnlog_take_fault(log, KEEPER_TXNLOG_FAULT_FSYNC))
        return aphx_fail(err, APHX_IO, "txn log fdatasync in %s: %s (injected)", log->dir,
                         strerror(EIO));
    if (log->no_sync) return APHX_OK;
    if (fdatasync(fd) != 0)
        return aphx_fail(err, APHX_IO, "txn log fdatasync in %s: %s", log->dir, strerror(errno));
    return APHX_OK;
}

/* Make sure [pos, pos+len) lies inside the preallocated zeros. */
static aphx_rc txnlog_ensure_alloc(keeper_txnlog *log, size_t len, aphx_error *err)
{
    int64_t need = log->pos + (int64_t)len;
    if (need <= log->alloc_end) return APHX_OK;
    int64_t end = log->alloc_end;
    int64_t target = ((need + log->prealloc - 1) / log->prealloc) * log->prealloc;
    while (end < target) {
        size_t n = (size_t)APHX_MIN((int64_t)TXNLOG_ZERO_CHUNK, target - end);
        const char *p = log->zeros;
        size_t left = n;
        int64_t off = end;
        while (left > 0) {
            ssize_t w = pwrite(log->fd, p, left, (off_t)off);
            if (w < 0) {
                if (errno == EINTR) continue;
                return aphx_fail(err, APHX_IO, "preallocating txn log in %s: %s", log->dir,
                                 strerror(errno));
            }
            p += w;
            left -= (size_t)w;
            off += w;
        }
        end += (int64_t)n;
    }
    log->alloc_end = target;
    return APHX_OK;
}

/* Finish the current file (it was already synced by the caller) and start
 * log.<first_zxid> with its header. */
static aphx_rc txnlog_start_file(keeper_txnlog *log, int64_t first_zxid, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    if (log->fd >= 0) {
        close(log->fd);
        log->fd = -1;
    }
    char *path = txnlog_path(log->dir, first_zxid);
    if (!path) return aphx_fail(err, APHX_NOMEM, "out of memory");
    log->pos = 0;
    log->alloc_end = 0;
    log->fd = txnlog_spare_take(log, path);
    if (log->fd >= 0) {
        struct stat st;
        if (fstat(log->fd, &st) == 0) log->alloc_end = st.st_size;
    } else {
        log->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (log->fd < 0) {
        rc = aphx_fail(err, APHX_IO, "cannot create txn log %s: %s", path, strerror(errno));
        goto out;
    }
    txnlog_spare_kick(log);
    rc = txnlog_ensure_alloc(log, TXNLOG_FILE_HEADER, err);
    if (rc != APHX_OK) goto out;
    uint8_t head[TXNLOG_FILE_HEADER];
    memcpy(head, TXNLOG_MAGIC, 4);
    aphx_put_be32(head + 4, TXNLOG_VERSION);
    aphx_put_be64(head + 8, (uint64_t)first_zxid);
    rc = txnlog_pwrite(log, head, sizeof head, 0, err);
    if (rc != APHX_OK) goto out;
    log->pos = TXNLOG_FILE_HEADER;
out:
    aphx_free(path);
    return rc;
}

static aphx_rc txnlog_write_range(keeper_txnlog *log, const char *p, size_t n, aphx_error *err)
{
    if (n == 0) return APHX_OK;
    aphx_rc rc = txnlog_ensure_alloc(log, n, err);
    if (rc == APHX_OK) rc = txnlog_pwrite(log, p, n, log->pos, err);
    if (rc == APHX_OK) log->pos += (int64_t)n;
    return rc;
}

aphx_rc keeper_txnlog_sync(keeper_txnlog *log, int64_t *synced_zxid, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    bool new_files = false;
    pthread_mutex_lock(&log->sync_lock);

    /* Swap the pending batch out. */
    pthread_mutex_lock(&log->lock);
    if (log->poisoned) {
        pthread_mutex_unlock(&log->lock);
        rc = aphx_fail(err, APHX_IO, "txn log %s refuses work after a failed write", log->dir);
        goto out;
    }
    aphx_buf tmpb = log->writing;
    log->writing = log->pending;
    log->pending = tmpb;
    aphx_buf_reset(&log->pending);
    txnlog_split *ts = log->wsplits;
    size_t tcap = log->wsplit_cap;
    log->wsplits = log->splits;
    log->wsplit_cap = log->split_cap;
    log->wsplit_count = log->split_count;
    log->splits = ts;
    log->split_cap = tcap;
    log->split_count = 0;
    int64_t batch_last = log->last_zxid;
    pthread_mutex_unlock(&log->lock);

    if (log->writing.len == 0) {
        if (synced_zxid) *synced_zxid = keeper_txnlog_synced_zxid(log);
        goto out;
    }
    /* Write the batch, starting a new file at every split. */
    size_t done = 0;
    for (size_t i = 0; i < log->wsplit_count; i++) {
        txnlog_split sp = log->wsplits[i];
        rc = txnlog_write_range(log, log->writing.data + done, sp.offset - done, err);
        if (rc != APHX_OK) goto poison;
        if (log->fd >= 0) {
            rc = txnlog_datasync(log, log->fd, err);
            if (rc != APHX_OK) goto poison;
        }
        rc = txnlog_start_file(log, sp.first_zxid, err);
        if (rc != APHX_OK) goto poison;
        new_files = true;
        done = sp.offset;
    }
    if (log->fd < 0) {
        rc = aphx_fail(err, APHX_INTERNAL, "txn log %s: records without a file", log->dir);
        goto poison;
    }
    rc = txnlog_write_range(log, log->writing.data + done, log->writing.len - done, err);
    if (rc != APHX_OK) goto poison;
    rc = txnlog_datasync(log, log->fd, err);
    if (rc != APHX_OK) goto poison;
    if (new_files && !log->no_sync && fsync(log->dir_fd) != 0) {
        rc = aphx_fail(err, APHX_IO, "fsync of log directory %s: %s", log->dir, strerror(errno));
        goto poison;
    }
    aphx_buf_reset(&log->writing);
    pthread_mutex_lock(&log->lock);
    log->synced_zxid = batch_last;
    pthread_mutex_unlock(&log->lock);
    if (synced_zxid) *synced_zxid = batch_last;
    goto out;

poison:
    pthread_mutex_lock(&log->lock);
    log->poisoned = true;
    pthread_mutex_unlock(&log->lock);
    APHX_ERROR(TXNLOG_MOD, "%s", err && err->msg[0] ? err->msg : "txn log write failed");
out:
    pthread_mutex_unlock(&log->sync_lock);
    return rc;
}

void keeper_txnlog_close(keeper_txnlog *log)
{
    if (!log) return;
    pthread_mutex_lock(&log->spare_lock);
    log->closing = true;
    pthread_mutex_unlock(&log->spare_lock);
    if (log->spare_thread_live) pthread_join(log->spare_thread, NULL);
    if (log->dir) {
        char *spare = txnlog_spare_path(log->dir);
        if (spare) unlink(spare);
        aphx_free(spare);
    }
    pthread_mutex_destroy(&log->spare_lock);
    if (log->fd >= 0) close(log->fd);
    if (log->dir_fd >= 0) close(log->dir_fd);
    aphx_buf_free(&log->pending);
    aphx_buf_free(&log->writing);
    aphx_free(log->splits);
    aphx_free(log->wsplits);
    aphx_free(log->zeros);
    aphx_free(log->dir);
    pthread_mutex_destroy(&log->lock);
    pthread_mutex_destroy(&log->sync_lock);
    aphx_free(log);
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */
/* ------------------------------------------------------------------ */

/* Buffered positional reader over one file. */
typedef struct txnlog_reader {
    int      fd;
    int64_t  size;
    uint8_t *buf;
    size_t   cap;
    int64_t  win_off;   /* file offset of buf[0] */
    size_t   win_len;
} txnlog_reader;

/* Make [off, off+n) available; returns a pointer into the window, or NULL
 * (with *short_read set) when the file ends first. */
static const uint8_t *txnlog_reader_get(txnlog_reader *r, int64_t off, size_t n, bool *short_read,
                                        aphx_rc *rc, aphx_error *err, const char *path)
{
    *short_read = false;
    if (off + (int64_t)n > r->size) {
        *short_read = true;
        return NULL;
    }
    if (off >= r->win_off && off + (int64_t)n <= r->win_off + (int64_t)r->win_len)
        return r->buf + (off - r->win_off);
    size_t want = APHX_MAX(n, (size_t)(64 * 1024));
    if (want > r->cap) {
        uint8_t *nb = aphx_realloc(r->buf, want);
        if (!nb) {
            *rc = aphx_fail(err, APHX_NOMEM, "out of memory reading %s", path);
            return NULL;
        }
        r->buf = nb;
        r->cap = want;
    }
    size_t got = 0;
    size_t to_read = (size_t)APHX_MIN((int64_t)r->cap, r->size - off);
    while (got < to_read) {
        ssize_t k = pread(r->fd, r->buf + got, to_read - got, (off_t)(off + (int64_t)got));
        if (k < 0) {
            if (errno == EINTR) continue;
            *rc = aphx_fail(err, APHX_IO, "reading %s: %s", path, strerror(errno));
            return NULL;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    r->win_off = off;
    r->win_len = got;
    if (got < n) {
        *short_read = true;
        return NULL;
    }
    return r->buf;
}

static bool txnlog_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

/* Outcome of scanning one file. */
typedef struct txnlog_scan {
    int64_t     bad_offset;   /* -1 if the file ended cleanly */
    const char *why;          /* reason when bad_offset >= 0 */
    bool        bad_header;
    uint64_t    records;
} txnlog_scan;

static aphx_rc txnlog_scan_file(const char *path, int64_t name_zxid, int64_t after_zxid,
                                int64_t *prev_zxid, keeper_txnlog_replay_fn fn, void *ctx,
                                txnlog_scan *scan, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    txnlog_reader r = {.fd = -1};
    bool shrt;
    scan->bad_offset = -1;
    scan->why = NULL;
    scan->bad_header = false;
    scan->records = 0;
    r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) return aphx_fail(err, APHX_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(r.fd, &st) != 0) {
        rc = aphx_fail(err, APHX_IO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    r.size = st.st_size;
    const uint8_t *h = txnlog_reader_get(&r, 0, TXNLOG_FILE_HEADER, &shrt, &rc, err, path);
    if (rc != APHX_OK) goto out;
    if (!h) {
        scan->bad_offset = 0;
        scan->bad_header = true;
        scan->why = "file shorter than its header";
        goto out;
    }
    if (memcmp(h, TXNLOG_MAGIC, 4) != 0 || aphx_get_be32(h + 4) != TXNLOG_VERSION ||
        (int64_t)aphx_get_be64(h + 8) != name_zxid) {
        scan->bad_offset = 0;
        scan->bad_header = true;
        scan->why = "bad file header (magic, version or first zxid)";
        goto out;
    }
    int64_t off = TXNLOG_FILE_HEADER;
    for (;;) {
        if (off == r.size) break; /* clean end of file */
        const uint8_t *rh = txnlog_reader_get(&r, off, TXNLOG_REC_HEADER, &shrt, &rc, err, path);
        if (rc != APHX_OK) goto out;
        if (!rh) {
            /* Fewer than 20 bytes left: zeros are preallocation, else torn. */
            const uint8_t *tail =
                txnlog_reader_get(&r, off, (size_t)(r.size - off), &shrt, &rc, err, path);
            if (rc != APHX_OK) goto out;
            if (!tail || !txnlog_all_zero(tail, (size_t)(r.size - off))) {
                scan->bad_offset = off;
                scan->why = "torn record header";
            }
            break;
        }
        if (txnlog_all_zero(rh, TXNLOG_REC_HEADER)) break; /* preallocated tail */
        uint32_t len = aphx_get_be32(rh);
        int64_t zxid = (int64_t)aphx_get_be64(rh + 4);
        uint64_t sum = aphx_get_be64(rh + 12);
        uint8_t head12[12];
        memcpy(head12, rh, 12);
        if (len > KEEPER_TXNLOG_MAX_PAYLOAD) {
            scan->bad_offset = off;
            scan->why = "record length out of range";
            break;
        }
        if (off + TXNLOG_REC_HEADER + (int64_t)len > r.size) {
            scan->bad_offset = off;
            scan->why = "record runs past the end of the file";
            break;
        }
        const uint8_t *payload =
            txnlog_reader_get(&r, off + TXNLOG_REC_HEADER, len, &shrt, &rc, err, path);
        if (rc != APHX_OK) goto out;
        if (!payload) {
            scan->bad_offset = off;
            scan->why = "record runs past the end of the file";
            break;
        }
        if (txnlog_checksum(head12, payload, len) != sum) {
            scan->bad_offset = off;
            scan->why = "checksum mismatch";
            break;
        }
        if (zxid <= *prev_zxid || (scan->records == 0 && zxid != name_zxid)) {
            scan->bad_offset = off;
            scan->why = "zxid out of order";
            break;
        }
        *prev_zxid = zxid;
        scan->records++;
        if (zxid > after_zxid && fn) {
            rc = fn(ctx, zxid, payload, len, err);
            if (rc != APHX_OK) goto out;
        }
        off += TXNLOG_REC_HEADER + (int64_t)len;
    }
out:
    aphx_free(r.buf);
    if (r.fd >= 0) close(r.fd);
    return rc;
}

static aphx_rc txnlog_fsync_dir(const char *dir, aphx_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return aphx_fail(err, APHX_IO, "cannot open %s: %s", dir, strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r != 0) return aphx_fail(err, APHX_IO, "fsync of %s: %s", dir, strerror(e));
    return APHX_OK;
}

aphx_rc keeper_txnlog_replay(const char *dir, int64_t after_zxid, keeper_txnlog_replay_fn fn,
                             void *ctx, int64_t *last_zxid, aphx_error *err)
{
    int64_t *files = NULL;
    size_t count = 0;
    char *path = NULL;
    int64_t prev = 0;
    aphx_rc rc = keeper_txnlog_list(dir, &files, &count, err);
    if (rc != APHX_OK) return rc;

    /* First file to read: the newest whose first zxid <= after_zxid + 1. */
    size_t start = 0;
    for (size_t i = 0; i < count; i++)
        if (files[i] <= after_zxid + 1) start = i;
    if (start > 0) prev = files[start] - 1;

    for (size_t i = start; i < count; i++) {
        bool last = i + 1 == count;
        aphx_free(path);
        path = txnlog_path(dir, files[i]);
        if (!path) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto out;
        }
        txnlog_scan scan;
        rc = txnlog_scan_file(path, files[i], after_zxid, &prev, fn, ctx, &scan, err);
        if (rc != APHX_OK) goto out;
        if (scan.bad_offset < 0 && !(last && scan.records == 0)) continue;
        if (!last) {
            rc = aphx_fail(err, APHX_CORRUPT, "%s: %s at offset %lld (not the last log file)", path,
                           scan.why, (long long)scan.bad_offset);
            goto out;
        }
        if (scan.bad_header || scan.records == 0) {
            APHX_WARN(TXNLOG_MOD, "%s: %s; the file holds no complete record and is removed",
                      path, scan.why ? scan.why : "no records");
            if (unlink(path) != 0) {
                rc = aphx_fail(err, APHX_IO, "cannot remove %s: %s", path, strerror(errno));
                goto out;
            }
            rc = txnlog_fsync_dir(dir, err);
            if (rc != APHX_OK) goto out;
            continue;
        }
        APHX_WARN(TXNLOG_MOD, "%s: %s at offset %lld; truncating the log there (%llu records kept)",
                  path, scan.why, (long long)scan.bad_offset, (unsigned long long)scan.records);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ftruncate(fd, (off_t)scan.bad_offset) != 0 || fsync(fd) != 0) {
            rc = aphx_fail(err, APHX_IO, "cannot truncate %s: %s", path, strerror(errno));
            if (fd >= 0) close(fd);
            goto out;
        }
        close(fd);
    }
    if (last_zxid) *last_zxid = APHX_MAX(prev, after_zxid);
out:
    aphx_free(path);
    aphx_free(files);
    return rc;
}

aphx_rc keeper_txnlog_purge(const char *dir, int64_t keep_after_zxid, int *removed,
                            aphx_error *err)
{
    int64_t *files = NULL;
    size_t count = 0;
    int n = 0;
    aphx_rc rc = keeper_txnlog_list(dir, &files, &count, err);
    if (rc != APHX_OK) return rc;
    size_t keep_from = 0;
    for (size_t i = 0; i < count; i++)
        if (files[i] <= keep_after_zxid + 1) keep_from = i;
    if (count > 0 && keep_from > count - 1) keep_from = count - 1;
    for (size_t i = 0; i < keep_from; i++) {
        char *path = txnlog_path(dir, files[i]);
        if (!path) {
            rc = aphx_fail(err, APHX_NOMEM, "out of memory");
            goto out;
        }
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = aphx_fail(err, APHX_IO, "cannot remove %s: %s", path, strerror(errno));
            aphx_free(path);
            goto out;
        }
        APHX_INFO(TXNLOG_MOD, "purged %s", path);
        aphx_free(path);
        n++;
    }
out:
    if (removed) *removed = n;
    aphx_free(files);
    return rc;
}
