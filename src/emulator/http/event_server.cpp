#include "emulator/http/event_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "emulator/tls/server_tls.hpp"

namespace loginid::detail::emulator::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using LoopExecutor = asio::io_context::executor_type;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t kReadChunk = 4096;
/// After an answer with Connection: close, what the client still sends is read and dropped, up to
/// this much for this long (closing with unread input would reset the connection, and a reset can
/// destroy the answer before the client has read it).
constexpr std::size_t kLingerBytes = 1 << 20;
constexpr std::chrono::seconds kLingerTime{2};

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

bool has_no_body(int status) { return status / 100 == 1 || status == 204 || status == 304; }

/// What could be read of a request, for the answer to it and its log line.
template <class Message>
void copy_head(const Message& message, Request& request) {
  request.method = std::string(view(message.method_string()));
  request.set_target(view(message.target()));
  for (const auto& field : message) request.headers.add(view(field.name_string()), view(field.value()));
}

/// The stream-specific steps of a connection: what happens before the first request, and how the
/// sending side is closed. Impl::on_accept makes a Session over TLS when the server has a TLS
/// context; everything else is shared.
template <class Done>
void open_stream(beast::tcp_stream&, const std::string&, Done&& done) {
  done(error_code{});
}

/// The handshake. `peer` (owned by the connection, so it outlives the SSL object) names the
/// client in the handshake log: an SSL reading through Asio's memory BIO has no descriptor.
template <class Done>
void open_stream(TlsStream& stream, const std::string& peer, Done&& done) {
  tls::set_peer(stream.native_handle(), &peer);
  stream.async_handshake(asio::ssl::stream_base::server, std::forward<Done>(done));
}

/// Ends the sending side: a FIN; over TLS a close_notify first (bounded by the connection's
/// timer; a client that closes without its own close_notify ends the wait too).
template <class Done>
void close_sending(beast::tcp_stream& stream, Done&& done) {
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  done();
}

template <class Done>
void close_sending(TlsStream& stream, Done&& done) {
  stream.async_shutdown([&stream, done = std::forward<Done>(done)](const error_code&) mutable {
    close_sending(stream.next_layer(), std::move(done));
  });
}

/// "127.0.0.1:54321" or "[::1]:54321", for log lines.
std::string peer_text(const tcp::socket& socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return "an unknown peer";
  const auto address = peer.address().to_string();
  return (peer.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(peer.port());
}

}  // namespace

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  /// Writes the answer to the request being handled. Any thread.
  virtual void deliver(Response response) = 0;
  /// Closes the connection if it is waiting for a request. Any thread.
  virtual void on_server_stop() = 0;
  /// Frees the read buffer while the request waits for its answer, and watches for the client
  /// leaving (then tells `waiting`). On the strand, from the Handler.
  virtual void will_wait(const std::shared_ptr<Responder::State>& waiting) = 0;
};

namespace {

/// The event loops, one per thread: a connection lives on one loop for its whole life, so the
/// thread that reads a request also runs its handler and writes its answer (no hand-off, and no
/// other thread to wake). Loop 0 also runs the acceptor and the Scheduler's timers.
class EventLoops {
 public:
  explicit EventLoops(std::size_t count) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, count); ++i) loops_.push_back(std::make_unique<Loop>());
  }
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;
  /// Work still queued on one loop may hold connections of another (a woken wait_code's answer):
  /// every loop drops its work first, while all of them (their sockets' services) still exist.
  ~EventLoops() {
    for (auto& loop : loops_) loop->io.drop_pending();
    loops_.clear();
  }

  asio::io_context& first() { return loops_.front()->io; }
  /// The loop for a new connection: in turn.
  asio::io_context& next() { return loops_[next_++ % loops_.size()]->io; }
  std::size_t size() const { return loops_.size(); }
  asio::io_context& at(std::size_t index) { return loops_[index]->io; }
  void stop() {
    for (auto& loop : loops_) loop->io.stop();
  }

 private:
  struct Context : asio::io_context {
    Context() : asio::io_context(1) {}  // one thread runs it
    /// Destroys the queued handlers and pending operations (what destruction starts with).
    void drop_pending() { shutdown(); }
  };
  struct Loop {
    Context io;
    // Until stop(): a server with only parked requests has no I/O pending.
    asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  };
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<std::size_t> next_{0};
};

