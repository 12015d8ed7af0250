// fork() after a client has made calls (issue 16, finding 7): the parent and its child then call a
// real emulator at the same time, many times, through the same client object. Each must get its
// own answers (the user it asked for, every time), the child must open a connection of its own
// instead of writing into the parent's, and signed-ahead service tokens must not be reused by the
// child (the emulator refuses a replayed nonce, which would fail a call).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <string>

#include "emulator_process.hpp"
#include "loginid/loginid.hpp"

namespace loginid::test {
namespace {

constexpr int kUsersPerProcess = 20;
constexpr int kRounds = 10;  // 200 lookups per process, run while the other process runs its own

std::string user_name(const std::string& who, int i) { return who + "-" + std::to_string(i) + "@example.com"; }

// Looks every user of `who` up kRounds times; returns "" or the first wrong answer.
std::string look_up_all(const LoginIdManagement& mgmt, const std::map<std::string, std::string>& ids,
                        const std::string& who) {
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kUsersPerProcess; ++i) {
      const std::string name = user_name(who, i);
      const User user = mgmt.get_user(loginid::Username(name));
      if (user.username != name || user.id != ids.at(name)) {
        return who + " asked for " + name + " and got " + user.username + " (" + user.id + ")";
      }
    }
  }
  return {};
}

// The child's side: the exit status says what went wrong (the message goes to stderr).
[[noreturn]] void run_child(const LoginIdManagement& mgmt, const std::map<std::string, std::string>& ids,
                            const HttpTransport& transport, std::uint64_t connections_at_fork) {
  ::alarm(120);  // hang guard: a child stuck on a connection it shares dies instead of hanging the test
  int status = 0;
  try {
    const std::string wrong = look_up_all(mgmt, ids, "child");
    const auto stats = curl_transport_stats(transport);
    if (!wrong.empty()) {
      std::fprintf(stderr, "child: %s\n", wrong.c_str());
      status = 2;
    } else if (!stats || stats->connections_opened <= connections_at_fork) {
      std::fprintf(stderr, "child: opened no connection of its own (it used the parent's)\n");
      status = 3;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    status = 4;
  }
  std::fflush(stderr);
  ::_exit(status);  // no gtest, no static destructors of the parent's objects in the child
}

TEST(SdkFork, ParentAndChildEachGetTheirOwnAnswers) {
  const EmulatorProcess emulator;
  const auto transport = make_curl_transport();
  Options options = emulator.options();
  options.transport = transport;
  const LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"), options);

  // These calls open the connection the child inherits, and start the pre-signing thread with a
  // stock of tokens the child inherits too.
  std::map<std::string, std::string> ids;
  for (const std::string who : {"parent", "child"}) {
    for (int i = 0; i < kUsersPerProcess; ++i) {
      const std::string name = user_name(who, i);
      ids[name] = mgmt.add_user_without_credentials(loginid::Username(name)).id;
    }
  }
  ASSERT_EQ(mgmt.get_user(loginid::Username(user_name("parent", 0))).id, ids.at(user_name("parent", 0)));
  const auto at_fork = curl_transport_stats(*transport);
  ASSERT_TRUE(at_fork.has_value());
  ASSERT_GE(at_fork->connections_opened, 1U);

  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) run_child(mgmt, ids, *transport, at_fork->connections_opened);

  std::string parent_wrong;
  try {
    parent_wrong = look_up_all(mgmt, ids, "parent");
  } catch (const std::exception& e) {
    parent_wrong = std::string("parent: ") + e.what();
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(parent_wrong, "");
  ASSERT_TRUE(WIFEXITED(status)) << "the child was killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                 << " (SIGALRM: it hung)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: a wrong answer, 3: no connection of its own, 4: a call failed "
                                       "(its stderr above says which)";

  // The parent's client still works after its child is gone (the child closed only its own copies).
  EXPECT_EQ(mgmt.get_user(loginid::Username(user_name("child", 3))).id, ids.at(user_name("child", 3)));
}

}  // namespace
}  // namespace loginid::test
