/*
 * base.h — the foundation every other module stands on: one list of error
 * codes, an optional error struct carrying a message, arenas for bulk
 * memory, a growable string buffer, logging, clocks, and a reader for the
 * Java-properties syntax used by zoo.cfg and aphx.properties.
 *
 * Conventions (STYLE.md):
 *   - Functions that can fail return an aphx_rc; 0 (APHX_OK) is success.
 *   - They take an optional `aphx_error *err` last; when non-NULL it receives
 *     a human-readable message. Passing NULL is always allowed.
 *   - Ownership is stated on each function: "caller owns" means the caller
 *     must release it with the named function.
 */
#ifndef APHX_BASE_H
#define APHX_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Error codes: one list; the enum and the strings are generated.      */
/* Map to ZooKeeper's or PostgreSQL's codes only at the wire boundary. */
/* ------------------------------------------------------------------ */
#define APHX_ERROR_LIST(X)                                               \
    X(OK,          "ok")                                                 \
    X(NOMEM,       "out of memory")                                      \
    X(INVALID,     "invalid argument")                                   \
    X(IO,          "I/O error")                                          \
    X(CORRUPT,     "corrupt or malformed data")                          \
    X(NOTFOUND,    "not found")                                          \
    X(EXISTS,      "already exists")                                     \
    X(UNSUPPORTED, "not supported")                                      \
    X(OVERFLOW,    "numeric overflow")                                   \
    X(RANGE,       "value out of range")                                 \
    X(SYNTAX,      "syntax error")                                       \
    X(PERMISSION,  "permission denied")                                  \
    X(TIMEOUT,     "timed out")                                          \
    X(CLOSED,      "connection closed")                                  \
    X(BUSY,        "busy, try again")                                    \
    X(CONFIG,      "configuration error")                                \
    X(EOF,         "end of input")                                       \
    X(INTERNAL,    "internal error")

typedef enum aphx_rc {
#define APHX_X_ENUM(name, text) APHX_##name,
    APHX_ERROR_LIST(APHX_X_ENUM)
#undef APHX_X_ENUM
    APHX_RC_COUNT
} aphx_rc;

/* Short constant name of a code ("CORRUPT"); never NULL. */
const char *aphx_rc_name(aphx_rc rc);
/* Human description of a code ("corrupt or malformed data"); never NULL. */
const char *aphx_rc_text(aphx_rc rc);

#define APHX_ERROR_MSG_MAX 512
typedef struct aphx_error {
    aphx_rc code;
    char    msg[APHX_ERROR_MSG_MAX];
} aphx_error;

/* Record `code` and a printf-style message in *err (err may be NULL).
 * Returns `code`, so callers can write `return aphx_fail(err, APHX_IO, ...)`. */
