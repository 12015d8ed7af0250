# CPack: three Debian packages from the install components (cmake/LoginidInstall.cmake), built by
# scripts/package.sh from an existing build tree (`cpack -G DEB` there; nothing is recompiled).
#   libloginidN     component lib:   the shared library (N = SONAME version)
#   libloginid-dev  component dev:   headers, CMake package, loginid.pc, the libloginid.so link
#   loginid-tools   component tools: loginid, loginid-emulator, man pages, completions, systemd unit
#   libloginid-doc  component doc:   the HTML API reference (only when Doxygen is installed; Architecture all)
# Dependencies on other Debian packages are computed by dpkg-shlibdeps from the ELF files; the ones
# between these three come from the component dependencies, pinned to this exact version.

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "loginid")
set(CPACK_PACKAGE_VENDOR "loginid-cpp")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# CPack's own default summary: CPackDeb then takes each package's synopsis from the first line of its
# description below (any other summary would be prepended to all three).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_CONTACT "${LOGINID_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)  # lintian: unstripped-binary-or-object
set(CPACK_THREADS 1)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL lib dev)
if(TARGET loginid-cli OR TARGET loginid-emulator)
  list(APPEND CPACK_COMPONENTS_ALL tools)
endif()
if(LOGINID_PACKAGE_DOC)
  list(APPEND CPACK_COMPONENTS_ALL doc)
endif()
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_COMPONENT_TOOLS_DEPENDS lib)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LOGINID_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SOURCE "loginid")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)  # the packaging revision: versions read 1.2.3-1, as the changelog says
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/loginid-cpp/loginid-cpp")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps finds libloginid.so.N, which the programs link, in the build tree; the dependency
# on its package is the component one above.
get_target_property(loginid_build_dir loginid BINARY_DIR)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${loginid_build_dir}")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME "${LOGINID_PACKAGE_LIB}")
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION "libs")
# DEBIAN/shlibs (only the lib package has a shared object), so other packages' dpkg-shlibdeps find it.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The ldconfig trigger (Debian policy 8.1.1). CPack 3.25 also writes ldconfig calls into postinst and
# postrm; the package's lintian overrides explain that warning (packaging/CMakeLists.txt).
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/packaging/lib-control/triggers")
set(CPACK_DEBIAN_LIB_DESCRIPTION "LoginID Server SDK for C++ (shared library)
The LoginID Server SDK for C++ signs service tokens with an application's
EC P-256 key, verifies the JWTs LoginID issues and calls LoginID's
application and management APIs (users, credentials, codes, transactions).

This package contains the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME "${LOGINID_PACKAGE_DEV}")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)  # no ELF files
# What the public headers include beyond the standard library: the loginid target's usage requirements.
get_target_property(loginid_interface_libs loginid INTERFACE_LINK_LIBRARIES)
if(loginid_interface_libs MATCHES "nlohmann_json")
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "nlohmann-json3-dev")
endif()
set(CPACK_DEBIAN_DEV_DESCRIPTION "LoginID Server SDK for C++ (development files)
The LoginID Server SDK for C++ signs service tokens with an application's
EC P-256 key, verifies the JWTs LoginID issues and calls LoginID's
application and management APIs.

This package contains the headers, the CMake package (find_package(loginid))
and the pkg-config files (loginid.pc, loginid-testing.pc), and the static
library loginid::testing: a fake LoginID service for unit tests.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME "${LOGINID_PACKAGE_TOOLS}")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "LoginID command-line tool and local emulator
loginid calls every LoginID SDK function from the shell, generates keys and
decodes and verifies JWTs. loginid-emulator is a local, persistent,
LoginID-compatible server for development and tests; its systemd unit is
installed but not enabled.")

if(LOGINID_PACKAGE_DOC)
  set(CPACK_DEBIAN_DOC_PACKAGE_NAME "${LOGINID_PACKAGE_DOC}")
  set(CPACK_DEBIAN_DOC_PACKAGE_SECTION "doc")
  set(CPACK_DEBIAN_DOC_PACKAGE_ARCHITECTURE "all")  # HTML only
  set(CPACK_DEBIAN_DOC_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "${LOGINID_PACKAGE_DOC}")
  set(CPACK_DEBIAN_DOC_DESCRIPTION "LoginID Server SDK for C++ (API reference)
The LoginID Server SDK for C++ signs service tokens with an application's
EC P-256 key, verifies the JWTs LoginID issues and calls LoginID's
application and management APIs.

This package contains the HTML API reference generated from the headers,
with the SDK guide, the wire contract and the emulator and CLI guides:
/usr/share/doc/libloginid-doc/html/index.html.")
endif()

include(CPack)
