#pragma once
// Starts the real livecart binary on a free port for a test, and stops it with SIGTERM.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace testing_support {

inline constexpr const char* kAdminToken = "test-admin-token-0123456789";

class ServerProcess {
 public:
  // Runs `livecart --http-port 0 --rtmp-port 0 --data-dir DIR --admin-token kAdminToken --log-level warn ARGS...`
  // and waits (with a deadline) for the "http_port=" line. An empty data_dir makes a fresh one,
  // removed again with this object (unless LIVECART_KEEP_TEST_DATA is set, for debugging).
  explicit ServerProcess(std::vector<std::string> args = {}, std::string data_dir = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint16_t rtmp_port() const { return rtmp_port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& data_dir() const { return data_dir_; }
  [[nodiscard]] const std::string& log_path() const { return log_path_; }

  // Sends `signo` and waits for the exit; returns the exit status (or 128+signal).
  int stop(int signo = 15, std::chrono::seconds deadline = std::chrono::seconds(20));
  void signal(int signo);
  // Waits for the process to exit (SIGKILL past the deadline); returns as stop() does.
  int wait_exit(std::chrono::seconds deadline = std::chrono::seconds(20));
  [[nodiscard]] bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t rtmp_port_ = 0;
  std::string data_dir_;
  std::string log_path_;
  bool owns_data_dir_ = false;  // made here: removed with the object
};

// Waits for `pid` to exit (SIGKILL past the deadline when `kill_after` is set); returns the exit
// status, 128+signal, or -1 when it is still running at the deadline. Resets `pid` once reaped.
int wait_for_exit(pid_t& pid, std::chrono::milliseconds deadline, bool kill_after);
// A fresh temporary directory.
[[nodiscard]] std::string make_temp_dir();
// Open file descriptors of a process (from /proc).
[[nodiscard]] std::size_t count_fds(pid_t pid);

}  // namespace testing_support
