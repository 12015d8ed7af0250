# The API reference: Doxygen over the public headers (include/loginid/, subfolders included), with the
# guides in docs/ as pages linked from its main page (docs/reference.md). Output:
# <build>/docs/html/index.html, never committed.
#
# Every public name must be documented: any Doxygen warning (an undocumented class, member, function,
# macro or file; a parameter missing from a function that documents some; a bad command) fails the
# build (WARN_AS_ERROR). The generated HTML's links are checked too (tests/docs/check_reference_links.py):
# a guide link that works on a repository browser but not in the reference fails.
#
# One mechanism: the target `docs` (Doxygen, then the link check). scripts/docs.sh builds it;
# scripts/test.sh runs scripts/docs.sh; the ctest test `docs_reference` (label docs) builds it, so a
# full ctest run fails on an undocumented public name; scripts/package.sh builds it for the
# libloginid-doc package (install component doc: /usr/share/doc/libloginid-doc/html).
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "Doxygen not found: no API reference (target docs, test docs_reference); scripts/install-deps.sh installs it")
  return()
endif()
find_program(LOGINID_PYTHON3 python3 REQUIRED)

set(DOXYGEN_PROJECT_NAME "loginid-cpp")
set(DOXYGEN_PROJECT_NUMBER "${PROJECT_VERSION}")
set(DOXYGEN_PROJECT_BRIEF "LoginID Server SDK for C++")
set(DOXYGEN_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/docs")
set(DOXYGEN_USE_MDFILE_AS_MAINPAGE "${PROJECT_SOURCE_DIR}/docs/reference.md")
set(DOXYGEN_FILE_PATTERNS "*.hpp")
set(DOXYGEN_RECURSIVE YES)  # include/loginid/testing/ and any later subfolder
set(DOXYGEN_STRIP_FROM_PATH "${PROJECT_SOURCE_DIR}")
set(DOXYGEN_STRIP_FROM_INC_PATH "${PROJECT_SOURCE_DIR}/include")  # pages say #include <loginid/x.hpp>
set(DOXYGEN_FULL_PATH_NAMES YES)

# Undocumented means an error. EXTRACT_ALL would list undocumented names silently; WARN_NO_PARAMDOC
# stays off because the headers describe most parameters in the function's prose, but a function
# that documents some parameters must document all (WARN_IF_INCOMPLETE_DOC).
set(DOXYGEN_EXTRACT_ALL NO)
set(DOXYGEN_EXTRACT_PRIVATE NO)
set(DOXYGEN_WARN_IF_UNDOCUMENTED YES)
set(DOXYGEN_WARN_IF_DOC_ERROR YES)
set(DOXYGEN_WARN_IF_INCOMPLETE_DOC YES)
set(DOXYGEN_WARN_NO_PARAMDOC NO)
set(DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)  # every warning printed, then the build fails
set(DOXYGEN_QUIET YES)

# loginid::detail holds the library's internals; public headers only forward-declare its types for
# their private members (include/loginid/version.hpp). It is no part of the API, so not of the reference.
set(DOXYGEN_EXCLUDE_SYMBOLS "loginid::detail")
# Users write loginid::X: Doxygen 1.9 reads "namespace loginid::inline v1" as a namespace "v1", so
# the headers pass through a filter that names it "loginid" (same lines, nothing else changed).
set(DOXYGEN_FILTER_PATTERNS "*.hpp=sed -f ${PROJECT_SOURCE_DIR}/cmake/doxygen_namespace.sed")

# A comment's first sentence is its summary in the member tables (most comments are one paragraph).
set(DOXYGEN_JAVADOC_AUTOBRIEF YES)
set(DOXYGEN_HAVE_DOT NO)  # no graphviz: class diagrams are Doxygen's built-in ones
set(DOXYGEN_GENERATE_TREEVIEW YES)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_SORT_MEMBER_DOCS NO)  # declaration order: the headers are ordered for reading
set(DOXYGEN_MARKDOWN_SUPPORT YES)
set(DOXYGEN_AUTOLINK_SUPPORT YES)
set(DOXYGEN_HTML_TIMESTAMP NO)  # the same sources give the same pages

# The guides a reader of the reference needs: docs/*.md and the READMEs they link to.
file(GLOB loginid_guides CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.md")
doxygen_add_docs(docs
  "${PROJECT_SOURCE_DIR}/include/loginid" ${loginid_guides} "${PROJECT_SOURCE_DIR}/examples/passkey_web/README.md"
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  COMMENT "API reference: Doxygen over include/loginid/ (warnings are errors)")
# Pages of names that no longer exist must not linger (nor make a link look valid): the old HTML goes
# first (a PRE_BUILD command of a custom target would run after Doxygen).
add_custom_target(docs_clean_html COMMAND "${CMAKE_COMMAND}" -E rm -rf "${DOXYGEN_OUTPUT_DIRECTORY}/html" VERBATIM)
add_dependencies(docs docs_clean_html)
add_custom_command(TARGET docs POST_BUILD
  COMMAND "${LOGINID_PYTHON3}" "${PROJECT_SOURCE_DIR}/tests/docs/check_reference_links.py" "${DOXYGEN_OUTPUT_DIRECTORY}/html"
  VERBATIM)

# Debian practice (libssl-doc, libcurl4-doc): the HTML reference is a package of its own, not part of
# -dev. OPTIONAL: a plain `cmake --install` without a built reference installs everything else.
set(LOGINID_PACKAGE_DOC "libloginid-doc")
install(DIRECTORY "${DOXYGEN_OUTPUT_DIRECTORY}/html/" DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/${LOGINID_PACKAGE_DOC}/html"
  COMPONENT doc OPTIONAL)

if(LOGINID_BUILD_TESTS)
  add_test(NAME docs_reference COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target docs)
  # The packaging tests install and package <build>/docs/html, which this rebuilds: one at a time.
  set_tests_properties(docs_reference PROPERTIES LABELS docs TIMEOUT 300 RESOURCE_LOCK loginid_docs_html)
endif()
