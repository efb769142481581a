/*
 * log.c — leveled logging to a stream (stderr by default), one line per
 * message: "2026-11-24T23:59:59.123Z WARN  keeper: message".
 */
#include "base/base.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static aphx_log_level log_level = APHX_LOG_INFO;
static FILE *log_stream;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void aphx_log_set_level(aphx_log_level level) { log_level = level; }
aphx_log_level aphx_log_get_level(void) { return log_level; }
void aphx_log_set_stream(FILE *f) { log_stream = f; }

bool aphx_log_parse_level(const char *s, aphx_log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error", "off"};
    for (size_t i = 0; i < APHX_ARRAY_LEN(names); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (aphx_log_level)i;
            return true;
        }
    }
    return false;
}

void aphx_log_write(aphx_log_level level, const char *module, const char *fmt, ...)
{
    static const char *const tags[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
    if (level < log_level || level >= APHX_LOG_OFF) return;
    int64_t ms = aphx_wall_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    FILE *f = log_stream ? log_stream : stderr;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&log_lock);
    fprintf(f, "%s.%03dZ %s %s: ", stamp, (int)(ms % 1000), tags[level], module);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
    pthread_mutex_unlock(&log_lock);
    va_end(ap);
}

int64_t aphx_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t aphx_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
