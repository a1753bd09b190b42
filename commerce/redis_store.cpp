#include "commerce/redis_store.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/uuid/detail/sha1.hpp>
#include <charconv>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "commerce/codec.hpp"

// Keys (the room in a hash tag, so that one room's keys share a cluster slot):
//   lc:{room}:meta      hash: version (bumped by every catalogue write), shelf (JSON array),
//                       pinned, webhook
//   lc:{room}:products / :sales / :coupons / :pickups / :orders / :claims
//                       hashes of JSON records (by SKU, id, id, id, order id, coupon\nuser),
//                       written by C++ only: Lua never decodes them, so integers stay exact
//   lc:{room}:stock / :touched / :sold / :claimed / :used
//                       the contended facts as plain integers that scripts change with HINCRBY
//                       and reads lay over the records (product stock and last change, sale
//                       units sold, coupon claims, the order that used a claim)
//   lc:{room}:bought    units bought and not cancelled: p\nuser\nsku, s\nuser\nsale, t\nuser
//   lc:{room}:ostatus   order id -> status (what a status change compares and sets)
//   lc:{room}:keys      user\nidempotency key -> order id
//   lc:{room}:user:<u>  list of the viewer's order ids
//   lc:order_id         the global order id counter (outside the room's slot: one Redis, not a
//                       cluster, as the outbox stream below)
//   lc:outbox           stream of orders for rooms with a webhook, read by the consumer group
//                       "fulfilment" (one consumer per RedisStore); lc:outbox:entries (order ->
//                       stream id), :rooms, :next (next attempt ms), :tries, :done, :log:<order>
//   channel lc:commits:{room}  a notice after each commit (what changed, by which node)
namespace commerce {
namespace json = boost::json;

namespace detail {

struct LoadSpec {
  std::string orders = "none";  // none, all, ids (comma list), user
  std::string orders_arg;
  std::string claims = "none";  // none, all, user
  std::string claims_arg;
};

// A room as one load saw it: the shop (records with the counters laid over) and the raw facts
// a commit compares against.
struct CatalogueRecords {
  std::int64_t version = 0;
  std::vector<Product> products;
  std::vector<FlashSale> sales;
  std::vector<Coupon> coupons;
  std::vector<PickupPoint> pickup_points;
  std::vector<std::string> shelf_order;
  std::string pinned, webhook;
};

struct RoomSnapshot {
  std::shared_ptr<const CatalogueRecords> catalogue;  // as of `version`
  std::unique_ptr<Shop> shop;
  std::int64_t version = 0;
  std::map<std::string, std::int64_t> stock, sold, claimed;
};

// What other nodes' commit notices named in a room, merged until it is read.
struct RemoteCommits {
  std::set<std::string> products, sales, coupons, points;
  std::set<std::int64_t> fresh, changed;  // order ids
  bool pin = false, shelf = false;
};

struct RoomKeys {
  explicit RoomKeys(const std::string& room) : prefix("lc:{" + room + "}:") {}
  [[nodiscard]] std::string operator()(std::string_view what) const {
    return prefix + std::string(what);
  }
  [[nodiscard]] std::string user(const std::string& user_id) const {
    return prefix + "user:" + user_id;
  }
  std::string prefix;
};

// One commit: the facts to re-check inside Redis, then the writes, as arguments of kCommit.
class RoomCommit {
 public:
  void guard(std::string op, const std::string& key, std::string field, std::string value = {}) {
    add(guards_, std::move(op), key, std::move(field), std::move(value));
  }
  void guard(std::string op, const std::string& key, std::string field, std::int64_t value) {
    guard(std::move(op), key, std::move(field), std::to_string(value));
  }
  void write(std::string op, const std::string& key, std::string field, std::string value = {}) {
    add(writes_, std::move(op), key, std::move(field), std::move(value));
  }
  void incr(const std::string& key, const std::string& field, std::int64_t by) {
    incr_index_[{key, field}] = incrs_++;
    write("HINCRBY", key, field, std::to_string(by));
  }
  [[nodiscard]] bool empty() const { return writes_.empty(); }
  [[nodiscard]] const std::vector<std::string>& keys() const { return keys_; }
  [[nodiscard]] std::vector<std::string> args() const {
    std::vector<std::string> out{std::to_string(guards_.size() / 4),
                                 std::to_string(writes_.size() / 4)};
    out.insert(out.end(), guards_.begin(), guards_.end());
    out.insert(out.end(), writes_.begin(), writes_.end());
    return out;
  }
  // What an HINCRBY left, once committed.
  [[nodiscard]] std::optional<std::int64_t> counter(const std::string& key,
                                                    const std::string& field) const {
    auto it = incr_index_.find({key, field});
    if (it == incr_index_.end() || it->second >= results.size()) return std::nullopt;
    return results[it->second];
  }

  RoomChanges changes;                // for the listener, counters patched once committed
  std::string order_id;               // from the script, when it made an order
  std::vector<std::int64_t> results;  // of the HINCRBYs, in order

 private:
  int key_index(const std::string& key) {
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) return static_cast<int>(i) + 1;
    keys_.push_back(key);
    return static_cast<int>(keys_.size());
  }
  void add(std::vector<std::string>& into, std::string op, const std::string& key,
           std::string field, std::string value) {
    into.push_back(std::move(op));
    into.push_back(key.empty() ? "0" : std::to_string(key_index(key)));
    into.push_back(std::move(field));
    into.push_back(std::move(value));
  }
  std::vector<std::string> keys_, guards_, writes_;
  std::map<std::pair<std::string, std::string>, std::size_t> incr_index_;
  std::size_t incrs_ = 0;
};

}  // namespace detail

using detail::CatalogueRecords;
using detail::LoadSpec;
using detail::RoomCommit;
using detail::RoomKeys;
using detail::RoomSnapshot;

