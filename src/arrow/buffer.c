/*
 * buffer.c — reference-counted Arrow buffers: owned 64-byte aligned memory,
 * views into a parent buffer (slices, zero-copy IPC), and wrapped foreign
 * memory released through a callback (C Data Interface import); plus bitmap
 * popcount.
 */
#include "arrow/arrow.h"

#include <string.h>

static int64_t buffer_capacity_for(int64_t size)
{
    return (int64_t)APHX_ALIGN_UP((size_t)(size > 0 ? size : 0), 64);
}

arrow_buffer *arrow_buffer_alloc(int64_t size)
{
    if (size < 0) return NULL;
    arrow_buffer *b = aphx_calloc(1, sizeof *b);
    if (!b) return NULL;
    int64_t cap = buffer_capacity_for(size);
    b->data = aphx_malloc_aligned((size_t)(cap ? cap : 64));
    if (!b->data) {
        aphx_free(b);
        return NULL;
    }
    memset(b->data, 0, (size_t)(cap ? cap : 64));
    b->refcount = 1;
    b->size = size;
    b->capacity = cap ? cap : 64;
    b->owned = true;
    return b;
}

aphx_rc arrow_buffer_resize(arrow_buffer *b, int64_t size)
{
    if (!b->owned || b->refcount != 1 || size < 0) return APHX_INVALID;
    if (size <= b->capacity) {
        if (size > b->size) memset(b->data + b->size, 0, (size_t)(size - b->size));
        b->size = size;
        return APHX_OK;
    }
    int64_t cap = b->capacity * 2;
    if (cap < buffer_capacity_for(size)) cap = buffer_capacity_for(size);
    uint8_t *data = aphx_malloc_aligned((size_t)cap);
    if (!data) return APHX_NOMEM;
    memcpy(data, b->data, (size_t)b->size);
    /* Only the new bytes in use are zeroed; bytes past `size` are zeroed
     * when a later resize takes them into use. */
    memset(data + b->size, 0, (size_t)(size - b->size));
    aphx_free_aligned(b->data);
    b->data = data;
    b->capacity = cap;
    b->size = size;
    return APHX_OK;
}

arrow_buffer *arrow_buffer_wrap(void *data, int64_t size, arrow_release_fn release, void *ctx)
{
    arrow_buffer *b = aphx_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->refcount = 1;
    b->data = data;
    b->size = size;
    b->release = release;
    b->release_ctx = ctx;
    return b;
}

arrow_buffer *arrow_buffer_view(arrow_buffer *parent, int64_t offset, int64_t size)
{
    if (!parent || offset < 0 || size < 0 || offset > parent->size ||
        size > parent->size - offset)
        return NULL;
    arrow_buffer *b = aphx_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->refcount = 1;
    b->data = parent->data + offset;
    b->size = size;
    b->parent = arrow_buffer_ref(parent);
    return b;
}

arrow_buffer *arrow_buffer_ref(arrow_buffer *b)
{
    if (b) b->refcount++;
    return b;
}

void arrow_buffer_unref(arrow_buffer *b)
{
    if (!b || --b->refcount > 0) return;
    if (b->owned) aphx_free_aligned(b->data);
    if (b->release) b->release(b->release_ctx);
    arrow_buffer_unref(b->parent);
    aphx_free(b);
}

int64_t arrow_bitmap_count_set(const uint8_t *bits, int64_t offset, int64_t length)
{
    int64_t count = 0, i = offset, end = offset + length;
    while (i < end && (i & 7)) count += arrow_bit_get(bits, i++);
    while (i + 64 <= end) {
        uint64_t w;
        memcpy(&w, bits + (i >> 3), 8);
        count += __builtin_popcountll(w);
        i += 64;
    }
    while (i + 8 <= end) {
        count += __builtin_popcount(bits[i >> 3]);
        i += 8;
    }
    while (i < end) count += arrow_bit_get(bits, i++);
    return count;
}
