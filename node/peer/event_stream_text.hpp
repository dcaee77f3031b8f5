// The text of GET /v1/events as server-sent events (Accept: text/event-stream): one frame per
// event, `id: SEQ` and `data: {event_json..., "seen_by"}` (one line: JSON escapes newlines),
// so a browser's EventSource resumes after a drop with Last-Event-ID. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/peer/event_log.hpp"

namespace shoal::node {

// A stream replays at most this much of the ring when it opens (the newest events that fit).
inline constexpr std::size_t kStreamReplayBytes = 128u << 10;

// "id: 7\ndata: {...}\n\n".
std::string sse_frame(const PeerEvent& e, const std::string& seen_by);

struct SseBatch {
  std::string text;           // the frames, oldest first
  std::uint64_t last = 0;     // the seq the stream has now seen (log.last_seq())
  std::size_t skipped = 0;    // events after `after` left out to stay within max_bytes
};
// The frames of the events after `after`: the newest whose frames fit in `max_bytes` (a gap in
// `id` shows the rest, which GET /v1/events?index= still answers while the ring holds them).
SseBatch sse_frames(const EventLog& log, std::uint64_t after, const std::string& seen_by,
                    std::size_t max_bytes);

// The frames for every open stream at once (at most 16): each new event is formatted once
// (sse_frame) and the streams that have seen the same seq share one text, instead of each
// stream formatting and holding its own copy.
struct SseFanout {
  // For each seq a stream has seen: the same text sse_frames(log, seen, seen_by, max_bytes)
  // gives, shared.
  std::map<std::uint64_t, std::shared_ptr<const std::string>> text;
  std::uint64_t last = 0;     // log.last_seq(): what every stream has seen after this
  std::size_t formatted = 0;  // sse_frame calls made (at most one per event)
};

SseFanout sse_fanout(const EventLog& log, const std::vector<std::uint64_t>& seen,
                     const std::string& seen_by, std::size_t max_bytes);

// Whether an Accept header asks for text/event-stream (a media range of its list, any case,
// parameters ignored; "*/*" alone does not: plain GETs keep their JSON).
bool wants_event_stream(std::string_view accept);

// Where a stream starts: the query's `index`, else a decimal Last-Event-ID, else 0 (the ring).
std::uint64_t stream_start(std::optional<std::uint64_t> index, std::string_view last_event_id);

}  // namespace shoal::node