namespace {

constexpr const char* kOrderSeq = "lc:order_id";
constexpr const char* kOutbox = "lc:outbox";
constexpr const char* kOutboxEntries = "lc:outbox:entries";
constexpr const char* kOutboxRooms = "lc:outbox:rooms";
constexpr const char* kOutboxNext = "lc:outbox:next";
constexpr const char* kOutboxTries = "lc:outbox:tries";
constexpr const char* kOutboxDone = "lc:outbox:done";
constexpr const char* kOutboxGroup = "fulfilment";
constexpr const char* kCommitsPrefix = "lc:commits:";
constexpr std::size_t kMaxDueScan = 10'000;    // pending entries one due_deliveries looks at
constexpr std::size_t kMaxCachedRooms = 1000;  // rooms whose catalogue a node keeps parsed

// ---- the scripts ----

enum Script { kLoad, kCommit, kDue, kRecord, kDeliveries, kScriptCount };

// KEYS: meta products stock touched sales sold coupons claimed claims used pickups orders userlist
// ARGV: orders mode, its argument, claims mode, its argument, the catalogue version the caller
// holds. One atomic snapshot of a room; the catalogue's records (meta, products, sales, coupons,
// pickup points) only when their version is not the caller's (then meta is {version, v, cached,
// 1}).
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
if ARGV[1] == 'all' then
  orders = redis.call('HVALS', KEYS[12])
elseif ARGV[1] == 'ids' or ARGV[1] == 'user' then
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
return out
)lua";

// ARGV: guard count, write count, then (op, key index, field, value) for each. Every guard is
// checked before anything is written: {0, n} when guard n fails, else {1, order id or '',
// {HINCRBY results}}. '#ID#' (a whole field or value, or a JSON record's leading id) is the
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
  if not ok then return {0, i} end
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

constexpr std::array<const char*, kScriptCount> kScripts{kLoadLua, kCommitLua, kDueLua, kRecordLua,
                                                         kDeliveriesLua};

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

const std::array<std::string, kScriptCount>& script_shas() {
  static const auto shas = [] {
    std::array<std::string, kScriptCount> out;
    for (std::size_t i = 0; i < kScriptCount; ++i) out[i] = sha1_hex(kScripts[i]);
    return out;
  }();
  return shas;
}

// ---- records ----

template <class T>
T decode(const std::string& body) {
  T out{};
  auto v = json::parse(body);
  if (auto e = from_json(v.as_object(), out); !e.empty())
    throw std::runtime_error("stored record: " + e);
  return out;
}

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::map<std::string, std::string> hash_of(const redis::Reply& r) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

std::map<std::string, std::int64_t> counters_of(const redis::Reply& r) {
  std::map<std::string, std::int64_t> out;
  for (const auto& [k, v] : hash_of(r)) out[k] = to_int(v);
  return out;
}

std::string encode(const Product& p) { return json::serialize(to_json(p)); }

// An order as stored: with no "number" (the id makes it) and, before the script gives it its
// id, "#ID#" for the id.
std::string encode_order(const Order& o, bool placeholder_id) {
  auto obj = to_json(o);
  obj.erase("number");
  std::string text = json::serialize(obj);
  const std::string zero = "{\"id\":0,";
  if (placeholder_id && text.starts_with(zero)) text = "{\"id\":#ID#," + text.substr(zero.size());
  return text;
}

std::string claim_field(const std::string& coupon_id, const std::string& user_id) {
  return coupon_id + '\n' + user_id;
}

// The catalogue's records as stored (counters not laid over yet), parsed once per version.
std::shared_ptr<const CatalogueRecords> parse_catalogue(const std::vector<redis::Reply>& e,
                                                        std::map<std::string, std::string>& meta) {
  auto records = std::make_shared<CatalogueRecords>();
  records->version = to_int(meta["version"]);
  for (const auto& [sku, body] : hash_of(e[1])) records->products.push_back(decode<Product>(body));
  for (const auto& [id, body] : hash_of(e[4])) records->sales.push_back(decode<FlashSale>(body));
  for (const auto& [id, body] : hash_of(e[6])) records->coupons.push_back(decode<Coupon>(body));
  for (const auto& [id, body] : hash_of(e[10]))
    records->pickup_points.push_back(decode<PickupPoint>(body));
  if (auto it = meta.find("shelf"); it != meta.end()) {
    json::value stored = json::parse(it->second);
    for (const auto& v : stored.as_array()) records->shelf_order.emplace_back(v.as_string());
  }
  records->pinned = meta["pinned"];
  records->webhook = meta["webhook"];
  return records;
}

// `known`: the catalogue this node holds, used when the answer says it is still current.
std::shared_ptr<RoomSnapshot> parse_snapshot(const std::string& room, const redis::Reply& r,
                                             std::shared_ptr<const CatalogueRecords> known) {
  if (r.type != redis::Reply::Type::array || r.elements.size() != 12)
    throw std::runtime_error("unexpected answer to the load script");
  const auto& e = r.elements;
  auto snap = std::make_shared<RoomSnapshot>();
  snap->shop = std::make_unique<Shop>(room);
  Shop& shop = *snap->shop;
  auto meta = hash_of(e[0]);
  snap->version = to_int(meta["version"]);
  if (meta.contains("cached")) {
    if (!known || known->version != snap->version)
      throw std::runtime_error("the catalogue this node holds is not the one Redis has");
    snap->catalogue = std::move(known);
  } else {
    snap->catalogue = parse_catalogue(e, meta);
  }
  const CatalogueRecords& cat = *snap->catalogue;
  snap->stock = counters_of(e[2]);
  auto touched = counters_of(e[3]);
  snap->sold = counters_of(e[5]);
  snap->claimed = counters_of(e[7]);
  for (Product p : cat.products) {
    if (auto it = snap->stock.find(p.sku); it != snap->stock.end()) p.stock = it->second;
    if (auto it = touched.find(p.sku); it != touched.end())
      p.updated_at_ms = std::max(p.updated_at_ms, it->second);
    shop.load(std::move(p));
  }
  for (FlashSale s : cat.sales) {
    if (auto it = snap->sold.find(s.id); it != snap->sold.end()) s.sold = it->second;
    shop.load(std::move(s));
  }
  for (Coupon c : cat.coupons) {
    if (auto it = snap->claimed.find(c.id); it != snap->claimed.end()) c.claimed = it->second;
    shop.load(std::move(c));
  }
  auto used = counters_of(e[9]);
  for (const auto& [field, body] : hash_of(e[8])) {
    auto c = decode<CouponClaim>(body);
    auto it = used.find(field);
    c.used_by_order = it == used.end() ? 0 : it->second;
    shop.load(std::move(c));
  }
  for (const auto& p : cat.pickup_points) shop.load(p);
  for (const auto& body : e[11].elements) shop.load(decode<Order>(body.str));
  shop.load_settings(cat.shelf_order, cat.pinned, cat.webhook);
  (void)shop.take_changes();
  return snap;
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string unique_node_name() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + buf;
}

