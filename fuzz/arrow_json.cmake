# The Arrow integration-JSON reader (tests' reference format; untrusted text).
aphx_fuzz_target(NAME fuzz_arrow_json SOURCES fuzz_arrow_json.c LIBS aphx_arrow
                 SEEDS ${CMAKE_SOURCE_DIR}/tests/arrow_gold/fuzz_seeds SECONDS 30)