/// The event loop this thread runs and its server (set by EventServer::run), so that work posted
/// from a loop's thread stays on that loop: it runs right after the current step, with no other
/// thread to wake (a wait_code woken by an authorize is answered by the authorize's thread).
thread_local const void* this_thread_server = nullptr;
thread_local asio::io_context* this_thread_loop = nullptr;

}  // namespace

struct EventServer::Impl {
  Impl(EventServerOptions options_in, Handler handler_in, ErrorHandler on_error_in)
      : options(std::move(options_in)),
        handler(std::move(handler_in)),
        on_error(std::move(on_error_in)),
        tls_context(make_tls_context(options)),
        loops(options.workers),
        store_workers(std::max<std::size_t>(1, options.store_workers)),
        slow_workers(options.slow_workers),
        accept_strand(loops.first().get_executor()),
        acceptor(accept_strand),
        accept_retry(accept_strand),
        drain_timer(accept_strand) {}

  static std::unique_ptr<asio::ssl::context> make_tls_context(const EventServerOptions& options);
  void accept();
  void on_accept(const error_code& ec, tcp::socket socket);
  std::uint64_t add_session(const std::shared_ptr<SessionBase>& session);
  /// From a connection's destructor, on any thread.
  void session_closed(std::uint64_t id);

  const EventServerOptions options;
  const Handler handler;
  const ErrorHandler on_error;
  std::atomic<bool> stopping{false};
  /// Set once the store and slow pools are joined: from then on nothing is posted to the event
  /// loops (answers and timers still alive are dropped with the server).
  std::atomic<bool> closed{false};
  std::atomic<std::size_t> connections{0};

  const std::unique_ptr<asio::ssl::context> tls_context;  // null: plain http
  EventLoops loops;
  // After loops: destroyed first, while their queued work can still post to the loops.
  asio::thread_pool store_workers;
  asio::thread_pool slow_workers;  // after store_workers: its work may post there
  LoopExecutor accept_strand;  // loop 0 (one thread): the acceptor, its timers and accept_paused
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  asio::steady_timer drain_timer;
  bool accept_paused = false;

  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;
  std::uint64_t next_session_id = 0;
};

struct Responder::State {
  State(EventServer::Impl& server_in, std::shared_ptr<SessionBase> session_in, std::shared_ptr<const Request> request_in)
      : server(server_in), session(std::move(session_in)), request(std::move(request_in)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (sent || server.closed) return;
    try {
      Response response;
      response.status = 500;
      server.on_error(*request, response);
      session->deliver(std::move(response));
    } catch (...) {
      // Nothing more can be done for this request; the connection closes with the server.
    }
  }

  /// The client closed the connection before the answer: runs the on_client_gone callback, or
  /// leaves it to on_client_gone when none is given yet. On the connection's strand.
  void client_left() {
    std::function<void()> callback;
    {
      const std::lock_guard lock(gone_mutex);
      if (gone || sent) return;
      gone = true;
      callback = std::move(on_gone);
    }
    if (callback) callback();
  }

  EventServer::Impl& server;
  std::shared_ptr<SessionBase> session;
  std::shared_ptr<const Request> request;
  std::atomic<bool> sent{false};
  std::mutex gone_mutex;  // guards the two below
  bool gone = false;
  std::function<void()> on_gone;
};

void Responder::will_wait() const {
  if (state_) state_->session->will_wait(state_);
}

void Responder::on_client_gone(std::function<void()> callback) const {
  if (!state_ || !callback) return;
  {
    const std::lock_guard lock(state_->gone_mutex);
    if (!state_->gone) {
      state_->on_gone = std::move(callback);
      return;
    }
  }
  callback();
}

void Responder::send(Response response) const {
  if (!state_ || state_->sent.exchange(true) || state_->server.closed) return;
  state_->session->deliver(std::move(response));
}