// ---- commit notices ----

std::string notice(const std::string& node, const ShopChanges& c, bool new_order) {
  auto list = [](const auto& items) {
    json::array a;
    for (const auto& i : items) {
      if constexpr (std::is_integral_v<std::decay_t<decltype(i)>>)
        a.emplace_back(std::to_string(i));
      else
        a.emplace_back(i);
    }
    return a;
  };
  json::array fresh;
  if (new_order) fresh.emplace_back("#ID#");
  json::array changed = list(c.orders);
  return json::serialize(json::object{{"node", node},
                                      {"p", list(c.products)},
                                      {"s", list(c.sales)},
                                      {"c", list(c.coupons)},
                                      {"pp", list(c.pickup_points)},
                                      {"n", fresh},
                                      {"o", changed},
                                      {"pin", c.pin},
                                      {"shelf", c.settings}});
}

void publish(RoomCommit& commit, const std::string& room, const std::string& node,
             const ShopChanges& c, bool new_order = false) {
  commit.write("PUB", "", kCommitsPrefix + std::string("{") + room + "}",
               notice(node, c, new_order));
}

void set_pin_changes(const Shop& shop, const ShopChanges& c, RoomChanges& out) {
  out.pin_changed = c.pin || (!shop.pinned().empty() && c.products.contains(shop.pinned()));
  if (out.pin_changed && !shop.pinned().empty()) out.pinned = *shop.product(shop.pinned());
}

// ---- staging: what a decision wrote, as a guarded commit ----

// A catalogue change (products, sales, coupons, pickup points, shelf, pin, webhook): guarded by
// the room's version, which it bumps. Counters are written when the record is new, when the
// change set them (`absolute_stock`: put_product, set_stock), or when the change moved them.
void stage_catalogue(RoomSnapshot& s, RoomCommit& c, bool absolute_stock, const std::string& node,
                     std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  RoomChanges& out = c.changes;
  out.room = shop.room();
  c.guard("NUM", k("meta"), "version", s.version);
  c.write("HINCRBY", k("meta"), "version", "1");
  for (const auto& sku : ch.products) {
    const Product& p = *shop.product(sku);
    c.write("HSET", k("products"), sku, encode(p));
    c.write("HDEL", k("touched"), sku);
    auto seen = s.stock.find(sku);
    if (absolute_stock || seen == s.stock.end() || seen->second != p.stock)
      c.write("HSET", k("stock"), sku, std::to_string(p.stock));
    out.products.push_back(p);
  }
  for (const auto& id : ch.sales) {
    const FlashSale& sale = *shop.sale(id);
    c.write("HSET", k("sales"), id, json::serialize(to_json(sale, now)));
    if (!s.sold.contains(id)) {  // a new sale: its quantity is still in stock
      c.guard("GE", k("stock"), sale.sku, sale.quantity);
      c.write("HSET", k("sold"), id, std::to_string(sale.sold));
    }
    out.sales.push_back(sale);
  }
  for (const auto& id : ch.coupons) {
    const Coupon& coupon = *shop.coupon(id);
    c.write("HSET", k("coupons"), id, json::serialize(to_json(coupon)));
    if (!s.claimed.contains(id)) c.write("HSET", k("claimed"), id, std::to_string(coupon.claimed));
    out.coupons.push_back(coupon);
  }
  for (const auto& id : ch.pickup_points) {
    if (const PickupPoint* p = shop.pickup_point(id)) {
      c.write("HSET", k("pickups"), id, json::serialize(to_json(*p)));
      out.pickup_points.push_back(*p);
    } else {
      c.write("HDEL", k("pickups"), id);
    }
  }
  if (ch.settings) {
    json::array order;
    for (const auto& sku : shop.shelf_order()) order.emplace_back(sku);
    c.write("HSET", k("meta"), "shelf", json::serialize(order));
    c.write("HSET", k("meta"), "pinned", shop.pinned());
    c.write("HSET", k("meta"), "webhook", shop.webhook_url());
    out.shelf_changed = true;
  }
  set_pin_changes(shop, ch, out);
  publish(c, shop.room(), node, ch);
}

// A purchase the shop accepted: re-checks the contended facts (the key, stock, the sale's quota,
// the viewer's units, the claim) and the catalogue's version, then takes stock and records the
// order, its key, and its outbox entry in the same step.
void stage_purchase(RoomSnapshot& s, RoomCommit& c, const Order& o, const std::string& node,
                    std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  RoomKeys k(shop.room());
  const Product& p = *shop.product(o.sku);
  const std::string& user = o.user_id;
  const std::int64_t q = o.quantity;
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("ABSENT", k("keys"), user + '\n' + o.idempotency_key);
  c.guard("GE", k("stock"), o.sku, q);
  const FlashSale* sale = o.sale_id.empty() ? nullptr : shop.sale(o.sale_id);
  if (sale) {
    c.guard("LE", k("sold"), sale->id, sale->quantity - q);
    c.guard("LE", k("bought"), "s\n" + user + '\n' + sale->id, sale->limit_per_viewer - q);
  }
  if (p.limit_per_viewer > 0)
    c.guard("LE", k("bought"), "p\n" + user + '\n' + o.sku, p.limit_per_viewer - q);
  if (!o.coupon_id.empty()) {
    c.guard("ABSENT", k("used"), claim_field(o.coupon_id, user));
    const Coupon* coupon = shop.coupon(o.coupon_id);
    if (coupon && coupon->kind == CouponKind::welcome) c.guard("LE", k("bought"), "t\n" + user, 0);
  }

  c.write("ID", kOrderSeq, "");
  c.incr(k("stock"), o.sku, -q);
  c.write("HMAX", k("touched"), o.sku, std::to_string(now));
  if (sale) c.incr(k("sold"), sale->id, q);
  c.write("HINCRBY", k("bought"), "p\n" + user + '\n' + o.sku, std::to_string(q));
  if (sale) c.write("HINCRBY", k("bought"), "s\n" + user + '\n' + sale->id, std::to_string(q));
  c.write("HINCRBY", k("bought"), "t\n" + user, std::to_string(q));
  if (!o.coupon_id.empty()) c.write("HSET", k("used"), claim_field(o.coupon_id, user), "#ID#");
  c.write("HSET", k("orders"), "#ID#", encode_order(o, true));
  c.write("HSET", k("ostatus"), "#ID#", std::string(to_string(o.status)));
  c.write("HSET", k("keys"), user + '\n' + o.idempotency_key, "#ID#");
  c.write("RPUSH", k.user(user), "", "#ID#");
  if (!shop.webhook_url().empty()) {
    c.write("XADD", kOutbox, shop.room(), shop.webhook_url());
    c.write("HSETSID", kOutboxEntries, "");
    c.write("HSET", kOutboxRooms, "#ID#", shop.room());
    c.write("HSET", kOutboxNext, "#ID#", std::to_string(now));
  }
  ShopChanges notice_of = ch;
  notice_of.orders.clear();
  publish(c, shop.room(), node, notice_of, true);

  RoomChanges& out = c.changes;
  out.room = shop.room();
  out.products.push_back(p);
  if (sale) out.sales.push_back(*sale);
  out.new_orders.push_back(o);
  set_pin_changes(shop, ch, out);
}

