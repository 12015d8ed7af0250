#pragma once
/// @file loginid.hpp
/// The umbrella header: everything a user of the LoginID C++ SDK needs.
///
/// @code
/// #include <loginid/loginid.hpp>
///
/// loginid::LoginIdManagement mgmt{client_id, private_key_pem};
/// loginid::User user = mgmt.get_user(loginid::Username("alice"));
/// @endcode

#include "loginid/version.hpp"     // IWYU pragma: export
#include "loginid/extensible_enum.hpp"  // IWYU pragma: export
#include "loginid/error.hpp"       // IWYU pragma: export
#include "loginid/secret.hpp"      // IWYU pragma: export
#include "loginid/keys.hpp"        // IWYU pragma: export
#include "loginid/jwt.hpp"         // IWYU pragma: export
#include "loginid/transport.hpp"   // IWYU pragma: export
#include "loginid/options.hpp"     // IWYU pragma: export
#include "loginid/cancellation.hpp"  // IWYU pragma: export
#include "loginid/call_options.hpp"  // IWYU pragma: export
#include "loginid/ids.hpp"  // IWYU pragma: export
#include "loginid/types.hpp"       // IWYU pragma: export
#include "loginid/client.hpp"      // IWYU pragma: export
#include "loginid/management.hpp"  // IWYU pragma: export
#include "loginid/async_call.hpp"  // IWYU pragma: export
#include "loginid/async.hpp"       // IWYU pragma: export
