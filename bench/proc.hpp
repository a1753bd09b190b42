#pragma once
// What the load generators need of processes: what they read of one from /proc (CPU time,
// time spent waiting for a CPU, memory; a pid <= 0 reads as zero), their own file limit, and
// waiting for a condition. Header-only; Linux only.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

namespace bench {

// User + system CPU seconds of process `pid` (all its threads).
inline double process_cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return 0;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Time the process's threads spent runnable but waiting for a CPU (schedstat's run_delay): how
// much other work on the machine held it back.
inline double run_queue_wait_seconds(int pid) {
  if (pid <= 0) return 0;
  std::uint64_t total_ns = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    std::uint64_t on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) total_ns += waiting;
  }
  return static_cast<double>(total_ns) / 1e9;
}

struct Memory {
  long rss_kib = 0;
  long hwm_kib = 0;  // the peak RSS
};

inline Memory process_memory(int pid) {
  Memory m;
  if (pid <= 0) return m;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = std::stol(line.substr(6));
  }
  return m;
}

// This process's own user + system CPU seconds.
inline double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](timeval t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Raises this process's open-file limit to the hard limit (thousands of connections).
inline void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Polls `pred` every `poll` until it holds (true) or `seconds` have passed (false).
template <class Pred>
bool wait_until(Pred pred, double seconds,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  using Clock = std::chrono::steady_clock;
  auto until = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace bench
