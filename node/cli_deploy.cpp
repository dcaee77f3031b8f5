#include "node/cli_deploy.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <thread>

#include "config/parse.hpp"
#include "node/cli_command.hpp"
#include "node/peer/json_text.hpp"
#include "node/peer/query_string.hpp"
#include "node/persist.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using Json = nlohmann::json;

Command history_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string service;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("history", "Show a service's versions: when, from which "
                                                "peer, spec hash and outcome");
  sub->add_option("SERVICE", o->service, "The service name")->required();
  sub->add_flag("--json", o->json, "Print [{\"version\",\"spec_hash\",\"time\",\"origin\",\"outcome\"}]");
  add_api_flags(sub, api);
  sub->footer(
      "The last 10 versions, oldest first, as the service's spec carries them. outcome: healthy,\n"
      "failed, reverted (the last healthy version ran instead), replaced (while rolling), and\n"
      "for the version in force rolling|healthy|failed|reverted. Exit 0 ok, 1 unknown service or\n"
      "peer unreachable, 2 bad input.");
  return {sub, nullptr, [o, io](const ApiTarget& t) {
            auto j = api_call(t, "GET", "/v1/history/" + percent_encode(o->service), "", io.err, "history");
            if (!j) return 1;
            io.out << (o->json ? json_text(*j) + "\n" : history_table(*j));
            return 0;
          }};
}

Command revert_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string service, to;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("revert", "Make the last healthy version the desired one again");
  sub->add_option("SERVICE", o->service, "The service name")->required();
  sub->add_option("--to", o->to, "VERSION (a number of `shoal history`, or a spec hash)");
  add_api_flags(sub, api);
  sub->footer(
      "Writes the last healthy version as a new version of the service, from any peer (a change:\n"
      "authorised as `apply`). Only the last healthy version's content is kept: --to names it or\n"
      "is refused. The services file that defined the service is left as it is (as after an\n"
      "auto-revert): its peer does not publish it again until it changes. Exit 0 ok, 1 refused\n"
      "(nothing to revert to) or peer unreachable, 2 bad input.");
  return {sub, nullptr, [o, io](const ApiTarget& t) {
            Json body{{"service", o->service}};
            if (!o->to.empty()) body["to"] = o->to;
            auto j = api_call(t, "POST", "/v1/revert", json_text(body), io.err, "revert");
            if (!j) return 1;
            io.out << "reverted " << o->service << " to version "
                   << table_cell(j->value("version", Json())) << " ("
                   << table_cell(j->value("to", Json())) << ", was "
                   << table_cell(j->value("from", Json())) << ") on "
                   << table_cell(j->value("peer", Json())) << "\n";
            return 0;
          }};
}

Command promote_command(CLI::App& app, ApiFlags& api, CliIo io) {
  auto service = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("promote", "Let a deployment waiting with its canaries roll on");
  sub->add_option("SERVICE", *service, "The service name")->required();
  add_api_flags(sub, api);
  sub->footer(
      "For a service with update.canary = N: its version in force runs on N canaries until\n"
      "this, from any peer (a change: authorised as `apply`); then the rollout replaces the rest\n"
      "by its update policy. `shoal revert SERVICE` instead goes back to the last healthy\n"
      "version. Exit 0 promoted, 1 refused (the deployment is not awaiting promotion: no\n"
      "canaries, not yet healthy, already promoted) or peer unreachable, 2 bad input.");
  return {sub, nullptr, [service, io](const ApiTarget& t) {
            auto j = api_call(t, "POST", "/v1/promote", json_text(Json{{"service", *service}}), io.err,
                              "promote");
            if (!j) return 1;
            io.out << "promoted " << *service << " version " << table_cell(j->value("version", Json()))
                   << " on " << table_cell(j->value("peer", Json())) << "\n";
            return 0;
          }};
}

std::string canaries_text(const Json& n) {
  return table_cell(n) + (n == 1 ? " canary" : " canaries");
}

std::string history_table(const Json& history) {
  std::vector<std::vector<std::string>> rows;
  if (history.is_array())
    for (const auto& h : history)
      rows.push_back({table_cell(h.value("version", Json())), table_cell(h.value("spec_hash", Json())),
                      table_cell(h.value("time", Json())), table_cell(h.value("origin", Json())),
                      table_cell(h.value("outcome", Json()))});
  return text_table({"VERSION", "SPEC_HASH", "TIME", "ORIGIN", "OUTCOME"}, rows);
}

