#include "placement/contained.hpp"

#include <exception>

namespace shoal::placement {
namespace {

std::string what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

Contained place_contained(const View& view, const Tuning& tuning, PlaceFn place_fn) {
  Contained out;
  std::exception_ptr first;
  try {
    out.assignment = place_fn(view, tuning);
    return out;
  } catch (const std::exception&) {
    first = std::current_exception();
  }
  View rest{view.peers, {}, view.avoid};
  for (const auto& s : view.services) {
    try {
      (void)place_fn(View{view.peers, {s}, view.avoid}, tuning);
      rest.services.push_back(s);
    } catch (const std::exception&) {
      out.failed.emplace_back(s.name, what(std::current_exception()));
    }
  }
  try {
    out.assignment = place_fn(rest, tuning);
  } catch (const std::exception&) {
    // Only together do they fail: nothing is placed, every service is marked.
    out.assignment = Assignment{kAlgorithmVersion, {}};
    for (const auto& s : rest.services) out.failed.emplace_back(s.name, what(first));
  }
  return out;
}

}  // namespace shoal::placement