namespace {

/// One connection: reads a request, hands it to the Handler, writes the answer (given by a
/// Responder, maybe later and from another thread), and again while the client keeps the
/// connection alive. Everything here runs on the connection's strand: the thread of its event loop
/// (one thread runs a loop, so no asio::strand is needed; work from other threads is posted there).
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(EventServer::Impl& server, std::string peer, Stream stream)
      : server_(server),
        peer_(std::move(peer)),
        stream_(std::move(stream)),
        buffer_(server.options.max_header + server.options.max_body + kReadChunk * 16) {}
  ~Session() override { server_.session_closed(id_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(std::uint64_t id) {
    id_ = id;
    if constexpr (kAnswersInPlace) {
      error_code ignored;
      lowest().socket().non_blocking(true, ignored);  // answer_in_place never waits for a client
    }
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->lowest().expires_after(self->server_.options.request_timeout);  // bounds a TLS handshake
      open_stream(self->stream_, self->peer_, [self](const error_code& ec) {
        if (ec) return self->close_now();
        self->await_request();
      });
    });
  }

  void deliver(Response response) override {
    bool in_place = kAnswersInPlace;
    if constexpr (kAnswersInPlace) in_place = !watched_;
    if (in_place) {
      answer_in_place(std::move(response));
    } else {
      // At once when called on the connection's strand (a handler answering before it returns).
      asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(), response = std::move(response)]() mutable {
        if (self->phase_ == Phase::handling) self->write_answer(std::move(response));
      });
    }
  }

  void will_wait(const std::shared_ptr<Responder::State>& waiting) override {
    // On the strand, from the Handler: nothing reads meanwhile. A pipelined request stays, and
    // then there is nothing to watch for: the client has already sent its next request.
    if (buffer_.size() > 0) return;
    buffer_.shrink_to_fit();
    waiting_ = waiting;
    watched_ = true;
    watch_client();
  }

  void on_server_stop() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      const std::lock_guard lock(self->in_place_);
      if (self->phase_ == Phase::idle) self->close_now();
    });
  }

 private:
  enum class Phase { idle, reading, handling, writing, closing, closed };
  /// Where a connection goes once the watch of its client has ended (see watch_client).
  enum class AfterWatch { nothing, await_request, close_gracefully };

  /// Plain TCP: the thread that answers writes the answer and starts reading the next request
  /// itself: the handler's own thread (on the strand), or the thread of a later answer (a parked
  /// wait_code woken by an authorize, the password pool), instead of handing the answer back to the
  /// strand. While a request is handled the connection has nothing in flight (no read, no write, no
  /// timer), so that thread is its only user until it has started the next read, whose completion
  /// comes back to the strand as any other. A TLS stream keeps its answers on the strand: its
  /// record layer is not worth a second write path. Nor does a request that waits (will_wait): its
  /// connection has a read in flight, the client watch.
  static constexpr bool kAnswersInPlace = std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  /// On the answering thread (see kAnswersInPlace), on the strand or not. The socket is non-blocking: an
  /// answer the socket does not take at once (a client that does not read) is finished by
  /// async_write on the strand, under write_timeout, so no thread ever waits for a client.
  void answer_in_place(Response response) {
    // Serialises with on_server_stop, the one strand step that may look at an idle connection
    // while this thread is starting its next read.
    const std::lock_guard lock(in_place_);
    if (phase_ != Phase::handling) return;
    phase_ = Phase::writing;
    const bool keep = keep_alive_ && !server_.stopping;
    make_answer(std::move(response), keep);
    serializer_ = std::make_unique<AnswerSerializer>(*answer_);
    error_code ec;
    while (!ec && !serializer_->is_done()) {
      std::size_t written = 0;
      serializer_->next(ec, [&](error_code& write_error, const auto& buffers) {
        written = lowest().socket().write_some(buffers, write_error);
      });
      if (!ec) serializer_->consume(written);
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      return asio::post(stream_.get_executor(), [self = this->shared_from_this(), keep] { self->finish_write(keep); });
    }
    answer_.reset();
    serializer_.reset();
    if (ec) return asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
    if (!keep) return asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_gracefully(); });
    if (server_.stopping || buffer_.size() > 0) {
      // Closing, or a pipelined request already read: both continue on the strand (still `writing`
      // until then, so on_server_stop leaves the connection to await_request).
      return asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->await_request(); });
    }
    await_request();  // starts the read; its completion runs on the strand
  }

  /// The rest of an answer the socket did not take at once, on the strand.
  void finish_write(bool keep) {
    lowest().expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, *serializer_, [self = this->shared_from_this(), keep](const error_code& ec, std::size_t) {
      self->serializer_.reset();
      self->answer_.reset();
      if (ec) return self->close_now();
      self->after_answer(keep);
    });
  }

  /// The answer is out: the next request, or the close. A watch of the client still reading is
  /// stopped first (one read at a time), and the connection goes on when it has ended.
  void after_answer(bool keep) {
    const auto next = keep ? AfterWatch::await_request : AfterWatch::close_gracefully;
    if (watching_) {
      after_watch_ = next;
      lowest().cancel();
      return;
    }
    if (next == AfterWatch::close_gracefully) return close_gracefully();
    await_request();
  }

  /// While a request waits for its answer (a long poll), one byte is read from the client: the end
  /// of the stream or an error means the client has gone (closed, reset, killed): the connection
  /// is closed and the waiting request told, so it frees what it holds at once instead of at its
  /// timeout. A byte is the start of the client's next request (pipelining): it is kept for after
  /// the answer, and the watch ends there (a client sending requests is still there).
  void watch_client() {
    watching_ = true;
    stream_.async_read_some(asio::buffer(&watch_byte_, 1),
                            [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                              self->on_watch_end(ec, n);
                            });
  }

  void on_watch_end(const error_code& ec, std::size_t n) {
    watching_ = false;
    if (n > 0) {
      buffer_.commit(asio::buffer_copy(buffer_.prepare(n), asio::buffer(&watch_byte_, n)));
    }
    const auto next = std::exchange(after_watch_, AfterWatch::nothing);
    if (phase_ == Phase::closed) return;
    if (ec && ec != asio::error::operation_aborted) {
      close_now();  // first: an answer given from the callback then finds the connection closed
      if (auto waiting = waiting_.lock()) waiting->client_left();
      return;
    }
    if (next == AfterWatch::close_gracefully) return close_gracefully();
    if (next == AfterWatch::await_request) await_request();
  }

  /// Waits (idle_timeout) for the first byte of the next request.
  void await_request() {
    phase_ = Phase::idle;
    if (server_.stopping) return close_gracefully();
    if (buffer_.size() > 0) return read_header();  // pipelined: it is already here
    // An idle connection keeps one read chunk, not what a big request made the buffer grow to. (Not
    // freed and taken again for every request: that churn cost more than a tenth of the I/O work.)
    if (buffer_.capacity() > kReadChunk) buffer_.shrink_to_fit();
    lowest().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->close_now();  // idle timeout, the client left, or stop()
                              self->read_header();
                            });
  }

  /// From here the whole request must arrive within request_timeout.
  void read_header() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header));
    parser_->body_limit(server_.options.max_body);
    lowest().expires_after(server_.options.request_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                               if (ec) return self->refuse(ec);
                               self->after_header();
                             });
  }

  void after_header() {
    // A client that asked may wait for our go-ahead before sending the body (curl does above 1 KiB).
    if (!parser_->is_done() && beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
      go_ahead_.emplace(bhttp::status::continue_, parser_->get().version());
      bhttp::async_write(stream_, *go_ahead_, [self = this->shared_from_this()](const error_code& ec, std::size_t) {
        self->go_ahead_.reset();
        if (ec) return self->close_now();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->refuse(ec);
      self->handle_request();
    });
  }

  void handle_request() {
    lowest().expires_never();  // a handler may take its time (a long poll); the service bounds it
    auto& message = parser_->get();
    auto request = std::make_shared<Request>();
    copy_head(message, *request);
    request->body = std::move(message.body());
    keep_alive_ = message.keep_alive();
    head_ = message.method() == bhttp::verb::head;
    version_ = message.version();
    parser_.reset();
    if (request->target.size() > server_.options.max_target) return answer_error(414, *request);
    if (request->path.empty()) return answer_error(400, *request);  // not origin-form (e.g. "*")
    phase_ = Phase::handling;
    watched_ = false;  // the previous request's answer is out: nothing reads this any more
    waiting_.reset();
    Responder responder(std::make_shared<Responder::State>(server_, this->shared_from_this(), request));
    try {
      server_.handler(request, std::move(responder));
    } catch (...) {
      // Unanswered: the last copy of the Responder answers 500.
    }
  }

  /// A request that could not be read whole: answered when it is the client's fault, else closed.
  void refuse(const error_code& ec) {
    const auto& parse_errors = bhttp::make_error_code(bhttp::error::end_of_stream).category();
    if (ec.category() != parse_errors || ec == bhttp::error::end_of_stream) return close_now();
    Request request;
    if (parser_) copy_head(parser_->get(), request);
    parser_.reset();
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    if (ec == bhttp::error::body_limit) return answer_error(413, request);
    if (ec == bhttp::error::header_limit) return answer_error(431, request);
    answer_error(400, request);
  }

  void answer_error(int status, const Request& request) {
    Response response;
    response.status = status;
    try {
      server_.on_error(request, response);
    } catch (...) {
      return close_now();
    }
    keep_alive_ = false;
    write_answer(std::move(response));
  }

  void write_answer(Response response) {
    phase_ = Phase::writing;
    const bool keep = keep_alive_ && !server_.stopping;
    make_answer(std::move(response), keep);
    lowest().expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, *answer_, [self = this->shared_from_this(), keep](const error_code& ec, std::size_t) {
      self->answer_.reset();
      if (ec) return self->close_now();
      self->after_answer(keep);
    });
  }

  /// Fills answer_ with `response`, for this request's method and version.
  void make_answer(Response response, bool keep) {
    answer_.emplace();
    auto& out = *answer_;
    out.version(version_ == 10 ? 10 : 11);
    out.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.items()) out.insert(name, value);
    if (has_no_body(response.status)) {
      out.erase(bhttp::field::content_length);
    } else if (head_) {
      out.content_length(response.body.size());  // what a GET would carry; no body follows
    } else {
      out.body() = std::move(response.body);
      out.prepare_payload();
    }
    out.keep_alive(keep);
    if (keep) {
      const auto idle_seconds = std::chrono::duration_cast<std::chrono::seconds>(server_.options.idle_timeout).count();
      out.set(bhttp::field::keep_alive, "timeout=" + std::to_string(idle_seconds));
    }
  }

  /// Half-closes, then reads and drops what the client still sends until it closes (bounded).
  void close_gracefully() {
    if (phase_ == Phase::closing || phase_ == Phase::closed) return;
    phase_ = Phase::closing;
    lowest().expires_after(kLingerTime);
    buffer_.clear();
    close_sending(stream_, [self = this->shared_from_this()] {
      if (self->phase_ == Phase::closing) self->linger();
    });
  }

  /// Raw bytes from the socket, dropped: after a close_notify nothing more is decrypted.
  void linger() {
    lowest().async_read_some(buffer_.prepare(kReadChunk), [self = this->shared_from_this()](const error_code& ec,
                                                                                           std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ > kLingerBytes) return self->close_now();
      self->linger();
    });
  }

  void close_now() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    buffer_.clear();
    buffer_.shrink_to_fit();
  }

  EventServer::Impl& server_;
  const std::string peer_;  // before stream_: a TLS stream's SSL object points at it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> go_ahead_;
  std::optional<bhttp::response<bhttp::string_body>> answer_;
  // Answers written in place; on the heap, so a parked request's connection does not carry it.
  using AnswerSerializer = bhttp::serializer<false, bhttp::string_body>;
  std::unique_ptr<AnswerSerializer> serializer_;
  std::mutex in_place_;  // see answer_in_place
  // The client watch of a waiting request (will_wait, watch_client); on the strand but watched_,
  // which deliver() reads on the answering thread: a watched request's answer is written on the
  // strand, where its read is.
  std::weak_ptr<Responder::State> waiting_;
  std::atomic<bool> watched_{false};
  bool watching_ = false;  // the watch's read is in flight
  AfterWatch after_watch_ = AfterWatch::nothing;
  char watch_byte_ = 0;
  std::uint64_t id_ = 0;
  Phase phase_ = Phase::idle;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::size_t lingered_ = 0;
};

