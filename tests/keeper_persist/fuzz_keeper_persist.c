/*
 * fuzz_keeper_persist.c — libFuzzer target for the keeper's on-disk and
 * config readers, which take untrusted input: txn log replay (the input
 * becomes log.1, then log.1 + a second file), snapshot verification and
 * loading, and zoo.cfg parsing. The first input byte picks the reader.
 * Invariants: no crash/leak/UB; replay delivers strictly increasing zxids;
 * a second replay of a repaired log reports no truncation and the same
 * records; a snapshot that verifies also loads with the same record count.
 */
#include "keeper/keeper_config.h"
#include "keeper/snapshot.h"
#include "keeper/txnlog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];

static void fuzz_write(const char *name, const uint8_t *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) abort();
    if (len && write(fd, data, len) != (ssize_t)len) abort();
    close(fd);
}

static void fuzz_clear(void)
{
    static const char *const names[] = {"log.1", "log.2", "snapshot.1"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, names[i]);
        unlink(path);
    }
}

typedef struct fuzz_replay {
    int64_t  last;
    uint64_t count;
} fuzz_replay;

static aphx_rc fuzz_on_record(void *ctx, int64_t zxid, const uint8_t *p, size_t len,
                              aphx_error *err)
{
    (void)err;
    fuzz_replay *r = ctx;
    if (zxid <= r->last) abort(); /* replay must deliver increasing zxids */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++) sink ^= p[i];
    (void)sink;
    r->last = zxid;
    r->count++;
    return APHX_OK;
}

typedef struct fuzz_snap {
    uint64_t records;
} fuzz_snap;

static aphx_rc fuzz_snap_record(void *ctx, uint32_t type, const uint8_t *data, size_t len,
                                aphx_error *err)
{
    (void)type; (void)data; (void)len; (void)err;
    ((fuzz_snap *)ctx)->records++;
    return APHX_OK;
}

/* Remove the scratch directory when the fuzzer exits. */
static void fuzz_cleanup(void)
{
    fuzz_clear();
    rmdir(fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/aphx-fuzz-persist-%d", base, (int)getpid());
        mkdir(fuzz_dir, 0755);
        atexit(fuzz_cleanup);
        aphx_log_set_level(APHX_LOG_OFF);
    }
    if (size < 1) return 0;
    uint8_t mode = data[0] % 4;
    data++;
    size--;
    fuzz_clear();
    aphx_error err;
    if (mode == 0 || mode == 1) {
        /* mode 1: the input is a non-last file followed by an empty-ish
         * last one, so corruption must be an error, not a truncation. */
        fuzz_write("log.1", data, size);
        if (mode == 1) {
            static const uint8_t head[16] = {'A', 'K', 'L', 'G', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2};
            fuzz_write("log.2", head, sizeof head);
        }
        fuzz_replay r1 = {0}, r2 = {0};
        int64_t last1 = 0, last2 = 0;
        aphx_rc rc = keeper_txnlog_replay(fuzz_dir, 0, fuzz_on_record, &r1, &last1, &err);
        if (rc == APHX_OK) {
            /* The log is now repaired: replaying again gives the same. */
            if (keeper_txnlog_replay(fuzz_dir, 0, fuzz_on_record, &r2, &last2, &err) != APHX_OK)
                abort();
            if (r1.count != r2.count || last1 != last2) abort();
        }
    } else if (mode == 2) {
        fuzz_write("snapshot.1", data, size);
        int64_t z = 0;
        uint64_t n = 0;
        aphx_rc rc = keeper_snapshot_verify(fuzz_dir, &z, &n, &err); /* a directory: IO */
        (void)rc;
        char path[128];
        snprintf(path, sizeof path, "%s/snapshot.1", fuzz_dir);
        if (keeper_snapshot_verify(path, &z, &n, &err) == APHX_OK && z == 1) {
            fuzz_snap s = {0};
            keeper_snapshot_loader ld = {NULL, fuzz_snap_record, &s};
            int64_t lz = 0;
            if (keeper_snapshot_load(fuzz_dir, &ld, &lz, &err) != APHX_OK) abort();
            if (lz != 1 || s.records != n) abort();
        }
    } else {
        keeper_config cfg;
        if (keeper_config_parse(&cfg, "fuzz.cfg", (const char *)data, size, NULL, &err) == APHX_OK) {
            if (!cfg.data_dir || cfg.client_port < 1) abort();
            aphx_buf b;
            aphx_buf_init(&b);
            keeper_config_render(&cfg, 0, 0, &b);
            aphx_buf_free(&b);
            keeper_config_4lw_allowed(&cfg, "ruok");
            keeper_config_free(&cfg);
        }
    }
    return 0;
}
