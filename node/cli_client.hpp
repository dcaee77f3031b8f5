// The client subcommands of `shoal` that talk to a peer's HTTP API (members, status, ...) and
// the local key tools (keygen, keys). Each returns the exit code: 0 ok, 1 failed (peer
// unreachable, refused), 2 bad input.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::node {

// The peer's default unix socket (data_dir/api.sock with the default data_dir).
inline constexpr const char* kDefaultApiSocket = "/var/lib/shoal/api.sock";

struct ApiTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7951;
  std::string unix_path;  // non-empty: the unix socket, not host:port
  std::string token;      // bearer token for TCP, from --token-file or SHOAL_TOKEN (optional)
  bool named = false;     // --api or SHOAL_API chose the target
};

// `--api HOST:PORT|unix:PATH`, else $SHOAL_API, else 127.0.0.1:7951 (see prefer_local_socket).
// False (and a message) when malformed.
bool resolve_api(const std::string& flag, ApiTarget& out, std::string& error);
// When nothing named the target: the unix socket at `socket_path` if this process can connect
// to it now (the host's root or a member of the socket's group), else the TCP default.
void prefer_local_socket(ApiTarget& api, const std::string& socket_path = kDefaultApiSocket);
// `--token-file F`: the token in F; false (and a message) when it cannot be read.
bool read_cli_token(const std::string& path, ApiTarget& api, std::string& error);
// "unix:PATH" or "HOST:PORT", for messages.
std::string describe(const ApiTarget& api);

// Human renderings of the API's JSON (pure, tested).
// A cell of the CLI's tables: a string as it is, null "-", a boolean yes/no, else its JSON.
std::string table_cell(const nlohmann::json& v);
// Columns padded to the widest cell, two spaces apart, one line a row.
std::string text_table(const std::vector<std::string>& head,
                       const std::vector<std::vector<std::string>>& rows);

std::string members_table(const nlohmann::json& members);
std::string status_text(const nlohmann::json& status);
// What `shoal apply` prints for the API's answer: the services applied, and the peer's warning
// when it has one (its writes are refused by the others: the spec will not propagate yet).
std::string apply_text(const nlohmann::json& reply);
// NAME REPLICAS RUNNING HEALTHY VERSION [DEPLOYMENT: once a service has an update policy]
std::string services_table(const nlohmann::json& services);
std::string ps_table(const nlohmann::json& instances);  // SERVICE INDEX PEER ADDRESS STATE PORTS
// SERVICE INDEX PEER ADDRESS PORTS STATE, from GET /v1/catalog/<service>'s array.
std::string endpoints_table(const nlohmann::json& endpoints);

int cmd_members(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err);
int cmd_services(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err);
int cmd_ps(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err);
int cmd_status(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err);
// GET /v1/catalog/SERVICE printed as a table or (json) the array; `watch`: printed again on
// every change (blocking queries), until SIGINT (0) or the peer fails (1). 2: a bad name; 1: an
// unknown service or an unreachable peer.
int cmd_endpoints(const ApiTarget& api, const std::string& service, bool json, bool watch,
                  std::ostream& out, std::ostream& err);

// The body of POST /v1/apply and /v1/plan for FILE ({"file": its base name, "content"}), once it
// reads and validates locally; else nullopt, the errors printed as path:line:col.
std::optional<std::string> apply_body(const std::string& file, std::ostream& err);
// Validates FILE locally (errors: exit 2), then asks the peer to write it into its services_dir.
int cmd_apply(const ApiTarget& api, const std::string& file, std::ostream& out,
              std::ostream& err);
// Asks the peer to delete NAME cluster-wide (erases spec/NAME; the peer holding its file
// renames it FILE.deleted).
int cmd_delete(const ApiTarget& api, const std::string& name, std::ostream& out,
               std::ostream& err);

int cmd_keygen(std::ostream& out, std::ostream& err);

// One API call with the CLI's error reporting (unreachable peer, refusal, not JSON) on `err`,
// prefixed `shoal CMD:`; nullopt when it failed. `index`: where to put the answer's
// X-Shoal-Index (blocking queries).
std::optional<nlohmann::json> api_call(const ApiTarget& api, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       std::ostream& err, const char* cmd, int timeout_ms = 5000,
                                       std::string* index = nullptr);
// `shoal keys` without --keyring/--config: cluster-wide through the peer's API
// (node/key_rotation.hpp). list prints key fingerprints and every peer's keyring; install, use
// and remove wait (up to `wait_ms`) until every live peer has adopted the new keyring and
// print who did: exit 0 when all did, 1 otherwise.
int cmd_keys_cluster(const ApiTarget& api, const std::string& op, const std::string& key,
                     bool json, int wait_ms, std::ostream& out, std::ostream& err);
// op: list | install | use | remove. The keyring file is `keyring_flag`, else security.keyring
// of the peer file `config_path`.
int cmd_keys(const std::string& op, const std::string& key, const std::string& keyring_flag,
             const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
