// The baseline of bench/emulator/run.sh: the emulator's own HTTP stack (http::EventServer, with the
// emulator's thread counts, limits and timeouts) answering a constant body on the thread that read
// the request, the stack's best case, so the ratio isolates what the emulator adds on top (routing,
// JSON, token checks, SQLite). Stops on SIGINT/SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "emulator/http/event_server.hpp"
#include "emulator/http/server.hpp"

namespace http = loginid::detail::emulator::http;

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const http::ServerOptions emulator;  // the emulator's defaults
  http::EventServerOptions options;
  options.workers = emulator.workers;
  const std::string body = R"({"status":"ok"})";
  http::EventServer server(
      options,
      [&body](const std::shared_ptr<http::Request>&, const http::Responder& responder) {
        http::Response response;
        response.set_content(body, "application/json");
        responder.send(std::move(response));
      },
      [](const http::Request&, http::Response& response) { response.set_content("{}", "application/json"); });
  const int port = server.bind("127.0.0.1", 0);
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  std::thread stopper([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  server.run();
  pthread_kill(stopper.native_handle(), SIGTERM);  // when run() ended by itself, end the sigwait
  stopper.join();
  return 0;
}
