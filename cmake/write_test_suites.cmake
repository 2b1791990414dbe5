# Run after a test program is built (cmake/TestSuites.cmake): lists its
# GoogleTest suites and writes an add_test per suite into SUITES_FILE.
# `--gtest_list_tests` prints each suite's name flush left, ending in a dot
# (a parameterised suite's is followed by a `# TypeParam` comment), and its
# tests indented below it.
execute_process(
  COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests
  WORKING_DIRECTORY "${WORKING_DIRECTORY}"
  OUTPUT_VARIABLE listing
  ERROR_VARIABLE errors
  RESULT_VARIABLE status
  TIMEOUT 60)
if(NOT status EQUAL 0)
  file(REMOVE "${SUITES_FILE}")
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${status}):\n${listing}${errors}")
endif()

string(REPLACE "\n" ";" lines "${listing}")
set(script "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND script
      "add_test([==[${suite}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${suite}.*]==])\n"
      "set_tests_properties([==[${suite}]==] PROPERTIES"
      " WORKING_DIRECTORY [==[${WORKING_DIRECTORY}]==] LABELS [==[${LABEL}]==] TIMEOUT ${TIMEOUT})\n")
  endif()
endforeach()
if(script STREQUAL "")
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests listed no test suite")
endif()
file(WRITE "${SUITES_FILE}" "${script}")
