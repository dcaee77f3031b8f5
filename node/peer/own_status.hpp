// What a peer says of its own instances: the value of status/<self> (encoded by
// node/peer/state_codec.hpp), built from its instance table. The agent's Runner (node/runner.hpp)
// and the simulator's fake runtime (sim/fake_runtime.hpp) both keep their instances as
// OwnInstance records, change them with the same rules (an exit, a plan's marks and verdicts)
// and publish what own_status() makes of them, so a simulated peer reports what an agent would.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "placement/reconcile.hpp"
#include "placement/status.hpp"

namespace shoal::node {

// One instance as its peer's table holds it; the host (driver or fake runtime) adds its own
// bookkeeping beside it.
struct OwnInstance {
  placement::LocalInstance local;                  // as the runtime reports it (failed after a Mark)
  std::optional<placement::InstanceState> mark;    // pending / exited / failed from a Mark
  int restarts = 0;                                // the reconciler's count (Start, Mark)
  std::map<std::string, std::uint16_t> host_ports;  // port name -> host port the runtime chose
  std::optional<bool> settled;                     // the reconciler's word (update policy)
  bool overdue = false;                            // likewise: missed update.healthy_deadline
};

// The instance's copy ended on its own with `exit_code`: `exited` until the reconciler marks
// the exit (an earlier mark was about an earlier exit).
void record_exit(OwnInstance& inst, int exit_code);
// A plan's Mark (placement/reconcile.hpp's caller contract): reported in status; a `failed`
// mark also ends the local state (the reconciler reads it back as `failed`).
void record_mark(OwnInstance& inst, const placement::MarkAction& mark);
// A plan's verdicts on one local instance: settled when the plan says (kept when it is
// silent), overdue exactly when listed.
void record_verdicts(const placement::InstanceId& id, OwnInstance& inst, const placement::Plan& plan);

// One row of the table: an instance and, during a start-first replacement, its old copy while
// that one still serves (not yet draining), whose ports the catalog and DNS keep listing.
struct OwnRow {
  const OwnInstance* instance = nullptr;  // never null
  const OwnInstance* serving_old = nullptr;
};

// status/<self>: one entry per row (rows sorted by id), and the last plan's failed_here list
// and shed services.
placement::PeerStatus own_status(std::span<const OwnRow> rows,
                                 std::vector<placement::InstanceId> failed_here,
                                 std::vector<placement::ShedService> shed = {});

}  // namespace shoal::node
