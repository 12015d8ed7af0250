# loginid_warnings(target): the project's warning set. -Werror only when LOGINID_WERROR is on
# (scripts/test.sh turns it on) so a user's newer compiler cannot break their build.
function(loginid_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(LOGINID_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
