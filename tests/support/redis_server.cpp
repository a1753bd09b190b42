#include "support/redis_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/server_process.hpp"

namespace testing_support {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(std::vector<std::string> extra)
    : extra_(std::move(extra)), dir_(make_temp_dir()) {
  port_ = free_port();
  start();
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ec;
  if (!std::getenv("LIVECART_KEEP_TEST_DATA")) std::filesystem::remove_all(dir_, ec);
}

void RedisServer::start() {
  if (process_) return;
  std::vector<std::string> argv{"redis-server", "--port",      std::to_string(port_),
                                "--bind",       "127.0.0.1",   "--dir",
                                dir_,           "--save",      "",
                                "--appendonly", "yes",         "--appendfsync",
                                "always",       "--daemonize", "no"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<ChildProcess>(argv, dir_ + "/redis.log");
  // Ready when it answers (a password-protected one answers NOAUTH, which is an answer too).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto [status, out] =
        run_program({"redis-cli", "-p", std::to_string(port_), "PING"}, std::chrono::seconds(5));
    if (status == 0 &&
        (out.find("PONG") != std::string::npos || out.find("NOAUTH") != std::string::npos))
      return;
    if (process_->wait_exit(std::chrono::milliseconds(0)) != -1)
      throw std::runtime_error("redis-server exited: " + process_->output());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("redis-server did not start: " + process_->output());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void RedisServer::stop(int signo) {
  if (!process_) return;
  process_->kill(signo);
  process_->wait_exit(std::chrono::seconds(20));
  process_.reset();
}

std::string RedisServer::cli(std::vector<std::string> args) const {
  std::vector<std::string> argv{"redis-cli", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, std::chrono::seconds(10)).second;
}

}  // namespace testing_support
