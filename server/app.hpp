#pragma once
// The process: builds the modules from the Config, wires them together, runs the I/O threads
// and shuts down cleanly on SIGINT/SIGTERM. It decides nothing about rooms or chat.
#include <memory>

#include "server/config.hpp"

namespace server {

// Runs until a stop signal; returns the process exit code.
int run_app(const Config& config);

}  // namespace server
