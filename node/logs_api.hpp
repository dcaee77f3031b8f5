// GET /v1/logs (`shoal logs`): the logs of a service's instances, from whichever peers run them.
// The peer that is asked reads its own instances' logs (node/local_logs.hpp) and asks every
// other owner over the sealed stream channel (node/logs_wire.hpp: a request/response frame
// kind; the agent seals, sends and opens the frames as it does gossip's), never over a new port
// or the owner's HTTP API. The HTTP request is held until every owner answered or
// kLogsAnswerWait passed (a peer that did not answer is named in "errors"), then answered:
//   {"lines":[{"ts","service","index","peer","stream","line"}] (merged by time),
//    "cursor":{peer:{source:position}} (give it back as ?cursor= to get only newer lines: how
//    `shoal logs -f` follows, by polling), "errors":[{"peer","error"}]}
// Reads run on one worker thread of this class (files, engine calls), never on the io thread;
// at most kMaxLogJobs wait for it (more: 503 to a client, an error answer to a peer). Answers
// to other peers go back on the connection their request came in on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gossip/types.hpp"
#include "node/http.hpp"
#include "node/local_logs.hpp"
#include "placement/status.hpp"

namespace shoal::node {

constexpr std::chrono::milliseconds kLogsAnswerWait{8000};
constexpr std::size_t kMaxLogJobs = 16;
constexpr std::size_t kMaxPendingLogQueries = 32;

struct LogsStats {
  std::uint64_t served = 0;          // requests from other peers answered
  std::uint64_t refused_frames = 0;  // logs frames that did not decode
  std::uint64_t stray_answers = 0;   // answers nobody waits for (late, or from another address)
  std::uint64_t busy = 0;            // refused: the worker's queue was full
};

class LogsApi {
 public:
  struct Owner {
    std::string name;
    gossip::Address addr;
  };
  // The live peers that report an instance of `service` (of `index` when given).
  using OwnersFn = std::function<std::vector<Owner>(const std::string& service,
                                                    std::optional<int> index)>;
  // A member's gossip address by name (for --peer), nullopt when it is not a live member.
  using MemberFn = std::function<std::optional<gossip::Address>(const std::string& name)>;
  // Seals and sends `plain` on the stream channel; `reply`: on the connection `to`'s frame
  // came in on (node/agent.cpp's send(Datagram)).
  using SendFn = std::function<void(const gossip::Address& to, gossip::Bytes plain, bool reply)>;
  using WallFn = std::function<std::int64_t()>;  // ms since the epoch
  // Where this peer's logs are (asked on the io thread before each read: the engine's socket
  // may be found after start).
  using LocalFn = std::function<LocalLogsSetup()>;

  LogsApi(boost::asio::io_context& io, LocalFn local, OwnersFn owners, MemberFn member,
          SendFn send, WallFn wall);
  ~LogsApi();
  LogsApi(const LogsApi&) = delete;
  LogsApi& operator=(const LogsApi&) = delete;

  HttpResponse get(const HttpRequest& r);
  // A stream-channel plaintext for which is_logs_frame() holds, from `from` (the connection's
  // key). False when it does not decode (the agent counts it dropped, as a malformed gossip
  // frame; the connection stays).
  bool on_frame(const gossip::Address& from, std::span<const std::byte> plain);
  void close();  // answers nothing more; joins the worker
  const LogsStats& stats() const { return stats_; }

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  LogsStats& stats_;
};

// The live members (alive or suspect) whose status reports an instance of `service` (`index`).
std::vector<LogsApi::Owner> log_owners(const gossip::Members& members,
                                       const std::map<std::string, placement::PeerStatus>& statuses,
                                       const std::string& service, std::optional<int> index);
// The gossip address of the live member `name`.
std::optional<gossip::Address> live_member(const gossip::Members& members, const std::string& name);

}  // namespace shoal::node
