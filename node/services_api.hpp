// The desired state changed through the API: POST /v1/apply writes NAME.toml into the services
// folder (the folder stays the one source of this peer's specs), POST /v1/plan says what that
// would change and writes nothing, DELETE /v1/services/<name> renames the file that defines the
// service to FILE.deleted, or erases spec/<name> cluster-wide when no file of this peer does.
// Bodies are hostile: parsed and checked before anything is written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/spec.hpp"
#include "node/http.hpp"
#include "node/peer/apply_plan.hpp"
#include "node/services_dir.hpp"

namespace shoal::node {

class ServicesApi {
 public:
  struct Hooks {
    std::function<void()> rescan;  // the folder changed: scan it and publish now
    // spec/<name> erased cluster-wide; false when the store holds no such key.
    std::function<bool(const std::string& name)> erase_spec;
    // What applying these services would change (placement of the current view).
    std::function<ApplyPlan(const std::vector<config::ServiceSpec>&)> plan;
    std::function<std::string()> clock_warning;  // "" unless this host's clock is ahead
  };

  ServicesApi(ServicesDir& dir, std::string self, int max_replicas, Hooks hooks)
      : dir_(dir), self_(std::move(self)), max_replicas_(max_replicas), hooks_(std::move(hooks)) {}

  HttpResponse apply(const HttpRequest& r);
  HttpResponse plan(const HttpRequest& r) const;
  HttpResponse remove(const std::string& name);

 private:
  struct Request {
    std::string file, content;
    std::vector<config::ServiceSpec> services;
  };
  // {"file": "NAME.toml", "content": "..."} parsed and checked: an error response, or the
  // file and its services as the folder would publish them.
  std::variant<HttpResponse, Request> parse(const HttpRequest& r) const;

  ServicesDir& dir_;
  std::string self_;
  int max_replicas_;
  Hooks hooks_;
};

// Why a file was not renamed: 409 it defines other services too, 404 no file defines the
// service, 500 the rename failed.
struct RenameRefusal {
  int status;
  std::string message;
};
// Renames the file that defines only `name` to FILE.deleted and forgets it.
std::optional<RenameRefusal> rename_deleted(ServicesDir& dir, const std::string& name);

}  // namespace shoal::node
