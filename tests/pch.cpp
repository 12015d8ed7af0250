// Anchor of the tests' shared precompiled header (see tests/CMakeLists.txt); never run.
int main() { return 0; }
