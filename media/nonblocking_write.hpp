#pragma once
// Writes a gather list to a non-blocking socket at once, as far as the socket takes it, and
// leaves in the list what is still to go. A viewer that keeps up has room in its send buffer:
// its write completes here, with no reactor operation and no completion handler, which is most
// of a fan-out's cost per viewer. What remains goes out with an ordinary async_write.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <span>
#include <vector>

namespace media {

// False on a socket error (`ec` set); true otherwise, with `iov` empty when everything was
// written. would_block is not an error here: the rest stays in `iov`.
inline bool write_now(boost::asio::ip::tcp::socket& socket, std::vector<boost::asio::const_buffer>& iov,
                      boost::system::error_code& ec) {
  std::size_t done = 0;  // whole buffers written
  while (done < iov.size()) {
    // Asio gathers at most 64 buffers a call (below IOV_MAX): loop over the list.
    std::size_t n = socket.write_some(std::span(iov).subspan(done), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
      ec = {};
      break;
    }
    if (ec) return false;
    const std::size_t before = done;
    while (done < iov.size() && iov[done].size() <= n) n -= iov[done++].size();
    if (done < iov.size()) iov[done] += n;
    if (done == before && n == 0) break;  // nothing taken: as good as would_block
  }
  iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(done));
  return true;
}

}  // namespace media
