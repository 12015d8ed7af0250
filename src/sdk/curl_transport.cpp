// The default HttpTransport: libcurl handles kept in a pool (each an easy handle driven by a multi
// handle of its own, which keeps its keep-alive connections, so a connection is reused by the next
// call on any thread) plus one share handle for the DNS and TLS session caches. A handle is used by
// one thread at a time; only the share is used concurrently, under its lock callbacks. The exchange
// runs in curl_multi_poll rather than curl_easy_perform because only the former can be woken from
// another thread (curl_multi_wakeup): a cancelled call aborts its exchange at once instead of at
// libcurl's next progress callback (up to a second later while waiting for an answer). How each
// exchange is set up (TLS, bounds, failure messages) is curl_easy_setup.hpp, shared with the event
// loop's transport.
//
// fork(): a child process inherits the pool's handles with their open connections (the very sockets
// the parent uses) and whatever locks other threads held at that instant. A child using one would
// interleave two processes' requests on one connection, so an answer could reach the wrong process;
// even cleaning one up would hurt the parent (libcurl reads the peer's pending bytes and sends a TLS
// close_notify on it). So every transport takes part in fork_safety.hpp: its pool is held still
// across the fork, and in the child it forgets what it inherited: the inherited sockets are closed
// (close() only drops the child's reference, the parent's connection stays up), the handles and the
// shared caches are left unfreed and never touched again, and new ones are made on demand.

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "curl_easy_setup.hpp"
#include "fork_safety.hpp"
#include "loginid/error.hpp"
#include "loginid/transport.hpp"

namespace loginid::inline v1 {
namespace {

using Kind = TransportError::Reason;
using detail::CurlEasy;
using detail::CurlMulti;
using detail::CurlShare;

// An easy handle and the multi that runs it (and keeps its connections). The multi is declared
// first so that it is cleaned up last: the easy handle is never in it outside an exchange.
struct PooledHandle {
  CurlMulti multi;
  CurlEasy easy;
};

// The longest curl_multi_poll sleeps at once. libcurl shortens it to its own next timeout, and a
// cancellation wakes it: this only bounds a wait if both were ever missed.
constexpr int kMaxPollMillis = 1000;

// How an exchange ended: libcurl's result, or aborted because the call was cancelled.
struct Transfer {
  CURLcode code = CURLE_OK;
  bool cancelled = false;
};

// Runs the configured exchange of `handle` to its end, like curl_easy_perform, but returns at once
// when `cancellation` is cancelled (its callback wakes curl_multi_poll from the cancelling thread).
Transfer perform(PooledHandle& handle, const CancellationToken& cancellation) {
  CURLM* multi = handle.multi.get();
  CURL* easy = handle.easy.get();
  if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
    return Transfer{CURLE_OUT_OF_MEMORY, false};
  }
  // Removing it mid-transfer (cancelled) makes libcurl close that connection instead of reusing it.
  struct Remove {
    CURLM* multi;
    CURL* easy;
    ~Remove() { curl_multi_remove_handle(multi, easy); }
  } remove{multi, easy};
  // Destroyed before `remove` runs and before the handle goes back to the pool: a late wakeup can
  // only reach this exchange.
  const CancellationRegistration wake = cancellation.on_cancel([multi] { curl_multi_wakeup(multi); });
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      return Transfer{CURLE_SEND_ERROR, false};
    }
    if (running == 0) {
      break;
    }
    if (cancellation.is_cancelled()) {
      return Transfer{CURLE_ABORTED_BY_CALLBACK, true};
    }
    if (curl_multi_poll(multi, nullptr, 0, kMaxPollMillis, nullptr) != CURLM_OK) {
      return Transfer{CURLE_RECV_ERROR, false};
    }
  }
  int queued = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
      return Transfer{message->data.result, false};
    }
  }
  return Transfer{CURLE_RECV_ERROR, false};  // libcurl said it was done without a result
}


