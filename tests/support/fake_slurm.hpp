// Stand-ins for Slurm's commands in a folder of their own (SlurmOptions::
// bin_dir): each prints recorded output, exits as told and appends its name
// and arguments to a log of calls. An answer may be given for one last
// argument only (`scontrol show job -o 12`), tried before the general one.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_folder.hpp"

namespace traitctl::testing {

class FakeSlurm {
 public:
  // `name` prints `out` and `err` and exits `exit_code`; with `last_argument`,
  // only when called with that as its last argument.
  void program(const std::string& name, const std::string& out, const std::string& err = "",
               int exit_code = 0, const std::string& last_argument = "") {
    const std::string base = answer_base(name, last_argument);
    std::ofstream(base + ".out", std::ios::binary) << out;
    std::ofstream(base + ".err", std::ios::binary) << err;
    std::ofstream(base + ".exit") << exit_code << '\n';
    write_script(name,
                 "base=\"" + (folder_.path() / name).string() +
                     "\"\n"
                     "for last in \"$@\"; do :; done\n"
                     "if [ -n \"$last\" ] && [ -e \"$base.$last.exit\" ]; then base=\"$base.$last\"; fi\n"
                     "cat \"$base.out\"\ncat \"$base.err\" >&2\nexit \"$(cat \"$base.exit\")\"\n");
  }
  // `name` runs `body` (sh), after the call is logged.
  void script(const std::string& name, const std::string& body) { write_script(name, body); }

  [[nodiscard]] const std::filesystem::path& dir() const { return folder_.path(); }
  // The command names called, in order.
  [[nodiscard]] std::vector<std::string> calls() const {
    std::vector<std::string> names;
    for (const auto& call : calls_with_arguments()) {
      names.push_back(call.substr(0, call.find(' ')));
    }
    return names;
  }
  // "name arg1 arg2 ..." per call.
  [[nodiscard]] std::vector<std::string> calls_with_arguments() const {
    std::ifstream in(calls_path());
    std::vector<std::string> calls;
    for (std::string line; std::getline(in, line);) {
      calls.push_back(line);
    }
    return calls;
  }

 private:
  [[nodiscard]] std::filesystem::path calls_path() const { return folder_.path() / "calls"; }
  [[nodiscard]] std::string answer_base(const std::string& name, const std::string& last_argument) const {
    const std::string base = (folder_.path() / name).string();
    return last_argument.empty() ? base : base + "." + last_argument;
  }
  void write_script(const std::string& name, const std::string& body) const {
    const std::filesystem::path path = folder_.path() / name;
    std::ofstream(path) << "#!/bin/sh\necho \"" << name << " $*\" >> '" << calls_path().string() << "'\n"
                        << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }

  TempFolder folder_{"traitctl-fake-slurm"};
};

}  // namespace traitctl::testing
