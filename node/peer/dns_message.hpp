// The DNS wire format (RFC 1035, EDNS0 of RFC 6891) as far as the answerer needs it: one query
// read with every length checked against the bytes received, and a response written with name
// compression. Pure; dns_answer.hpp decides what goes in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace shoal::node::dns {

inline constexpr std::uint16_t kTypeA = 1, kTypeSoa = 6, kTypeAaaa = 28, kTypeSrv = 33,
                               kTypeOpt = 41, kTypeAny = 255;
inline constexpr std::uint16_t kClassIn = 1, kClassAny = 255;
inline constexpr std::uint8_t kOpcodeQuery = 0;
enum Rcode : std::uint8_t { noerror = 0, formerr = 1, nxdomain = 3, notimpl = 4, refused = 5 };
inline constexpr std::size_t kHeaderSize = 12;

struct Query {
  std::uint16_t id = 0;
  std::uint8_t opcode = 0;
  bool rd = false;
  std::vector<std::uint8_t> name;  // the question's name, uncompressed, its case as sent
  std::uint16_t type = 0;
  std::uint16_t qclass = 0;
  bool edns = false;  // an OPT record came
  std::uint16_t udp_size = 0;
  std::uint8_t edns_version = 0;
};

// The query in `msg` (at least a header long), or nothing when it is malformed: not exactly one
// question, a length past the end, an extended label type, a compression pointer that does not
// point further back than the one before, a name over 255 bytes, or an OPT record that is not
// the only one, not in the additional section or not owned by the root.
std::optional<Query> read_query(std::span<const std::uint8_t> msg);

// `s` with A-Z lowercased: DNS compares names so (RFC 4343), other bytes as they are.
std::string ascii_lower(std::string s);

// The labels of an uncompressed wire name, ASCII lowercased.
std::vector<std::string> lowercase_labels(std::span<const std::uint8_t> name);

enum class Section { answer, authority, additional };

// A response, section by section in order (answer, then authority, then additional).
class Writer {
 public:
  // The header (id, opcode and RD of the query; QR; AA as given; RA clear) and the question.
  Writer(const Query& q, Rcode rcode, bool authoritative);

  void set_truncated();
  // One record of class IN; `rdata` writes the record's data through the methods below.
  template <typename Rdata>
  void record(Section s, std::span<const std::uint8_t> owner, std::uint16_t type,
              std::uint32_t ttl, Rdata&& rdata) {
    const std::size_t length_at = begin_record(s, owner, type, ttl);
    rdata(*this);
    end_record(length_at);
  }
  // The OPT pseudo-record (the additional section's last): our UDP size and an extended rcode.
  void opt(std::uint16_t udp_size, std::uint8_t extended_rcode);

  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void bytes(std::span<const std::uint8_t> b);
  // An uncompressed wire name; `compress` lets its suffixes point at ones already written (not
  // for SRV targets, RFC 2782). Either way its suffixes become targets for later names.
  void name(std::span<const std::uint8_t> wire, bool compress = true);

  std::size_t size() const { return out_.size(); }
  std::vector<std::byte> take();

 private:
  std::size_t begin_record(Section s, std::span<const std::uint8_t> owner, std::uint16_t type,
                           std::uint32_t ttl);
  void end_record(std::size_t length_at);
  void count(Section s);
  void put16(std::size_t at, std::uint16_t v);

  std::vector<std::uint8_t> out_;
  std::map<std::string, std::uint16_t> suffixes_;  // a written name's suffix -> its offset
};

}  // namespace shoal::node::dns
