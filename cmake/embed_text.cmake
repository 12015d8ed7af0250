# Turns a text file into a C++ source defining `std::string_view <NAME>()` with its content, so data
# shipped as a file (not written as code) needs no path at run time.
#   cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DNAME=<function> -DNAMESPACE=<ns> -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by cmake/embed_text.cmake: do not edit.\n#include <string_view>\n\nnamespace ${NAMESPACE} {\nnamespace {\nconstexpr char kBytes[${byte_count} + 1] = {${bytes} '\\0'};\n}  // namespace\nstd::string_view ${NAME}() { return {kBytes, ${byte_count}}; }\n}  // namespace ${NAMESPACE}\n")
