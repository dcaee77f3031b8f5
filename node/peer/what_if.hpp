// What-if: what placement would do if some peers (or a whole zone) went down now, computed on
// this peer's current view without changing anything. Places the view as it is and with those
// peers marked dead (placement v2 then moves only their instances) and reports the difference.
// Pure: the agent hands in its view and its current assignment (the placement cache's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "placement/view.hpp"

namespace shoal::node {

// What to take down: named peers, or every peer of one zone (exactly one of the two).
struct WhatIfDown {
  std::vector<std::string> peers;
  std::optional<std::string> zone;
};

struct WhatIfMove {
  std::string service;
  std::uint32_t index = 0;
  std::string from, to;
};

// An instance placed now that would have no owner: `reason` as placement gives it (capacity,
// constraints, ...), or, for a global service, that its instance runs only on the downed peer.
struct WhatIfUnplaced {
  std::string service;
  std::uint32_t index = 0;
  std::string from;
  std::string reason;
};

struct WhatIfResult {
  std::vector<std::string> down;        // the peers taken down, sorted
  std::vector<WhatIfMove> moves;        // sorted by (service, index)
  std::vector<WhatIfUnplaced> unplaced; // sorted by (service, index)
  std::string error;                    // non-empty: an unknown peer or zone (nothing computed)
};

// `now` is place_contained(view).assignment (the agent's cached one). Unknown peer names or a
// zone no peer of the view declares give `error`, naming them.
WhatIfResult what_if(const placement::View& view, const placement::Assignment& now,
                     const WhatIfDown& down);

// {"moves":[{"service","index","from","to"}],"unplaced":[{"service","index","from","reason"}],
//  "down":[peer...]}
nlohmann::json what_if_json(const WhatIfResult& r);

struct WhatIfQuery {
  std::optional<WhatIfDown> down;
  std::string error;  // when !down: what was wrong with the query (a 400)
};

// The query of GET /v1/what-if?down=p1,p2 | ?down_zone=Z (percent-decoded; exactly one).
WhatIfQuery parse_what_if_query(std::string_view target);

}  // namespace shoal::node
