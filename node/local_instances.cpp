#include "node/local_instances.hpp"

#include <algorithm>
#include <utility>

namespace shoal::node {

void LocalInstances::start(ExecutorOptions options, Executor::Post post,
                           std::function<void(ExecReport)> on_report) {
  exec_ = std::make_unique<Executor>(std::move(options), std::move(post),
                                     [this, on_report = std::move(on_report)](ExecReport r) {
                                       take(r);
                                       on_report(std::move(r));
                                     });
}

void LocalInstances::stop() {
  if (exec_) exec_->stop();
}

void LocalInstances::submit(StepInputs in) {
  in.seq = ++submitted_;
  exec_->submit(std::move(in));
}

void LocalInstances::take(ExecReport& r) {
  if (r.stepped) stepped_ = std::max(stepped_, r.seq);
  if (r.has_status) counts_ = r.counts;
}

std::size_t LocalInstances::active() const {
  std::size_t n = 0;
  for (const auto& i : status_.instances) {
    using S = placement::InstanceState;
    n += i.state == S::starting || i.state == S::running || i.state == S::healthy ||
         i.state == S::unhealthy || i.state == S::stopping;
  }
  return n;
}

}  // namespace shoal::node
