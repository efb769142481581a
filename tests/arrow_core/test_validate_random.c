/*
 * test_validate_random.c — runs the fuzz_arrow_validate body over a fixed
 * sequence of pseudo-random inputs (deterministic, a few seconds under
 * ASan), so the "validated arrays are safe to use" property is checked in
 * every unit-test run, not only by the libFuzzer build. Also counts how
 * many inputs validation accepted, so the generator stays meaningful.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "fuzz_arrow_validate.c"

static void test_random_arrays(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    uint8_t buf[1024];
    for (int round = 0; round < 15000; round++) {
        size_t n = 16 + (size_t)(round % 1000);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        /* bias some inputs towards small values (plausible offsets) */
        if (round % 3 == 0)
            for (size_t k = 0; k < n; k++) buf[k] %= 6;
        LLVMFuzzerTestOneInput(buf, n);
    }
    for (int i = 0; i < FZ_N_FIELDS; i++) {
        printf("field %d: %lld inputs accepted by validation\n", i, (long long)fz_accepted[i]);
        assert_true(fz_accepted[i] >= 25);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
