# cmake --install: headers, libloginid, the CMake package (find_package(loginid CONFIG) ->
# loginid::loginid), loginid.pc, and the programs.
include(CMakePackageConfigHelpers)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/loginid" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS loginid EXPORT loginidTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
foreach(program loginid-cli loginid-emulator)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  endif()
endforeach()

set(loginid_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/loginid")
install(EXPORT loginidTargets NAMESPACE loginid:: DESTINATION "${loginid_cmake_dir}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/loginidConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/loginidConfig.cmake" INSTALL_DESTINATION "${loginid_cmake_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/loginidConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/loginidConfig.cmake" "${PROJECT_BINARY_DIR}/loginidConfigVersion.cmake"
  DESTINATION "${loginid_cmake_dir}")

# pkg-config: a static libloginid needs its private dependencies on the link line too.
if(LOGINID_SHARED)
  set(LOGINID_PC_LIBS_PRIVATE "")
  set(LOGINID_PC_REQUIRES_PRIVATE "libcrypto libcurl")
else()
  set(LOGINID_PC_LIBS_PRIVATE "-lpthread")
  set(LOGINID_PC_REQUIRES_PRIVATE "libcrypto libcurl")
endif()
# Relocatable: the prefix is found from the .pc file's own place, so `cmake --install --prefix X` works.
file(RELATIVE_PATH LOGINID_PC_UP "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
set(LOGINID_PC_PREFIX "\${pcfiledir}/${LOGINID_PC_UP}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/loginid.pc.in" "${PROJECT_BINARY_DIR}/loginid.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/loginid.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
