// The text of a recorded-output file under tests/fixtures/.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace traitctl {

// "slurm/squeue-states.txt": the whole file, bytes as recorded; a failed
// expectation (and "") when it cannot be read.
inline std::string fixture_file(const std::string& relative) {
  const std::string path = std::string(TRAITCTL_FIXTURES_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string runai_fixture(const std::string& name) { return fixture_file("runai/" + name); }
inline std::string slurm_fixture(const std::string& name) { return fixture_file("slurm/" + name); }

}  // namespace traitctl
