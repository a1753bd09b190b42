// livecart: the live-stream commerce server. Parses the configuration and runs the app.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "server/app.hpp"
#include "server/config.hpp"

int main(int argc, char** argv) {
  std::optional<server::Config> config;
  try {
    config = server::parse_config(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "livecart: " << e.what() << "\n(see livecart --help)\n";
    return 2;
  }
  if (!config) return 0;
  auto level = spdlog::level::from_str(config->log_level);
  if (level == spdlog::level::off && config->log_level != "off") {
    std::cerr << "livecart: unknown --log-level '" << config->log_level << "'\n";
    return 2;
  }
  // Logs go to stderr; stdout carries only the machine-readable "http_port=" line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("livecart"));
  spdlog::set_level(level);
  try {
    return server::run_app(*config);
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
}