/// A Scheduler timer: a steady_timer on event loop 0, running its work there when due.
class WorkTimer final : public Scheduler::Timer, public std::enable_shared_from_this<WorkTimer> {
 public:
  explicit WorkTimer(EventServer::Impl& server) : server_(server), timer_(server.loops.first().get_executor()) {}

  void start(std::chrono::steady_clock::time_point when, std::function<void()> work) {
    asio::post(timer_.get_executor(), [self = shared_from_this(), when, work = std::move(work)]() mutable {
      self->timer_.expires_at(when);
      self->timer_.async_wait([self, work = std::move(work)](const error_code& ec) mutable {
        if (!ec && !self->server_.closed) work();
      });
    });
  }

  void cancel() override {
    if (server_.closed) return;
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }

 private:
  EventServer::Impl& server_;
  asio::steady_timer timer_;
};

}  // namespace

std::unique_ptr<asio::ssl::context> EventServer::Impl::make_tls_context(const EventServerOptions& options) {
  if (!options.configure_tls) return nullptr;
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  if (!options.configure_tls(*context->native_handle())) {
    throw std::runtime_error("TLS: the server could not be set up with the certificate and key");
  }
  return context;
}

void EventServer::Impl::accept() {
  if (stopping || !acceptor.is_open()) return;
  acceptor.async_accept(loops.next().get_executor(),
                        [this](const error_code& ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void EventServer::Impl::on_accept(const error_code& ec, tcp::socket socket) {
  if (stopping) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    // Out of descriptors or memory (or a connection reset before we took it): try again shortly
    // rather than spin; waiting clients stay in the listen backlog.
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([this](const error_code& wait_error) {
      if (!wait_error) accept();
    });
    return;
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // small answers must not wait for Nagle + delayed ACK
  if (tls_context) {
    auto peer = peer_text(socket);
    auto session = std::make_shared<Session<TlsStream>>(*this, std::move(peer),
                                                        TlsStream(beast::tcp_stream(std::move(socket)), *tls_context));
    session->start(add_session(session));
  } else {
    auto session = std::make_shared<Session<beast::tcp_stream>>(*this, std::string(), beast::tcp_stream(std::move(socket)));
    session->start(add_session(session));
  }
  if (connections >= options.max_connections) {
    accept_paused = true;  // resumed by session_closed
    return;
  }
  accept();
}

std::uint64_t EventServer::Impl::add_session(const std::shared_ptr<SessionBase>& session) {
  ++connections;
  std::lock_guard lock(sessions_mutex);
  const auto id = ++next_session_id;
  sessions.emplace(id, session);
  return id;
}

void EventServer::Impl::session_closed(std::uint64_t id) {
  if (closed) return;  // the server is being destroyed: nothing to resume or stop
  {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
  }
  const auto left = --connections;
  if (stopping) {
    if (left == 0) loops.stop();
    return;
  }
  asio::post(accept_strand, [this] {
    if (accept_paused && connections < options.max_connections) {
      accept_paused = false;
      accept();
    }
  });
}

EventServer::EventServer(EventServerOptions options, Handler handler, ErrorHandler on_error)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(on_error))) {}

EventServer::~EventServer() {
  stop();
  join_workers();
  impl_->closed = true;
}

namespace {

/// Opens, binds and listens `acceptor` on the first address of `host` that works, as a client
/// connecting to the name would pick. Throws BindError.
void listen_on(asio::io_context& io, tcp::acceptor& acceptor, const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, std::to_string(port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw BindError("cannot bind " + where + ": " + ec.message(), 0);
  for (const auto& entry : endpoints) {
    error_code failed;
    acceptor.open(entry.endpoint().protocol(), failed);
    // SO_REUSEADDR only: a restart binds while old connections sit in TIME_WAIT, but (unlike
    // SO_REUSEPORT) a port another process listens on stays an error.
    if (!failed) acceptor.set_option(tcp::acceptor::reuse_address(true), failed);
    if (!failed) acceptor.bind(entry.endpoint(), failed);
    if (!failed) acceptor.listen(asio::socket_base::max_listen_connections, failed);
    if (!failed) return;
    ec = failed;
    error_code ignored;
    acceptor.close(ignored);
  }
  const bool system = ec && ec.category() == boost::system::system_category();
  throw BindError("cannot bind " + where + ": " + (ec ? ec.message() : std::string("no address")),
                  system ? ec.value() : 0);
}

}  // namespace

int EventServer::bind(const std::string& host, int port) {
  listen_on(impl_->loops.first(), impl_->acceptor, host, port);
  return impl_->acceptor.local_endpoint().port();
}

void EventServer::check_bindable(const std::string& host, int port) {
  asio::io_context io;
  tcp::acceptor probe(io);
  listen_on(io, probe, host, port);  // closed again with `probe`
}

void EventServer::run() {
  auto& s = *impl_;
  asio::post(s.accept_strand, [&s] { s.accept(); });
  auto serve = [&s](asio::io_context& loop) {
    struct ThisThreadLoop {
      ThisThreadLoop(const Impl& server, asio::io_context& loop) {
        this_thread_server = &server;
        this_thread_loop = &loop;
      }
      ~ThisThreadLoop() {
        this_thread_server = nullptr;
        this_thread_loop = nullptr;
      }
      ThisThreadLoop(const ThisThreadLoop&) = delete;
      ThisThreadLoop& operator=(const ThisThreadLoop&) = delete;
    } on_this_thread(s, loop);
    for (;;) {
      try {
        loop.run();
        return;
      } catch (const std::exception& e) {
        // A bug in one connection's step must not take the server down with it.
        std::fprintf(stderr, "loginid-emulator: internal error on an event loop thread: %s\n", e.what());
      }
    }
  };
  std::vector<std::thread> more;
  for (std::size_t i = 1; i < s.loops.size(); ++i) more.emplace_back(serve, std::ref(s.loops.at(i)));
  serve(s.loops.first());
  for (auto& thread : more) thread.join();
}

void EventServer::stop() {
  auto& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.accept_strand, [&s] {
    error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
    s.drain_timer.expires_after(s.options.drain_timeout);
    s.drain_timer.async_wait([&s](const error_code& ec) {
      if (!ec) s.loops.stop();  // what is still open is dropped with the server
    });
    if (s.connections == 0) s.loops.stop();
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(s.sessions_mutex);
    for (const auto& [id, session] : s.sessions) {
      if (auto alive = session.lock()) live.push_back(std::move(alive));
    }
  }
  for (const auto& session : live) session->on_server_stop();
}

std::size_t EventServer::open_connections() const { return impl_->connections.load(); }

void EventServer::join_workers() {
  impl_->slow_workers.join();  // first: its work may post to the store pool
  impl_->store_workers.join();
}

void EventServer::post(std::function<void()> work) {
  auto& s = *impl_;
  // From a loop's thread: that loop, right after the current step, with no other thread to wake
  // (e.g. a wait_code woken by work of its own loop). From elsewhere (the store pool: a wait woken
  // by an authorize): the loops in turn.
  auto& loop = this_thread_server == &s && this_thread_loop != nullptr ? *this_thread_loop : s.loops.next();
  asio::post(loop, std::move(work));
}

void EventServer::post_store(std::function<void()> work) { asio::post(impl_->store_workers, std::move(work)); }

void EventServer::post_slow(std::function<void()> work) { asio::post(impl_->slow_workers, std::move(work)); }

std::shared_ptr<Scheduler::Timer> EventServer::post_at(std::chrono::steady_clock::time_point when,
                                                       std::function<void()> work) {
  auto timer = std::make_shared<WorkTimer>(*impl_);
  timer->start(when, std::move(work));
  return timer;
}

}  // namespace loginid::detail::emulator::http
