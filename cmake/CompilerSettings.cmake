# Warnings and sanitizers as interface targets, linked by every target we build.
add_library(traitctl_warnings INTERFACE)
target_compile_options(traitctl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
  -Wimplicit-fallthrough)
if(TRAITCTL_WARNINGS_AS_ERRORS)
  target_compile_options(traitctl_warnings INTERFACE -Werror)
endif()

add_library(traitctl_sanitizers INTERFACE)
if(TRAITCTL_SANITIZERS)
  target_compile_options(traitctl_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(traitctl_sanitizers INTERFACE -fsanitize=address,undefined)
  # Executables are linked at a fixed address: a position-independent one
  # starts by applying a relocation for each UBSan check site (1.2 million
  # in traitctl, 0.07 s of every start), and the tests start thousands.
  target_link_options(traitctl_sanitizers INTERFACE
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>")
  # Built-in runtime options (halt, exit 86) for every executable linking
  # this, and only executables: in a static library's unity batch the
  # definitions would come with code the executable needs, and clash.
  target_sources(traitctl_sanitizers INTERFACE
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:${CMAKE_CURRENT_LIST_DIR}/sanitizer_defaults.cpp>")
endif()
