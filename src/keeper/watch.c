/*
 * watch.c — the keeper's watch tables and ZooKeeper's trigger rules.
 *
 * Four tables map a path to the watchers (connections) registered on it:
 *   DATA       one-shot; set by getData and exists (also on a missing node)
 *   CHILD      one-shot; set by getChildren(2)
 *   PERSISTENT addWatch mode 0: data and child events of that path, kept
 *   RECURSIVE  addWatch mode 1: created/deleted/data events of the path and
 *              every descendant (never NodeChildrenChanged), kept
 * Trigger (DataTree + WatchManager semantics):
 *   NodeCreated, NodeDataChanged(p): DATA[p], PERSISTENT[p], RECURSIVE[p and ancestors]
 *   NodeDeleted(p): DATA[p] + CHILD[p], PERSISTENT[p], RECURSIVE[p and ancestors]
 *   NodeChildrenChanged(p): CHILD[p], PERSISTENT[p]
 * A watcher gets at most one event per trigger; one-shot entries are removed.
 */
#include "keeper/keeper_int.h"

#include <string.h>

static keeper_watch_entry **keeper_watch_slot(keeper_watch_table *t, const char *path, size_t n,
                                              uint64_t h)
{
    keeper_watch_entry **pp = &t->b[h & (t->nb - 1)];
    while (*pp && !((*pp)->hash == h && strncmp((*pp)->path, path, n) == 0 && (*pp)->path[n] == 0))
        pp = &(*pp)->hnext;
    return pp;
}

static bool keeper_watch_table_grow(keeper_watch_table *t)
{
    size_t nb = t->nb ? t->nb * 2 : 256;
    keeper_watch_entry **b = aphx_calloc(nb, sizeof *b);
    if (!b) return false;
    for (size_t i = 0; i < t->nb; i++) {
        keeper_watch_entry *e = t->b[i];
        while (e) {
            keeper_watch_entry *next = e->hnext;
            e->hnext = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    aphx_free(t->b);
    t->b = b;
    t->nb = nb;
    return true;
}

static void keeper_watch_entry_free(keeper_watch_table *t, keeper_watch_entry **slot)
{
    keeper_watch_entry *e = *slot;
    *slot = e->hnext;
    t->count--;
    aphx_free(e->w);
    aphx_free(e->path);
    aphx_free(e);
}

void keeper_watch_add(keeper_db *db, int kind, const char *path, void *watcher)
{
    keeper_watch_table *t = &db->watches[kind];
    if ((t->count + 1 > t->nb) && !keeper_watch_table_grow(t)) return;
    size_t n = strlen(path);
    uint64_t h = keeper_hash_path(path, n);
    keeper_watch_entry **slot = keeper_watch_slot(t, path, n, h);
    keeper_watch_entry *e = *slot;
    if (!e) {
        e = aphx_calloc(1, sizeof *e);
        if (!e) return;
        e->path = aphx_strndup(path, n);
        if (!e->path) {
            aphx_free(e);
            return;
        }
        e->hash = h;
        e->hnext = t->b[h & (t->nb - 1)];
        t->b[h & (t->nb - 1)] = e;
        t->count++;
    }
    for (uint32_t i = 0; i < e->n; i++)
        if (e->w[i] == watcher) return;
    if (e->n == e->cap) {
        uint32_t cap = e->cap ? e->cap * 2 : 2;
        void **w = aphx_realloc(e->w, sizeof *w * cap);
        if (!w) return;
        e->w = w;
        e->cap = cap;
    }
    e->w[e->n++] = watcher;
    t->total++;
}

bool keeper_watch_has(keeper_db *db, int kind, const char *path, void *watcher)
{
    keeper_watch_table *t = &db->watches[kind];
    if (!t->nb) return false;
    size_t n = strlen(path);
    keeper_watch_entry *e = *keeper_watch_slot(t, path, n, keeper_hash_path(path, n));
    if (!e) return false;
    for (uint32_t i = 0; i < e->n; i++)
        if (e->w[i] == watcher) return true;
    return false;
}

bool keeper_watch_remove(keeper_db *db, int kind, const char *path, void *watcher)
{
    keeper_watch_table *t = &db->watches[kind];
    if (!t->nb) return false;
    size_t n = strlen(path);
    keeper_watch_entry **slot = keeper_watch_slot(t, path, n, keeper_hash_path(path, n));
    keeper_watch_entry *e = *slot;
    if (!e) return false;
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->w[i] == watcher) {
            e->w[i] = e->w[--e->n];
            t->total--;
            if (e->n == 0) keeper_watch_entry_free(t, slot);
            return true;
        }
    }
    return false;
}

