# loginid_warnings(target): the project's warning set. -Werror only when LOGINID_WERROR is on
# (scripts/test.sh turns it on) so a user's newer compiler cannot break their build.
function(loginid_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(LOGINID_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# loginid_harden(target): the hardening Debian builds its own packages with (dpkg-buildflags with
# hardening=+all): fortified libc calls, stack protector, read-only relocations bound at load time.
# Only for what ships (the library, the programs and what they link), never for test code, which is
# compiled at -O0 where _FORTIFY_SOURCE only warns; and not under sanitizers, which replace these checks.
function(loginid_harden target)
  if(LOGINID_SANITIZE)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  target_compile_options(${target} PRIVATE -fstack-protector-strong -fstack-clash-protection
    "$<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-D_FORTIFY_SOURCE=2>")
  if(type STREQUAL "SHARED_LIBRARY" OR type STREQUAL "EXECUTABLE")
    target_link_options(${target} PRIVATE -Wl,-z,relro -Wl,-z,now)
  endif()
endfunction()
