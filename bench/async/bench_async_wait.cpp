// Helpers of bench/async/run.sh (a benchmark, not a test): N concurrent wait_code calls parked on
// a loginid-emulator, then an authorize burst. Public SDK API only (what an application can do).
//   prepare URL CREDENTIALS N PREFIX FILE
//       creates the users PREFIX-0 .. PREFIX-(N-1) and a short code for each (async management
//       calls, at most kWidth at once); writes one "username code" line per user to FILE
//   sdk  URL CREDENTIALS FILE EMULATOR_PID
//       the async SDK: one wait_code per line of FILE, all started at once on one AsyncRuntime
//   sync URL CREDENTIALS FILE EMULATOR_PID
//       the blocking SDK: one thread per blocking wait_code, started until FILE is done or the OS
//       refuses a thread (open-file and process limits raised as far as the OS lets it)
//   burst URL CREDENTIALS FILE
//       authorizes every code of FILE (async management authorize_code, at most kWidth at once)
// sdk and sync print, once every call is parked at the emulator (GET /emulator/health) or has
// failed:
//   "peak calls=C parked=P threads=T rss_growth=B open_files=F emulator_threads=ET emulator_rss_growth=EB"
// (threads, RSS growth in bytes since just before the first call, and open descriptors of this
// process, then the emulator's), then wait for the burst (run.sh runs `burst` once it sees that
// line) and print
//   "done answered=A failed=F" and "first error: ..." when F > 0
// where answered counts the calls that returned a JWT verify_token accepts for the call's own
// username. sync also prints its limits and "started=K all started" or "started=K stopped: why".
// Every wait is bounded (hang guards).
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process_status.hpp"
#include "loginid/async.hpp"
#include "loginid/loginid.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using loginid::bench::ProcessSample;
using loginid::bench::sample_process;
using namespace std::chrono_literals;

constexpr std::size_t kWidth = 64;         // setup and burst calls in flight at once
constexpr auto kParkGuard = 300s;          // all calls parked within this, or the run fails
constexpr auto kAnswerGuard = 300s;        // all calls answered within this after the burst
constexpr auto kLongPoll = 600s;           // wait_code's own limit: longer than any run

struct App {
  std::string client_id;
  std::string private_key;
};

App app_of(const std::string& credentials, const char* name) {
  std::ifstream in(credentials);
  if (!in) throw std::runtime_error("cannot read " + credentials);
  const auto json = nlohmann::json::parse(in).at(name);
  return {json.at("client_id").get<std::string>(), json.at("private_key").get<std::string>()};
}

loginid::Options options_for(const std::string& url) {
  loginid::Options options;
  options.base_url = url;
  options.honour_emulator_env = false;
  options.wait_timeout = kLongPoll;
  options.timeout = 60s;  // a setup call may queue behind thousands of commits on a busy machine
  return options;
}

struct Pending {
  std::string username;
  std::string code;
};

std::vector<Pending> read_codes(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Pending> codes;
  Pending p;
  while (in >> p.username >> p.code) codes.push_back(p);
  if (codes.empty()) throw std::runtime_error(path + " holds no codes");
  return codes;
}

/// A few descriptors held back from the load: when the calls have used up the open-file limit,
/// releasing them lets the peak be sampled (reading /proc needs descriptors too).
class FdReserve {
 public:
  FdReserve() {
    for (int& fd : fds_) fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~FdReserve() { release(); }
  FdReserve(const FdReserve&) = delete;
  FdReserve& operator=(const FdReserve&) = delete;
  void release() {
    for (int& fd : fds_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }

 private:
  int fds_[8]{};
};

/// Raises the limit `resource` to `wanted` (the hard limit too when the OS lets this process),
/// else as far as the hard limit; says so on stderr when the OS refuses, since the run then cannot
/// reach its N. Returns the soft limit now (-1: unlimited).
long raise_limit(int resource, const char* name, rlim_t wanted) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0) return 0;
  if (limit.rlim_cur < wanted && limit.rlim_max < wanted) {
    const rlimit raised{wanted, wanted};
    if (::setrlimit(resource, &raised) == 0) return static_cast<long>(wanted);
    std::cerr << "bench_async_wait: the OS refuses to raise " << name << " to " << wanted << " (hard limit "
              << limit.rlim_max << ": " << std::strerror(errno) << "): calls past it will fail\n";
  }
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    if (::setrlimit(resource, &limit) != 0) std::cerr << "bench_async_wait: setrlimit(" << name << ") refused\n";
    ::getrlimit(resource, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(limit.rlim_cur);
}

/// GET /emulator/health's "waiters": the wait_code calls parked at the emulator now.
class Health {
 public:
  explicit Health(const std::string& url) : handle_(curl_easy_init()), url_(url + "/emulator/health") {
    if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    curl_easy_setopt(handle_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &Health::append);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &body_);
  }
  ~Health() { curl_easy_cleanup(handle_); }
  Health(const Health&) = delete;
  Health& operator=(const Health&) = delete;

