# The keeper's txn log replay, snapshot reader and zoo.cfg parser
# (tests/keeper_persist/fuzz_keeper_persist.c; first byte picks the reader).
aphx_fuzz_target(NAME fuzz_keeper_persist
                 SOURCES ${CMAKE_SOURCE_DIR}/tests/keeper_persist/fuzz_keeper_persist.c
                         ${CMAKE_SOURCE_DIR}/src/keeper/keeper_config.c
                         ${CMAKE_SOURCE_DIR}/src/keeper/txnlog.c
                         ${CMAKE_SOURCE_DIR}/src/keeper/snapshot.c
                 LIBS aphx_base
                 SEEDS ${CMAKE_SOURCE_DIR}/tests/keeper_persist/fuzz_seeds SECONDS 30)
