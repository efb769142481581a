/*
 * fuzz_arrow_json.c — libFuzzer target for arrow_json_read, the Arrow
 * integration-JSON reader (src/arrow/json_integration.c). Any input must
 * either be refused with an error or produce batches that pass full
 * validation (arrow_batch_validate); a crash, leak, sanitizer report or a
 * batch that does not validate is a finding.
 */
#include "arrow/arrow.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arrow_schema schema;
    arrow_batch **batches = NULL;
    int64_t n = 0;
    aphx_error err = {0};
    if (arrow_json_read((const char *)data, size, &schema, &batches, &n, &err) != APHX_OK)
        return 0;
    for (int64_t i = 0; i < n; i++) {
        if (arrow_batch_validate(batches[i], true, &err) != APHX_OK) {
            fprintf(stderr, "fuzz_arrow_json: accepted a batch that does not validate: %s\n",
                    err.msg);
            abort();
        }
    }
    arrow_json_batches_free(batches, n);
    arrow_schema_free(&schema);
    return 0;
}