aphx_rc aphx_fail(aphx_error *err, aphx_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the message already in *err with more context ("file.arrow: ..."). */
aphx_rc aphx_error_prefix(aphx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void aphx_error_clear(aphx_error *err);

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */
/* Test hook: when > 0, the Nth following aphx_malloc-family call fails
 * (fault injection, SQLite style). 0 disables. */
extern int64_t aphx_alloc_fail_countdown;
void *aphx_malloc(size_t n);
void *aphx_calloc(size_t count, size_t size);
void *aphx_realloc(void *p, size_t n);
void  aphx_free(void *p);
char *aphx_strdup(const char *s);
char *aphx_strndup(const char *s, size_t n);
/* 64-byte aligned allocation (Arrow buffers); free with aphx_free_aligned. */
void *aphx_malloc_aligned(size_t n);
void  aphx_free_aligned(void *p);

/* Arena: bump allocator reset in bulk (query, batch, per-request memory).
 * Nothing allocated from an arena is freed individually. */
typedef struct aphx_arena_block aphx_arena_block;
typedef struct aphx_arena {
    aphx_arena_block *head;
    size_t            block_size;   /* default size of new blocks */
    size_t            total;        /* bytes handed out since the last reset */
} aphx_arena;

void  aphx_arena_init(aphx_arena *a, size_t block_size);
/* 16-byte aligned; NULL on out of memory. */
void *aphx_arena_alloc(aphx_arena *a, size_t n);
void *aphx_arena_calloc(aphx_arena *a, size_t n);
char *aphx_arena_strdup(aphx_arena *a, const char *s);
char *aphx_arena_strndup(aphx_arena *a, const char *s, size_t n);
char *aphx_arena_printf(aphx_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Free everything but keep the first block for reuse. */
void  aphx_arena_reset(aphx_arena *a);
/* Free everything. */
void  aphx_arena_destroy(aphx_arena *a);

/* ------------------------------------------------------------------ */
/* Growable byte/string buffer (always NUL-terminated when len > 0)    */
/* ------------------------------------------------------------------ */
typedef struct aphx_buf {
    char  *data;
    size_t len;
    size_t cap;
    bool   oom;   /* sticky: set when an append failed for lack of memory */
} aphx_buf;

void   aphx_buf_init(aphx_buf *b);
void   aphx_buf_free(aphx_buf *b);
void   aphx_buf_reset(aphx_buf *b);                 /* len = 0, keep memory */
bool   aphx_buf_reserve(aphx_buf *b, size_t extra); /* false on OOM */
void   aphx_buf_append(aphx_buf *b, const void *p, size_t n);
void   aphx_buf_putc(aphx_buf *b, char c);
void   aphx_buf_puts(aphx_buf *b, const char *s);
void   aphx_buf_printf(aphx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void   aphx_buf_vprintf(aphx_buf *b, const char *fmt, va_list ap);
/* Take ownership of the data (caller frees with aphx_free); b is reset. */
char  *aphx_buf_steal(aphx_buf *b);

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */
typedef enum aphx_log_level {
    APHX_LOG_DEBUG, APHX_LOG_INFO, APHX_LOG_WARN, APHX_LOG_ERROR, APHX_LOG_OFF
} aphx_log_level;

void aphx_log_set_level(aphx_log_level level);
aphx_log_level aphx_log_get_level(void);
/* Parse "debug|info|warn|error|off"; returns false if unknown. */
bool aphx_log_parse_level(const char *s, aphx_log_level *out);
void aphx_log_set_stream(FILE *f);   /* default stderr */
void aphx_log_write(aphx_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define APHX_DEBUG(mod, ...) aphx_log_write(APHX_LOG_DEBUG, mod, __VA_ARGS__)
#define APHX_INFO(mod, ...)  aphx_log_write(APHX_LOG_INFO, mod, __VA_ARGS__)
#define APHX_WARN(mod, ...)  aphx_log_write(APHX_LOG_WARN, mod, __VA_ARGS__)
#define APHX_ERROR(mod, ...) aphx_log_write(APHX_LOG_ERROR, mod, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Clocks                                                              */
/* ------------------------------------------------------------------ */
int64_t aphx_now_ns(void);        /* monotonic */
int64_t aphx_wall_ms(void);       /* milliseconds since the Unix epoch */

/* ------------------------------------------------------------------ */
/* Java-properties files (zoo.cfg, aphx.properties)                    */
/* ------------------------------------------------------------------ */
/* Syntax: `key=value`, `key: value` or `key value`; `#` and `!` comments;
 * a trailing backslash continues a line; \t \n \r \f \uXXXX escapes;
 * surrounding whitespace is trimmed. Later duplicates override earlier
 * ones (as java.util.Properties does) but the line of each is kept. */
typedef struct aphx_prop {
    char *key;
    char *value;
    int   line;       /* 1-based line where the entry starts */
    bool  used;       /* set by the aphx_props_get* accessors */
} aphx_prop;

typedef struct aphx_props {
    char      *path;    /* file name for messages ("<string>" if parsed from memory) */
    aphx_prop *items;
    size_t     count;
    size_t     cap;
} aphx_props;

/* Parse a file. On success *out is filled (free with aphx_props_free).
 * Errors: APHX_IO (cannot read; message names the file), APHX_CONFIG
 * (malformed; message names file and line), APHX_NOMEM. */
aphx_rc aphx_props_load(aphx_props *out, const char *path, aphx_error *err);
/* Parse text held in memory; `name` is used in messages. */
aphx_rc aphx_props_parse(aphx_props *out, const char *name, const char *text,
                         size_t len, aphx_error *err);
void aphx_props_free(aphx_props *p);
/* Add or replace an entry (used for command-line overrides; line = 0). */
aphx_rc aphx_props_set(aphx_props *p, const char *key, const char *value);
/* Returns the entry or NULL; marks it used. */
const aphx_prop *aphx_props_find(aphx_props *p, const char *key);
const char *aphx_props_get(aphx_props *p, const char *key, const char *dflt);
/* Typed getters: on a bad value, APHX_CONFIG with "file:line: key 'k': ..."
 * and *out unchanged. A missing key leaves *out at its default and returns OK. */
aphx_rc aphx_props_get_int(aphx_props *p, const char *key, int64_t min, int64_t max,
                           int64_t *out, aphx_error *err);
aphx_rc aphx_props_get_bool(aphx_props *p, const char *key, bool *out, aphx_error *err);

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */
/* ------------------------------------------------------------------ */
/* Read a whole file (or stdin for "-") into memory; caller frees *data
 * with aphx_free. The buffer is NUL-terminated (not counted in *len). */
aphx_rc aphx_read_file(const char *path, char **data, size_t *len, aphx_error *err);
/* Write all bytes to fd, retrying on EINTR/short writes. */
aphx_rc aphx_write_all(int fd, const void *data, size_t len, aphx_error *err);
/* Parse a signed decimal integer; whole string must be consumed. */
bool aphx_parse_i64(const char *s, int64_t *out);

/* Big-endian integers in byte buffers (wire and disk formats). */
static inline void aphx_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}
static inline void aphx_put_be64(uint8_t *p, uint64_t v)
{
    aphx_put_be32(p, (uint32_t)(v >> 32));
    aphx_put_be32(p + 4, (uint32_t)v);
}
static inline uint32_t aphx_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t aphx_get_be64(const uint8_t *p)
{
    return (uint64_t)aphx_get_be32(p) << 32 | aphx_get_be32(p + 4);
}

#define APHX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define APHX_MIN(a, b) ((a) < (b) ? (a) : (b))
#define APHX_MAX(a, b) ((a) > (b) ? (a) : (b))
#define APHX_ALIGN_UP(n, a) (((n) + ((a) - 1)) & ~((size_t)(a) - 1))

#endif /* APHX_BASE_H */