class CurlTransport final : public HttpTransport, private detail::ForkParticipant {
 public:
  explicit CurlTransport(CurlTransportOptions options) : setup_(std::move(options)) {
    detail::ForkRegistry::instance().add(this);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;
  ~CurlTransport() override {
    detail::ForkRegistry::instance().remove(this);  // first: a fork on another thread must not see a half-destroyed pool
    idle_.clear();                           // closes their connections (through the socket set)
  }

  HttpResponse send(const HttpRequest& request) override {
    detail::check_request(request);
    if (request.cancellation.is_cancelled()) {
      throw Cancelled(request.method + " " + request.url + ": cancelled before sending");
    }
    requests_.fetch_add(1, std::memory_order_relaxed);
    CURLSH* share = nullptr;
    PooledHandle handle = acquire(share);
    CURL* easy = handle.easy.get();
    detail::CurlExchange exchange;
    const detail::CurlHeaderList headers = detail::curl_header_list(request);
    setup_.configure(easy, share, sockets_, request, headers.get(), exchange);
    const Transfer transfer = perform(handle, request.cancellation);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    connections_.fetch_add(static_cast<std::uint64_t>(std::max(0L, connects)), std::memory_order_relaxed);
    if (transfer.cancelled) {
      release(std::move(handle));
      throw Cancelled(request.method + " " + request.url + ": cancelled during the exchange (aborted)");
    }
    if (transfer.code != CURLE_OK) {
      TransportError error = setup_.failure(transfer.code, easy, exchange, request);
      release(std::move(handle));
      throw error;
    }
    HttpResponse response = detail::CurlEasySetup::answer(easy, exchange);
    release(std::move(handle));
    return response;
  }

  [[nodiscard]] const CurlTransportOptions& options() const noexcept { return setup_.options(); }

  [[nodiscard]] TransportStats stats() const noexcept {
    return {requests_.load(std::memory_order_relaxed), connections_.load(std::memory_order_relaxed)};
  }

 private:
  // fork_safety.hpp: the pool and the socket set are held from just before fork() until it returns,
  // in both processes.
  void lock_for_fork() noexcept override {
    pool_mutex_.lock();
    sockets_.lock();
  }
  void unlock_in_parent() noexcept override {
    sockets_.unlock();
    pool_mutex_.unlock();
  }

  // In the child: the inherited connections are the parent's.
  void restart_in_child() noexcept override {
    sockets_.close_inherited();
    sockets_.unlock();
    for (PooledHandle& handle : idle_) {
      handle.easy.abandon();
      handle.multi.abandon();
    }
    idle_.clear();
    // Its locks may be held by threads that do not exist in this process: a new one is made on demand.
    static_cast<void>(share_.release());
    pool_mutex_.unlock();
  }

  // An idle handle (or a new one) and the share it must use (made on the first call, and again on
  // the first call in a forked child).
  PooledHandle acquire(CURLSH*& share) {
    {
      const std::lock_guard lock(pool_mutex_);
      if (!share_) share_ = std::make_unique<CurlShare>();
      share = share_->get();
      if (!idle_.empty()) {
        PooledHandle handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    return PooledHandle{};
  }

  void release(PooledHandle&& handle) {
    curl_easy_reset(handle.easy.get());  // forgets options; the multi keeps the live connections
    const std::lock_guard lock(pool_mutex_);
    if (idle_.size() < setup_.options().max_idle_connections) {
      idle_.push_back(std::move(handle));
    }
  }

  detail::CurlEasySetup setup_;
  detail::CurlSockets sockets_;  // declared before the pool: outlives the handles that close through it
  std::mutex pool_mutex_;  // guards share_ and idle_
  std::unique_ptr<CurlShare> share_;  // declared before the pool: the handles using it are cleaned up first
  std::vector<PooledHandle> idle_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_{0};
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options) {
  detail::curl_global_init_once();
  return std::make_shared<CurlTransport>(options);
}

std::optional<TransportStats> curl_transport_stats(const HttpTransport& transport) noexcept {
  if (const auto* curl = dynamic_cast<const CurlTransport*>(&transport)) {
    return curl->stats();
  }
  return std::nullopt;
}

}  // namespace loginid::inline v1

namespace loginid::detail {

std::optional<CurlTransportOptions> curl_transport_options(const HttpTransport& transport) {
  if (const auto* curl = dynamic_cast<const CurlTransport*>(&transport)) {
    return curl->options();
  }
  return std::nullopt;
}

}  // namespace loginid::detail
