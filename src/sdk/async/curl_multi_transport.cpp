#include "sdk/async/curl_multi_transport.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <utility>

#include "loginid/secret.hpp"

namespace loginid::detail {
namespace {

using Kind = TransportError::Reason;

// libcurl's receive buffer per easy handle (CURLOPT_BUFFERSIZE; 16 KiB by default, 1 KiB at least).
// Every parked call holds a handle, so here it is per call. bench/async/run.sh, N=10,000 parked
// wait_code: RSS per call 21.4 KB with the default, 19.4 KB with 2 KiB (the sdk load alone, A/B:
// 21.5 -> 18.7 KB; 1 KiB 18.4 KB; 4 KiB and 8 KiB no change: the default buffer costs RSS mostly
// through the partly used pages around it, not its own untouched pages). It costs more reads on
// large answers: process CPU per async get_user answered with 100 KB / 900 KB of JSON, http +7% /
// +2% (1 KiB: +20% / +12%), https +2% / +2% (OpenSSL reads whole records; libcurl hands them out
// 2 KiB at a time); none measurable at 16 KiB or less (real answers are 1-2 KiB). The blocking
// transport keeps the default: a blocking call holds a thread, whose cost dwarfs the buffer.
constexpr long kReceiveBufferBytes = 2 * 1024;

int curl_flags(std::uint32_t events) {
  int flags = 0;
  if ((events & EPOLLIN) != 0) flags |= CURL_CSELECT_IN;
  if ((events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) flags |= CURL_CSELECT_ERR;
  return flags;
}

std::uint32_t epoll_events(int what) {
  std::uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
  return events;
}

}  // namespace

// A request body may hold a password (ApiCall::secret_body): this copy is wiped when the exchange
// ends, as the blocking path's caller wipes its own.
struct CurlMultiTransport::Transfer {
  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() { cleanse(request.body); }

  ExchangeId id = 0;
  std::optional<CurlEasy> easy;  // empty for a request refused before it was handed to libcurl
  HttpRequest request;           // libcurl reads the URL and body from here during the transfer
  CurlHeaderList headers{nullptr, &curl_slist_free_all};
  CurlExchange exchange;
  Completion done;
};

CurlMultiTransport::CurlMultiTransport(EventLoop& loop, CurlTransportOptions options)
    : loop_(loop),
      setup_((curl_global_init_once(), std::move(options))),  // curl_global_init before any handle
      share_(std::make_unique<CurlShare>()),
      multi_(curl_multi_init()) {
  if (multi_ == nullptr) {
    throw TransportError(Kind::refused_locally, "libcurl could not create a multi handle");
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMultiTransport::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMultiTransport::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // The blocking transport keeps this many idle connections; the cache also holds the busy ones
  // (libcurl's default is 4 per handle added, which is what a burst of waits needs).
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(setup_.options().max_idle_connections));
  ForkRegistry::instance().add(this);
}

CurlMultiTransport::~CurlMultiTransport() {
  ForkRegistry::instance().remove(this);  // first: a fork on another thread must not see it half destroyed
  if (forked_) {
    abandon_inherited();
    return;
  }
  for (auto& [id, transfer] : transfers_) {
    if (transfer->easy) curl_multi_remove_handle(multi_, transfer->easy->get());
  }
  curl_multi_cleanup(multi_);  // closes the cached connections (through sockets_)
  transfers_.clear();          // after the multi handle, as libcurl asks: its easy handles go last
  idle_.clear();
  if (timer_) loop_.cancel_timer(*timer_);
  for (const curl_socket_t socket : watched_) loop_.unwatch(socket);
}

void CurlMultiTransport::restart_in_child() noexcept {
  sockets_.close_inherited();
  sockets_.unlock();
  forked_ = true;
}

// A forked child's copy: the handles are left unfreed (cleaning them up would act on state the
// parent's loop thread was changing at the fork); the completions are dropped unrun, as on any
// destruction (the callers have completed their calls already).
void CurlMultiTransport::abandon_inherited() noexcept {
  for (auto& [id, transfer] : transfers_) {
    if (transfer->easy) transfer->easy->abandon();
  }
  for (CurlEasy& easy : idle_) easy.abandon();
  static_cast<void>(share_.release());
  multi_ = nullptr;
}

AsyncTransport::ExchangeId CurlMultiTransport::start(HttpRequest request, Completion done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->id = next_id_++;
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  const ExchangeId id = transfer->id;
  Transfer& t = *transfer;
  transfers_.emplace(id, std::move(transfer));
  ++stats_.requests;
  try {
    check_request(t.request);
    t.headers = curl_header_list(t.request);
    if (!idle_.empty()) {
      t.easy.emplace(std::move(idle_.back()));
      idle_.pop_back();
    } else {
      t.easy.emplace();
    }
  } catch (const TransportError& e) {
    refuse_later(id, e);
    return id;
  }
  setup_.configure(t.easy->get(), share_->get(), sockets_, t.request, t.headers.get(), t.exchange);
  curl_easy_setopt(t.easy->get(), CURLOPT_PRIVATE, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)));
  curl_easy_setopt(t.easy->get(), CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  if (const CURLMcode code = curl_multi_add_handle(multi_, t.easy->get()); code != CURLM_OK) {
    release(std::move(*t.easy));
    t.easy.reset();
    refuse_later(id, TransportError(Kind::refused_locally, std::string("libcurl refused the request: ") +
                                                               curl_multi_strerror(code)));
  }
  return id;  // adding the handle set a timer (timeout 0): the transfer begins on the loop's next round
}

// A refusal completes like any other exchange: later, on the loop, unless cancelled first.
void CurlMultiTransport::refuse_later(ExchangeId id, TransportError error) {
  loop_.post([this, alive = std::weak_ptr<char>(alive_), id, error = std::move(error)]() mutable {
    if (alive.expired()) return;  // the transport went first (its client was destroyed)
    const auto found = transfers_.find(id);
    if (found == transfers_.end()) return;  // cancelled
    Completion done = std::move(found->second->done);
    transfers_.erase(found);
    done(HttpOutcome(std::move(error)));
  });
}

void CurlMultiTransport::cancel(ExchangeId id) noexcept {
  const auto found = transfers_.find(id);
  if (found == transfers_.end()) return;
  std::unique_ptr<Transfer> transfer = std::move(found->second);
  transfers_.erase(found);
  if (!transfer->easy) return;
  if (forked_) {
    transfer->easy->abandon();  // the parent's exchange (see abandon_inherited)
    return;
  }
  curl_multi_remove_handle(multi_, transfer->easy->get());  // mid-transfer: libcurl closes the connection
  release(std::move(*transfer->easy));
}

int CurlMultiTransport::on_socket(CURL* /*easy*/, curl_socket_t socket, int what, void* self, void* /*socket_data*/) {
  auto* transport = static_cast<CurlMultiTransport*>(self);
  if (what == CURL_POLL_REMOVE) {
    transport->loop_.unwatch(socket);
    transport->watched_.erase(socket);
    return 0;
  }
  try {
    transport->watched_.insert(socket);
    transport->loop_.watch(socket, epoll_events(what),
                           [transport, socket](std::uint32_t events) { transport->act(socket, curl_flags(events)); });
  } catch (...) {
    return -1;  // libcurl fails the transfers on this socket; no exception may cross its C frames
  }
  return 0;
}

int CurlMultiTransport::on_timer(CURLM* /*multi*/, long timeout_ms, void* self) {
  try {
    static_cast<CurlMultiTransport*>(self)->set_timer(timeout_ms);
  } catch (...) {
    return -1;
  }
  return 0;
}

// libcurl asks for one timer at a time; it must not be driven from inside this callback, so even a
// timeout of 0 goes through the loop.
void CurlMultiTransport::set_timer(long timeout_ms) {
  if (timer_) {
    loop_.cancel_timer(*timer_);
    timer_.reset();
  }
  if (timeout_ms < 0) return;
  timer_ = loop_.start_timer(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms), [this] {
    timer_.reset();
    act(CURL_SOCKET_TIMEOUT, 0);
  });
}

