# Arrow IPC reader fuzzer (stream and file format), seeded from the
# arrow-testing gold files (libFuzzer reads seed directories recursively).
aphx_fuzz_target(NAME fuzz_ipc_reader SOURCES fuzz_ipc_reader.c LIBS aphx_arrow
                 SEEDS ${CMAKE_SOURCE_DIR}/../shared/corpora/arrow-testing SECONDS 60)
