/*
 * memory.c — allocation wrappers with a fault-injection countdown, aligned
 * allocation for Arrow buffers, and arenas (bump allocation, bulk reset).
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

int64_t aphx_alloc_fail_countdown = 0;

static bool alloc_should_fail(void)
{
    if (aphx_alloc_fail_countdown <= 0) return false;
    return --aphx_alloc_fail_countdown == 0;
}

void *aphx_malloc(size_t n)
{
    if (alloc_should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *aphx_calloc(size_t count, size_t size)
{
    if (alloc_should_fail()) return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *aphx_realloc(void *p, size_t n)
{
    if (alloc_should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void aphx_free(void *p) { free(p); }

char *aphx_strdup(const char *s)
{
    return aphx_strndup(s, strlen(s));
}

char *aphx_strndup(const char *s, size_t n)
{
    char *d = aphx_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void *aphx_malloc_aligned(size_t n)
{
    if (alloc_should_fail()) return NULL;
    void *p = NULL;
    if (posix_memalign(&p, 64, APHX_ALIGN_UP(n ? n : 1, 64)) != 0) return NULL;
    return p;
}

void aphx_free_aligned(void *p) { free(p); }

/* ---- arenas ---- */
struct aphx_arena_block {
    aphx_arena_block *next;
    size_t            size;
    size_t            used;
    _Alignas(16) unsigned char data[];
};

void aphx_arena_init(aphx_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void *aphx_arena_alloc(aphx_arena *a, size_t n)
{
    n = APHX_ALIGN_UP(n ? n : 1, 16);
    aphx_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        b = aphx_malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *aphx_arena_calloc(aphx_arena *a, size_t n)
{
    void *p = aphx_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *aphx_arena_strndup(aphx_arena *a, const char *s, size_t n)
{
    char *d = aphx_arena_alloc(a, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *aphx_arena_strdup(aphx_arena *a, const char *s)
{
    return aphx_arena_strndup(a, s, strlen(s));
}

char *aphx_arena_printf(aphx_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = n >= 0 ? aphx_arena_alloc(a, (size_t)n + 1) : NULL;
    if (d) vsnprintf(d, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return d;
}

void aphx_arena_reset(aphx_arena *a)
{
    aphx_arena_block *b = a->head;
    if (!b) return;
    /* Keep the oldest block (the last in the list) for reuse. */
    while (b->next) {
        aphx_arena_block *next = b->next;
        aphx_free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->total = 0;
}

void aphx_arena_destroy(aphx_arena *a)
{
    aphx_arena_block *b = a->head;
    while (b) {
        aphx_arena_block *next = b->next;
        aphx_free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
