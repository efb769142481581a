/*
 * compress.c — Arrow IPC body compression codecs: LZ4 frame format (liblz4's
 * LZ4F_* API) and Zstandard (libzstd). Each IPC buffer is compressed on its
 * own; the int64 length prefix is written by ipc_write.c and checked by
 * ipc_read.c. Decompression treats its input as untrusted: the output must
 * be exactly the announced length.
 */
#include "arrow/ipc_internal.h"

#include <lz4frame.h>
#include <zstd.h>

int64_t ipc_compress_bound(arrow_compression codec, int64_t n)
{
    if (codec == ARROW_COMPRESSION_LZ4_FRAME) {
        LZ4F_preferences_t prefs = {0};
        prefs.frameInfo.contentSize = (unsigned long long)n;
        return (int64_t)LZ4F_compressFrameBound((size_t)n, &prefs);
    }
    if (codec == ARROW_COMPRESSION_ZSTD) return (int64_t)ZSTD_compressBound((size_t)n);
    return n;
}

aphx_rc ipc_compress(arrow_compression codec, const uint8_t *src, int64_t n, uint8_t *dst,
                     int64_t dst_cap, int64_t *out_len, aphx_error *err)
{
    if (codec == ARROW_COMPRESSION_LZ4_FRAME) {
        LZ4F_preferences_t prefs = {0};
        prefs.frameInfo.contentSize = (unsigned long long)n;
        size_t r = LZ4F_compressFrame(dst, (size_t)dst_cap, src, (size_t)n, &prefs);
        if (LZ4F_isError(r))
            return aphx_fail(err, APHX_INTERNAL, "lz4 compression failed: %s", LZ4F_getErrorName(r));
        *out_len = (int64_t)r;
        return APHX_OK;
    }
    if (codec == ARROW_COMPRESSION_ZSTD) {
        size_t r = ZSTD_compress(dst, (size_t)dst_cap, src, (size_t)n, 1);
        if (ZSTD_isError(r))
            return aphx_fail(err, APHX_INTERNAL, "zstd compression failed: %s", ZSTD_getErrorName(r));
        *out_len = (int64_t)r;
        return APHX_OK;
    }
    return aphx_fail(err, APHX_INVALID, "unknown compression codec %d", (int)codec);
}

void ipc_codecs_free(ipc_codecs *cx)
{
    if (cx->lz4) LZ4F_freeDecompressionContext((LZ4F_dctx *)cx->lz4);
    if (cx->zstd) ZSTD_freeDCtx((ZSTD_DCtx *)cx->zstd);
    cx->lz4 = cx->zstd = NULL;
}

static aphx_rc ipc_lz4_decompress(ipc_codecs *cx, const uint8_t *src, int64_t n, uint8_t *dst,
                                  int64_t expected, aphx_error *err)
{
    aphx_rc rc = APHX_OK;
    if (!cx->lz4) {
        LZ4F_dctx *ctx = NULL;
        if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
            return aphx_fail(err, APHX_NOMEM, "lz4: cannot create a context");
        cx->lz4 = ctx;
    }
    LZ4F_dctx *ctx = (LZ4F_dctx *)cx->lz4;
    size_t in_pos = 0, out_pos = 0, r;
    for (;;) {
        size_t in_len = (size_t)n - in_pos, out_len = (size_t)expected - out_pos;
        r = LZ4F_decompress(ctx, dst + out_pos, &out_len, src + in_pos, &in_len, NULL);
        if (LZ4F_isError(r)) {
            rc = aphx_fail(err, APHX_CORRUPT, "lz4 frame: %s", LZ4F_getErrorName(r));
            goto done;
        }
        in_pos += in_len;
        out_pos += out_len;
        if (r == 0) break;   /* frame complete */
        if (in_len == 0 && out_len == 0) {
            /* No progress: input exhausted or output full before the frame ended. */
            rc = aphx_fail(err, APHX_CORRUPT,
                           out_pos == (size_t)expected
                               ? "lz4 frame: decompresses to more than the announced %lld bytes"
                               : "lz4 frame: truncated (announced %lld bytes)",
                           (long long)expected);
            goto done;
        }
    }
    if (out_pos != (size_t)expected)
        rc = aphx_fail(err, APHX_CORRUPT, "lz4 frame: decompressed to %zu bytes, announced %lld",
                       out_pos, (long long)expected);
done:
    if (rc) LZ4F_resetDecompressionContext(ctx);   /* ready for the next frame */
    return rc;
}

aphx_rc ipc_decompress_check(arrow_compression codec, const uint8_t *src, int64_t n,
                             int64_t expected, aphx_error *err)
{
    /* LZ4 expands at most ~255x; zstd at most 32768x (an RLE block of 128 KiB
     * takes 4 bytes). Claims beyond that are lies: refuse before allocating. */
    int64_t ratio = codec == ARROW_COMPRESSION_LZ4_FRAME ? 256 : 32768;
    if (n > 0 && expected > n * ratio + (1 << 17))
        return aphx_fail(err, APHX_CORRUPT,
                         "%s buffer of %lld bytes cannot decompress to the announced %lld bytes",
                         codec == ARROW_COMPRESSION_LZ4_FRAME ? "lz4" : "zstd", (long long)n,
                         (long long)expected);
    if (codec == ARROW_COMPRESSION_ZSTD) {
        unsigned long long fcs = ZSTD_getFrameContentSize(src, (size_t)n);
        if (fcs == ZSTD_CONTENTSIZE_ERROR)
            return aphx_fail(err, APHX_CORRUPT, "zstd frame: bad header");
        if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs > (unsigned long long)expected)
            return aphx_fail(err, APHX_CORRUPT, "zstd frame holds %llu bytes, announced %lld", fcs,
                             (long long)expected);
    }
    return APHX_OK;
}

aphx_rc ipc_decompress(ipc_codecs *cx, arrow_compression codec, const uint8_t *src, int64_t n,
                       uint8_t *dst, int64_t expected, aphx_error *err)
{
    if (codec == ARROW_COMPRESSION_LZ4_FRAME) return ipc_lz4_decompress(cx, src, n, dst, expected, err);
    if (codec == ARROW_COMPRESSION_ZSTD) {
        if (!cx->zstd && !(cx->zstd = ZSTD_createDCtx()))
            return aphx_fail(err, APHX_NOMEM, "zstd: cannot create a context");
        size_t r = ZSTD_decompressDCtx((ZSTD_DCtx *)cx->zstd, dst, (size_t)expected, src, (size_t)n);
        if (ZSTD_isError(r))
            return aphx_fail(err, APHX_CORRUPT, "zstd frame: %s", ZSTD_getErrorName(r));
        if (r != (size_t)expected)
            return aphx_fail(err, APHX_CORRUPT, "zstd frame: decompressed to %zu bytes, announced %lld",
                             r, (long long)expected);
        return APHX_OK;
    }
    return aphx_fail(err, APHX_CORRUPT, "unknown compression codec %d", (int)codec);
}
