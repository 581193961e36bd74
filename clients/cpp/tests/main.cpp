// Runs every test; the shared sidecar (started by the first test that needs it) is stopped at the
// end, and what it declared on the broker deleted.
#include "support/sidecar.hpp"

#include <gtest/gtest.h>

namespace {
class SidecarEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { test_support::Sidecar::stop_shared(); }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new SidecarEnvironment);  // gtest owns it
  return RUN_ALL_TESTS();
}
