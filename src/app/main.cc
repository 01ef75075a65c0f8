// leadwire: the command line (product spec §1). Only flag parsing lives here;
// the commands are in app/*_command.cc.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <iostream>

#include "app/commands.h"
#include "app/config_sources.h"
#include "app/webhook_wiring.h"
#include "common/log.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App cli{"Leadwire: legal intake records and their webhooks"};
  cli.set_version_flag("--version", lw::VersionLine(),
                       "Print the version and the commit, and exit");
  cli.require_subcommand(1);

  lw::app::InitOptions init;
  auto* init_cmd =
      cli.add_subcommand("init", "Create the schema, an organization and its first Admin");
  init_cmd->add_option("--db", init.db, "sqlite:PATH or postgresql://…")->capture_default_str();
  init_cmd->add_option("--org", init.org, "Organization name")->required();
  init_cmd->add_option("--admin-email", init.admin_email, "First Admin's email")->required();
  init_cmd->add_option("--secret-key-file", init.secret_key_file,
                       "File of the key that seals stored secrets, made (mode 0600) when missing "
                       "(default: next to a SQLite database, as PATH.key)");
  init_cmd->add_option("--admin-password", init.admin_password,
                       "First Admin's password (generated if omitted)");

  lw::app::UserAddOptions user;
  auto* user_cmd = cli.add_subcommand("user", "Manage users");
  user_cmd->require_subcommand(1);
  auto* add_cmd = user_cmd->add_subcommand("add", "Add a user to an organization");
  add_cmd->add_option("--db", user.db, "sqlite:PATH or postgresql://…")->capture_default_str();
  add_cmd->add_option("--org-id", user.org_id, "Organization id")->required();
  add_cmd->add_option("--email", user.email, "Email")->required();
  add_cmd->add_option("--role", user.role, "admin or user")
      ->required()
      ->check(CLI::IsMember({"admin", "user"}));
  add_cmd->add_option("--password", user.password, "Password (generated if omitted)");

  lw::app::ServeOptions serve;
  auto* serve_cmd = cli.add_subcommand("serve", "Run the API, the web UI and the delivery workers");
  serve_cmd->add_option("--db", serve.db, "sqlite:PATH or postgresql://…")->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  serve_cmd->add_option("--role", serve.role, "all, api or worker")->capture_default_str();
  serve_cmd->add_option("--allow-destination", serve.allow_destinations,
                        "CIDR range webhooks may reach despite the SSRF guard (repeatable)");
  serve_cmd->add_flag("--https-only", serve.https_only, "Deliver only to https:// URLs");
  serve_cmd->add_option("--ca-file", serve.ca_file,
                        "PEM file of CA certificates trusted besides the system's");
  serve_cmd->add_option("--max-in-flight", serve.max_in_flight, "Webhook requests at once, in all")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  serve_cmd
      ->add_option("--max-per-endpoint", serve.max_per_endpoint,
                   "Webhook requests at once to one organization's URL origin")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  serve_cmd
      ->add_option("--max-per-host", serve.max_per_host,
                   "Webhook requests at once to one origin across organizations (0: no cap)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65536));
  serve_cmd
      ->add_option("--transport-threads", serve.transport_threads,
                   "Threads sending webhooks, each with its share of the endpoints")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));

  serve_cmd
      ->add_option("--db-pool", serve.db_pool,
                   "PostgreSQL connections this node opens at most (SQLite ignores it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));

  serve_cmd->add_option("--trusted-proxy", serve.trusted_proxies,
                        "CIDR range of load balancers whose X-Forwarded-For names the client "
                        "(repeatable)");

  serve_cmd
      ->add_option("--max-connections", serve.max_connections,
                   "Client connections held at once (0: as many as the open-file limit allows, "
                   "at most 10000)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  serve_cmd
      ->add_option("--max-connections-per-client", serve.max_connections_per_client,
                   "Client connections held at once from one address (an IPv6 /64); 0: no bound")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  serve_cmd
      ->add_option("--idle-timeout", serve.idle_timeout,
                   "Seconds a connection may wait for its next request (keep it above a load "
                   "balancer's idle timeout)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));

  serve_cmd
      ->add_option("--retention-days", serve.retention_days,
                   "Days the delivery log keeps finished deliveries and their events (0: for "
                   "good; fractions allowed: 0.5 is twelve hours)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 36500.0));

  serve_cmd
      ->add_option("--rate-limit", serve.rate_limit,
                   "API requests per second per API token or session, with a burst of twice "
                   "that (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));

  serve_cmd->add_option("--secret-key-file", serve.secret_key_file,
                        "File of the key that seals stored secrets (default: next to a SQLite "
                        "database, as PATH.key; required on PostgreSQL, the same on every node)");
  serve_cmd->add_option("--egress-proxy", serve.egress_proxy,
                        "http://[USER:PASSWORD@]HOST:PORT: send every webhook and OAuth2 token "
                        "request through this proxy (CONNECT), to addresses Leadwire checked");

  serve_cmd->add_option("--smtp-url", serve.smtp_url,
                        "Mail server for the emails that tell Admins a rule needs attention: "
                        "smtp://[user:pass@]HOST:PORT (STARTTLS when offered) or smtps://…; "
                        "LEADWIRE_SMTP_URL keeps a password out of the process list");
  serve_cmd->add_option("--smtp-from", serve.smtp_from, "Those emails' sender address")
      ->capture_default_str();
  serve_cmd
      ->add_option("--log-format", serve.log_format,
                   "text, or json: one JSON object per line, with the trace id where there is one")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve_cmd->add_option("--public-url", serve.public_url,
                        "Where Admins reach this UI, for links in emails (default: from --listen)");
  serve_cmd->add_option("--retry-schedule", serve.retry_schedule,
                        "NOT FOR PRODUCTION: the delays between attempts, e.g. 1s,2s,4s (three "
                        "retries), instead of 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; for "
                        "tests that must see a delivery finally fail within minutes");

  lw::app::BackupOptions backup;
  auto* backup_cmd = cli.add_subcommand(
      "backup", "Copy a SQLite database while the server runs (a consistent online copy)");
  backup_cmd->add_option("--db", backup.db, "sqlite:PATH")->capture_default_str();
  backup_cmd->add_option("--to", backup.to, "The copy's file (must not exist)")->required();
  backup_cmd->add_option("--secret-key-file", backup.secret_key_file,
                         "The server's key file, if not beside the database (named in the report: "
                         "the copy's secrets open with it only)");

  lw::app::DemoOptions demo;
  auto* demo_cmd =
      cli.add_subcommand("demo", "Run a demo on an embedded database in ./leadwire-demo/");
  demo_cmd->add_option("--dir", demo.dir, "Folder for the demo's data")->capture_default_str();
  demo_cmd->add_option("--listen", demo.listen, "HOST:PORT")->capture_default_str();

  lw::app::ReceiveOptions receive;
  auto* receive_cmd =
      cli.add_subcommand("receive", "Run a local receiver that verifies and prints webhooks");
  receive_cmd->add_option("--listen", receive.listen, "HOST:PORT")->capture_default_str();
  receive_cmd->add_option("--key", receive.key, "The organization's authentication key (whsec_…)");
  receive_cmd->add_option("--public-key", receive.public_key,
                          "The organization's Ed25519 public key (whpk_…), to verify v1a");
  receive_cmd->add_flag("--strict", receive.strict,
                        "Exit non-zero on a webhook with a bad signature");

  // --config is read by WithEnvironmentAndFile, before CLI11 parses. The
  // database commands take serve's file for the database and its key.
  std::string config_file;
  serve_cmd->add_option("--config", config_file,
                        "A TOML file of these options (the command line and LEADWIRE_* win)");
  for (CLI::App* sub : {init_cmd, add_cmd, backup_cmd})
    sub->add_option("--config", config_file,
                    "serve's TOML file, for its db and secret-key-file (the command line and "
                    "LEADWIRE_DB, LEADWIRE_SECRET_KEY_FILE win)");
  // The command line, then LEADWIRE_* and the --config file for the options
  // it does not give. (CLI11 wants the arguments last first.)
  lw::Result<std::vector<std::string>> args{std::vector<std::string>(argv + 1, argv + argc)};
  const std::pair<CLI::App*, std::vector<std::string>> configurable[] = {{serve_cmd, {"serve"}},
                                                                         {init_cmd, {"init"}},
                                                                         {add_cmd, {"user", "add"}},
                                                                         {backup_cmd, {"backup"}}};
  for (const auto& [sub, path] : configurable)
    if (args) args = lw::app::WithEnvironmentAndFile(*sub, path, *serve_cmd, std::move(*args));
  if (!args) {
    std::cerr << "leadwire: " << args.error().message << std::endl;
    return 2;
  }
  std::reverse(args->begin(), args->end());
  try {
    cli.parse(std::move(*args));
  } catch (const CLI::ParseError& e) {
    // A flag or value refused exits 2, as a refused --config file does (the
    // service's unit does not restart on 2: no retry mends a setting).
    const int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }

  // A database file that reaches the size limit (ulimit -f) should fail the
  // write (EFBIG: the store answers 503 and keeps reading), not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);

  if (init_cmd->parsed() || user_cmd->parsed() || backup_cmd->parsed()) lw::log::SetQuiet(true);
  lw::app::ConnectWebhooks();  // every command that records events queues their webhooks
  if (init_cmd->parsed()) return lw::app::RunInit(init);
  if (add_cmd->parsed()) return lw::app::RunUserAdd(user);
  if (serve_cmd->parsed()) return lw::app::RunServe(serve);
  if (demo_cmd->parsed()) return lw::app::RunDemo(demo);
  if (backup_cmd->parsed()) return lw::app::RunBackup(backup);
  if (receive_cmd->parsed()) {
    lw::log::SetQuiet(true);
    return lw::app::RunReceive(receive);
  }
  return 1;
}
