# cmake --install: headers, libloginid, the CMake package (find_package(loginid CONFIG) ->
# loginid::loginid, loginid::testing), loginid.pc, loginid-testing.pc, and the programs. Every rule
# names the install component that is one Debian package (cmake/LoginidPackaging.cmake): `lib` (the
# shared library), `dev` (headers, CMake package, .pc files, the libloginid.so link, the static
# libloginid-testing.a) and `tools` (the programs and what packaging/ adds).
include(CMakePackageConfigHelpers)

# The runtime package is named after the SONAME (Debian policy 8.1): libloginid.so.N -> libloginidN.
get_target_property(loginid_soversion loginid SOVERSION)
set(LOGINID_PACKAGE_LIB "libloginid${loginid_soversion}")
set(LOGINID_PACKAGE_DEV "libloginid-dev")
set(LOGINID_PACKAGE_TOOLS "loginid-tools")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/loginid" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT dev)
install(TARGETS loginid EXPORT loginidTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT lib NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT lib
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
# loginid::testing (src/testing): a static library for users' test binaries, so it goes with the headers.
install(TARGETS loginid_testing EXPORT loginidTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev)
foreach(program loginid-cli loginid-emulator)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT tools)
  endif()
endforeach()

set(loginid_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/loginid")
install(EXPORT loginidTargets NAMESPACE loginid:: DESTINATION "${loginid_cmake_dir}" COMPONENT dev)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/loginidConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/loginidConfig.cmake" INSTALL_DESTINATION "${loginid_cmake_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/loginidConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)  # source compatibility across 1.x (docs/sdk.md, "Compatibility")
install(FILES "${PROJECT_BINARY_DIR}/loginidConfig.cmake" "${PROJECT_BINARY_DIR}/loginidConfigVersion.cmake"
  DESTINATION "${loginid_cmake_dir}" COMPONENT dev)

# pkg-config: a static libloginid needs its private dependencies on the link line too. A shared one
# needs none: pkg-config resolves Requires.private even for --cflags, so listing them would make
# `pkg-config --cflags loginid` fail wherever libssl-dev and libcurl's -dev are not installed.
if(LOGINID_SHARED)
  set(LOGINID_PC_LIBS_PRIVATE "")
  set(LOGINID_PC_REQUIRES_PRIVATE "")
else()
  set(LOGINID_PC_LIBS_PRIVATE "-lpthread")
  set(LOGINID_PC_REQUIRES_PRIVATE "libcrypto libcurl")
endif()
# Relocatable: the prefix is found from the .pc file's own place, so `cmake --install --prefix X` works.
file(RELATIVE_PATH LOGINID_PC_UP "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
set(LOGINID_PC_PREFIX "\${pcfiledir}/${LOGINID_PC_UP}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/loginid.pc.in" "${PROJECT_BINARY_DIR}/loginid.pc" @ONLY)
configure_file("${PROJECT_SOURCE_DIR}/cmake/loginid-testing.pc.in" "${PROJECT_BINARY_DIR}/loginid-testing.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/loginid.pc" "${PROJECT_BINARY_DIR}/loginid-testing.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT dev)
