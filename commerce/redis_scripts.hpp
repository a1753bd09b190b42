#pragma once
// The Lua scripts the Redis store runs, each one atomic step inside Redis, and their SHA1s (the
// store runs them by EVALSHA and sends a script's text only to a Redis that lacks it).
#include <array>
#include <string>

namespace commerce::detail {

enum Script { kLoad, kCommit, kDue, kRecord, kDeliveries, kOrders, kScriptCount };

// What each script takes (KEYS, ARGV) and answers is said above its text in redis_scripts.cpp.
extern const std::array<const char*, kScriptCount> kScripts;
[[nodiscard]] const std::array<std::string, kScriptCount>& script_shas();

}  // namespace commerce::detail
