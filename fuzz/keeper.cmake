# The keeper's request / ConnectRequest / txn decoders (fuzz/fuzz_jute.c).
aphx_fuzz_target(NAME fuzz_jute SOURCES fuzz_jute.c LIBS aphx_keeper
                 SEEDS ${CMAKE_SOURCE_DIR}/tests/keeper/fuzz_seeds SECONDS 30)
