/*
 * file.c — whole-file reads, full writes and number parsing.
 */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

aphx_rc aphx_read_file(const char *path, char **data, size_t *len, aphx_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return aphx_fail(err, APHX_IO, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    struct stat st;
    /* Regular files: allocate once, exactly (large IPC files are read whole). */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 2;
    char *buf = aphx_malloc(cap);
    aphx_rc rc = APHX_OK;
    if (!buf) {
        rc = aphx_fail(err, APHX_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (cap - n < 2) {
            char *nb = aphx_realloc(buf, cap * 2);
            if (!nb) {
                rc = aphx_fail(err, APHX_NOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = aphx_fail(err, APHX_IO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
out:
    aphx_free(buf);
    if (!is_stdin) close(fd);
    return rc;
}

aphx_rc aphx_write_all(int fd, const void *data, size_t len, aphx_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return aphx_fail(err, APHX_IO, "write: %s", strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
    return APHX_OK;
}

bool aphx_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s) return false;
    *out = (int64_t)v;
    return true;
}
