/*
 * fuzz_jute.c — libFuzzer target for the keeper's decoders of untrusted
 * bytes. The first input byte picks the decoder:
 *   0: a ConnectRequest frame body (jute_decode_connect)
 *   1: a txn as replayed from the log, applied to a fresh data tree
 *      (keeper_db_apply; a corrupt txn must be an error, never a crash)
 *   otherwise: a client request frame body (jute_decode_request), every
 *      multi/multiRead op and ACL walked
 */
#include "keeper/keeper_int.h"

#include <stdint.h>
#include <string.h>

static size_t fuzz_jute_walk(const keeper_request *q)
{
    size_t n = q->path ? strlen(q->path) : 0;
    for (int32_t i = 0; i < q->acl.n; i++) n += strlen(q->acl.v[i].id.scheme) + strlen(q->acl.v[i].id.id);
    for (int k = 0; k < 5; k++)
        for (int32_t i = 0; i < q->watch_count[k]; i++) n += strlen(q->watch_paths[k][i]);
    for (int32_t i = 0; i < q->nops; i++) n += fuzz_jute_walk(&q->ops[i]);
    if (q->data && q->data_len > 0) n += q->data[q->data_len - 1];
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if (mode == 0) {
        zk_connect_request cr;
        (void)jute_decode_connect(data, size, &cr, NULL);
        return 0;
    }
    aphx_arena arena;
    aphx_arena_init(&arena, 4096);
    if (mode == 1) {
        keeper_db db;
        if (keeper_db_init(&db, NULL) == APHX_OK) {
            keeper_apply_result res;
            (void)keeper_db_apply(&db, data, size, &arena, &res, NULL);
            keeper_db_free(&db);
        }
    } else {
        keeper_request req;
        if (jute_decode_request(data, size, &arena, &req, NULL) == APHX_OK) {
            volatile size_t sink = fuzz_jute_walk(&req);
            (void)sink;
            if (req.path) (void)keeper_path_invalid(req.path);
        }
    }
    aphx_arena_destroy(&arena);
    return 0;
}
