// loginid::version(): the release this library was built as (include/loginid/version.hpp, the one
// place the version is written; CMake reads it from there).
#include "loginid/version.hpp"

namespace loginid::inline v1 {

const char* version() noexcept { return LOGINID_VERSION_STRING; }

}  // namespace loginid::inline v1