  long waiters() {
    body_.clear();
    if (curl_easy_perform(handle_) != CURLE_OK) return -1;  // the emulator is busy: ask again
    return nlohmann::json::parse(body_, nullptr, false).value("waiters", -1L);
  }

 private:
  static std::size_t append(char* data, std::size_t size, std::size_t count, void* body) {
    static_cast<std::string*>(body)->append(data, size * count);
    return size * count;
  }
  CURL* handle_;
  std::string url_;
  std::string body_;
};

/// Polls until `parked()` is true (every call parked, or accounted for), bounded by kParkGuard.
void await_parked(const std::function<bool()>& parked) {
  const auto give_up = Clock::now() + kParkGuard;
  while (!parked()) {
    if (Clock::now() > give_up) throw std::runtime_error("hang guard: the calls did not all park in time");
    std::this_thread::sleep_for(50ms);
  }
}

/// Counts completions and lets the main thread wait (bounded) for all of them.
class Countdown {
 public:
  explicit Countdown(std::size_t count) : left_(count) {}
  void one_done() {
    std::lock_guard lock(mutex_);
    if (--left_ == 0) done_.notify_all();
  }
  [[nodiscard]] std::size_t left() {
    std::lock_guard lock(mutex_);
    return left_;
  }
  void wait(std::chrono::seconds guard, const char* what) {
    std::unique_lock lock(mutex_);
    if (!done_.wait_for(lock, guard, [&] { return left_ == 0; })) {
      throw std::runtime_error(std::string("hang guard: ") + what + ": " + std::to_string(left_) + " calls unfinished");
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t left_;
};

/// Runs `start(i, done)` for every i < count with at most kWidth unfinished; `done(error)` (from a
/// completion, on the loop thread) starts the next. Returns the first error, if any failed.
std::optional<std::string> run_bounded(std::size_t count,
                                       const std::function<void(std::size_t, std::function<void(std::string)>)>& start) {
  Countdown countdown(count);
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::optional<std::string> first_error;
  std::function<void()> launch = [&] {
    const std::size_t i = next.fetch_add(1);
    if (i >= count) return;
    start(i, [&](const std::string& error) {
      if (!error.empty()) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = error;
      }
      launch();
      countdown.one_done();
    });
  };
  for (std::size_t i = 0; i < std::min(count, kWidth); ++i) launch();
  countdown.wait(kAnswerGuard, "setup or burst");
  return first_error;
}

/// The message of an outcome's error (empty for a value). Not inlined: inlined into a completion,
/// GCC 12 -O2 takes the read of the error alternative for a read of uninitialized memory.
template <typename T>
[[gnu::noinline]] std::string error_of(const loginid::Outcome<T>& outcome) {
  if (outcome.has_value()) return {};
  try {
    std::rethrow_exception(outcome.error());
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

int prepare(const std::string& url, const std::string& credentials, std::size_t n, const std::string& prefix,
            const std::string& file) {
  const App app = app_of(credentials, "management");
  loginid::LoginIdManagement management(app.client_id, loginid::SecretString(app.private_key), options_for(url));
  loginid::AsyncRuntime runtime;
  loginid::AsyncLoginIdManagement async(management, runtime);
  std::vector<std::string> codes(n);
  const auto error = run_bounded(n, [&](std::size_t i, std::function<void(std::string)> done) {
    const loginid::Username name(prefix + "-" + std::to_string(i));
    async.add_user_without_credentials(name).then(
        [&, i, name, done = std::move(done)](loginid::Outcome<loginid::User> user) mutable {
          if (!user) return done("add_user_without_credentials: " + error_of(user));
          async
              .generate_code(loginid::UserRef(loginid::UserId(user.value().id)), loginid::CodeType::short_code,
                             loginid::CodePurpose::temporary_authentication)
              .then([&, i, done = std::move(done)](loginid::Outcome<loginid::CodeResult> code) {
                if (!code) return done("generate_code: " + error_of(code));
                codes[i] = code.value().code;
                done({});
              });
        });
  });
  if (error) throw std::runtime_error("prepare: " + *error);
  std::ofstream out(file);
  for (std::size_t i = 0; i < n; ++i) out << prefix << "-" << i << " " << codes[i] << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + file);
  return 0;
}

int burst(const std::string& url, const std::string& credentials, const std::string& file) {
  const auto codes = read_codes(file);
  raise_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", kWidth + 256);
  const App app = app_of(credentials, "management");
  loginid::LoginIdManagement management(app.client_id, loginid::SecretString(app.private_key), options_for(url));
  loginid::AsyncRuntime runtime;
  loginid::AsyncLoginIdManagement async(management, runtime);
  std::atomic<std::size_t> failed{0};
  const auto error = run_bounded(codes.size(), [&](std::size_t i, std::function<void(std::string)> done) {
    async
        .authorize_code(loginid::UserRef(loginid::Username(codes[i].username)), codes[i].code,
                        loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication)
        .then([&, done = std::move(done)](loginid::Outcome<loginid::AuthorizeResult> result) {
          if (!result) ++failed;
          done(result ? std::string() : "authorize_code: " + error_of(result));
        });
  });
  // Not fatal: the waiters of the failed codes stay unanswered, and `answered` shows it.
  if (error) std::cerr << "burst: " << failed.load() << " authorize_code calls failed, the first: " << *error << "\n";
  return 0;
}

/// What a load process prints once everything is parked, and its verified answers at the end.
struct Load {
  Load(const std::string& url, const std::string& credentials, const std::string& file, std::string emulator_pid)
      : codes(read_codes(file)),
        app(app_of(credentials, "web")),
        web(app.client_id, loginid::SecretString(app.private_key), options_for(url)),
        health(url),
        emulator(std::move(emulator_pid)),
        jwts(codes.size()),
        errors(codes.size()) {}

  void sample_before() {
    self_before = sample_process("self");
    emulator_before = sample_process(emulator);
    waiters_before = health.waiters();
    if (waiters_before < 0) throw std::runtime_error("GET /emulator/health failed");
  }
  /// The waits parked at the emulator since sample_before().
  long parked() { return health.waiters() - waiters_before; }
  void print_peak(std::size_t calls) {
    reserve.release();
    const auto self = sample_process("self");
    const auto emu = sample_process(emulator);
    std::printf(
        "peak calls=%zu parked=%ld threads=%ld rss_growth=%ld open_files=%ld emulator_threads=%ld "
        "emulator_rss_growth=%ld\n",
        calls, parked(), self.threads, (self.rss_kb - self_before.rss_kb) * 1024, self.open_files, emu.threads,
                (emu.rss_kb - emulator_before.rss_kb) * 1024);
    std::fflush(stdout);
  }
  /// Verifies each JWT for its own username (verify_token, as an application would) and prints
  /// the "done" line and the first error.
  void print_answers() {
    std::size_t answered = 0;
    std::size_t failed = 0;
    std::string first_error;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (jwts[i] && web.verify_token(*jwts[i], loginid::Username(codes[i].username))) {
        ++answered;
      } else if (jwts[i] || !errors[i].empty()) {
        ++failed;
        if (first_error.empty()) first_error = jwts[i] ? "verify_token refused the JWT of " + codes[i].username : errors[i];
      }
    }
    std::printf("done answered=%zu failed=%zu\n", answered, failed);
    if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
    std::fflush(stdout);
  }

  std::vector<Pending> codes;
  App app;
  loginid::LoginID web;
  Health health;
  std::string emulator;
  ProcessSample self_before;
  ProcessSample emulator_before;
  long waiters_before = 0;
  FdReserve reserve;
  // Filled by the completions (one slot per call, made before the load so its allocation does
  // not count as the calls' memory).
  std::vector<std::optional<std::string>> jwts;
  std::vector<std::string> errors;
};

int sdk(const std::string& url, const std::string& credentials, const std::string& file, const std::string& pid) {
  Load load(url, credentials, file, pid);
  const std::size_t n = load.codes.size();
  raise_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", n + 256);
  loginid::AsyncRuntime runtime;
  loginid::AsyncLoginID async(load.web, runtime);
  // Warm-up, before the baseline: the first call's one-time setup (connection cache, DNS cache,
  // the health probe's handle) is not a per-call cost. A user that does not exist: answered at once.
  (void)load.health.waiters();
  try {
    (void)async.wait_code(loginid::Username("warm-up-nobody"), "000000", loginid::CodeType::short_code).future().get();
  } catch (const loginid::Error&) {
  }
  Countdown countdown(n);
  load.sample_before();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& pending = load.codes[i];
    async.wait_code(loginid::Username(pending.username), pending.code, loginid::CodeType::short_code)
        .then([&load, &countdown, i](loginid::Outcome<loginid::AuthResult> auth) {
          if (auth && auth.value().jwt) {
            load.jwts[i] = std::move(*auth.value().jwt);
          } else {
            load.errors[i] = auth ? "no JWT in the answer" : error_of(auth);
          }
          countdown.one_done();
        });
  }
  // Parked: every call the emulator holds, or answered already (with an error: nothing is
  // authorized yet).
  await_parked([&] { return load.parked() + static_cast<long>(n - countdown.left()) >= static_cast<long>(n); });
  load.print_peak(n);
  countdown.wait(kAnswerGuard, "waiting for the answers");
  load.print_answers();
  return 0;
}