// An order's status move, guarded by its status as loaded; a cancel gives back stock, the
// sale's quota (while it runs), the viewer's units and the coupon claim.
void stage_status(RoomSnapshot& s, RoomCommit& c, const Order& before, const Order& after,
                  const std::string& node, std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  const std::string id = std::to_string(after.id);
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("EQ", k("ostatus"), id, std::string(to_string(before.status)));
  c.write("HSET", k("orders"), id, encode_order(after, false));
  c.write("HSET", k("ostatus"), id, std::string(to_string(after.status)));
  RoomChanges& out = c.changes;
  out.room = shop.room();
  if (after.status == OrderStatus::cancelled) {
    const std::int64_t q = after.quantity;
    const std::string& user = after.user_id;
    if (ch.products.contains(after.sku)) {
      c.incr(k("stock"), after.sku, q);
      c.write("HMAX", k("touched"), after.sku, std::to_string(now));
      out.products.push_back(*shop.product(after.sku));
    }
    if (!after.sale_id.empty() && ch.sales.contains(after.sale_id)) {
      c.incr(k("sold"), after.sale_id, -q);
      out.sales.push_back(*shop.sale(after.sale_id));
    }
    c.write("HINCRBY", k("bought"), "p\n" + user + '\n' + after.sku, std::to_string(-q));
    if (!after.sale_id.empty())
      c.write("HINCRBY", k("bought"), "s\n" + user + '\n' + after.sale_id, std::to_string(-q));
    c.write("HINCRBY", k("bought"), "t\n" + user, std::to_string(-q));
    if (!after.coupon_id.empty())
      c.write("HDELEQ", k("used"), claim_field(after.coupon_id, user), id);
  }
  out.changed_orders.push_back(after);
  set_pin_changes(shop, ch, out);
  ShopChanges notice_of = ch;
  notice_of.coupons.clear();
  publish(c, shop.room(), node, notice_of);
}

// A new claim: guarded by the coupon's count (when limited) and, for a welcome coupon, the
// viewer having bought nothing.
void stage_claim(RoomSnapshot& s, RoomCommit& c, const CouponClaim& claim,
                 const std::string& node) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  const Coupon& coupon = *shop.coupon(claim.coupon_id);
  const std::string field = claim_field(claim.coupon_id, claim.user_id);
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("ABSENT", k("claims"), field);
  if (coupon.quantity != 0) c.guard("LE", k("claimed"), coupon.id, coupon.quantity - 1);
  if (coupon.kind == CouponKind::welcome) c.guard("LE", k("bought"), "t\n" + claim.user_id, 0);
  c.write("HSET", k("claims"), field, json::serialize(to_json(claim)));
  c.incr(k("claimed"), coupon.id, 1);
  c.changes.room = shop.room();
  c.changes.coupons.push_back(coupon);
  publish(c, shop.room(), node, ch);
}

enum class Outcome { committed, retry, failed };

// Reads the commit script's answer into `commit` (order id, counters) and says what it means.
Outcome read_commit(const redis::Result& r, RoomCommit& commit, std::string& error) {
  if (!r.ok) {
    error = r.error;
    return Outcome::failed;
  }
  const auto& e = r.reply.elements;
  if (r.reply.is_error() || r.reply.type != redis::Reply::Type::array || e.size() < 2) {
    error = r.reply.is_error() ? r.reply.str : "unexpected answer to the commit script";
    spdlog::error("commerce redis store: {}", error);
    return Outcome::failed;
  }
  if (e[0].integer == 0) return Outcome::retry;
  commit.order_id = e[1].str;
  if (e.size() > 2)
    for (const auto& v : e[2].elements) commit.results.push_back(v.integer);
  // What the counters hold now, for the listener.
  const std::string room = commit.changes.room;
  RoomKeys k(room);
  for (auto& p : commit.changes.products)
    if (auto v = commit.counter(k("stock"), p.sku)) p.stock = *v;
  if (commit.changes.pinned)
    if (auto v = commit.counter(k("stock"), commit.changes.pinned->sku))
      commit.changes.pinned->stock = *v;
  for (auto& s : commit.changes.sales)
    if (auto v = commit.counter(k("sold"), s.id)) s.sold = *v;
  for (auto& c : commit.changes.coupons)
    if (auto v = commit.counter(k("claimed"), c.id)) c.claimed = *v;
  if (!commit.order_id.empty())
    for (auto& o : commit.changes.new_orders) o.id = to_int(commit.order_id);
  return Outcome::committed;
}

}  // namespace

// ---- the store ----

RedisStore::RedisStore(redis::Url url, Clock clock, redis::Options redis_options,
                       RedisStoreOptions options)
    : clock_(std::move(clock)), options_(std::move(options)) {
  node_ = options_.node.empty() ? unique_node_name() : options_.node;
  client_ = std::make_unique<redis::Client>(url, redis_options);
  subscriber_ = std::make_unique<redis::Subscriber>(
      url, redis_options, std::vector<std::string>{std::string(kCommitsPrefix) + "*"},
      [this](const std::string& channel, std::string payload) { on_notice(channel, payload); });
}

