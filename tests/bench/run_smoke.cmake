# Runs one benchmark program in its smoke mode: `cmake -DBENCH=<program> -DPATTERN=<regex> -P
# run_smoke.cmake`. Fails when the program exits non-zero or its output lacks the numbers
# PATTERN describes (matched against the whole output, newlines included). Prints the output and
# the wall time, so the test log shows each benchmark's smoke numbers.
string(TIMESTAMP started "%s")
execute_process(COMMAND "${BENCH}" --smoke
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 110)
string(TIMESTAMP ended "%s")
math(EXPR seconds "${ended} - ${started}")
message("${out}")
get_filename_component(name "${BENCH}" NAME)
message("${name} --smoke: exit ${code}, about ${seconds} s")
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${name} --smoke failed (exit ${code}):\n${err}")
endif()
string(REPLACE "\n" " " flat "${out}")
if(NOT flat MATCHES "${PATTERN}")
  message(FATAL_ERROR "${name} --smoke printed no numbers matching '${PATTERN}'\nstderr:\n${err}")
endif()
