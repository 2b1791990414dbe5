#include "traitctl/cli/app.hpp"

int main(int argc, char** argv) { return traitctl::run_cli(argc, argv); }