RedisStore::~RedisStore() {
  // From here on, what the client's callbacks send fails at once (the client is going away).
  stopping_ = true;
  subscriber_.reset();
  client_.reset();
}

void RedisStore::send(std::vector<std::string> argv, redis::Client::Callback done) {
  if (stopping_) return done(redis::Result{false, {}, "the store is stopping"});
  client_->command(std::move(argv), std::move(done));
}

bool RedisStore::available() const { return client_->up(); }

bool RedisStore::hears_other_nodes() const { return subscriber_->up(); }

std::uint64_t RedisStore::redis_commands() const {
  return client_->stats().commands.load(std::memory_order_relaxed);
}

std::int64_t RedisStore::now_ms() const { return clock_ ? clock_() : system_ms(); }

void RedisStore::set_listener(StoreListener* listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = listener;
}

void RedisStore::notify(const RoomChanges& changes) {
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_->on_committed(changes);
}

void RedisStore::eval(int script, std::vector<std::string> keys, std::vector<std::string> args,
                      redis::Client::Callback done) {
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(3 + keys.size() + args.size());
  argv->push_back("EVALSHA");
  argv->push_back(script_shas()[script]);
  argv->push_back(std::to_string(keys.size()));
  for (auto& k : keys) argv->push_back(std::move(k));
  for (auto& a : args) argv->push_back(std::move(a));
  auto first = *argv;
  send(std::move(first), [this, script, argv, done = std::move(done)](redis::Result r) mutable {
    if (r.ok && r.reply.is_error() && r.reply.str.starts_with("NOSCRIPT")) {
      // A fresh (or restarted) Redis: send the script itself once; it is cached
      // from then on.
      (*argv)[0] = "EVAL";
      (*argv)[1] = kScripts[script];
      return send(std::move(*argv), std::move(done));
    }
    done(std::move(r));
  });
}

void RedisStore::send_commit(RoomCommit& commit, redis::Client::Callback done) {
  eval(kCommit, commit.keys(), commit.args(), std::move(done));
}

void RedisStore::load(const std::string& room, const LoadSpec& spec,
                      std::function<void(std::shared_ptr<RoomSnapshot>, std::string)> done) {
  RoomKeys k(room);
  std::vector<std::string> keys{k("meta"),
                                k("products"),
                                k("stock"),
                                k("touched"),
                                k("sales"),
                                k("sold"),
                                k("coupons"),
                                k("claimed"),
                                k("claims"),
                                k("used"),
                                k("pickups"),
                                k("orders"),
                                k.user(spec.orders == "user" ? spec.orders_arg : "")};
  std::shared_ptr<const CatalogueRecords> known;
  {
    std::lock_guard lock(catalogues_mutex_);
    if (auto it = catalogues_.find(room); it != catalogues_.end()) known = it->second;
  }
  std::string known_version = known ? std::to_string(known->version) : "-1";
  eval(kLoad, std::move(keys),
       {spec.orders, spec.orders_arg, spec.claims, spec.claims_arg, std::move(known_version)},
       [this, room, known, done = std::move(done)](redis::Result r) {
         if (!r.ok) return done(nullptr, "the store is unavailable (" + r.error + ")");
         if (r.reply.is_error()) {
           spdlog::error("commerce redis store: room {}: load: {}", room, r.reply.str);
           return done(nullptr, "the store is unavailable (" + r.reply.str + ")");
         }
         std::shared_ptr<RoomSnapshot> snap;
         try {
           snap = parse_snapshot(room, r.reply, known);
         } catch (const std::exception& e) {
           spdlog::error("commerce redis store: room {}: {}", room, e.what());
           return done(nullptr, std::string("the store holds a bad record: ") + e.what());
         }
         if (snap->catalogue != known) {
           std::lock_guard lock(catalogues_mutex_);
           auto& held = catalogues_[room];
           if (!held || held->version < snap->catalogue->version) held = snap->catalogue;
           if (catalogues_.size() > kMaxCachedRooms) catalogues_.clear();  // many rooms: start over
         }
         done(std::move(snap), {});
       });
}

template <class T>
void RedisStore::mutate(const std::string& room, LoadSpec spec, Decide<T> decide, Done<T> done,
                        int tries) {
  if (room.empty()) return done(Result<T>::fail(Errc::invalid, "a room is required"));
  load(room, spec,
       [this, room, spec, decide = std::move(decide), done = std::move(done), tries](
           std::shared_ptr<RoomSnapshot> snap, std::string error) mutable {
         if (!snap) return done(Result<T>::fail(Errc::unavailable, std::move(error)));
         auto commit = std::make_shared<RoomCommit>();
         auto result = std::make_shared<Result<T>>(decide(*snap, *commit, now_ms()));
         if (!result->ok() || commit->empty()) return done(std::move(*result));
         send_commit(*commit, [this, room, spec, decide = std::move(decide), done = std::move(done),
                               tries, commit, result](redis::Result r) mutable {
           std::string why;
           switch (read_commit(r, *commit, why)) {
             case Outcome::committed:
               done(std::move(*result));
               return notify(commit->changes);
             case Outcome::failed:
               return done(Result<T>::fail(Errc::unavailable,
                                           "the change could not be made durable (" + why + ")"));
             case Outcome::retry:
               if (tries + 1 >= options_.max_tries)
                 return done(Result<T>::fail(Errc::unavailable,
                                             "the room is changing too fast; try again"));
               retries_.fetch_add(1, std::memory_order_relaxed);
               return mutate<T>(room, std::move(spec), std::move(decide), std::move(done),
                                tries + 1);
           }
         });
       });
}

template <class T>
void RedisStore::read(const std::string& room, LoadSpec spec,
                      std::function<Result<T>(const Shop&, std::int64_t)> fn, Done<T> done) {
  load(room, spec,
       [this, fn = std::move(fn), done = std::move(done)](std::shared_ptr<RoomSnapshot> snap,
                                                          std::string error) {
         if (!snap) return done(Result<T>::fail(Errc::unavailable, std::move(error)));
         done(fn(*snap->shop, now_ms()));
       });
}

namespace {

// A catalogue change made by `op` on the shop.
template <class T>
std::function<Result<T>(RoomSnapshot&, RoomCommit&, std::int64_t)> catalogue_change(
    std::function<Result<T>(Shop&, std::int64_t)> op, const std::string& node,
    bool absolute_stock = false) {
  return
      [op = std::move(op), node, absolute_stock](RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        auto result = op(*s.shop, now);
        if (result.ok()) stage_catalogue(s, c, absolute_stock, node, now);
        return result;
      };
}

}  // namespace

