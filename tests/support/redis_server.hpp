#pragma once
// A real redis-server for a test: on a free port, in a fresh directory, started and stopped
// (SIGKILL included) by the test, and started again on the same port and data (a restart).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace testing_support {

class RedisServer {
 public:
  // `extra` goes after the defaults (e.g. {"--requirepass", "secret"}); appendonly with
  // appendfsync always by default, so that what Redis acknowledged survives its SIGKILL.
  explicit RedisServer(std::vector<std::string> extra = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Stops it (SIGKILL by default) and waits for the exit.
  void stop(int signo = 9);
  // Starts it again on the same port and directory, and waits until it answers PING.
  void start();
  [[nodiscard]] bool running() const { return process_ != nullptr; }
  // Runs one redis-cli command against it and returns the output (for checks from outside).
  [[nodiscard]] std::string cli(std::vector<std::string> args) const;

 private:
  std::vector<std::string> extra_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// A TCP port nobody listens on now (bound and released).
[[nodiscard]] std::uint16_t free_port();

}  // namespace testing_support