int sync(const std::string& url, const std::string& credentials, const std::string& file, const std::string& pid) {
  Load load(url, credentials, file, pid);
  const std::size_t n = load.codes.size();
  // As far as the machine allows: the blocking SDK holds more than one descriptor per call.
  const long open_files = raise_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", 4 * n + 256);
  const long processes = raise_limit(RLIMIT_NPROC, "RLIMIT_NPROC", n + 256);
  std::vector<std::thread> threads;
  threads.reserve(n);
  std::atomic<long> finished{0};
  (void)load.health.waiters();
  {  // warm-up, as in sdk()
    try {
      (void)load.web.wait_code(loginid::Username("warm-up-nobody"), "000000", loginid::CodeType::short_code);
    } catch (const loginid::Error&) {
    }
  }
  load.sample_before();
  // Cancels the parked calls and joins their threads when this run fails (a joinable std::thread
  // must not be destroyed), so every failure ends the process with its message.
  loginid::CancellationSource cancel_all;
  struct JoinAll {
    std::vector<std::thread>& threads;
    loginid::CancellationSource& cancel;
    ~JoinAll() {
      cancel.cancel();
      for (auto& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    }
  } join_all{threads, cancel_all};
  loginid::CallOptions call;
  call.cancellation = cancel_all.token();
  std::string stop_reason;
  for (std::size_t i = 0; i < n; ++i) {
    try {
      threads.emplace_back([&load, &finished, &call, i] {
        const auto& pending = load.codes[i];
        try {
          auto auth = load.web.wait_code(loginid::Username(pending.username), pending.code,
                                         loginid::CodeType::short_code, {}, call);
          if (auth.jwt) {
            load.jwts[i] = std::move(*auth.jwt);
          } else {
            load.errors[i] = "no JWT in the answer";
          }
        } catch (const std::exception& e) {
          load.errors[i] = e.what();
        }
        ++finished;
      });
    } catch (const std::system_error& e) {
      stop_reason = std::string("std::thread: ") + e.what();
      break;
    }
  }
  const long started = static_cast<long>(threads.size());
  await_parked([&] { return load.parked() + finished.load() >= started; });
  load.print_peak(threads.size());
  std::printf("limits open_files_limit=%ld processes_limit=%ld\n", open_files, processes);
  if (stop_reason.empty()) {
    std::printf("started=%ld all started\n", started);
  } else {
    std::printf("started=%ld stopped: %s\n", started, stop_reason.c_str());
  }
  std::fflush(stdout);
  for (auto& thread : threads) thread.join();  // bounded: each wait ends within kLongPoll
  load.print_answers();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 6 && a[0] == "prepare") return prepare(a[1], a[2], std::stoul(a[3]), a[4], a[5]);
    if (a.size() == 5 && a[0] == "sdk") return sdk(a[1], a[2], a[3], a[4]);
    if (a.size() == 5 && a[0] == "sync") return sync(a[1], a[2], a[3], a[4]);
    if (a.size() == 4 && a[0] == "burst") return burst(a[1], a[2], a[3]);
    std::cerr << "usage: see the comment at the top of bench/async/bench_async_wait.cpp\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "bench_async_wait: " << e.what() << "\n";
    return 1;
  }
}
