#pragma once
// The engine's move-only callable is the public one (loginid/async_call.hpp): completions own what
// they capture (a promise, a coroutine handle, a unique_ptr), which std::function cannot hold.

#include "loginid/async_call.hpp"

namespace loginid::detail {

template <typename Signature>
using UniqueFunction = MoveOnlyFunction<Signature>;

}  // namespace loginid::detail
