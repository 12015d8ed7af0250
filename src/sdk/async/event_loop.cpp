#include "sdk/async/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "loginid/error.hpp"
#include "sdk/fork_safety.hpp"

namespace loginid::detail {
namespace {

using Kind = TransportError::Reason;

[[noreturn]] void refuse(const std::string& what, int error) {
  throw TransportError(Kind::refused_locally, "event loop: " + what + ": " + std::strerror(error));
}

// epoll_wait's timeout for the next timer: rounded up, so a timer never runs early and the loop
// does not spin on a timer less than a millisecond away.
int wait_millis(EventLoop::TimePoint now, EventLoop::TimePoint due) {
  if (due <= now) return 0;
  const auto millis = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();
  return static_cast<int>(std::min<long long>(millis, 24LL * 3600 * 1000));
}

}  // namespace

// fork(): the child has no loop thread. Its copy of the loop is stopped (post() refuses, so the
// engine runs its last work inline) and the std::thread handle is let go instead of joined.
struct EventLoop::Core final : ForkParticipant {
  int epoll_fd = -1;
  int wake_fd = -1;  // an eventfd: post() writes it to wake epoll_wait

  std::mutex mutex;  // guards queue, stopping and forked, which other threads touch
  std::deque<Task> queue;
  bool stopping = false;
  bool forked = false;  // this is a forked child's copy
  std::atomic<std::thread::id> loop_thread{};

  // Loop thread only.
  std::map<std::pair<TimePoint, TimerId>, Task> timers;
  std::unordered_map<TimerId, TimePoint> timer_due;
  TimerId next_timer = 1;
  struct Watch {
    std::uint32_t events = 0;
    std::shared_ptr<FdHandler> handler;  // shared: a handler may unwatch its own descriptor while running
  };
  std::unordered_map<int, Watch> watches;

  Core() {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) refuse("epoll_create1", errno);
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) {
      const int error = errno;
      ::close(epoll_fd);
      refuse("eventfd", error);
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake_fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event) != 0) {
      const int error = errno;
      ::close(wake_fd);
      ::close(epoll_fd);
      refuse("epoll_ctl", error);
    }
    ForkRegistry::instance().add(this);
  }
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core() {
    ForkRegistry::instance().remove(this);
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  void lock_for_fork() noexcept override { mutex.lock(); }
  void unlock_in_parent() noexcept override { mutex.unlock(); }
  void restart_in_child() noexcept override {
    stopping = true;
    forked = true;
    mutex.unlock();
  }

  void wake() const noexcept {
    const std::uint64_t one = 1;
    // Fails only when the counter is saturated, and then the loop is awake anyway.
    if (::write(wake_fd, &one, sizeof one) < 0) return;
  }

  // The tasks queued now, run in order; tasks they post run in the next round (after the loop has
  // looked at its descriptors), so a task that re-posts itself cannot starve I/O.
  bool run_posted() {
    std::deque<Task> batch;
    {
      const std::lock_guard lock(mutex);
      if (stopping) return false;
      batch.swap(queue);
    }
    for (Task& task : batch) {
      task();
      if (is_stopping()) return false;
    }
    return true;
  }

  bool is_stopping() {
    const std::lock_guard lock(mutex);
    return stopping;
  }

  // A forked child shares the epoll instance with its parent (one open file description): an
  // epoll_ctl here would change what the parent's loop watches.
  bool is_forked() {
    const std::lock_guard lock(mutex);
    return forked;
  }

  void run_due_timers() {
    const auto now = std::chrono::steady_clock::now();
    while (!timers.empty() && timers.begin()->first.first <= now && !is_stopping()) {
      auto node = timers.extract(timers.begin());
      timer_due.erase(node.key().second);
      node.mapped()();
    }
  }

  void dispatch(const epoll_event& event) {
    if (event.data.fd == wake_fd) {
      std::uint64_t count = 0;
      const ssize_t ignored = ::read(wake_fd, &count, sizeof count);  // EAGAIN: an earlier round read it
      static_cast<void>(ignored);
      return;
    }
    const auto found = watches.find(event.data.fd);
    if (found == watches.end()) return;  // unwatched by an earlier handler of this round
    const std::shared_ptr<FdHandler> handler = found->second.handler;
    (*handler)(event.events);
  }

  void run() {
    loop_thread.store(std::this_thread::get_id());
    std::array<epoll_event, 64> events{};
    while (run_posted()) {
      run_due_timers();
      if (is_stopping()) return;
      const int timeout = timers.empty() ? -1 : wait_millis(std::chrono::steady_clock::now(), timers.begin()->first.first);
      const int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
      for (int i = 0; i < ready && !is_stopping(); ++i) {
        dispatch(events[static_cast<std::size_t>(i)]);
      }
    }
  }
};