WaitVerdict judge_wait(const Json& history, const std::string& target_hash) {
  if (!history.is_array() || history.empty() || !history.back().is_object()) return WaitVerdict::waiting;
  const Json& last = history.back();
  if (last.value("spec_hash", Json()) != target_hash) return WaitVerdict::waiting;
  const Json outcome = last.value("outcome", Json());
  if (outcome == "healthy") return WaitVerdict::healthy;
  if (outcome == "failed" || outcome == "reverted") return WaitVerdict::failed;
  if (outcome == "awaiting_promotion") return WaitVerdict::canary;
  return WaitVerdict::waiting;
}

namespace {

struct Waited {
  std::string hash;       // what the file gives it
  std::string last_line;  // printed last
  bool seen = false;      // its history showed the target in force once
  WaitVerdict verdict = WaitVerdict::waiting;
};

// One line of progress for a service: its outcome and counts from GET /v1/services.
Json progress(const std::string& name, const Json& history, const Json& services) {
  Json row{{"service", name}, {"outcome", nullptr}, {"spec_hash", nullptr}};
  if (history.is_array() && !history.empty()) {
    row["outcome"] = history.back().value("outcome", Json());
    row["spec_hash"] = history.back().value("spec_hash", Json());
  }
  if (services.is_array())
    for (const auto& s : services)
      if (s.value("name", Json()) == name) {
        for (const char* k : {"replicas", "running", "healthy", "version", "reverted_from", "canaries"})
          row[k] = s.value(k, Json());
      }
  return row;
}

std::string progress_text(const Json& p, double secs) {
  char t[32];
  std::snprintf(t, sizeof t, "%.1fs", secs);
  std::string line = t + std::string("  ") + table_cell(p.value("service", Json())) + "  " +
                     table_cell(p.value("outcome", Json())) + "  healthy " +
                     table_cell(p.value("healthy", Json())) + "/" +
                     table_cell(p.value("replicas", Json())) + "  version " +
                     table_cell(p.value("version", Json()));
  if (p.value("reverted_from", Json()).is_string())
    line += " (reverted from " + table_cell(p["reverted_from"]) + ")";
  if (p.value("outcome", Json()) == "awaiting_promotion")
    line += " on " + canaries_text(p.value("canaries", Json())) + ": `shoal promote " +
            table_cell(p.value("service", Json())) + "` rolls it on, `shoal revert` goes back";
  return line;
}

}  // namespace

int cmd_apply_wait(const ApiTarget& api, const std::string& file, long long timeout_ms, bool json,
                   std::ostream& out, std::ostream& err) {
  const auto body = apply_body(file, err);
  if (!body) return 2;
  std::map<std::string, Waited> wait;
  if (auto text = read_file(file))
    if (auto parsed = config::parse_service_file(*text, file); parsed.ok())
      for (const auto& sv : *parsed.value) wait[sv.name].hash = placement::spec_hash(sv);
  if (wait.empty()) {  // the file changed under us: nothing known to wait for
    err << "shoal apply: " << file << " could not be read again to wait for its services\n";
    return 2;
  }
  auto applied = api_call(api, "POST", "/v1/apply", *body, err, "apply");
  if (!applied) return 1;
  if (!json) out << apply_text(*applied) << std::flush;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto services = api_call(api, "GET", "/v1/services", "", err, "apply");
    if (!services) return 1;
    bool all_done = true, any_bad = false;
    for (auto& [name, w] : wait) {
      if (w.verdict == WaitVerdict::waiting) {
        auto h = api_call(api, "GET", "/v1/history/" + percent_encode(name), "", err, "apply");
        if (!h) return 1;
        const bool now_seen = h->is_array() && !h->empty() &&
                              h->back().value("spec_hash", Json()) == w.hash;
        w.verdict = judge_wait(*h, w.hash);
        if (w.seen && !now_seen) w.verdict = WaitVerdict::superseded;
        w.seen = w.seen || now_seen;
        Json p = progress(name, *h, *services);
        if (w.verdict == WaitVerdict::superseded) p["outcome"] = "superseded";
        std::string line = json ? json_text(p) : progress_text(p, secs);
        const std::string key = json_text(p);
        if (key != w.last_line) {
          if (json) {
            p["elapsed_ms"] = static_cast<long long>(secs * 1000);
            line = json_text(p);
          }
          out << line << "\n" << std::flush;
          w.last_line = key;
        }
      }
      all_done = all_done && w.verdict != WaitVerdict::waiting;
      any_bad = any_bad || w.verdict == WaitVerdict::failed || w.verdict == WaitVerdict::superseded;
    }
    if (all_done) return any_bad ? 1 : 0;  // a canary wait is done for --wait (0)
    if (secs * 1000 >= static_cast<double>(timeout_ms)) {
      err << "shoal apply: --wait: not healthy after " << timeout_ms / 1000.0 << " s\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace shoal::node
