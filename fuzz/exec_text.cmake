# The executor's parsers of untrusted SQL text: LIKE patterns (with ESCAPE)
# and the text -> int/float/decimal/bool/date/timestamp casts.
if(TARGET aphx_exec)
  aphx_fuzz_target(NAME fuzz_exec_text SOURCES fuzz_exec_text.c LIBS aphx_exec
                   SEEDS ${CMAKE_SOURCE_DIR}/fuzz/seeds/exec_text SECONDS 30)
endif()