void RedisStore::put_product(const std::string& room, Product p, Done<Product> done) {
  mutate<Product>(
      room, {},
      catalogue_change<Product>(
          [p = std::move(p)](Shop& s, std::int64_t now) { return s.put_product(p, now); }, node_,
          true),
      std::move(done));
}

void RedisStore::set_stock(const std::string& room, std::string sku, std::int64_t stock,
                           Done<Product> done) {
  mutate<Product>(room, {},
                  catalogue_change<Product>(
                      [sku = std::move(sku), stock](Shop& s, std::int64_t now) {
                        return s.set_stock(sku, stock, now);
                      },
                      node_, true),
                  std::move(done));
}

void RedisStore::edit_product(const std::string& room, std::string sku, Shop::ProductEdit change,
                              Done<Product> done) {
  mutate<Product>(room, {},
                  catalogue_change<Product>(
                      [sku = std::move(sku), change = std::move(change)](
                          Shop& s, std::int64_t now) { return s.edit_product(sku, change, now); },
                      node_),
                  std::move(done));
}

void RedisStore::remove_product(const std::string& room, std::string sku, Done<Product> done) {
  mutate<Product>(
      room, {},
      catalogue_change<Product>(
          [sku = std::move(sku)](Shop& s, std::int64_t now) { return s.remove_product(sku, now); },
          node_),
      std::move(done));
}

void RedisStore::set_shelf_order(const std::string& room, std::vector<std::string> skus,
                                 Done<std::vector<std::string>> done) {
  mutate<std::vector<std::string>>(
      room, {},
      catalogue_change<std::vector<std::string>>(
          [skus = std::move(skus)](Shop& s, std::int64_t) { return s.set_shelf_order(skus); },
          node_),
      std::move(done));
}

void RedisStore::pin(const std::string& room, std::string sku, Done<std::string> done) {
  mutate<std::string>(room, {},
                      catalogue_change<std::string>(
                          [sku = std::move(sku)](Shop& s, std::int64_t) -> Result<std::string> {
                            if (!sku.empty()) return s.pin(sku);
                            s.unpin();
                            return {std::string{}, {}};
                          },
                          node_),
                      std::move(done));
}

void RedisStore::start_sale(const std::string& room, FlashSale sale, Done<FlashSale> done) {
  mutate<FlashSale>(
      room, {},
      catalogue_change<FlashSale>(
          [sale = std::move(sale)](Shop& s, std::int64_t now) { return s.start_sale(sale, now); },
          node_),
      std::move(done));
}

void RedisStore::stop_sale(const std::string& room, std::string id, Done<FlashSale> done) {
  mutate<FlashSale>(
      room, {},
      catalogue_change<FlashSale>(
          [id = std::move(id)](Shop& s, std::int64_t now) { return s.stop_sale(id, now); }, node_),
      std::move(done));
}

void RedisStore::create_coupon(const std::string& room, Coupon c, Done<Coupon> done) {
  mutate<Coupon>(
      room, {},
      catalogue_change<Coupon>(
          [c = std::move(c)](Shop& s, std::int64_t now) { return s.create_coupon(c, now); }, node_),
      std::move(done));
}

void RedisStore::withdraw_coupon(const std::string& room, std::string id, Done<Coupon> done) {
  mutate<Coupon>(
      room, {},
      catalogue_change<Coupon>(
          [id = std::move(id)](Shop& s, std::int64_t) { return s.withdraw_coupon(id); }, node_),
      std::move(done));
}

void RedisStore::claim_coupon(const std::string& room, std::string coupon_id, std::string user_id,
                              Done<CouponClaim> done) {
  LoadSpec spec{"user", user_id, "user", user_id};
  mutate<CouponClaim>(
      room, std::move(spec),
      [this, coupon_id = std::move(coupon_id), user_id = std::move(user_id)](
          RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        auto result = s.shop->claim_coupon(coupon_id, user_id, now);
        if (result.ok()) stage_claim(s, c, *result.value, node_);
        return result;
      },
      std::move(done));
}

void RedisStore::put_pickup_point(const std::string& room, PickupPoint p, Done<PickupPoint> done) {
  mutate<PickupPoint>(
      room, {},
      catalogue_change<PickupPoint>(
          [p = std::move(p)](Shop& s, std::int64_t) { return s.put_pickup_point(p); }, node_),
      std::move(done));
}

void RedisStore::remove_pickup_point(const std::string& room, std::string id,
                                     Done<PickupPoint> done) {
  mutate<PickupPoint>(
      room, {},
      catalogue_change<PickupPoint>(
          [id = std::move(id)](Shop& s, std::int64_t) { return s.remove_pickup_point(id); }, node_),
      std::move(done));
}

void RedisStore::set_webhook(const std::string& room, std::string url, Done<std::string> done) {
  mutate<std::string>(
      room, {},
      catalogue_change<std::string>(
          [url = std::move(url)](Shop& s, std::int64_t) { return s.set_webhook(url); }, node_),
      std::move(done));
}

void RedisStore::purchase(PurchaseRequest r, bool room_open,
                          std::function<void(PurchaseResult)> done) {
  // Bad fields need nothing from Redis (and are answered while it is down).
  std::string bad = r.room.empty() ? "a room is required" : validate(r);
  if (!bad.empty()) {
    purchases_.fetch_add(1, std::memory_order_relaxed);
    return done(PurchaseResult{PurchaseOutcome::invalid, std::move(bad), std::nullopt, false});
  }
  purchase_try(std::make_shared<PurchaseRequest>(std::move(r)), room_open, std::move(done), 0);
}