void keeper_watch_remove_all(keeper_db *db, void *watcher)
{
    for (int k = 0; k < KEEPER_WT_KINDS; k++) {
        keeper_watch_table *t = &db->watches[k];
        for (size_t i = 0; i < t->nb; i++) {
            keeper_watch_entry **slot = &t->b[i];
            while (*slot) {
                keeper_watch_entry *e = *slot;
                for (uint32_t j = 0; j < e->n;) {
                    if (e->w[j] == watcher) {
                        e->w[j] = e->w[--e->n];
                        t->total--;
                    } else {
                        j++;
                    }
                }
                if (e->n == 0) keeper_watch_entry_free(t, slot);
                else slot = &e->hnext;
            }
        }
    }
}

/* Deliver to every watcher of table `kind` at `path`; one-shot tables drop the entry. */
static void keeper_watch_fire(keeper_db *db, int kind, const char *path, size_t n, int32_t type,
                              const char *event_path, bool consume)
{
    keeper_watch_table *t = &db->watches[kind];
    if (!t->nb || t->count == 0) return;
    keeper_watch_entry **slot = keeper_watch_slot(t, path, n, keeper_hash_path(path, n));
    keeper_watch_entry *e = *slot;
    if (!e) return;
    if (consume) {
        /* Detach first: delivery may close connections, which edits tables. */
        *slot = e->hnext;
        t->count--;
        t->total -= e->n;
        for (uint32_t i = 0; i < e->n; i++)
            if (db->deliver) db->deliver(db->deliver_ctx, e->w[i], type, event_path);
        aphx_free(e->w);
        aphx_free(e->path);
        aphx_free(e);
    } else {
        for (uint32_t i = 0; i < e->n; i++)
            if (db->deliver) db->deliver(db->deliver_ctx, e->w[i], type, event_path);
    }
}

void keeper_watch_trigger(keeper_db *db, int32_t type, const char *path)
{
    db->trigger_gen++;
    size_t n = strlen(path);
    switch (type) {
    case ZK_EVENT_CHILD_CHANGED:
        keeper_watch_fire(db, KEEPER_WT_CHILD, path, n, type, path, true);
        keeper_watch_fire(db, KEEPER_WT_PERSISTENT, path, n, type, path, false);
        return;
    case ZK_EVENT_DELETED:
        keeper_watch_fire(db, KEEPER_WT_CHILD, path, n, type, path, true);
        /* fall through */
    default:
        keeper_watch_fire(db, KEEPER_WT_DATA, path, n, type, path, true);
        keeper_watch_fire(db, KEEPER_WT_PERSISTENT, path, n, type, path, false);
        if (db->watches[KEEPER_WT_RECURSIVE].count == 0) return;
        /* the path itself and every ancestor */
        for (size_t len = n; len > 0;) {
            keeper_watch_fire(db, KEEPER_WT_RECURSIVE, path, len, type, path, false);
            if (len == 1) break;
            while (len > 0 && path[len - 1] != '/') len--;
            if (len > 1) len--;   /* drop the slash, except for the root */
        }
        return;
    }
}

void keeper_watch_free(keeper_db *db)
{
    for (int k = 0; k < KEEPER_WT_KINDS; k++) {
        keeper_watch_table *t = &db->watches[k];
        for (size_t i = 0; i < t->nb; i++) {
            while (t->b[i]) keeper_watch_entry_free(t, &t->b[i]);
        }
        aphx_free(t->b);
        memset(t, 0, sizeof *t);
    }
}

void keeper_watch_foreach(keeper_db *db, void (*fn)(void *ctx, int kind, const char *path,
                                                    void *watcher), void *ctx)
{
    for (int k = 0; k < KEEPER_WT_KINDS; k++) {
        keeper_watch_table *t = &db->watches[k];
        for (size_t i = 0; i < t->nb; i++)
            for (keeper_watch_entry *e = t->b[i]; e; e = e->hnext)
                for (uint32_t j = 0; j < e->n; j++) fn(ctx, k, e->path, e->w[j]);
    }
}
