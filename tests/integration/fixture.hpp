#pragma once
// A fresh livecart process per test, with helpers to create rooms and join them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/clients.hpp"
#include "support/server_process.hpp"

namespace testing_support {

class ServerTest : public ::testing::Test {
 protected:
  // Extra flags for the server of this test; the fixture adds a short batching tick.
  virtual std::vector<std::string> server_args() const { return {}; }

  void SetUp() override {
    auto args = server_args();
    args.insert(args.begin(), {"--chat-tick-ms", "20"});
    server_ = std::make_unique<ServerProcess>(args);
  }

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }

  // Creates a room as admin; returns its JSON (id, host_key, operator_key, ...).
  json::object create_room(const std::string& id, const std::string& title = "测试直播间") {
    auto res = http_request(port(), "POST", "/api/rooms", json::serialize(json::object{{"id", id}, {"title", title}}),
                            kAdminToken);
    EXPECT_EQ(res.status, 201) << res.body;
    return res.json().as_object();
  }

  std::unique_ptr<WsClient> join(const std::string& room, const std::string& query = "") {
    std::string target = "/ws/rooms/" + room + (query.empty() ? "" : "?" + query);
    auto c = WsClient::connect(port(), target);
    EXPECT_TRUE(c) << "cannot join " << target;
    return c;
  }

  // Waits until a /metrics sample reaches `value` (polling the real endpoint, with a deadline).
  bool wait_metric(const std::string& sample, double value, std::chrono::seconds deadline = std::chrono::seconds(30)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until)
      if (metric_value(port(), sample) == value) return true;
    return false;
  }

  std::unique_ptr<ServerProcess> server_;
};

inline json::object chat_msg(const std::string& text) { return {{"type", "chat"}, {"text", text}}; }

inline auto is_chat(const std::string& text) {
  return [text](const json::object& e) { return e.at("type") == "chat" && e.at("text") == text.c_str(); };
}

inline auto is_error(const std::string& code) {
  return [code](const json::object& e) { return e.at("type") == "error" && e.at("code") == code.c_str(); };
}

}  // namespace testing_support