void RedisStore::purchase_try(std::shared_ptr<PurchaseRequest> r, bool room_open,
                              std::function<void(PurchaseResult)> done, int tries) {
  auto finish = [this](std::function<void(PurchaseResult)>& done, PurchaseResult result) {
    purchases_.fetch_add(1, std::memory_order_relaxed);
    done(std::move(result));
  };
  auto unavailable = [](std::string why) {
    return PurchaseResult{PurchaseOutcome::unavailable, std::move(why), std::nullopt, false};
  };
  purchase_round_trips_.fetch_add(1, std::memory_order_relaxed);
  LoadSpec spec{"user", r->user_id, "user", r->user_id};
  load(r->room, spec,
       [this, r, room_open, done = std::move(done), tries, finish, unavailable](
           std::shared_ptr<RoomSnapshot> snap, std::string error) mutable {
         if (!snap) return finish(done, unavailable(error + "; nothing was bought"));
         const std::int64_t now = now_ms();
         PurchaseResult decided = snap->shop->purchase(*r, 0, now, room_open);
         if (decided.outcome != PurchaseOutcome::ok || decided.replayed)
           return finish(done, std::move(decided));
         auto commit = std::make_shared<RoomCommit>();
         stage_purchase(*snap, *commit, *decided.order, node_, now);
         auto order = std::make_shared<Order>(std::move(*decided.order));
         purchase_round_trips_.fetch_add(1, std::memory_order_relaxed);
         send_commit(*commit, [this, r, room_open, done = std::move(done), tries, finish,
                               unavailable, commit, order](redis::Result res) mutable {
           std::string why;
           switch (read_commit(res, *commit, why)) {
             case Outcome::committed:
               order->id = to_int(commit->order_id);
               finish(done, PurchaseResult{PurchaseOutcome::ok, {}, *order, false});
               return notify(commit->changes);
             case Outcome::failed:
               // Maybe bought, maybe not: the same key again answers which.
               return finish(done, unavailable("the order could not be confirmed (" + why +
                                               "); try again with the same key"));
             case Outcome::retry:
               if (tries + 1 >= options_.max_tries)
                 return finish(done, unavailable("too many buyers at once; nothing was bought"));
               retries_.fetch_add(1, std::memory_order_relaxed);
               return purchase_try(r, room_open, std::move(done), tries + 1);
           }
         });
       });
}

void RedisStore::set_order_status(const std::string& room, std::int64_t order_id,
                                  OrderStatus status, Done<Order> done) {
  LoadSpec spec{"ids", std::to_string(order_id), "none", {}};
  mutate<Order>(
      room, std::move(spec),
      [this, order_id, status](RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        const Order* found = s.shop->order(order_id);
        std::optional<Order> before;
        if (found) before = *found;
        auto result = s.shop->set_order_status(order_id, status, now);
        if (result.ok() && before) stage_status(s, c, *before, *result.value, node_, now);
        return result;
      },
      std::move(done));
}

void RedisStore::shelf(const std::string& room, Done<ShelfView> done) {
  read<ShelfView>(
      room, {},
      [](const Shop& s, std::int64_t now) {
        return Result<ShelfView>{s.shelf(now), {}};
      },
      std::move(done));
}

void RedisStore::product(const std::string& room, std::string sku, Done<Product> done) {
  read<Product>(
      room, {},
      [sku = std::move(sku)](const Shop& s, std::int64_t) {
        const Product* p = s.product(sku);
        return p && p->on_shelf ? Result<Product>{*p, {}}
                                : Result<Product>::fail(Errc::not_found, "no such product");
      },
      std::move(done));
}

void RedisStore::orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) {
  LoadSpec spec;
  spec.orders = q.user_id.empty() ? "all" : "user";
  spec.orders_arg = q.user_id;
  read<std::vector<Order>>(
      room, std::move(spec),
      [q = std::move(q)](const Shop& s, std::int64_t) {
        return Result<std::vector<Order>>{s.orders(q), {}};
      },
      std::move(done));
}

void RedisStore::order(const std::string& room, std::int64_t id, Done<Order> done) {
  read<Order>(
      room, {"ids", std::to_string(id), "none", {}},
      [id](const Shop& s, std::int64_t) {
        const Order* o = s.order(id);
        return o ? Result<Order>{*o, {}} : Result<Order>::fail(Errc::not_found, "no such order");
      },
      std::move(done));
}

void RedisStore::claims_of(const std::string& room, std::string user_id,
                           Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(
      room, {"none", {}, "user", user_id},
      [user_id](const Shop& s, std::int64_t) {
        return Result<std::vector<CouponClaim>>{s.claims_of(user_id), {}};
      },
      std::move(done));
}

void RedisStore::catalogue(const std::string& room, Done<Catalogue> done) {
  read<Catalogue>(
      room, {},
      [](const Shop& s, std::int64_t) {
        return Result<Catalogue>{s.catalogue(), {}};
      },
      std::move(done));
}

void RedisStore::coupon_claims(const std::string& room, std::string coupon_id,
                               Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(
      room, {"none", {}, "all", {}},
      [coupon_id = std::move(coupon_id)](const Shop& s, std::int64_t) {
        if (!s.coupon(coupon_id))
          return Result<std::vector<CouponClaim>>::fail(Errc::not_found, "no such coupon");
        return Result<std::vector<CouponClaim>>{s.claims_of_coupon(coupon_id), {}};
      },
      std::move(done));
}

void RedisStore::webhook(const std::string& room, Done<std::string> done) {
  read<std::string>(
      room, {},
      [](const Shop& s, std::int64_t) {
        return Result<std::string>{s.webhook_url(), {}};
      },
      std::move(done));
}

// ---- the outbox ----

void RedisStore::due_deliveries(std::int64_t now_ms, std::size_t limit,
                                Done<std::vector<PendingDelivery>> done) {
  eval(kDue, {kOutbox, kOutboxEntries, kOutboxRooms, kOutboxNext, kOutboxTries, kOutboxDone},
       {kOutboxGroup, node_, std::to_string(now_ms), std::to_string(limit),
        std::to_string(options_.claim_after.count()), std::to_string(kMaxDueScan)},
       [done = std::move(done)](redis::Result r) {
         using R = Result<std::vector<PendingDelivery>>;
         if (!r.ok)
           return done(R::fail(Errc::unavailable, "the store is unavailable (" + r.error + ")"));
         if (r.reply.is_error()) {
           spdlog::error("commerce redis store: due deliveries: {}", r.reply.str);
           return done(R::fail(Errc::unavailable, r.reply.str));
         }
         std::vector<PendingDelivery> due;
         try {
           for (const auto& e : r.reply.elements) {
             if (e.elements.size() != 3) continue;
             due.push_back(
                 {decode<Order>(e.elements[0].str), e.elements[1].str, e.elements[2].integer});
           }
         } catch (const std::exception& ex) {
           spdlog::error("commerce redis store: due deliveries: {}", ex.what());
           return done(R::fail(Errc::unavailable, ex.what()));
         }
         done(R{std::move(due), {}});
       });
}

