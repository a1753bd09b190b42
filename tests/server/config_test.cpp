#include "server/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace server {
namespace {

// Runs parse_config over `args` (the program name is added in front).
std::optional<Config> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "livecart");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_config(static_cast<int>(argv.size()), argv.data());
}

Config parse_ok(std::vector<std::string> args) {
  auto c = parse(std::move(args));
  if (!c) throw std::logic_error("parse_config returned nullopt");
  return *c;
}

// Each test starts with no LIVECART_* variable and leaves none behind.
class ConfigTest : public testing::Test {
 protected:
  void SetUp() override { clear_livecart_environment(); }
  void TearDown() override {
    clear_livecart_environment();
    std::error_code ec;
    for (const auto& p : temp_files_) std::filesystem::remove(p, ec);
  }

  static void clear_livecart_environment() {
    std::vector<std::string> names;
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      if (entry.rfind("LIVECART_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
    }
    for (const auto& n : names) unsetenv(n.c_str());
  }

  std::string temp_file(const std::string& content) {
    auto path = std::filesystem::temp_directory_path() /
                ("livecart_config_test_" + std::to_string(getpid()) + "_" +
                 std::to_string(temp_files_.size()));
    std::ofstream(path) << content;
    temp_files_.push_back(path);
    return path.string();
  }

  std::vector<std::filesystem::path> temp_files_;
};

TEST_F(ConfigTest, NoFlagsGiveTheDefaults) {
  Config c = parse_ok({});
  Config d;
  EXPECT_EQ(c.http_port, 8080);
  EXPECT_EQ(c.bind_address, d.bind_address);
  EXPECT_EQ(c.data_dir, d.data_dir);
  EXPECT_TRUE(c.admin_token.empty());
  EXPECT_EQ(c.log_level, "info");
  EXPECT_FALSE(c.web_dir.empty());
  EXPECT_GE(c.threads, 1u);
  EXPECT_FALSE(c.demo);
  EXPECT_EQ(c.shutdown_grace, d.shutdown_grace);
  EXPECT_EQ(c.chat.tick, std::chrono::milliseconds(50));
  EXPECT_EQ(c.chat.max_message_chars, 200u);
  EXPECT_EQ(c.chat.history_size, 50u);
  EXPECT_EQ(c.chat.rate_per_second, d.chat.rate_per_second);
  EXPECT_EQ(c.chat.rate_burst, d.chat.rate_burst);
  EXPECT_EQ(c.session.max_frame_bytes, 4096u);
  EXPECT_EQ(c.session.max_queued_frames, d.session.max_queued_frames);
  EXPECT_EQ(c.session.stall_timeout, d.session.stall_timeout);
}

TEST_F(ConfigTest, DefaultBannedWordsListIsNotEmpty) {
  Config c = parse_ok({});
  EXPECT_FALSE(c.chat.banned_words.empty());
}

TEST_F(ConfigTest, FlagsSetTheirValues) {
  Config c = parse_ok({"--http-port",
                       "9000",
                       "--bind",
                       "127.0.0.1",
                       "--data-dir",
                       "/tmp/lc",
                       "--admin-token",
                       "tok",
                       "--log-level",
                       "debug",
                       "--threads",
                       "3",
                       "--demo",
                       "--shutdown-grace",
                       "2",
                       "--chat-max-chars",
                       "100",
                       "--chat-rate",
                       "2.5",
                       "--chat-burst",
                       "10",
                       "--chat-tick-ms",
                       "20",
                       "--chat-history",
                       "7",
                       "--ws-max-frame",
                       "8192",
                       "--ws-queue-frames",
                       "16",
                       "--ws-stall-timeout",
                       "3",
                       "--ws-inbound-rate",
                       "5",
                       "--ws-inbound-burst",
                       "6"});
  EXPECT_EQ(c.http_port, 9000);
  EXPECT_EQ(c.bind_address, "127.0.0.1");
  EXPECT_EQ(c.data_dir, "/tmp/lc");
  EXPECT_EQ(c.admin_token, "tok");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.shutdown_grace, std::chrono::seconds(2));
  EXPECT_EQ(c.chat.max_message_chars, 100u);
  EXPECT_EQ(c.chat.rate_per_second, 2.5);
  EXPECT_EQ(c.chat.rate_burst, 10.0);
  EXPECT_EQ(c.chat.tick, std::chrono::milliseconds(20));
  EXPECT_EQ(c.chat.history_size, 7u);
  EXPECT_EQ(c.session.max_frame_bytes, 8192u);
  EXPECT_EQ(c.session.max_queued_frames, 16u);
  EXPECT_EQ(c.session.stall_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.session.inbound_per_second, 5.0);
  EXPECT_EQ(c.session.inbound_burst, 6.0);
}

