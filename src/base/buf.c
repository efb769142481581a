/*
 * buf.c — growable NUL-terminated byte buffer with a sticky OOM flag, so
 * callers can append many times and check once.
 */
#include "base/base.h"

#include <string.h>

void aphx_buf_init(aphx_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void aphx_buf_free(aphx_buf *b)
{
    aphx_free(b->data);
    aphx_buf_init(b);
}

void aphx_buf_reset(aphx_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

bool aphx_buf_reserve(aphx_buf *b, size_t extra)
{
    if (b->oom) return false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *p = aphx_realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void aphx_buf_append(aphx_buf *b, const void *p, size_t n)
{
    if (!aphx_buf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void aphx_buf_putc(aphx_buf *b, char c) { aphx_buf_append(b, &c, 1); }

void aphx_buf_puts(aphx_buf *b, const char *s) { aphx_buf_append(b, s, strlen(s)); }

void aphx_buf_vprintf(aphx_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && aphx_buf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void aphx_buf_printf(aphx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aphx_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *aphx_buf_steal(aphx_buf *b)
{
    char *d = b->data;
    if (!d) d = aphx_strdup("");
    aphx_buf_init(b);
    return d;
}