void CurlMultiTransport::act(curl_socket_t socket, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, flags, &running);
  finish_done_transfers();
}

// The ended transfers are listed first and finished after: a completion may start or cancel
// exchanges, which must not happen while libcurl's message queue is being read.
void CurlMultiTransport::finish_done_transfers() {
  std::vector<std::pair<ExchangeId, CURLcode>> ended;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    void* data = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &data);
    ended.emplace_back(static_cast<ExchangeId>(reinterpret_cast<std::uintptr_t>(data)), message->data.result);
  }
  const std::weak_ptr<char> alive = alive_;
  for (const auto& [id, code] : ended) {
    finish(id, code);
    if (alive.expired()) return;  // a completion destroyed this transport
  }
}

void CurlMultiTransport::finish(ExchangeId id, CURLcode code) {
  const auto found = transfers_.find(id);
  if (found == transfers_.end()) return;  // cancelled by an earlier completion of this round
  std::unique_ptr<Transfer> transfer = std::move(found->second);
  transfers_.erase(found);
  CURL* handle = transfer->easy->get();
  curl_multi_remove_handle(multi_, handle);
  long connects = 0;
  curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects);
  stats_.connections_opened += static_cast<std::uint64_t>(std::max(0L, connects));
  HttpOutcome outcome = code == CURLE_OK
                            ? HttpOutcome(CurlEasySetup::answer(handle, transfer->exchange))
                            : HttpOutcome(setup_.failure(code, handle, transfer->exchange, transfer->request));
  release(std::move(*transfer->easy));
  Completion done = std::move(transfer->done);
  transfer.reset();
  done(std::move(outcome));
}

void CurlMultiTransport::release(CurlEasy&& easy) {
  curl_easy_reset(easy.get());  // forgets options; the connection stays in the multi handle's cache
  if (idle_.size() < setup_.options().max_idle_connections) {
    idle_.push_back(std::move(easy));
  }
}

}  // namespace loginid::detail
