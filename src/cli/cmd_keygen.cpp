// `loginid keygen`: a fresh P-256 key pair as PKCS#8 + SPKI PEM.

#include <memory>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/app.hpp"
#include "cli/cli_error.hpp"
#include "cli/io.hpp"
#include "loginid/keys.hpp"

namespace loginid::cli {
namespace {

struct KeygenOptions {
  std::string private_key_out;
  std::string public_key_out;
  bool force = false;
};

void refuse_existing(const std::string& path, bool force) {
  struct stat st {};
  if (!force && !path.empty() && ::lstat(path.c_str(), &st) == 0)
    fail_usage(path + " already exists; use --force to overwrite it");
}

void run_keygen(const KeygenOptions& opts, Context& ctx) {
  if (!opts.private_key_out.empty() && opts.private_key_out == opts.public_key_out)
    fail_usage("--private-key-out and --public-key-out name the same file");
  // Check both before writing either, so a refused run leaves nothing behind.
  refuse_existing(opts.private_key_out, opts.force);
  refuse_existing(opts.public_key_out, opts.force);

  const PrivateKey key = PrivateKey::generate();
  const SecretString private_pem = key.to_pem();
  const std::string public_pem = key.public_key().to_pem();
  const Overwrite overwrite = opts.force ? Overwrite::replace : Overwrite::never;

  if (!opts.private_key_out.empty()) {
    write_file(opts.private_key_out, private_pem.view(), 0600, overwrite);
    *ctx.err << "wrote private key to " << opts.private_key_out << " (mode 0600)\n";
  } else {
    *ctx.out << private_pem.view();
  }
  if (!opts.public_key_out.empty()) {
    try {
      write_file(opts.public_key_out, public_pem, 0644, overwrite);
    } catch (...) {
      // Without --force the private key file is new and ours: a half-made pair is worse than none.
      if (!opts.private_key_out.empty() && !opts.force) ::unlink(opts.private_key_out.c_str());
      throw;
    }
    *ctx.err << "wrote public key to " << opts.public_key_out << "\n";
  } else {
    *ctx.out << public_pem;
  }
  ctx.out->flush();
}

}  // namespace

void add_keygen_command(CLI::App& root, Commands& commands) {
  auto opts = std::make_shared<KeygenOptions>();
  auto* cmd = root.add_subcommand(
      "keygen",
      "Generate an EC P-256 key pair: the private key as PKCS#8 PEM, the public key as SPKI PEM (printed to stdout "
      "unless written to files). Register the public key with LoginID; keep the private key secret.");
  cmd->add_option("--private-key-out", opts->private_key_out, "Write the private key here (created with mode 0600)");
  cmd->add_option("--public-key-out", opts->public_key_out, "Write the public key here");
  cmd->add_flag("--force", opts->force, "Replace existing files (atomically)");
  cmd->footer(examples({"loginid keygen --private-key-out app.key.pem --public-key-out app.pub.pem", "loginid keygen > pair.pem"}));
  commands.on(cmd, [opts](Context& ctx) { run_keygen(*opts, ctx); });
}

}  // namespace loginid::cli
