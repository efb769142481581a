# Arrow IPC reader fuzzer (stream and file format), seeded from the
# arrow-testing gold files (libFuzzer reads seed directories recursively)
# and from seeds/ipc: small files from the interop tests (our writer and
# apache-arrow's) with what the gold files lack: dictionary deltas and
# replacements, compressed streams, nested dictionaries, large_list, and
# apache-arrow's out-of-spec outputs (see tests/interop/README.md).
aphx_fuzz_target(NAME fuzz_ipc_reader SOURCES fuzz_ipc_reader.c LIBS aphx_arrow
                 SEEDS ${CMAKE_SOURCE_DIR}/../shared/corpora/arrow-testing
                       ${CMAKE_CURRENT_SOURCE_DIR}/seeds/ipc
                 SECONDS 60)
