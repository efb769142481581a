/*
 * fuzz_exec_text.c — libFuzzer target for the executor's text parsers.
 * Input: byte 0 picks the mode, the rest is the text.
 *   even: LIKE — "pattern\nsubject"; the pattern is compiled without and
 *         with an ESCAPE character (byte 0 >> 1 selects it) and matched
 *         against the subject; on valid UTF-8 the result must not depend on
 *         the fast-path forms (checked against the generic matcher).
 *   odd:  CAST — the text is parsed as every type the executor casts
 *         text to, both directly and through the CAST kernel over a column.
 */
#include "exec/exec_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Structural UTF-8 check (lead byte + continuation bytes). The fast and
 * generic matchers must agree on valid text; on invalid bytes (which utf8
 * arrays may not hold) they only must not crash. */
static bool utf8_ok(const uint8_t *p, int64_t n)
{
    for (int64_t i = 0; i < n;) {
        int l = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
              : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
        if (!l || i + l > n) return false;
        for (int k = 1; k < l; k++)
            if ((p[i + k] & 0xc0) != 0x80) return false;
        i += l;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    uint8_t mode = data[0];
    const uint8_t *text = data + 1;
    int64_t len = (int64_t)size - 1;
    aphx_arena arena;
    aphx_arena_init(&arena, 4096);
    if ((mode & 1) == 0) {
        const uint8_t *nl = memchr(text, '\n', (size_t)len);
        int64_t plen = nl ? nl - text : len;
        const uint8_t *subj = nl ? nl + 1 : text;
        int64_t slen = nl ? len - plen - 1 : len;
        int32_t escapes[2] = {-1, "\\!#%_"[(mode >> 1) % 5]};
        for (int k = 0; k < 2; k++) {
            exec_like_pattern *p = exec_like_compile(&arena, text, plen, escapes[k], NULL);
            if (!p) continue;
            bool fast = exec_like_match(p, subj, slen);
            exec_like_pattern *g = exec_like_generic_copy(&arena, p);
            bool same = g ? exec_like_match(g, subj, slen) == fast : true;
            if (!same && utf8_ok(text, plen) && utf8_ok(subj, slen)) abort();
        }
    } else {
        static const arrow_type_id ids[] = {ARROW_INT8, ARROW_INT16, ARROW_INT32, ARROW_INT64,
                                            ARROW_FLOAT64, ARROW_BOOL, ARROW_DATE32, ARROW_TIMESTAMP,
                                            ARROW_DECIMAL128};
        for (size_t k = 0; k < APHX_ARRAY_LEN(ids); k++) {
            exec_type t = ids[k] == ARROW_DECIMAL128 ? exec_type_decimal(12, 3) : exec_type_of(ids[k]);
            exec_scalar s;
            exec_parse_value(text, len, t, &s, NULL);
            /* the same through the CAST kernel over a one-row column */
            exec_strbuild sb;
            if (!exec_strbuild_init(&sb, 1, len)) continue;
            exec_strbuild_append(&sb, text, len);
            arrow_array *col = exec_strbuild_finish(&sb);
            if (!col) continue;
            exec_vec v;
            exec_ctx ctx;
            exec_ctx_init(&ctx);
            arrow_array *out = NULL;
            if (exec_vec_init(&v, exec_type_of(ARROW_UTF8), col, false, 1, &arena, NULL) == APHX_OK &&
                exec_kernel_cast(&ctx, &v, t, 1, &out, NULL) == APHX_OK) {
                /* and back to text */
                exec_vec w;
                arrow_array *txt = NULL;
                if (exec_vec_init(&w, exec_canon(t), out, false, 1, &arena, NULL) == APHX_OK)
                    exec_kernel_cast(&ctx, &w, exec_type_of(ARROW_UTF8), 1, &txt, NULL);
                arrow_array_unref(txt);
            }
            arrow_array_unref(out);
            arrow_array_unref(col);
        }
    }
    aphx_arena_destroy(&arena);
    return 0;
}
