// ws_floor: the least a WebSocket server can do for the flash-sale benchmark, to measure the
// floor that the machine and its loopback TCP set under Livecart's figures.
//
// It accepts the upgrade (answering the fixed key flash_sale_load sends), sends a welcome, and
// answers each frame with an `order_result`: `ok` with a new order id for the first STOCK frames,
// `sold_out` after. No JSON parsing, no store, no room, no strands: per purchase it does one
// recv() and one send() on an epoll loop per thread (SO_REUSEPORT listeners). Not a server to
// use: only the cost of moving the bytes.
//
// Usage: ws_floor PORT STOCK [THREADS]   prints "http_port=PORT" when listening.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

std::atomic<long> sold{0};
long stock = 0;

std::string server_frame(std::string_view text) {
  std::string f;
  f.push_back(static_cast<char>(0x81));
  if (text.size() < 126) {
    f.push_back(static_cast<char>(text.size()));
  } else {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(text.size() >> 8));
    f.push_back(static_cast<char>(text.size() & 0xff));
  }
  f.append(text);
  return f;
}

struct Conn {
  bool upgraded = false;
  std::string in;
};

void serve(int listener) {
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, Conn> conns;
  std::vector<epoll_event> events(1024);
  const std::string upgrade =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" +
      server_frame(R"({"type":"welcome"})");
  const std::string sold_out = server_frame(R"({"type":"order_result","outcome":"sold_out"})");
  char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        for (int c; (c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      Conn& c = conns[fd];
      ssize_t got = recv(fd, buf, sizeof buf, 0);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        close(fd);
        conns.erase(fd);
        continue;
      }
      c.in.append(buf, static_cast<std::size_t>(got));
      std::string out;
      if (!c.upgraded) {
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        c.in.erase(0, end + 4);
        c.upgraded = true;
        out = upgrade;
      }
      // Client frames: masked, small (a purchase is ~100 bytes).
      while (c.in.size() >= 6) {
        std::size_t len = static_cast<unsigned char>(c.in[1]) & 0x7f, header = 6;
        if (len == 126) {
          if (c.in.size() < 8) break;
          len = (static_cast<std::size_t>(static_cast<unsigned char>(c.in[2])) << 8) |
                static_cast<unsigned char>(c.in[3]);
          header = 8;
        }
        if (c.in.size() < header + len) break;
        c.in.erase(0, header + len);
        long id = sold.fetch_add(1) + 1;
        out += id <= stock
                   ? server_frame(R"({"type":"order_result","outcome":"ok","order":{"id":)" +
                                  std::to_string(id) + "}}")
                   : sold_out;
      }
      if (!out.empty()) (void)!send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ws_floor PORT STOCK [THREADS]\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  stock = std::atol(argv[2]);
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  std::vector<int> listeners;
  for (int t = 0; t < threads; ++t) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(s, 4096) < 0) {
      std::perror("ws_floor: listen");
      return 1;
    }
    if (port == 0) {  // the others join the port the first one got
      socklen_t len = sizeof addr;
      getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
      port = ntohs(addr.sin_port);
    }
    listeners.push_back(s);
  }
  std::printf("http_port=%d\n", port);
  std::fflush(stdout);
  std::vector<std::thread> workers;
  for (int s : listeners) workers.emplace_back(serve, s);
  for (auto& w : workers) w.join();
}
