# What `cmake --install` puts next to the binary, and the .deb CPack builds.
# The traitctl executable itself is installed by src/CMakeLists.txt.
#
#   cmake --install build --prefix /usr/local
#   cd build && cpack            # traitctl_<version>_<arch>.deb
include(GNUInstallDirs)

# Debian's zsh searches /usr/share/zsh/vendor-completions for packaged
# completions; for a /usr/local install pick share/zsh/site-functions instead.
set(TRAITCTL_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "Where the bash completion is installed, relative to the prefix")
set(TRAITCTL_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE STRING "Where the zsh completion (_traitctl) is installed, relative to the prefix")

# bash-completion loads completions/<command> on demand, so the file is named after the command.
install(FILES "${PROJECT_SOURCE_DIR}/share/completions/traitctl.bash"
        DESTINATION "${TRAITCTL_BASH_COMPLETION_DIR}" RENAME traitctl)
install(FILES "${PROJECT_SOURCE_DIR}/share/completions/_traitctl"
        DESTINATION "${TRAITCTL_ZSH_COMPLETION_DIR}")

# The man page gzipped, as Debian policy wants it (-n: no name or time stamp,
# so the same page gives the same bytes).
find_program(TRAITCTL_GZIP gzip REQUIRED)
set(traitctl_man_gz "${PROJECT_BINARY_DIR}/traitctl.1.gz")
add_custom_command(OUTPUT "${traitctl_man_gz}"
                   COMMAND "${CMAKE_COMMAND}" -E copy "${PROJECT_SOURCE_DIR}/docs/traitctl.1" "${PROJECT_BINARY_DIR}/traitctl.1"
                   COMMAND "${TRAITCTL_GZIP}" -9 -n -f "${PROJECT_BINARY_DIR}/traitctl.1"
                   DEPENDS "${PROJECT_SOURCE_DIR}/docs/traitctl.1"
                   COMMENT "Compressing the man page" VERBATIM)
add_custom_target(traitctl_man_page ALL DEPENDS "${traitctl_man_gz}")
install(FILES "${traitctl_man_gz}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# README.md and the docs it links (docs/*.md), keeping the docs/ folder so
# that its links, and the ones in --help and the man page, still resolve.
set(traitctl_docdir "${CMAKE_INSTALL_DATADIR}/doc/traitctl")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
        DESTINATION "${traitctl_docdir}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${traitctl_docdir}/docs" FILES_MATCHING PATTERN "*.md")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${traitctl_docdir}" RENAME copyright)
install(FILES "${PROJECT_SOURCE_DIR}/examples/README.md" "${PROJECT_SOURCE_DIR}/examples/demo.env"
        DESTINATION "${traitctl_docdir}/examples")
install(PROGRAMS "${PROJECT_SOURCE_DIR}/examples/gwas-trait.sh" DESTINATION "${traitctl_docdir}/examples")

# ---------------------------------------------------------------- CPack ---
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME traitctl)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "The traitctl developers")
set(CPACK_PACKAGE_CONTACT "traitctl developers <dev@traitctl.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Run one Run:ai job per GWAS trait, under a per-batch concurrency cap")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "traitctl submits one Run:ai workload per GWAS trait (GAPIT3) of a phenotype table,\n"
  "keeps the batch under a concurrency cap that counts only its own jobs, retries\n"
  "transient volume-mount failures (exit code 2) with a persisted attempt ledger and\n"
  "backoff, and reports status, cleans up and validates the configuration. A local\n"
  "backend runs the same batch as local processes, without a cluster.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "traitctl developers <dev@traitctl.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the binary links (ldd), by their Debian 12 packages
# (dpkg -S), with the minimum versions dpkg-shlibdeps computes. spdlog's
# shlibs also ask for libspdlog1.10-fmt9 (provided by libspdlog1.10): the
# spdlog built against fmt 9, whose ABI traitctl uses.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 11), libgcc-s1 (>= 3.0), libfmt9 (>= 9.1.0+ds1), libspdlog1.10 (>= 1:1.10.0), libspdlog1.10-fmt9")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "zsh")

# `cpack --config CPackSourceConfig.cmake`: the sources without build trees or local state.
set(CPACK_SOURCE_GENERATOR TGZ)
set(traitctl_source_root "^${PROJECT_SOURCE_DIR}/")
set(CPACK_SOURCE_IGNORE_FILES "${traitctl_source_root}[.]git/" "${traitctl_source_root}build/"
    "${traitctl_source_root}build-[^/]*/" "${traitctl_source_root}[.]traitctl/" "${traitctl_source_root}[.]env$")

include(CPack)
