#pragma once
// The default AsyncTransport: libcurl's multi interface driven by the event loop through its socket
// and timer callbacks (curl_multi_socket_action): every exchange is an easy handle in one multi
// handle, every socket a descriptor the loop watches, so a thousand waiting calls cost a thousand
// sockets and no thread. Each exchange is set up exactly as the blocking transport sets it up
// (curl_easy_setup.hpp: TLS, bounds on answers, failure messages). Connections are kept alive in
// the multi handle's cache for the next exchange.
//
// fork(): a child inherits the multi handle with the parent's connections, in whatever state the
// loop thread left them. The child closes its copies of the sockets (the parent's connections stay
// up) and never touches the inherited libcurl handles again, not even to clean them up.

#include <curl/curl.h>

#include <atomic>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sdk/async/async_transport.hpp"
#include "sdk/async/event_loop.hpp"
#include "sdk/curl_easy_setup.hpp"
#include "sdk/fork_safety.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

class CurlMultiTransport final : public AsyncTransport, private ForkParticipant {
 public:
  /// Throws InvalidArgument for a bad options.ca_bundle, TransportError (refused_locally) when
  /// libcurl cannot make a multi handle. Make, use and destroy it on the loop thread (or after the
  /// loop thread has ended): its callbacks run there and touch the loop's timers and descriptors.
  CurlMultiTransport(EventLoop& loop, CurlTransportOptions options);
  /// Abandons every exchange in flight (their completions are destroyed unrun) and closes the connections.
  ~CurlMultiTransport() override;
  CurlMultiTransport(const CurlMultiTransport&) = delete;
  CurlMultiTransport& operator=(const CurlMultiTransport&) = delete;

  ExchangeId start(HttpRequest request, Completion done) override;
  void cancel(ExchangeId id) noexcept override;
  [[nodiscard]] std::size_t in_flight() const noexcept override { return transfers_.size(); }

  /// Exchanges attempted and TCP connections opened so far (loop thread only).
  [[nodiscard]] TransportStats stats() const noexcept { return stats_; }

 private:
  struct Transfer;

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void set_timer(long timeout_ms);
  void act(curl_socket_t socket, int flags);
  void finish_done_transfers();
  void finish(ExchangeId id, CURLcode code);
  void refuse_later(ExchangeId id, TransportError error);
  void release(CurlEasy&& easy);
  void lock_for_fork() noexcept override { sockets_.lock(); }
  void unlock_in_parent() noexcept override { sockets_.unlock(); }
  void restart_in_child() noexcept override;
  void abandon_inherited() noexcept;

  EventLoop& loop_;
  CurlEasySetup setup_;
  CurlSockets sockets_;  // outlives the multi handle, which closes its connections through it
  std::unique_ptr<CurlShare> share_;  // the TLS session cache (the multi handle shares DNS and connections)
  CURLM* multi_;
  std::unordered_map<ExchangeId, std::unique_ptr<Transfer>> transfers_;
  std::vector<CurlEasy> idle_;  // handles to reuse (their options are reset)
  std::optional<EventLoop::TimerId> timer_;
  std::unordered_set<curl_socket_t> watched_;  // unwatched at the end, whatever libcurl said about them
  ExchangeId next_id_ = 1;
  TransportStats stats_{};
  std::atomic<bool> forked_{false};  // this is a forked child's copy: its libcurl state is the parent's
  // Expires when this object is destroyed: a completion may destroy its client, and with it this
  // transport, while a round of completions is running (finish_done_transfers), and a task it
  // queued on the loop may run after it is gone.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace loginid::detail
