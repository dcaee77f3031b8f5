// Methods declared in spec.hpp.
#include "config/spec.hpp"

#include <cctype>

#include <algorithm>

namespace shoal::config {

const char* restart_condition_name(RestartPolicy::Condition c) {
  switch (c) {
    case RestartPolicy::Condition::any: return "any";
    case RestartPolicy::Condition::on_failure: return "on-failure";
    case RestartPolicy::Condition::none: return "none";
  }
  return "any";
}

std::optional<RestartPolicy::Condition> restart_condition_from_name(std::string_view name) {
  for (auto c : {RestartPolicy::Condition::any, RestartPolicy::Condition::on_failure,
                 RestartPolicy::Condition::none})
    if (name == restart_condition_name(c)) return c;
  return std::nullopt;
}

bool has_port(const ServiceSpec& s, std::string_view name) {
  return std::any_of(s.ports.begin(), s.ports.end(), [&](const Port& p) { return p.name == name; });
}

std::string Address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool Constraint::matches(const std::string& peer_name, const std::string& zone,
                         const std::map<std::string, std::string>& labels) const {
  const std::string* actual = nullptr;
  switch (attr) {
    case Attr::name: actual = &peer_name; break;
    case Attr::zone: actual = &zone; break;
    case Attr::label: {
      auto it = labels.find(label);
      if (it != labels.end()) actual = &it->second;
      break;
    }
  }
  const bool found =
      actual != nullptr && std::find(values.begin(), values.end(), *actual) != values.end();
  switch (op) {
    case Op::eq:
    case Op::in: return found;
    case Op::ne:
    case Op::not_in: return !found;
  }
  return false;
}

namespace {
// Values print bare when the constraint grammar reads them back as a bare word, else quoted.
std::string quote(const std::string& s) {
  const bool bare = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == '/' || c == ':';
  });
  if (bare) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string Constraint::to_string() const {
  std::string out;
  switch (attr) {
    case Attr::name: out = "name"; break;
    case Attr::zone: out = "zone"; break;
    case Attr::label: out = "label." + label; break;
  }
  switch (op) {
    case Op::eq: out += " == "; break;
    case Op::ne: out += " != "; break;
    case Op::in: out += " in "; break;
    case Op::not_in: out += " not in "; break;
  }
  if (op == Op::eq || op == Op::ne) {
    out += quote(values.empty() ? std::string() : values.front());
    return out;
  }
  out += "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote(values[i]);
  }
  return out + "]";
}

}  // namespace shoal::config
