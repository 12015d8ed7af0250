# cmake -DPROGRAM=... -DREQUEST=... -DOUTPUT=... [-DGZIP=ON] -P run_to_file.cmake
# Writes what `PROGRAM REQUEST` prints (a man page or completion script the built program renders from
# its own command definitions) to OUTPUT, and with GZIP also to OUTPUT.gz (gzip -9n: no name and no
# timestamp, so the packages are reproducible). Fails the build when the program fails or prints nothing.
execute_process(COMMAND "${PROGRAM}" "${REQUEST}" OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE rc)
file(SIZE "${OUTPUT}.tmp" size)
if(NOT rc EQUAL 0 OR size EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "${PROGRAM} ${REQUEST} failed (exit ${rc}, ${size} bytes)")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
if(GZIP)
  execute_process(COMMAND gzip -9 -n -c "${OUTPUT}" OUTPUT_FILE "${OUTPUT}.gz" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${OUTPUT} failed")
  endif()
endif()
