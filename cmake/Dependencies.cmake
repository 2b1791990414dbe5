# Every dependency comes from Debian's packages; name the package when one is missing.
function(traitctl_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "${package} not found. Install it with: apt-get install ${debian_package}")
  endif()
endfunction()

find_package(Threads REQUIRED)
traitctl_require(fmt libfmt-dev)
traitctl_require(spdlog libspdlog-dev)
traitctl_require(nlohmann_json nlohmann-json3-dev)
traitctl_require(CLI11 libcli11-dev)
traitctl_require(SQLite3 libsqlite3-dev)
if(TRAITCTL_BUILD_TESTS)
  traitctl_require(GTest "libgtest-dev libgmock-dev")
endif()