TEST_F(ConfigTest, PublicHostIsUnsetByDefaultAndTakesNamesAndAddresses) {
  EXPECT_TRUE(parse_ok({}).public_host.empty());
  EXPECT_EQ(parse_ok({"--public-host", "live.example.com"}).public_host, "live.example.com");
  EXPECT_EQ(parse_ok({"--public-host", "203.0.113.7"}).public_host, "203.0.113.7");
  EXPECT_EQ(parse_ok({"--public-host", "[2001:db8::1]"}).public_host, "[2001:db8::1]");
  EXPECT_EQ(parse_ok({"--public-host", "::ffff:203.0.113.7"}).public_host, "::ffff:203.0.113.7");
  setenv("LIVECART_PUBLIC_HOST", "cdn.example.net", 1);
  EXPECT_EQ(parse_ok({}).public_host, "cdn.example.net");
}

TEST_F(ConfigTest, PortZeroIsAllowed) { EXPECT_EQ(parse_ok({"--http-port", "0"}).http_port, 0); }

TEST_F(ConfigTest, EnvironmentSetsAnOptionWithoutAFlag) {
  setenv("LIVECART_HTTP_PORT", "9100", 1);
  EXPECT_EQ(parse_ok({}).http_port, 9100);
}

TEST_F(ConfigTest, EnvironmentNamesWithSeveralWordsMapToTheirOption) {
  setenv("LIVECART_CHAT_TICK_MS", "25", 1);
  setenv("LIVECART_DATA_DIR", "/tmp/from-env", 1);
  Config c = parse_ok({});
  EXPECT_EQ(c.chat.tick, std::chrono::milliseconds(25));
  EXPECT_EQ(c.data_dir, "/tmp/from-env");
}

TEST_F(ConfigTest, FlagWinsOverEnvironment) {
  setenv("LIVECART_HTTP_PORT", "9100", 1);
  EXPECT_EQ(parse_ok({"--http-port", "9200"}).http_port, 9200);
}

TEST_F(ConfigTest, UnknownLivecartVariablesAreIgnored) {
  setenv("LIVECART_KEEP_TEST_DATA", "1", 1);
  setenv("LIVECART_NOT_AN_OPTION", "x", 1);
  EXPECT_EQ(parse_ok({}).http_port, 8080);
}

TEST_F(ConfigTest, DemoSwitchMayComeFromTheEnvironment) {
  setenv("LIVECART_DEMO", "1", 1);
  std::optional<Config> c;
  ASSERT_NO_THROW(c = parse({}));
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->demo);
}

TEST_F(ConfigTest, InvalidEnvironmentValueThrows) {
  setenv("LIVECART_HTTP_PORT", "not-a-port", 1);
  EXPECT_THROW(parse({}), std::runtime_error);
}

TEST_F(ConfigTest, HelpPrintsTheOptionsAndReturnsNothing) {
  std::ostringstream out;
  auto* saved = std::cout.rdbuf(out.rdbuf());
  auto c = parse({"--help"});
  std::cout.rdbuf(saved);
  EXPECT_FALSE(c.has_value());
  EXPECT_NE(out.str().find("--http-port"), std::string::npos);
}

struct BadFlags {
  const char* name;
  std::vector<std::string> args;
};
void PrintTo(const BadFlags& c, std::ostream* os) {
  for (const auto& a : c.args) *os << a << ' ';
}

class ConfigBadFlags : public ConfigTest, public testing::WithParamInterface<BadFlags> {};

