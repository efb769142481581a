/*
 * error.c — the error-code table and the optional error struct.
 */
#include "base/base.h"

#include <string.h>

static const char *const rc_names[] = {
#define APHX_X_NAME(name, text) #name,
    APHX_ERROR_LIST(APHX_X_NAME)
#undef APHX_X_NAME
};

static const char *const rc_texts[] = {
#define APHX_X_TEXT(name, text) text,
    APHX_ERROR_LIST(APHX_X_TEXT)
#undef APHX_X_TEXT
};

const char *aphx_rc_name(aphx_rc rc)
{
    if ((unsigned)rc >= APHX_RC_COUNT) return "UNKNOWN";
    return rc_names[rc];
}

const char *aphx_rc_text(aphx_rc rc)
{
    if ((unsigned)rc >= APHX_RC_COUNT) return "unknown error";
    return rc_texts[rc];
}

aphx_rc aphx_fail(aphx_error *err, aphx_rc code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

aphx_rc aphx_error_prefix(aphx_error *err, const char *fmt, ...)
{
    if (!err) return APHX_OK;
    char prefix[APHX_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right and put "prefix: " before it, truncating. */
    size_t cap = sizeof err->msg - 1, plen = strlen(prefix), olen = strlen(err->msg);
    if (plen + 2 > cap) plen = cap - 2;
    size_t keep = olen < cap - plen - 2 ? olen : cap - plen - 2;
    memmove(err->msg + plen + 2, err->msg, keep);
    memcpy(err->msg, prefix, plen);
    err->msg[plen] = ':';
    err->msg[plen + 1] = ' ';
    err->msg[plen + 2 + keep] = '\0';
    return err->code;
}

void aphx_error_clear(aphx_error *err)
{
    if (err) {
        err->code = APHX_OK;
        err->msg[0] = '\0';
    }
}
