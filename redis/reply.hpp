#pragma once
// A Redis answer as a plain value, and the outcome of one command.
#include <cstdint>
#include <string>
#include <vector>

namespace redis {

struct Reply {
  enum class Type { nil, integer, string, status, array, error };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  // string, status, error
  std::vector<Reply> elements;

  [[nodiscard]] bool is_error() const { return type == Type::error; }
  [[nodiscard]] bool is_nil() const { return type == Type::nil; }
};

// `ok` false: Redis did not answer (down, connection lost, timed out); `error` says why and
// the command may or may not have run. `ok` true: `reply` is Redis's answer (maybe an error reply).
struct Result {
  bool ok = false;
  Reply reply;
  std::string error;
  // When !ok: the command had been written to Redis when the connection was lost, so it may have
  // run (false: refused before it was sent, it did not run).
  bool sent = false;
};

}  // namespace redis
