// Default runtime options for the ASan/UBSan build, compiled into every
// instrumented executable (the traitctl_sanitizers interface target adds this
// file). They are built in rather than set through ASAN_OPTIONS because the
// end-to-end tests start traitctl with a clean environment and traitctl
// starts the fake runai: an environment variable would not reach them.
//
// Exit code 86 is none of traitctl's documented codes (0, 1, 2, 3, 130), so a
// sanitizer error can never pass for "the batch failed" in a test expecting
// exit 1. Every error halts the process. A binary built with
// TRAITCTL_SANITIZER_LOG_PATH (the fake runai, whose stderr traitctl reads and
// may swallow) writes its ASan and LeakSanitizer reports to <path>.<pid>
// instead of stderr, where scripts/check.sh finds them. GCC's UBSan runtime
// ignores log_path (checked with GCC 12): its reports stay on stderr and only
// the exit code shows them. ASAN_OPTIONS and UBSAN_OPTIONS still override.

#ifdef TRAITCTL_SANITIZER_LOG_PATH
#define TRAITCTL_SANITIZER_LOG ":log_path=" TRAITCTL_SANITIZER_LOG_PATH
#else
#define TRAITCTL_SANITIZER_LOG ""
#endif

extern "C" {

__attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "halt_on_error=1:exitcode=86:detect_leaks=1" TRAITCTL_SANITIZER_LOG;
}

__attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:exitcode=86";
}

__attribute__((used, visibility("default"))) const char* __lsan_default_options() {
  return "exitcode=86" TRAITCTL_SANITIZER_LOG;
}

}  // extern "C"
