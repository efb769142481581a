# SQL parser fuzzer: parse, check error fields, check the printer fixpoint.
aphx_fuzz_target(NAME fuzz_sql_parser SOURCES fuzz_sql_parser.c LIBS aphx_sql
                 SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/seeds/sql SECONDS 60)
