// Process lifecycle: clean shutdown and connection storms.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "fixture.hpp"

namespace testing_support {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class LifecycleTest : public ServerTest {};

TEST_F(LifecycleTest, SigtermClosesSessionsWithGoingAwayAndExitsZero) {
  create_room("r1");
  auto a = join("r1");
  auto b = join("r1");
  server_->signal(SIGTERM);
  EXPECT_EQ(a->wait_closed(), 1001);
  EXPECT_EQ(b->wait_closed(), 1001);
  EXPECT_EQ(server_->wait_exit(), 0);
}

TEST_F(LifecycleTest, SigintWithIdleKeepAliveConnectionExitsZero) {
  asio::io_context ioc;
  tcp::socket idle(ioc);
  idle.connect({asio::ip::make_address("127.0.0.1"), port()});
  EXPECT_EQ(server_->stop(SIGINT), 0);
}

TEST_F(LifecycleTest, ThousandConnectionsOpenedAndDroppedAtOnce) {
  create_room("r1");
  const std::string upgrade =
      "GET /ws/rooms/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  {
    asio::io_context ioc;
    std::vector<tcp::socket> sockets;
    sockets.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
      tcp::socket& s = sockets.emplace_back(ioc);
      s.connect({asio::ip::make_address("127.0.0.1"), port()});
      if (i % 2 == 0) asio::write(s, asio::buffer(upgrade));  // half of them get as far as joining
      if (i % 4 == 1) asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));  // partial
    }
    for (auto& s : sockets) {
      boost::system::error_code ignored;
      s.set_option(asio::socket_base::linger(true, 0), ignored);  // drop hard: RST
      s.close(ignored);
    }
  }
  // Everyone else is still served while the storm drains.
  auto viewer = join("r1");
  ASSERT_TRUE(viewer);
  ASSERT_TRUE(viewer->send_json(chat_msg("after the storm")));
  EXPECT_TRUE(viewer->wait_for(is_chat("after the storm")));
  // The dropped connections are all released (waiting for the count, with a deadline).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  double open = 0;
  do {
    open = metric_value(port(), "livecart_connections").value_or(-1);
  } while (open > 2 && std::chrono::steady_clock::now() < deadline);
  EXPECT_LE(open, 2) << "connections still open";
  EXPECT_EQ(metric_value(port(), "livecart_room_viewers{room=\"r1\"}"), 1.0);
}

}  // namespace
}  // namespace testing_support
