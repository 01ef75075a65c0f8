// The CLI's commands (product spec §1), as functions returning the process exit
// code. main.cc only parses flags; these do the work, print the one JSON line
// (or the demo's instructions) on stdout, and errors as one sentence on stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lw::app {

struct InitOptions {
  std::string db = "sqlite:./leadwire.db";
  std::string org;
  std::string admin_email;
  std::optional<std::string> admin_password;
  std::string secret_key_file;  // "": next to a SQLite database
};
int RunInit(const InitOptions& o);

struct UserAddOptions {
  std::string db = "sqlite:./leadwire.db";
  int64_t org_id = 0;
  std::string email;
  std::string role;
  std::optional<std::string> password;
};
int RunUserAdd(const UserAddOptions& o);

struct ServeOptions {
  std::string db = "sqlite:./leadwire.db";
  std::string listen = "127.0.0.1:8080";
  std::string role = "all";  // all | api | worker
  std::vector<std::string> allow_destinations;
  bool https_only = false;
  std::string ca_file;  // extra trusted CAs, PEM
  int max_in_flight = 4096;
  int max_per_endpoint = 64;
  int max_per_host = 0;  // 0: no cap
  int transport_threads = 4;
  int db_pool = 8;  // PostgreSQL connections per node (DatabaseOptions::pool_size)
  std::vector<std::string> trusted_proxies;  // CIDR ranges of load balancers
  int max_connections = 0;                   // 0: as many as the open-file limit allows
  int max_connections_per_client = 256;      // 0: no bound
  int idle_timeout = 60;                     // seconds
  double retention_days = 30;                // 0: keep the delivery log for good
  int rate_limit = 100;         // API requests per second per token or session; 0: none
  std::string retry_schedule;   // tests only: delays between attempts ("1s,2s,4s")
  std::string secret_key_file;  // "": next to a SQLite database; required on PostgreSQL
  std::string egress_proxy;     // http://[user:pass@]HOST:PORT; "": connect directly
  std::string smtp_url;         // smtp[s]://[user:pass@]HOST:PORT; "": no emails are sent
  std::string smtp_from = "leadwire@localhost";
  std::string public_url;  // where Admins reach the UI, for links in emails; "": from --listen
  std::string log_format = "text";  // text | json
};
int RunServe(const ServeOptions& o);

struct BackupOptions {
  std::string db = "sqlite:./leadwire.db";
  std::string to;               // the copy; must not exist
  std::string secret_key_file;  // the key the server uses, if not the default: named in the report
};
// Prints {"backup":FILE,"pages":N,"bytes":N,"secret_key_file":KEY}: the
// copy's secrets open with that key only (it is not in the copy).
int RunBackup(const BackupOptions& o);

struct ReceiveOptions {
  std::string listen = "127.0.0.1:9000";
  std::string key;         // whsec_…: "v1" and X-Leadwire-Signature
  std::string public_key;  // whpk_…: Ed25519 "v1a"
  bool strict = false;     // exit non-zero (2) on the first webhook with a bad signature
};
int RunReceive(const ReceiveOptions& o);

struct DemoOptions {
  std::string dir = "./leadwire-demo";
  std::string listen = "127.0.0.1:8080";
};
int RunDemo(const DemoOptions& o);

}  // namespace lw::app
