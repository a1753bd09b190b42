#include "commerce/redis_scripts.hpp"

#include <boost/uuid/detail/sha1.hpp>
#include <cstdio>

namespace commerce::detail {
namespace {

// KEYS: meta products stock touched sales sold coupons claimed claims used pickups orders userlist
// keys; ARGV: orders mode, its argument, claims mode, its argument, the catalogue version the
// caller holds, then any idempotency-key fields ("user\nkey") to look up. One atomic snapshot of
// a room; the catalogue's records (meta, products, sales, coupons, pickup points) only when their
// version is not the caller's (then meta is {version, v, cached, 1}); last, the order ids those
// keys made (nil: unused).
constexpr const char* kLoadLua = R"lua(
local function all(k) return redis.call('HGETALL', k) end
local out = {}
local version = redis.call('HGET', KEYS[1], 'version') or '0'
local cached = version == ARGV[5]
for i = 1, 8 do
  if cached and (i == 1 or i == 2 or i == 5 or i == 7) then out[i] = {}
  else out[i] = all(KEYS[i]) end
end
if cached then out[1] = {'version', version, 'cached', '1'} end
local claims, used = {}, {}
if ARGV[3] == 'all' then
  claims = all(KEYS[9]); used = all(KEYS[10])
elseif ARGV[3] == 'user' then
  -- A viewer's claims: one field per coupon of the room (at most 100), not a scan of every claim.
  local fields = {}
  for _, id in ipairs(redis.call('HKEYS', KEYS[7])) do fields[#fields + 1] = id .. '\n' .. ARGV[4] end
  if #fields > 0 then
    local c, u = redis.call('HMGET', KEYS[9], unpack(fields)), redis.call('HMGET', KEYS[10], unpack(fields))
    for i, f in ipairs(fields) do
      if c[i] then claims[#claims + 1] = f; claims[#claims + 1] = c[i] end
      if u[i] then used[#used + 1] = f; used[#used + 1] = u[i] end
    end
  end
end
out[9] = claims; out[10] = used
if cached then out[11] = {} else out[11] = all(KEYS[11]) end
local orders = {}
if ARGV[1] == 'ids' or ARGV[1] == 'user' then
  local ids = {}
  if ARGV[1] == 'user' then ids = redis.call('LRANGE', KEYS[13], 0, -1)
  else for id in string.gmatch(ARGV[2], '[^,]+') do ids[#ids + 1] = id end end
  for i = 1, #ids, 1000 do
    local part = {}
    for j = i, math.min(i + 999, #ids) do part[#part + 1] = ids[j] end
    for _, v in ipairs(redis.call('HMGET', KEYS[12], unpack(part))) do
      if v then orders[#orders + 1] = v end
    end
  end
end
out[12] = orders
local made = {}
for i = 6, #ARGV, 1000 do
  local part = {}
  for j = i, math.min(i + 999, #ARGV) do part[#part + 1] = ARGV[j] end
  for _, v in ipairs(redis.call('HMGET', KEYS[14], unpack(part))) do made[#made + 1] = v end
end
out[13] = made
return out
)lua";

// ARGV: guard count, write count, then (op, key index, field, value) for each. Every guard is
// checked before anything is written: {0, n, what its field holds (nil: nothing)} when guard n
// fails, else {1, order id or '', {HINCRBY results}}. '#ID#' (a whole field or value, or a JSON record's leading id) is the
// order id the ID write took.
constexpr const char* kCommitLua = R"lua(
local g, w = tonumber(ARGV[1]), tonumber(ARGV[2])
local function num(v) return tonumber(v) or 0 end
local at = 3
for i = 1, g do
  local op, k, f, v = ARGV[at], KEYS[tonumber(ARGV[at + 1])], ARGV[at + 2], ARGV[at + 3]
  at = at + 4
  local cur = redis.call('HGET', k, f)
  local ok
  if op == 'EQ' then ok = (cur or '') == v
  elseif op == 'NUM' then ok = num(cur) == tonumber(v)
  elseif op == 'LE' then ok = num(cur) <= tonumber(v)
  elseif op == 'GE' then ok = num(cur) >= tonumber(v)
  elseif op == 'ABSENT' then ok = not cur
  else return redis.error_reply('unknown guard ' .. op) end
  if not ok then return {0, i, cur} end
end
local id, sid, results = '', false, {}
local function field(s) if s == '#ID#' then return id end return s end
local function value(s)
  if s == '#ID#' then return id end
  if string.sub(s, 1, 10) == '{"id":#ID#' then return '{"id":' .. id .. string.sub(s, 11) end
  return s
end
for i = 1, w do
  local op, k, a, b = ARGV[at], KEYS[tonumber(ARGV[at + 1])], ARGV[at + 2], ARGV[at + 3]
  at = at + 4
  if op == 'ID' then id = tostring(redis.call('INCR', k))
  elseif op == 'HSET' then redis.call('HSET', k, field(a), value(b))
  elseif op == 'HDEL' then redis.call('HDEL', k, field(a))
  elseif op == 'HDELEQ' then if redis.call('HGET', k, a) == b then redis.call('HDEL', k, a) end
  elseif op == 'HINCRBY' then results[#results + 1] = redis.call('HINCRBY', k, a, b)
  elseif op == 'HMAX' then if num(redis.call('HGET', k, a)) < tonumber(b) then redis.call('HSET', k, a, b) end
  elseif op == 'RPUSH' then redis.call('RPUSH', k, value(b))
  elseif op == 'ZADD' then redis.call('ZADD', k, field(a), value(b))
  elseif op == 'XADD' then sid = redis.call('XADD', k, '*', 'order', id, 'room', a, 'url', b)
  elseif op == 'HSETSID' then if sid then redis.call('HSET', k, id, sid) end
  elseif op == 'PUB' then
    if id ~= '' then b = string.gsub(b, '#ID#', id) end
    redis.call('PUBLISH', a, b)
  else return redis.error_reply('unknown write ' .. op) end
end
return {1, id, results}
)lua";

// KEYS: stream entries rooms next tries done; ARGV: group consumer now limit claim-after-ms.
// Takes over entries that a consumer held too long, reads new ones, and answers this
// consumer's entries that are due (oldest next attempt first): {order JSON, url, tries}.
constexpr const char* kDueLua = R"lua(
local stream, group, me = KEYS[1], ARGV[1], ARGV[2]
local now, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
redis.call('XAUTOCLAIM', stream, group, me, ARGV[5], '0-0', 'COUNT', 1000, 'JUSTID')
redis.call('XREADGROUP', 'GROUP', group, me, 'COUNT', 1000, 'STREAMS', stream, '>')
local due = {}
for _, p in ipairs(redis.call('XPENDING', stream, group, '-', '+', tonumber(ARGV[6]), me)) do
  local entry = redis.call('XRANGE', stream, p[1], p[1])[1]
  local f = {}
  if entry then for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end end
  if not f['order'] or redis.call('HEXISTS', KEYS[6], f['order']) == 1 then
    redis.call('XACK', stream, group, p[1])
  else
    local next = tonumber(redis.call('HGET', KEYS[4], f['order']) or '0')
    if next <= now then due[#due + 1] = {next, tonumber(f['order']), f['order'], f['room'], f['url']} end
  end
end
table.sort(due, function(a, b) if a[1] ~= b[1] then return a[1] < b[1] end return a[2] < b[2] end)
local out = {}
for i = 1, math.min(limit, #due) do
  local d = due[i]
  local body = redis.call('HGET', 'lc:{' .. d[4] .. '}:orders', d[3])
  if body then out[#out + 1] = {body, d[5], tonumber(redis.call('HGET', KEYS[5], d[3]) or '0')} end
end
return out
)lua";

// KEYS: stream entries next tries done log; ARGV: group consumer order attempt next finished.
// Keeps the attempt; a finished order (delivered, or given up) is acknowledged and leaves the
// stream, another waits for its next attempt with this consumer.
constexpr const char* kRecordLua = R"lua(
redis.call('RPUSH', KEYS[6], ARGV[4])
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
local sid = redis.call('HGET', KEYS[2], ARGV[3])
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[5], ARGV[3], '1')
  redis.call('HDEL', KEYS[2], ARGV[3])
  redis.call('HDEL', KEYS[3], ARGV[3])
  if sid then  -- settled: the stream keeps only what is still to deliver
    redis.pcall('XACK', KEYS[1], ARGV[1], sid)
    redis.call('XDEL', KEYS[1], sid)
  end
else
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
  if sid then redis.pcall('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, sid, 'JUSTID') end
end
return 1
)lua";

// KEYS: rooms log; ARGV: order room. The attempts, when the order is in the room's outbox.
constexpr const char* kDeliveriesLua = R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {} end
return redis.call('LRANGE', KEYS[2], 0, -1)
)lua";

// KEYS: orders order_ids; ARGV: before id (0: from the newest), limit, sku, status ('': any).
// A page of the room's orders as stored, newest first: up to `limit` orders with an id below
// `before` that match, found by walking the id index down in chunks and stopping at `limit`
// matches, so that a page reads about a page of orders rather than every order of the room.
// Orders made before the index existed (or by a node that does not write it yet) are in the
// hash only. Every order is in the hash and the index is written in the same step, so an index
// shorter than the hash is missing some: it is filled from the hash (ZADD keeps what is there),
// a pass over the room's order ids needed once after an upgrade (and again after each order an
// older node makes); a complete index costs two O(1) counts. Chunks stay under Lua's unpack limit.
constexpr const char* kOrdersLua = R"lua(
local orders, index = KEYS[1], KEYS[2]
local before, limit, sku, status = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
if redis.call('ZCARD', index) < redis.call('HLEN', orders) then
  local ids = redis.call('HKEYS', orders)
  for i = 1, #ids, 1000 do
    local members = {}
    for j = i, math.min(i + 999, #ids) do
      members[#members + 1] = ids[j]; members[#members + 1] = ids[j]
    end
    redis.call('ZADD', index, unpack(members))
  end
end
local out = {}
if limit <= 0 then return out end
local filtered = sku ~= '' or status ~= ''
local function matches(body)
  if not filtered then return true end
  local o = cjson.decode(body)
  return (sku == '' or o.sku == sku) and (status == '' or o.status == status)
end
-- A filter may skip many orders: read more of them at a time.
local chunk = math.min(filtered and math.max(limit, 200) or limit, 1000)
local upper = before > 0 and ('(' .. before) or '+inf'
while #out < limit do
  local ids = redis.call('ZRANGE', index, upper, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, chunk)
  if #ids == 0 then break end
  local bodies = redis.call('HMGET', orders, unpack(ids))
  for i = 1, #ids do
    if bodies[i] and matches(bodies[i]) then
      out[#out + 1] = bodies[i]
      if #out == limit then break end
    end
  end
  if #ids < chunk then break end
  upper = '(' .. ids[#ids]
end
return out
)lua";

std::string sha1_hex(const std::string& text) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(text.data(), text.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  std::string out;
  char buf[9];
  for (auto word : digest) {
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(word));
    out += buf;
  }
  return out;
}

}  // namespace

const std::array<const char*, kScriptCount> kScripts{kLoadLua,   kCommitLua,     kDueLua,
                                                     kRecordLua, kDeliveriesLua, kOrdersLua};

const std::array<std::string, kScriptCount>& script_shas() {
  static const auto shas = [] {
    std::array<std::string, kScriptCount> out;
    for (std::size_t i = 0; i < kScriptCount; ++i) out[i] = sha1_hex(kScripts[i]);
    return out;
  }();
  return shas;
}

}  // namespace commerce::detail