EventLoop::EventLoop() : core_(std::make_shared<Core>()) {
  try {
    thread_ = std::thread([core = core_] { core->run(); });
  } catch (const std::system_error& e) {
    throw TransportError(Kind::refused_locally, std::string("event loop: no thread: ") + e.what());
  }
}

EventLoop::~EventLoop() {
  {
    const std::lock_guard lock(core_->mutex);
    core_->stopping = true;
  }
  core_->wake();
  if (core_->is_forked()) {
    thread_.detach();  // the parent's thread: it does not exist in this process
  } else if (in_loop_thread()) {
    thread_.detach();  // it returns from the current task, sees `stopping` and drops its share of the core
  } else {
    thread_.join();
  }
}

// Wakes the loop under the lock: once the lock is released the task may run and destroy this
// loop (its owner let go inside it), so nothing here may touch `this` afterwards.
bool EventLoop::post(Task task) {
  const std::lock_guard lock(core_->mutex);
  if (core_->stopping) return false;
  const bool was_empty = core_->queue.empty();
  core_->queue.push_back(std::move(task));
  if (was_empty) core_->wake();  // otherwise a wake-up is already on its way
  return true;
}

bool EventLoop::in_loop_thread() const noexcept { return core_->loop_thread.load() == std::this_thread::get_id(); }

EventLoop::TimerId EventLoop::start_timer(TimePoint when, Task task) {
  const TimerId id = core_->next_timer++;
  core_->timers.emplace(std::make_pair(when, id), std::move(task));
  core_->timer_due.emplace(id, when);
  return id;
}

void EventLoop::cancel_timer(TimerId id) noexcept {
  const auto found = core_->timer_due.find(id);
  if (found == core_->timer_due.end()) return;
  core_->timers.erase(std::make_pair(found->second, id));
  core_->timer_due.erase(found);
}

void EventLoop::watch(int fd, std::uint32_t events, FdHandler handler) {
  if (core_->is_forked()) throw TransportError(Kind::refused_locally, "event loop: made before fork()");
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  const bool known = core_->watches.contains(fd);
  // The kernel forgets a descriptor when it is closed, which libcurl may do before it says so:
  // a stale entry here then needs an ADD, a missing one a MOD.
  int rc = ::epoll_ctl(core_->epoll_fd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
  if (rc != 0 && (errno == ENOENT || errno == EEXIST)) {
    rc = ::epoll_ctl(core_->epoll_fd, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
  }
  if (rc != 0) refuse("epoll_ctl(" + std::to_string(fd) + ")", errno);
  core_->watches[fd] = Core::Watch{events, std::make_shared<FdHandler>(std::move(handler))};
}

void EventLoop::unwatch(int fd) noexcept {
  if (core_->watches.erase(fd) == 0 || core_->is_forked()) return;
  // ENOENT/EBADF when the descriptor is already closed: the kernel has forgotten it then.
  static_cast<void>(::epoll_ctl(core_->epoll_fd, EPOLL_CTL_DEL, fd, nullptr));
}

std::size_t EventLoop::timer_count() const noexcept { return core_->timers.size(); }
std::size_t EventLoop::watch_count() const noexcept { return core_->watches.size(); }

}  // namespace loginid::detail
