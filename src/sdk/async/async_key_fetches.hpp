#pragma once
// The signing keys an async client's calls need and its key cache lacks, fetched without blocking
// the loop (issue 12): GET /certs?kid= as an ordinary call of the client's AsyncCaller (the same
// request, retries, deadline and CallOptions as the blocking fetch), its answer parsed and stored
// by the key cache itself (KeyCache::store_fetched). Calls that need the same kid while it is being
// fetched wait for that one fetch (single flight per async client). Loop thread only.

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "sdk/async/async_caller.hpp"
#include "sdk/async/unique_function.hpp"
#include "sdk/key_cache.hpp"

namespace loginid::detail {

class AsyncKeyFetches final {
 public:
  /// How the wait for a key ended, for one call that needed it:
  /// - `lookup`: what the fetch gave (or the refusal: rate limit), as KeyCache::find would say;
  /// - `cancelled`: this call's own fetch was cancelled (its token, or the client destroyed), or
  ///   this call was cancelled while it waited for another's: the call ends with it;
  /// - neither: the fetch this call waited for was another call's, and that call was cancelled:
  ///   look again (this call then fetches itself, within its own limits).
  struct End {
    std::optional<KeyLookup> lookup;
    std::exception_ptr cancelled;
  };
  using Landed = UniqueFunction<void(End)>;

  explicit AsyncKeyFetches(const KeyCache& cache);
  /// Every fetch has ended by then: the caller that ran them is destroyed first.
  ~AsyncKeyFetches();
  AsyncKeyFetches(const AsyncKeyFetches&) = delete;
  AsyncKeyFetches& operator=(const AsyncKeyFetches&) = delete;

  /// A call within `context` needs the key for `kid`: fetches it through `caller` (or joins the
  /// fetch under way); `landed` runs once, on the loop thread, when the wait ends (inline when the
  /// rate limit refuses the fetch). A call that joined another's fetch and is cancelled stops
  /// waiting at once (`cancelled`); the fetch goes on for the others.
  void need(AsyncCaller& caller, const std::string& kid, const CallContext& context, Landed landed);

 private:
  struct State;
  // Shared with the loop tasks a cancellation posts (they may run after this is destroyed).
  std::shared_ptr<State> state_;
};

}  // namespace loginid::detail
