# Fails unless README.md shows SNIPPET (examples/readme.cpp) verbatim as a ```cpp block, so the
# program a new user copies from the first screen is the one the tests build and run.
#   cmake -DREADME=README.md -DSNIPPET=examples/readme.cpp -P check_readme_snippet.cmake
file(READ "${README}" readme)
file(READ "${SNIPPET}" snippet)
string(FIND "${readme}" "```cpp\n${snippet}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${README} does not show ${SNIPPET} verbatim in a ```cpp block: copy the file into the README")
endif()
