# traitctl_add_test_suites(<target> LABEL <label> TIMEOUT <seconds>)
#
# Registers one CTest test per GoogleTest suite of <target>, which runs that
# suite's tests in one process (`<target> --gtest_filter=<Suite>.*`). For
# tests of a few milliseconds, where gtest_discover_tests' process per test
# would spend most of its time starting (and, under ASan, leak-checking) the
# program. The suites are listed after each build, like gtest_discover_tests
# does it, so that adding a suite needs no CMake change.
function(traitctl_add_test_suites target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL;TIMEOUT" "")
  set(suites_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites_include.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}"
      "-DTEST_EXECUTABLE=$<TARGET_FILE:${target}>"
      "-DSUITES_FILE=${suites_file}"
      "-DWORKING_DIRECTORY=${CMAKE_CURRENT_BINARY_DIR}"
      "-DLABEL=${arg_LABEL}"
      "-DTIMEOUT=${arg_TIMEOUT}"
      -P "${PROJECT_SOURCE_DIR}/cmake/write_test_suites.cmake"
    BYPRODUCTS "${suites_file}"
    VERBATIM)
  # Until the first build there is no list: a placeholder test says so.
  file(WRITE "${include_file}"
    "if(EXISTS [==[${suites_file}]==])\n"
    "  include([==[${suites_file}]==])\n"
    "else()\n"
    "  add_test([==[${target}_NOT_BUILT]==] [==[${target}_NOT_BUILT]==])\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
