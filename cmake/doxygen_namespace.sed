# Doxygen input filter (cmake/LoginidDocs.cmake): Doxygen 1.9 misreads the inline ABI namespace in
# "namespace loginid::inline v1" (and "namespace loginid::testing::inline v1"), so the reference sees
# "namespace loginid", the name users write. Lines are kept, so warnings point at the right line.
/namespace/s/::inline[[:space:]][[:space:]]*v[0-9][0-9]*//g
