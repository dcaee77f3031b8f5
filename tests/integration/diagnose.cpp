// On a test's first failed assertion, every live cluster's peers are described on stderr (pid,
// the tail of each log, `ps`), so a timeout in CI says what the peers were doing rather than
// only that a wait ran out (the folders are removed when the test ends).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <iostream>

#include "cluster.hpp"

namespace {

class DiagnoseOnFailure : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    TestEventListenerBase::testCaseStarting(info);
    told_ = false;
  }

  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk() && !told_ && !shoal::test::Cluster::live().empty()) {
      told_ = true;
      std::cerr << "=== the peers at the first failure of this test\n";
      for (auto* c : shoal::test::Cluster::live()) c->diagnose(std::cerr);
      std::cerr << "=== end of the peers\n";
    }
    return true;
  }

 private:
  bool told_ = false;
};

}  // namespace

CATCH_REGISTER_LISTENER(DiagnoseOnFailure)
