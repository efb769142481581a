// codecs.mjs — registers LZ4_FRAME and ZSTD body-compression codecs with
// apache-arrow, which ships none: lz4js (pure JS, LZ4 frame format) for both
// directions, fzstd (pure JS) to decompress and zstd-codec (libzstd built
// with Emscripten) to compress. Call `await registerCodecs()` once.
import * as A from 'apache-arrow';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let registered = null;

export function registerCodecs() {
  if (registered) return registered;
  registered = new Promise((resolve, reject) => {
    try {
      const lz4 = require('lz4js');
      const fzstd = require('fzstd');
      const { ZstdCodec } = require('zstd-codec');
      A.compressionRegistry.set(A.CompressionType.LZ4_FRAME, {
        encode: (data) => Uint8Array.from(lz4.compress(data)),
        decode: (data) => Uint8Array.from(lz4.decompress(data)),
      });
      ZstdCodec.run((zstd) => {
        // the streaming API in 1 MiB chunks: zstd-codec's Emscripten heap
        // cannot hold a large buffer at once (Simple.compress aborts "OOM")
        const streaming = new zstd.Streaming();
        const CHUNK = 1 << 20;
        A.compressionRegistry.set(A.CompressionType.ZSTD, {
          encode: (data) => {
            const chunks = [];
            for (let o = 0; o < data.length; o += CHUNK) chunks.push(data.subarray(o, Math.min(data.length, o + CHUNK)));
            return streaming.compressChunks(chunks, data.length, 1);
          },
          // apache-arrow views the result with typed arrays: it must start
          // at an 8-aligned offset, so copy into a fresh buffer
          decode: (data) => fzstd.decompress(data).slice(),
        });
        resolve();
      });
    } catch (e) {
      reject(e);
    }
  });
  return registered;
}
