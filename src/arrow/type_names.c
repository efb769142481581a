/*
 * type_names.c — names of the Arrow logical types (generated from
 * ARROW_TYPE_LIST in arrow.h).
 */
#include "arrow/arrow.h"

static const char *const type_names[] = {
#define ARROW_X_NAME(name, text) text,
    ARROW_TYPE_LIST(ARROW_X_NAME)
#undef ARROW_X_NAME
};

const char *arrow_type_name(arrow_type_id id)
{
    if ((unsigned)id >= ARROW_TYPE_COUNT) return "unknown";
    return type_names[id];
}
