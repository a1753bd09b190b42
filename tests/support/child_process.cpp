#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/server_process.hpp"

extern char** environ;

namespace testing_support {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string output_path) : output_path_(std::move(output_path)) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int ChildProcess::wait_exit(std::chrono::milliseconds deadline) { return wait_for_exit(pid_, deadline, false); }

void ChildProcess::kill(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

std::string ChildProcess::output() const {
  std::ifstream in(output_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::pair<int, std::string> run_program(std::vector<std::string> argv, std::chrono::milliseconds deadline) {
  std::string dir = make_temp_dir();
  int status = -1;
  std::string out;
  {
    ChildProcess p(std::move(argv), dir + "/output");
    status = p.wait_exit(deadline);
    out = p.output();
  }
  std::filesystem::remove_all(dir);
  return {status, out};
}

}  // namespace testing_support
