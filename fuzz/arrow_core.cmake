# Arrow core: arrays built from fuzz input must either fail validation or be
# safe to render, compare, slice and round-trip through the C Data Interface.
aphx_fuzz_target(NAME fuzz_arrow_validate
                 SOURCES ${CMAKE_SOURCE_DIR}/tests/arrow_core/fuzz_arrow_validate.c
                 LIBS aphx_arrow
                 SEEDS ${CMAKE_SOURCE_DIR}/fuzz/seeds/arrow_validate SECONDS 30)