TEST_P(ConfigBadFlags, Throw) { EXPECT_THROW(parse(GetParam().args), std::runtime_error); }

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigBadFlags,
    testing::Values(BadFlags{"port_over_65535", {"--http-port", "70000"}},
                    BadFlags{"port_not_a_number", {"--http-port", "http"}},
                    BadFlags{"port_negative", {"--http-port", "-1"}},
                    BadFlags{"tick_zero", {"--chat-tick-ms", "0"}},
                    BadFlags{"tick_over_100", {"--chat-tick-ms", "101"}},
                    BadFlags{"tick_negative", {"--chat-tick-ms", "-5"}},
                    BadFlags{"ws_max_frame_tiny", {"--ws-max-frame", "10"}},
                    BadFlags{"ws_max_frame_over_1mib", {"--ws-max-frame", "1048577"}},
                    BadFlags{"ws_queue_frames_one", {"--ws-queue-frames", "1"}},
                    BadFlags{"ws_stall_timeout_zero", {"--ws-stall-timeout", "0"}},
                    BadFlags{"ws_inbound_rate_zero", {"--ws-inbound-rate", "0"}},
                    BadFlags{"ws_inbound_burst_below_one", {"--ws-inbound-burst", "0.5"}},
                    BadFlags{"chat_rate_zero", {"--chat-rate", "0"}},
                    BadFlags{"chat_burst_below_one", {"--chat-burst", "0.5"}},
                    BadFlags{"chat_max_chars_zero", {"--chat-max-chars", "0"}},
                    BadFlags{"shutdown_grace_negative", {"--shutdown-grace", "-1"}},
                    BadFlags{"unknown_flag", {"--no-such-flag"}},
                    BadFlags{"missing_value", {"--http-port"}},
                    BadFlags{"public_host_with_scheme", {"--public-host", "rtmp://live.example.com"}},
                    BadFlags{"public_host_with_port", {"--public-host", "live.example.com:1935"}},
                    BadFlags{"public_host_with_path", {"--public-host", "live.example.com/live"}},
                    BadFlags{"public_host_ipv6_with_port", {"--public-host", "[2001:db8::1]:1935"}},
                    BadFlags{"public_host_with_space", {"--public-host", "live example"}},
                    BadFlags{"missing_banned_words_file",
                             {"--banned-words-file", "/nonexistent/livecart/words.txt"}},
                    BadFlags{"missing_webhook_ca_file", {"--webhook-ca-file", "/nonexistent/livecart/ca.pem"}}),
    [](const testing::TestParamInfo<BadFlags>& info) { return std::string(info.param.name); });

// Regression: unsigned options read with lexical_cast wrapped a negative number, so
// "--threads -1" asked for 4294967295 threads and "--chat-history -1", "--ws-queue-frames -1",
// "--chat-max-chars -1" silently lifted those limits.
class ConfigNegativeCounts : public ConfigTest, public testing::WithParamInterface<BadFlags> {};

TEST_P(ConfigNegativeCounts, Throw) { EXPECT_THROW(parse(GetParam().args), std::runtime_error); }

INSTANTIATE_TEST_SUITE_P(Table, ConfigNegativeCounts,
                         testing::Values(BadFlags{"threads", {"--threads", "-1"}},
                                         BadFlags{"chat_history", {"--chat-history", "-1"}},
                                         BadFlags{"chat_max_chars", {"--chat-max-chars", "-1"}},
                                         BadFlags{"ws_queue_frames", {"--ws-queue-frames", "-1"}}),
                         [](const testing::TestParamInfo<BadFlags>& info) {
                           return std::string(info.param.name);
                         });

TEST_F(ConfigTest, BannedWordsFileReplacesTheBuiltInList) {
  std::string path = temp_file("# our list\n\n加微信\r\nspam  \n");
  Config c = parse_ok({"--banned-words-file", path});
  EXPECT_EQ(c.chat.banned_words, (std::vector<std::string>{"加微信", "spam"}));
}

TEST_F(ConfigTest, EmptyBannedWordsFileMeansNoBannedWords) {
  Config c = parse_ok({"--banned-words-file", temp_file("")});
  EXPECT_TRUE(c.chat.banned_words.empty());
}

}  // namespace
}  // namespace server

namespace server {
namespace {

class ConfigMicLinkTest : public testing::Test {};

TEST_F(ConfigMicLinkTest, MicLinkGuestsDefaultToOneAndTakeOneToThree) {
  EXPECT_EQ(parse_ok({}).chat.mic_link_max_guests, 1);
  EXPECT_EQ(parse_ok({"--mic-link-max-guests", "3"}).chat.mic_link_max_guests, 3);
  for (const char* bad : {"0", "4", "-1"}) EXPECT_THROW(parse({"--mic-link-max-guests", bad}), std::runtime_error) << bad;
}

}  // namespace
}  // namespace server
