#pragma once
// File and stream helpers: bounded reads, exclusive key-file writes, permission warnings.
// Every error names the file and what was wrong, never the file's content.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "loginid/secret.hpp"

namespace loginid::cli {

/// Cap on any file or stdin the CLI reads: keys, tokens and payloads are small; a cap keeps
/// `--public-key /dev/zero` from eating memory.
inline constexpr std::size_t kMaxInputBytes = 1024 * 1024;

/// Reads a whole file; CliError(usage) "cannot read <what> <path>: <reason>" on failure.
std::string read_file(const std::filesystem::path& path, std::string_view what);
/// Same, into a zeroing string (private keys).
SecretString read_secret_file(const std::filesystem::path& path, std::string_view what);

/// A TOKEN|- style argument: "-" reads stdin. Surrounding whitespace is trimmed (tokens are
/// often piped with a trailing newline).
std::string read_arg_or_stdin(const std::string& arg, std::string_view what);

/// Where and why `text` is not JSON, for a flag's error message: "at line 1, column 5: syntax error
/// while parsing object key - invalid literal; last read: '{sub'; expected string literal". Quotes
/// the text near the error: only for text that is not secret (claims, payloads).
std::string json_syntax_error(std::string_view text);

/// Removes leading and trailing ASCII whitespace.
std::string trim(std::string_view text);

/// How write_file treats an existing file.
enum class Overwrite { never, replace };

/// Writes `content` to `path` with permission `mode`.
/// Overwrite::never: the file is created with O_CREAT|O_EXCL, so an existing file (or a symlink)
/// is never touched. Overwrite::replace: written to a fresh temporary file beside it, then renamed
/// over it, so readers never see a half-written key and the mode is right from the first byte.
void write_file(const std::filesystem::path& path, std::string_view content, unsigned mode, Overwrite overwrite);

/// "warning: <what> <path> is readable by group/others (mode 0644); run: chmod 600 <path>" when
/// the file's mode grants read access beyond the owner, else nullopt (also when it cannot be stat'ed).
std::optional<std::string> permission_warning(const std::filesystem::path& path, std::string_view what);

/// True when stderr is a terminal (progress output is shown only then).
bool stderr_is_tty() noexcept;

/// A password as the user gave it (never on the command line: argv is visible to every user of
/// the machine through ps and lands in shell history).
struct PasswordInput {
  SecretString password;
  /// What was typed at the second prompt; empty unless the password was typed at a terminal and
  /// a confirmation was asked for.
  SecretString confirmation;
};

/// Reads a password: from `file` when given ("-" = stdin), else at a prompt on the terminal with
/// echo off when stdin is one (asking twice with `confirm`), else from stdin. One trailing newline
/// (LF or CRLF) is dropped from a file or stdin; nothing else is trimmed. An empty password is a
/// usage error. Echo is restored also when the command is interrupted (SIGINT, SIGTERM, SIGHUP).
PasswordInput read_password(const std::string& file, bool confirm);

}  // namespace loginid::cli
