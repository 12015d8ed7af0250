// A libFuzzer-free driver for the fuzz targets of tests/fuzz: runs LLVMFuzzerTestOneInput once on
// every file of the corpus folders it is given, in name order. The normal (gcc) build uses it so
// the fuzz targets compile with the rest of the project (they did not, unseen, until a clean-clone
// CI run built them with clang) and so every seed, each a past finding or a limit case, is replayed
// as a regression test, also under the ASan build of scripts/test.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> corpus_files(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_FOLDER...\n", argv[0]);
    return 2;
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::error_code error;
    if (!std::filesystem::is_directory(argv[i], error)) {
      std::fprintf(stderr, "%s: no corpus folder at %s\n", argv[0], argv[i]);
      return 1;
    }
    for (const auto& file : corpus_files(argv[i])) {
      const std::string input = read_file(file);
      std::printf("replay %s (%zu bytes)\n", file.filename().c_str(), input.size());
      std::fflush(stdout);  // a crash names the input that caused it
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "%s: the corpus folders hold no input: nothing was replayed\n", argv[0]);
    return 1;
  }
  std::printf("%zu inputs replayed\n", replayed);
  return 0;
}
