// loginid-emulator: a local, persistent, LoginID-compatible server (issue 3, docs/emulator.md).
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "emulator/http/server.hpp"
#include "emulator/service/service.hpp"
#include "emulator/store/file_lock.hpp"
#include "emulator/store/store.hpp"
#include "emulator/tls/local_ca.hpp"
#include "emulator/tls/server_tls.hpp"
#include "command_docs/command_docs.hpp"

namespace {

using namespace loginid::detail::emulator;

struct Flags {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string db = "./loginid-emulator.db";
  std::string credentials_out;
  int code_ttl = 300;
  int challenge_ttl = 300;
  int token_ttl = 0;  // no exp, as LoginID's tokens
  int iat_window = 300;
  int max_waiters = 10000;  // a parked wait costs a socket and a few records, no thread
  int workers = 4;          // event-loop threads: sockets, token checks, store reads, answers
  int store_workers = 2;    // threads for the requests that write SQLite (off the event loops)
  double wait_timeout = 30;
  std::string admin_token;
  std::string log_level = "info";
  // Web settings of the default applications; unset flags leave the stored settings alone.
  std::string rp_id;
  std::string rp_name;
  std::vector<std::string> allowed_origins;
  std::string public_init;
  int password_max_failures = 5;
  int password_lockout = 300;
  // TLS: a certificate and key of the user's, or a local CA and certificate of our own.
  std::string tls_cert;
  std::string tls_key;
  bool tls_self_signed = false;
};

WebSettingsChange web_settings_of(const Flags& flags) {
  WebSettingsChange change;
  if (!flags.rp_id.empty()) change.rp_id = flags.rp_id;
  if (!flags.rp_name.empty()) change.rp_name = flags.rp_name;
  if (!flags.allowed_origins.empty()) change.allowed_origins = flags.allowed_origins;
  if (!flags.public_init.empty()) change.public_init = flags.public_init == "on" || flags.public_init == "true";
  return change;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

/// The host of base_url: what a client on this machine connects to. A wildcard bind address names
/// no host (the SDK would refuse plain http to 0.0.0.0 and no certificate names it), so it
/// becomes the loopback address of its family.
std::string url_host(const std::string& bind_host) {
  if (bind_host == "0.0.0.0") return "127.0.0.1";
  if (bind_host == "::") return "[::1]";
  return bind_host.find(':') != std::string::npos ? "[" + bind_host + "]" : bind_host;
}

/// The database's name with ".db" replaced by ".credentials.json": for the default database that is
/// ./loginid-emulator.credentials.json, the file `loginid --emulator` reads by default.
std::string credentials_path(const Flags& flags) {
  if (!flags.credentials_out.empty()) return flags.credentials_out;
  if (flags.db == ":memory:") return "./loginid-emulator.credentials.json";
  const std::string_view db = flags.db;
  const auto stem = db.ends_with(".db") ? db.substr(0, db.size() - 3) : db;
  return std::string(stem) + ".credentials.json";
}

/// Written whole to a 0600 temp file, then renamed over the old one (never a half-written file).
void write_credentials(const std::string& path, const nlohmann::json& content) {
  const auto temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write credentials file " + temp);
  const auto text = content.dump(2) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write credentials file " + path);
  }
}

/// The server's certificate and key for https, or nullopt for plain http. With --tls-self-signed,
/// `ca_path` is set to the CA certificate written beside the credentials file.
std::optional<tls::ServerIdentity> tls_identity(const Flags& flags, const std::string& credentials_file,
                                                std::string& ca_path) {
  if (flags.tls_self_signed) {
    const auto files = tls::local_ca_files(credentials_file);
    auto ca = tls::load_or_create_local_ca(files);
    ca_path = std::filesystem::absolute(files.cert).lexically_normal().string();
    std::fprintf(stderr, "loginid-emulator: TLS: %s local CA %s (clients trust this file; its key: %s)\n",
                 ca.created ? "made a new" : "using the", ca_path.c_str(), files.key.c_str());
    return tls::issue_server_identity(ca, {flags.host});
  }
  if (flags.tls_cert.empty()) return std::nullopt;
  auto identity = tls::load_identity(flags.tls_cert, flags.tls_key);
  for (const auto& warning : tls::identity_warnings(identity, flags.host, std::time(nullptr))) {
    std::fprintf(stderr, "loginid-emulator: warning: --tls-cert %s: %s\n", flags.tls_cert.c_str(), warning.c_str());
  }
  return identity;
}

http::LogLevel parse_log_level(const std::string& level) {
  if (level == "off") return http::LogLevel::off;
  if (level == "error") return http::LogLevel::error;
  if (level == "debug") return http::LogLevel::debug;
  return http::LogLevel::info;
}

/// Periodically writes seen nonces and prunes old codes, until stopped.
class Maintenance {
 public:
  explicit Maintenance(Service& service) : service_(service), thread_([this] { loop(); }) {}
  ~Maintenance() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    service_.flush();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
      lock.unlock();
      try {
        service_.flush();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "loginid-emulator: flush failed: %s\n", e.what());
      }
      lock.lock();
    }
  }
  Service& service_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int serve(const Flags& flags) {
  if (!is_loopback(flags.host) && flags.admin_token.empty()) {
    std::fprintf(stderr, "loginid-emulator: refusing to bind %s without --admin-token (the admin API would be open)\n",
                 flags.host.c_str());
    return 2;
  }
  // Signals are taken by a dedicated thread (sigwait), so every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // One emulator per database and per credentials file: a second one would split the state and
  // overwrite the credentials file with its own port. Taken before anything is touched.
  std::optional<loginid::detail::store::FileLock> db_lock;
  if (flags.db != ":memory:") db_lock.emplace(flags.db, "database", "give this one another --db");
  const std::string credentials_file = credentials_path(flags);
  loginid::detail::store::FileLock credentials_lock(credentials_file, "credentials file",
                                                    "give this one another --credentials-out");
  // A port in use, too few open files for --max-waiters, or a bad certificate or key, is refused
  // before the database is created or opened.
  if (flags.port != 0) http::Server::check_bindable(flags.host, flags.port);
  http::ServerOptions limits;
  limits.max_waiters = static_cast<std::size_t>(flags.max_waiters);
  http::Server::reserve_open_files(limits);
  std::string ca_path;
  auto identity = tls_identity(flags, credentials_file, ca_path);
  if (!identity && !is_loopback(flags.host)) {
    std::fprintf(stderr,
                 "loginid-emulator: warning: serving plain http on %s: everything sent to it crosses the network "
                 "unencrypted and can be read or changed on the way: service tokens, user tokens, codes, passwords, "
                 "the admin token. Use --tls-self-signed or --tls-cert/--tls-key.\n",
                 flags.host.c_str());
  }
  loginid::detail::store::Store store(flags.db);
  ServiceConfig config;
  config.code_ttl = std::chrono::seconds(flags.code_ttl);
  config.challenge_ttl = std::chrono::seconds(flags.challenge_ttl);
  config.token_ttl = std::chrono::seconds(flags.token_ttl);
  config.iat_window = std::chrono::seconds(flags.iat_window);
  config.wait_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(flags.wait_timeout * 1000));
  config.max_waiters = static_cast<std::size_t>(flags.max_waiters);
  config.lockout.max_failures = flags.password_max_failures;
  config.lockout.lockout = std::chrono::seconds(flags.password_lockout);
  config.max_concurrent_hashes = std::max<std::ptrdiff_t>(1, std::thread::hardware_concurrency());
  Service service(store, config);
  auto defaults = service.ensure_defaults();
  try {
    service.configure_default_applications(web_settings_of(flags));
  } catch (const ApiError& e) {
    std::fprintf(stderr, "loginid-emulator: %s\n", e.what());
    return 2;
  }

  http::ServerOptions options;
  options.workers = static_cast<std::size_t>(flags.workers);
  options.store_workers = static_cast<std::size_t>(flags.store_workers);
  options.slow_workers = static_cast<std::size_t>(config.max_concurrent_hashes);  // a hash never waits for a slot
  options.max_waiters = config.max_waiters;
  if (!flags.admin_token.empty()) options.admin_token = flags.admin_token;
  options.log_level = parse_log_level(flags.log_level);
  options.tls = std::move(identity);
  http::Server server(service, std::move(options));
  const int port = server.bind(flags.host, flags.port);
  const auto base_url = std::string(server.scheme()) + "://" + url_host(flags.host) + ":" + std::to_string(port);

  if (db_lock) db_lock->publish(base_url);
  credentials_lock.publish(base_url);
  nlohmann::json credentials = {
      {"base_url", base_url},
      {"web", {{"client_id", defaults.web_client_id}, {"private_key", defaults.web_private_key}}},
      {"management",
       {{"client_id", defaults.management_client_id}, {"private_key", defaults.management_private_key}}}};
  // The CA a client must trust for base_url (the CLI's --emulator and examples/emulator_env.sh read it).
  if (!ca_path.empty()) credentials["ca_bundle"] = ca_path;
  write_credentials(credentials_file, credentials);

  std::atomic<bool> signalled{false};
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    signalled = true;
    service.begin_shutdown();  // parked waiters answer first, so the pool can drain
    server.stop();
  });

  Maintenance maintenance(service);
  std::printf("listening on %s\n", base_url.c_str());
  std::fflush(stdout);
  server.run();
  if (!signalled) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"loginid-emulator: a local, persistent, LoginID-compatible server", "loginid-emulator"};
  app.set_version_flag("--version", std::string("loginid-emulator ") + LOGINID_EMULATOR_VERSION);
  app.add_option("--host", flags.host, "address to bind (non-loopback needs --admin-token)")->capture_default_str();
  app.add_option("--port", flags.port, "port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--db", flags.db, "SQLite database file, or :memory:")->capture_default_str();
  app.add_option("--credentials-out", flags.credentials_out,
                 "where to write the default applications' credentials (default: the --db path with .db replaced by "
                 ".credentials.json)");
  app.add_option("--code-ttl", flags.code_ttl, "code lifetime, seconds")->check(CLI::Range(1, 86400))->capture_default_str();
  app.add_option("--challenge-ttl", flags.challenge_ttl,
                 "lifetime of FIDO2 challenges, seconds (also the WebAuthn timeout sent to pages)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--token-ttl", flags.token_ttl,
                 "lifetime of the user and transaction tokens, seconds: adds exp; 0 = no exp, like LoginID's tokens")
      ->check(CLI::Range(0, 31536000))
      ->capture_default_str();
  app.add_option("--password-max-failures", flags.password_max_failures,
                 "failed password logins in a row that lock a username")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--password-lockout", flags.password_lockout, "how long such a lock lasts, seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--iat-window", flags.iat_window, "accepted service-token iat skew, seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--max-waiters", flags.max_waiters,
                 "parked wait_code calls before 429 (the open-file limit is raised to fit them)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--workers", flags.workers,
                 "event-loop threads: sockets, token checks, store reads and answers (never a SQLite write)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--store-workers", flags.store_workers,
                 "threads for the requests that write SQLite (they may wait on its lock or a disk sync)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--wait-timeout", flags.wait_timeout, "longest wait_code long poll, seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  app.add_option("--admin-token", flags.admin_token, "bearer token the /emulator admin API requires");
  app.add_option("--rp-id", flags.rp_id,
                 "WebAuthn relying-party id of the default applications (stored; default on a new database: localhost)");
  app.add_option("--rp-name", flags.rp_name, "relying-party name shown by authenticators (stored)");
  app.add_option("--allowed-origin", flags.allowed_origins,
                 "a page origin the default applications accept, scheme://host[:port], port may be *; repeat the "
                 "flag for each (the list replaces the stored one; default: http://localhost:*)");
  app.add_option("--public-init", flags.public_init,
                 "whether pages may start browser flows on the default web application without a service token "
                 "(stored; default on)")
      ->check(CLI::IsMember({"on", "off", "true", "false"}));
  auto* tls_cert = app.add_option("--tls-cert", flags.tls_cert,
                                  "serve https with this PEM certificate (then any intermediates), TLS 1.2+")
                       ->check(CLI::ExistingFile);
  auto* tls_key = app.add_option("--tls-key", flags.tls_key, "the PEM private key of --tls-cert (unencrypted)")
                      ->check(CLI::ExistingFile);
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  app.add_flag("--tls-self-signed", flags.tls_self_signed,
               "serve https with a certificate for localhost, 127.0.0.1, ::1 and --host from a local CA kept beside "
               "the credentials file (made on first use; recorded there as ca_bundle, with the https base_url)")
      ->excludes(tls_cert)
      ->excludes(tls_key);
  app.add_option("--log-level", flags.log_level, "off, error, info or debug")
      ->check(CLI::IsMember({"off", "error", "info", "debug"}))
      ->capture_default_str();
  // The build writes the man page and completion files with these (packaging/CMakeLists.txt).
  if (auto document = loginid::command_docs::requested_document(
          app, {.program = "loginid-emulator", .version = LOGINID_EMULATOR_VERSION, .see_also = {"loginid(1)"}},
          argc, argv)) {
    std::cout << *document;
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own exit codes (105, 107, ...) mean nothing to a script; docs/emulator.md promises 2
    // for a bad command line, as the loginid CLI does. app.exit prints CLI11's message.
    app.exit(e);
    return 2;
  }
  try {
    return serve(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loginid-emulator: error: %s\n", e.what());
    return 1;
  }
}
