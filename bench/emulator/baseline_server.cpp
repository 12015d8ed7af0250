// The baseline of bench/emulator/run.sh: a minimal cpp-httplib server answering a constant body,
// configured like the emulator (same thread count, timeouts, keep-alive), so the ratio isolates
// what the emulator adds (routing, JSON, token checks, SQLite).
#include <httplib.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const std::size_t threads = argc > 1 ? std::stoul(argv[1]) : 40;
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(100000);
  server.set_tcp_nodelay(true);
  const std::string body = R"({"status":"ok"})";
  server.Get(R"(/.*)", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  server.Post(R"(/.*)", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port < 0) return 1;
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
