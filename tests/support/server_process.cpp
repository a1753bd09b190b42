#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace testing_support {
namespace fs = std::filesystem;

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "livecart-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::size_t count_fds(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::string data_dir)
    : data_dir_(data_dir), owns_data_dir_(data_dir.empty()) {
  if (owns_data_dir_) data_dir_ = make_temp_dir();
  log_path_ = data_dir_ + "/server.log";
  std::vector<std::string> argv_s{LIVECART_BINARY, "--http-port", "0", "--rtmp-port", "0", "--data-dir", data_dir_,
                                  "--admin-token", kAdminToken,   "--log-level", "info",      "--threads",
                                  "2"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int rc = posix_spawn(&pid_, LIVECART_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    pid_ = -1;
    throw std::runtime_error("cannot start " LIVECART_BINARY);
  }

  // Read stdout until "http_port=N\n", the last of the lines the server prints there.
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto complete = [&] {
    auto p = got.find("http_port=");
    return p != std::string::npos && got.find('\n', p) != std::string::npos;
  };
  while (!complete()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  auto pos = got.find("http_port=");
  if (pos == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("livecart did not report its port; see " + log_path_);
  }
  port_ = static_cast<std::uint16_t>(std::stoi(got.substr(pos + 10)));
  if (auto r = got.find("rtmp_port="); r != std::string::npos)
    rtmp_port_ = static_cast<std::uint16_t>(std::stoi(got.substr(r + 10)));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
  if (owns_data_dir_ && !std::getenv("LIVECART_KEEP_TEST_DATA")) {
    std::error_code ignored;
    fs::remove_all(data_dir_, ignored);
  }
}

int ServerProcess::stop(int signo, std::chrono::seconds deadline) {
  signal(signo);
  return wait_exit(deadline);
}

void ServerProcess::signal(int signo) {
  if (pid_ > 0) kill(pid_, signo);
}

int ServerProcess::wait_exit(std::chrono::seconds deadline) { return wait_for_exit(pid_, deadline, true); }

int wait_for_exit(pid_t& pid, std::chrono::milliseconds deadline, bool kill_after) {
  if (pid <= 0) return -1;
  auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      if (!kill_after) return -1;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling waitpid, not waiting on time
  }
  pid = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace testing_support
