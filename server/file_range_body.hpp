#pragma once
// A Beast body that sends `length` bytes of an open file from `offset`: a whole file or one
// HTTP Range of it, read 64 KiB at a time as the socket takes them (never the whole file in
// memory). Like Beast's file_body, whose writer can only start at the file's beginning.
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <array>
#include <cstdint>
#include <utility>

namespace server {

struct FileRangeBody {
  struct value_type {
    boost::beast::file_posix file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body), remain_(body.length) {}

    void init(boost::beast::error_code& ec) { body_.file.seek(body_.offset, ec); }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      std::size_t amount = remain_ > buf_.size() ? buf_.size() : static_cast<std::size_t>(remain_);
      ec = {};
      if (amount == 0) return boost::none;
      std::size_t n = body_.file.read(buf_.data(), amount, ec);
      if (ec) return boost::none;
      if (n == 0) {  // the file shrank under us
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return {{const_buffers_type{buf_.data(), n}, remain_ > 0}};
    }

   private:
    value_type& body_;
    std::uint64_t remain_;
    std::array<char, 64 * 1024> buf_;
  };
};

}  // namespace server