void RedisStore::record_delivery(DeliveryAttempt a, std::int64_t next_attempt_ms, Done<bool> done) {
  const std::string id = std::to_string(a.order_id);
  const bool finished = a.error.empty() || next_attempt_ms == 0;
  eval(kRecord,
       {kOutbox, kOutboxEntries, kOutboxNext, kOutboxTries, kOutboxDone, "lc:outbox:log:" + id},
       {kOutboxGroup, node_, id, json::serialize(to_json(a)), std::to_string(next_attempt_ms),
        finished ? "1" : "0"},
       [id, done = std::move(done)](redis::Result r) {
         if (r.ok && !r.reply.is_error()) return done(Result<bool>{true, {}});
         spdlog::error("commerce redis store: delivery of order {}: {}", id,
                       r.ok ? r.reply.str : r.error);
         done(Result<bool>::fail(Errc::unavailable, "the attempt could not be recorded"));
       });
}

void RedisStore::deliveries(const std::string& room, std::int64_t order_id,
                            Done<std::vector<DeliveryAttempt>> done) {
  const std::string id = std::to_string(order_id);
  eval(kDeliveries, {kOutboxRooms, "lc:outbox:log:" + id}, {id, room},
       [order_id, done = std::move(done)](redis::Result r) {
         using R = Result<std::vector<DeliveryAttempt>>;
         if (!r.ok || r.reply.is_error())
           return done(R::fail(Errc::unavailable, r.ok ? r.reply.str : r.error));
         std::vector<DeliveryAttempt> list;
         try {
           for (const auto& e : r.reply.elements) {
             auto v = json::parse(e.str).as_object();
             list.push_back({order_id, v.at("at_ms").to_number<std::int64_t>(),
                             static_cast<int>(v.at("http_status").to_number<std::int64_t>()),
                             std::string(v.at("error").as_string())});
           }
         } catch (const std::exception& ex) {
           return done(R::fail(Errc::unavailable, ex.what()));
         }
         done(R{std::move(list), {}});
       });
}

// ---- commits by other nodes ----

void RedisStore::on_notice(const std::string& channel, const std::string& payload) {
  {
    std::lock_guard lock(listener_mutex_);
    if (!listener_) return;
  }
  const std::string prefix = std::string(kCommitsPrefix) + "{";
  if (!channel.starts_with(prefix) || !channel.ends_with("}")) return;
  std::string room = channel.substr(prefix.size(), channel.size() - prefix.size() - 1);
  json::object n;
  try {
    n = json::parse(payload).as_object();
  } catch (const std::exception& e) {
    spdlog::warn("commerce redis store: bad commit notice on {}: {}", channel, e.what());
    return;
  }
  if (auto it = n.find("node");
      it != n.end() && it->value().is_string() && it->value().as_string() == node_)
    return;  // told already, with the values as committed
  auto strings = [&n](const char* key, auto& into) {
    if (auto it = n.find(key); it != n.end() && it->value().is_array())
      for (const auto& v : it->value().as_array())
        if (v.is_string()) {
          if constexpr (std::is_same_v<std::decay_t<decltype(into)>, std::set<std::int64_t>>)
            into.insert(to_int(std::string(v.as_string())));
          else
            into.emplace(v.as_string());
        }
  };
  auto flag = [&n](const char* key) {
    auto it = n.find(key);
    return it != n.end() && it->value().is_bool() && it->value().as_bool();
  };
  {
    // Notices that come while the room's last ones are being read are merged and read together:
    // one load per room at a time, however fast other nodes commit.
    std::lock_guard lock(remote_mutex_);
    auto& merged = remote_[room];
    strings("p", merged.products);
    strings("s", merged.sales);
    strings("c", merged.coupons);
    strings("pp", merged.points);
    strings("n", merged.fresh);
    strings("o", merged.changed);
    merged.pin = merged.pin || flag("pin");
    merged.shelf = merged.shelf || flag("shelf");
    if (!remote_loading_.insert(room).second) return;
  }
  tell_remote_commits(room);
}

void RedisStore::tell_remote_commits(const std::string& room) {
  auto c = std::make_shared<detail::RemoteCommits>();
  {
    std::lock_guard lock(remote_mutex_);
    auto it = remote_.find(room);
    if (it == remote_.end()) {
      remote_loading_.erase(room);
      return;
    }
    *c = std::move(it->second);
    remote_.erase(it);
  }
  std::string ids;
  for (const auto& list : {c->fresh, c->changed})
    for (auto id : list) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  LoadSpec spec{ids.empty() ? "none" : "ids", ids, "none", {}};
  load(room, spec, [this, room, c](std::shared_ptr<RoomSnapshot> snap, std::string error) {
    if (!snap) {
      spdlog::warn("commerce redis store: room {}: commits by another node are not told: {}", room,
                   error);
      return tell_remote_commits(room);
    }
    const Shop& shop = *snap->shop;
    RoomChanges out;
    out.room = room;
    out.from_this_node = false;
    for (const auto& sku : c->products)
      if (const Product* p = shop.product(sku)) out.products.push_back(*p);
    for (const auto& id : c->sales)
      if (const FlashSale* s = shop.sale(id)) out.sales.push_back(*s);
    for (const auto& id : c->coupons)
      if (const Coupon* cp = shop.coupon(id)) out.coupons.push_back(*cp);
    for (const auto& id : c->points)
      if (const PickupPoint* p = shop.pickup_point(id)) out.pickup_points.push_back(*p);
    for (auto id : c->fresh)
      if (const Order* o = shop.order(id)) out.new_orders.push_back(*o);
    for (auto id : c->changed)
      if (const Order* o = shop.order(id); o && !c->fresh.contains(id))
        out.changed_orders.push_back(*o);
    out.shelf_changed = c->shelf;
    out.pin_changed = c->pin || (!shop.pinned().empty() && c->products.contains(shop.pinned()));
    if (out.pin_changed && !shop.pinned().empty()) out.pinned = *shop.product(shop.pinned());
    notify(out);
    tell_remote_commits(room);  // what came meanwhile
  });
}

}  // namespace commerce
