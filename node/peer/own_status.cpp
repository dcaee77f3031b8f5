#include "node/peer/own_status.hpp"

#include <utility>

#include "placement/instance_state.hpp"

namespace shoal::node {

using placement::InstanceState;

void record_exit(OwnInstance& inst, int exit_code) {
  inst.local.state = InstanceState::exited;
  inst.local.exit_code = exit_code;
  inst.mark.reset();
}

void record_mark(OwnInstance& inst, const placement::MarkAction& mark) {
  inst.mark = mark.state;
  inst.restarts = mark.restarts;
  if (mark.state == InstanceState::failed) inst.local.state = InstanceState::failed;
}

void record_verdicts(const placement::InstanceId& id, OwnInstance& inst,
                     const placement::Plan& plan) {
  if (auto s = plan.settled.find(id); s != plan.settled.end()) inst.settled = s->second;
  inst.overdue = plan.overdue.count(id) > 0;
}

placement::PeerStatus own_status(std::span<const OwnRow> rows,
                                 std::vector<placement::InstanceId> failed_here,
                                 std::vector<placement::ShedService> shed) {
  placement::PeerStatus st;
  st.instances.reserve(rows.size());
  for (const OwnRow& row : rows) {
    const OwnInstance& inst = *row.instance;
    placement::InstanceStatus s;
    s.id = inst.local.id;
    // A mark tells what the reconciler made of the current exit; a running copy has none.
    s.state = inst.mark && placement::is_dead(inst.local.state) ? *inst.mark : inst.local.state;
    s.spec_hash = inst.local.spec_hash;
    s.host_ports = inst.host_ports;
    s.restarts = inst.restarts;
    s.exit_code = inst.local.exit_code;
    s.settled = inst.settled;
    s.overdue = inst.overdue;
    if (row.serving_old) s.outgoing_ports = row.serving_old->host_ports;
    st.instances.push_back(std::move(s));
  }
  st.failed_here = std::move(failed_here);
  st.shed = std::move(shed);
  return st;
}

}  // namespace shoal::node
