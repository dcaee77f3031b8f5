// The `shoal` binary: every host runs it (see node/cli.hpp for the subcommands).
#include <iostream>
#include <string>
#include <vector>

#include "node/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return shoal::node::run_cli(args, std::cout, std::cerr);
}
