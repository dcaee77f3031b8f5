// ServiceDraft -> TOML text. Written by hand rather than through toml++ to keep the order and
// layout a person would write (image first, tables last); parse_service_file reads it back in
// the tests.
#include <cctype>

#include "config/units.hpp"
#include "node/convert/service_draft.hpp"

namespace shoal::convert {
namespace {

bool bare_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

std::string key(std::string_view k) { return bare_key(k) ? std::string(k) : toml_string(k); }

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

std::string duration(config::Millis ms) { return toml_string(config::format_duration(ms)); }

// `{ a = 1, b = "x" }` from the fields that are set.
struct Inline {
  std::vector<std::string> parts;
  void add(std::string_view k, std::string v) { parts.push_back(std::string(k) + " = " + v); }
  std::string text() const {
    std::string out = "{ ";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    return out + " }";
  }
};

// Text from the compose file inside a `#` comment: a control character would end the comment.
std::string comment(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string cpu_text(std::int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return toml_string(std::to_string(milli) + "m");
}

void write_restart(const ServiceDraft& d, std::string& out) {
  Inline r;
  if (d.restart_condition) r.add("condition", toml_string(*d.restart_condition));
  if (d.restart_delay) r.add("delay", duration(*d.restart_delay));
  if (d.restart_max_delay) r.add("max_delay", duration(*d.restart_max_delay));
  if (d.restart_max_attempts) r.add("max_attempts", std::to_string(*d.restart_max_attempts));
  if (!r.parts.empty()) out += "restart = " + r.text() + "\n";
}

void write_health(const ServiceDraft& d, std::string& out) {
  if (!d.health) return;
  Inline h;
  h.add("exec", array(d.health->exec));
  if (d.health->interval) h.add("interval", duration(*d.health->interval));
  if (d.health->timeout) h.add("timeout", duration(*d.health->timeout));
  if (d.health->retries) h.add("retries", std::to_string(*d.health->retries));
  out += "health = " + h.text() + "\n";
}

void write_update(const ServiceDraft& d, std::string& out) {
  Inline u;
  if (d.update_parallelism) u.add("parallelism", std::to_string(*d.update_parallelism));
  if (d.update_order) u.add("order", toml_string(*d.update_order));
  if (d.update_min_healthy_time) u.add("min_healthy_time", duration(*d.update_min_healthy_time));
  if (d.update_auto_revert) u.add("auto_revert", "true");
  if (!u.parts.empty() || d.update_pause) out += "update = " + u.text() + "\n";
}

}  // namespace

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          const char* hex = "0123456789ABCDEF";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string to_toml(const ServiceDraft& d, std::string_view source_path) {
  std::string out = "# Converted by `shoal convert` from " + comment(source_path) +
                    " (compose service `" + comment(d.compose_name) + "`).\n";
  if (!d.not_converted.empty()) {
    out += "# Not converted (no Shoal equivalent; see the warnings):\n";
    for (const std::string& k : d.not_converted) out += "#   " + comment(k) + "\n";
  }
  out += "[service." + d.name + "]\n";
  if (!d.image.empty()) out += "image = " + toml_string(d.image) + "\n";
  if (d.command) out += "command = " + array(*d.command) + "\n";
  if (d.global) out += "mode = \"global\"\n";
  else if (d.replicas) out += "replicas = " + std::to_string(*d.replicas) + "\n";
  Inline res;
  if (d.cpu_milli) res.add("cpu", cpu_text(*d.cpu_milli));
  if (d.memory_mib) res.add("memory", toml_string(std::to_string(*d.memory_mib) + "MiB"));
  if (!res.parts.empty()) out += "resources = " + res.text() + "\n";
  write_restart(d, out);
  write_health(d, out);
  Inline place;
  if (!d.constraints.empty()) place.add("constraints", array(d.constraints));
  if (d.max_per_peer) place.add("max_per_peer", std::to_string(*d.max_per_peer));
  if (!place.parts.empty()) out += "placement = " + place.text() + "\n";
  write_update(d, out);
  if (d.stop_grace) out += "stop_grace = " + duration(*d.stop_grace) + "\n";
  if (!d.volumes.empty()) out += "volumes = " + array(d.volumes) + "\n";
  if (!d.ports.empty()) {
    out += "\n[service." + d.name + ".ports]\n";
    for (const config::Port& p : d.ports) {
      out += key(p.name) + " = ";
      if (p.host) out += "{ container = " + std::to_string(p.container) +
                         ", host = " + std::to_string(*p.host) + " }\n";
      else out += std::to_string(p.container) + "\n";
    }
  }
  if (!d.env.empty()) {
    out += "\n[service." + d.name + ".env]\n";
    for (const auto& [k, v] : d.env) out += key(k) + " = " + toml_string(v) + "\n";
  }
  return out;
}

}  // namespace shoal::convert
