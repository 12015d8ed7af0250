#pragma once
/// @file version.hpp
/// The SDK's version and the versioned namespace every public name lives in.
///
/// Everything public is declared in `loginid::v1`, an inline namespace: users write `loginid::User`,
/// but the linker sees `loginid::v1::User`. The `v1` is the ABI version (docs/sdk.md, "Compatibility"):
/// it changes together with the shared library's SONAME (libloginid.so.1), so a program built against
/// headers of one ABI version fails to link with a library of another, instead of running with
/// mismatched layouts.

/// The release (semantic versioning of the source API).
#define LOGINID_VERSION_MAJOR 1
/// The minor release: new API, source compatible (see LOGINID_VERSION_MAJOR).
#define LOGINID_VERSION_MINOR 0
/// The patch release: fixes only (see LOGINID_VERSION_MAJOR).
#define LOGINID_VERSION_PATCH 0
/// The ABI version: the inline namespace `v<N>` and the SONAME `libloginid.so.<N>`.
#define LOGINID_ABI_VERSION 1

/// Helper of LOGINID_VERSION_TEXT: turns its arguments, as written, into text.
#define LOGINID_VERSION_TEXT_(major, minor, patch) #major "." #minor "." #patch
/// "major.minor.patch" from three numbers (macros are expanded first, hence the helper).
#define LOGINID_VERSION_TEXT(major, minor, patch) LOGINID_VERSION_TEXT_(major, minor, patch)
/// The release as text, "1.0.0".
#define LOGINID_VERSION_STRING LOGINID_VERSION_TEXT(LOGINID_VERSION_MAJOR, LOGINID_VERSION_MINOR, LOGINID_VERSION_PATCH)

// The versioned namespace, declared inline before any other SDK name. The library's internals live
// in `loginid::detail`, outside it: public headers name only opaque internal types (pointers to an
// implementation), whose layout is no part of the ABI, and the library does not export them.
namespace loginid::inline v1 {}
namespace loginid::detail {}

namespace loginid::inline v1 {

/// The release of the library the program runs with ("1.0.0"), as compiled into libloginid, where
/// LOGINID_VERSION_STRING is the release of the headers it was built against. They differ when a
/// program built with one release runs with another of the same ABI (a newer libloginid1 package):
/// log both when reporting a problem. The same text is in the SDK's User-Agent
/// ("loginid-cpp/1.0.0"), `loginid --version` and `loginid-emulator --version`.
[[nodiscard]] const char* version() noexcept;

}  // namespace loginid::inline v1
