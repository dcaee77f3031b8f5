#include "placement/place.hpp"

#include "placement/placer.hpp"

namespace shoal::placement {

Assignment place(const View& view) { return place(view, Tuning{}); }

Assignment place(const View& view, const Tuning& tuning) {
  detail::Placer placer(view, tuning);
  return placer.run();
}

}  // namespace shoal::placement
