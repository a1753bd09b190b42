#pragma once
// A client program (ffmpeg, ffprobe) run by a test: started with its output to a file,
// waited for with a deadline, killed when the test is done with it.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace testing_support {

class ChildProcess {
 public:
  // Starts argv[0] (looked up in PATH) with stdout and stderr appended to `output_path`.
  ChildProcess(std::vector<std::string> argv, std::string output_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The exit status, or -1 when it is still running at the deadline.
  int wait_exit(std::chrono::milliseconds deadline);
  void kill(int signo);
  [[nodiscard]] std::string output() const;

 private:
  pid_t pid_ = -1;
  std::string output_path_;
};

// Runs a program to completion (killed past the deadline); returns {exit status, output}.
std::pair<int, std::string> run_program(std::vector<std::string> argv, std::chrono::milliseconds deadline);

}  // namespace testing_support
