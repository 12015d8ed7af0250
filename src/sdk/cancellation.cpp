// CancellationToken / CancellationSource (loginid/cancellation.hpp): a thin layer over
// std::stop_source, whose callbacks already give the guarantees the SDK relies on (run once, on the
// cancelling thread or at registration; unregistering waits for a callback running elsewhere).

#include "loginid/cancellation.hpp"

#include <optional>
#include <utility>

namespace loginid::inline v1 {
namespace {

// std::stop_source::request_stop is noexcept: a throwing callback would end the process there.
struct Invoke {
  std::function<void()> callback;
  void operator()() noexcept {
    try {
      callback();
    } catch (...) {  // documented: ignored
    }
  }
};

}  // namespace

struct CancellationRegistration::Callback {
  std::stop_callback<Invoke> registered;
  Callback(const std::stop_token& token, std::function<void()> callback)
      : registered(token, Invoke{std::move(callback)}) {}
};

CancellationRegistration::CancellationRegistration() noexcept = default;
CancellationRegistration::CancellationRegistration(std::unique_ptr<Callback> callback) noexcept
    : callback_(std::move(callback)) {}
CancellationRegistration::CancellationRegistration(CancellationRegistration&&) noexcept = default;
CancellationRegistration& CancellationRegistration::operator=(CancellationRegistration&&) noexcept = default;
CancellationRegistration::~CancellationRegistration() = default;

void CancellationRegistration::reset() noexcept { callback_.reset(); }

CancellationRegistration CancellationToken::on_cancel(std::function<void()> callback) const {
  if (!stop_.stop_possible()) {
    return CancellationRegistration();  // never fires: nothing to register
  }
  return CancellationRegistration(std::make_unique<CancellationRegistration::Callback>(stop_, std::move(callback)));
}

}  // namespace loginid::inline v1
