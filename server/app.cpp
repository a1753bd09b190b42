#include "server/app.hpp"

#include <functional>
#include <future>

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "chat/chat_stats.hpp"
#include "server/access.hpp"
#include "server/analytics_api.hpp"
#include "server/analytics_hub.hpp"
#include "server/api.hpp"
#include "server/cluster.hpp"
#include "server/commerce_api.hpp"
#include "server/fulfilment_courier.hpp"
#include "server/shop_events.hpp"
#include "commerce/redis_store.hpp"
#include "commerce/sqlite_store.hpp"
#include "commerce/store_listeners.hpp"
#include "server/listener.hpp"
#include "server/metrics.hpp"
#include "server/mic_link.hpp"
#include "server/room_directory.hpp"
#include "server/room_store.hpp"
#include "server/session_tracker.hpp"
#include "server/static_files.hpp"
#include "server/stream_gate.hpp"
#include "media/demo_source.hpp"
#include "media/live_media.hpp"
#include "media/mic_link_mixer.hpp"
#include "server/media_files.hpp"
#include "media/stream_hubs.hpp"
#include "server/token_signer.hpp"
#include "server/whep_api.hpp"
#include "server/whip_api.hpp"
#include "server/ws_admission.hpp"
#include "media/whep_sessions.hpp"
#include "media/whip_sessions.hpp"

namespace server {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// The signing secret lives in the data dir so that room keys survive restarts.
std::string load_or_create_secret(const fs::path& dir) {
  fs::path path = dir / "secret.key";
  if (std::ifstream in{path}) {
    std::stringstream s;
    s << in.rdbuf();
    std::string secret = s.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() >= 32) return secret;
    throw std::runtime_error(path.string() + " is too short; delete it to make a new one");
  }
  std::string secret = random_token(32);
  {
    std::ofstream out(path, std::ios::trunc);
    out << secret << "\n";
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return secret;
}

void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Stops the process on SIGINT/SIGTERM: stop accepting, close every session, and let the I/O
// threads return once the last one is gone. A second signal, or the grace period, stops at once.
class StopOnSignal {
 public:
  // `stop_services`: what else holds the io_context busy (timers of the shop's background work).
  StopOnSignal(asio::io_context& ioc, Listener& listener, media::RtmpServer& rtmp, SessionTracker& tracker,
               std::chrono::seconds grace, std::function<void()> stop_services)
      : stop_services_(std::move(stop_services)),
        ioc_(ioc),
        listener_(listener),
        rtmp_(rtmp),
        tracker_(tracker),
        grace_period_(grace),
        signals_(ioc, SIGINT, SIGTERM),
        grace_(ioc) {
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
      if (!ec) on_signal(signo);
    });
  }

 private:
  void on_signal(int signo) {
    spdlog::info("signal {}: shutting down", signo);
    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) ioc_.stop();
    });
    listener_.stop();
    rtmp_.stop();
    stop_services_();
    grace_.expires_after(grace_period_);
    grace_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      spdlog::warn("{} sessions did not close in time", tracker_.size());
      ioc_.stop();
    });
    tracker_.shut_down_all([this] {
      asio::post(ioc_, [this] {
        grace_.cancel();
        signals_.cancel();
      });
    });
  }

  std::function<void()> stop_services_;
  asio::io_context& ioc_;
  Listener& listener_;
  media::RtmpServer& rtmp_;
  SessionTracker& tracker_;
  std::chrono::seconds grace_period_;
  asio::signal_set signals_;
  asio::steady_timer grace_;
};

}  // namespace

namespace {

// `sqlite` or `redis`: the store this node runs.
std::string render_shop_metrics(const CommerceApi& shop, const commerce::SqliteStore* sqlite,
                                const commerce::RedisStore* redis, const FulfilmentCourier& courier) {
  std::string out =
      "# HELP livecart_purchases_total Purchase answers by outcome.\n# TYPE livecart_purchases_total counter\n";
  for (std::size_t i = 0; i < CommerceApi::kOutcomes; ++i) {
    auto o = static_cast<commerce::PurchaseOutcome>(i);
    out += "livecart_purchases_total{outcome=\"" + std::string(commerce::to_string(o)) + "\"} " +
           std::to_string(shop.purchases(o)) + "\n";
  }
  auto counter = [&out](const char* name, const char* help, std::uint64_t v, const char* type = "counter") {
    append_metric(out, name, type, help, v);
  };
  if (sqlite) {
    counter("livecart_shop_commits_total", "Shop store batches committed (group commit).", sqlite->commits());
    counter("livecart_shop_operations_total", "Shop store operations, all batches together.", sqlite->operations());
    counter("livecart_shop_quick_refusals_total", "Purchases refused from memory, with no batch to wait for.",
            sqlite->quick_refusals());
  }
  if (redis) {
    counter("livecart_shop_redis_purchases_total", "Purchases answered by the Redis store.", redis->purchases());
    counter("livecart_shop_redis_purchase_round_trips_total", "Redis round trips those purchases took.",
            redis->purchase_round_trips());
    counter("livecart_shop_redis_retries_total", "Commits tried again because another node changed what they rested on.",
            redis->retries());
    counter("livecart_shop_redis_commands_total", "Commands the Redis store's connection had answered.",
            redis->redis_commands());
  }
  counter("livecart_webhook_delivered_total", "Orders delivered to a fulfilment webhook.", courier.delivered_total());
  counter("livecart_webhook_failed_attempts_total", "Failed webhook delivery attempts.", courier.failed_attempts_total());
  counter("livecart_webhook_in_flight", "Webhook deliveries in flight.", courier.in_flight(), "gauge");
  return out;
}

std::string render_analytics_metrics(const AnalyticsHub& a) {
  std::string out =
      "# HELP livecart_analytics_events_total Audience and order events taken in by analytics.\n"
      "# TYPE livecart_analytics_events_total counter\nlivecart_analytics_events_total " +
      std::to_string(a.events()) +
      "\n# HELP livecart_analytics_dropped_events_total Events that could not have happened, by reason.\n"
      "# TYPE livecart_analytics_dropped_events_total counter\n";
  for (std::size_t i = 1; i < analytics::kDropReasons; ++i) {
    auto d = static_cast<analytics::Drop>(i);
    out += "livecart_analytics_dropped_events_total{reason=\"" + std::string(analytics::to_string(d)) + "\"} " +
           std::to_string(a.dropped(d)) + "\n";
  }
  out += "# HELP livecart_suggestions_total Suggestions raised (built-in and external).\n"
         "# TYPE livecart_suggestions_total counter\nlivecart_suggestions_total " +
         std::to_string(a.suggestions_raised()) +
         "\n# HELP livecart_hot_words_dictionary_words Words of the hot-word dictionary (0 while it loads).\n"
         "# TYPE livecart_hot_words_dictionary_words gauge\nlivecart_hot_words_dictionary_words " +
         std::to_string(a.dictionary_words()) + "\n";
  return out;
}

// Viewers see stock and flash-sale remainders at most this often; purchase notices less often.
constexpr std::chrono::milliseconds kStockEventInterval{500};
constexpr std::chrono::milliseconds kPurchaseNoticeInterval{3000};

// The demo room's shelf (once: a shop that has products already is left as it is) and a
// pickup point, so a newcomer can buy at once.
void stock_demo_shop(commerce::Store& store) {
  std::promise<bool> has_products;
  store.shelf("demo", [&](commerce::Result<commerce::ShelfView> s) { has_products.set_value(s.ok() && !s.value->products.empty()); });
  if (has_products.get_future().get()) return;
  struct Item {
    const char* sku; const char* title; commerce::Cents price; std::int64_t stock; std::vector<std::string> tags;
    commerce::Traceability trace; const char* description;
  };
  const std::vector<Item> items{
      {"soy-low-sodium", "低钠酱油 500ml", 1990, 500, {"低钠", "零添加"},
       {"广东佛山", "海天酿造示范工坊", "2026-09-18", "180天自然晒制，钠含量比普通酱油低30%"}, "减盐不减鲜，凉拌、清蒸都合适。"},
      {"rice-wuchang", "五常大米 5kg", 6990, 300, {"有机", "当季新米"},
       {"黑龙江五常", "民乐有机水稻合作社", "2026-10-08", "稻花香2号，当季收割，低温仓储"}, "米粒饱满，煮饭软糯香甜。"},
      {"meigancai", "梅干菜 250g", 1590, 400, {"传统工艺"},
       {"浙江绍兴", "柯桥农户联合社", "2026-08-30", "芥菜晾晒腌制，九蒸九晒"}, "梅干菜扣肉、梅干菜烧饼的灵魂。"},
      {"milk-high-calcium", "高钙奶粉 800g", 8900, 200, {"高钙", "无蔗糖"},
       {"内蒙古呼伦贝尔", "草原牧场乳业", "2026-10-20", "每100g含钙1000mg"}, "中老年和青少年都适合。"},
      {"oats-no-sugar", "无糖燕麦片 1kg", 2990, 600, {"无糖", "高纤维"},
       {"河北张家口", "坝上燕麦种植基地", "2026-09-05", "整粒压片，不添加蔗糖"}, "早餐冲泡或煮粥，饱腹感强。"},
  };
  std::vector<std::future<bool>> done;
  for (const auto& it : items) {
    commerce::Product p;
    p.sku = it.sku;
    p.title = it.title;
    p.price_cents = it.price;
    p.stock = it.stock;
    p.tags = it.tags;
    p.trace = it.trace;
    p.description = it.description;
    auto promise = std::make_shared<std::promise<bool>>();
    done.push_back(promise->get_future());
    store.put_product("demo", std::move(p), [promise](commerce::Result<commerce::Product> r) { promise->set_value(r.ok()); });
  }
  for (auto [name, address, lat, lng] : {std::tuple{"望京社区团购自提点", "北京市朝阳区望京街道阜通东大街6号", 39.9961, 116.4807},
                                        std::tuple{"回龙观自提点", "北京市昌平区回龙观西大街18号", 40.0707, 116.3263}}) {
    auto promise = std::make_shared<std::promise<bool>>();
    done.push_back(promise->get_future());
    store.put_pickup_point("demo", commerce::PickupPoint{"", name, address, lat, lng},
                           [promise](commerce::Result<commerce::PickupPoint> r) { promise->set_value(r.ok()); });
  }
  auto pin = std::make_shared<std::promise<bool>>();
  done.push_back(pin->get_future());
  store.pin("demo", "soy-low-sodium", [pin](commerce::Result<std::string> r) { pin->set_value(r.ok()); });
  for (auto& f : done)
    if (!f.get()) spdlog::warn("demo shop: an item could not be stored");
}

}  // namespace

int run_app(const Config& config) {
  raise_file_limit();
  fs::create_directories(config.data_dir);

  std::string admin_token = config.admin_token;
  bool generated_admin = admin_token.empty();
  if (generated_admin) admin_token = random_token(24);

  asio::io_context ioc{static_cast<int>(config.threads)};
  // Cluster mode: the nodes share one signing secret (a key made on one node works on all).
  std::unique_ptr<Cluster> cluster;
  std::string secret = load_or_create_secret(config.data_dir);
  if (!config.redis.empty()) {
    std::string error;
    cluster = std::make_unique<Cluster>(*redis::parse_url(config.redis, error), ioc.get_executor());
    secret = cluster->shared_secret(secret);
  }
  TokenSigner signer(secret);
  Access access(signer, admin_token);
  ServerMetrics metrics;
  chat::ChatStats chat_stats;
  SessionTracker tracker;
  RoomStore store((fs::path(config.data_dir) / "livecart.db").string());
  RoomDirectory rooms(ioc.get_executor(), store, config.chat, chat_stats);
  // Commerce: the node's SQLite file, or in cluster mode the cluster's Redis (stock and orders
  // shared by every node; its connection of its own).
  std::optional<commerce::SqliteStore> sqlite_store;
  std::optional<commerce::RedisStore> redis_store;
  if (cluster) {
    commerce::RedisStoreOptions options;
    options.node = cluster->node_id();
    redis_store.emplace(cluster->url(), commerce::RedisStore::Clock{}, redis::Options{}, options);
  } else {
    sqlite_store.emplace((fs::path(config.data_dir) / "commerce.db").string());
  }
  commerce::Store& shop_store = sqlite_store ? static_cast<commerce::Store&>(*sqlite_store) : *redis_store;
  AnalyticsHub analytics(ioc.get_executor(), rooms, shop_store);
  AnalyticsApi analytics_api(rooms, access, analytics);
  if (cluster) {
    // Every node's dashboards count the whole room's audience and show the posted suggestions.
    static const std::string kAudience = "lc:audience:", kSuggestions = "lc:suggestions:";
    auto publish_on = [c = cluster.get()](const std::string& prefix) {
      return [c, prefix](const std::string& room, std::string payload) { c->publish(prefix + room, std::move(payload)); };
    };
    analytics.set_relay(cluster->node_id(), publish_on(kAudience));
    analytics_api.set_share(cluster->node_id(), publish_on(kSuggestions));
    cluster->route(kAudience, [&analytics](const std::string& room, std::string_view payload) {
      return analytics.receive(room, payload);
    });
    cluster->route(kSuggestions, [&analytics_api](const std::string& room, std::string_view payload) {
      return analytics_api.receive(room, payload);
    });
  }
  rooms.set_observers([&analytics](const std::string& room) { return analytics.observe(room); });
  // Mic-link guests: the rooms keep the queue and the slots; MicLink mirrors them for the media
  // side (the WHIP endpoint and the mixer, connected below).
  auto mic_link = std::make_shared<MicLink>(rooms, access);
  rooms.set_mic_link(mic_link);
  if (cluster) rooms.set_relay(cluster->relay());
  rooms.load();
  if (config.demo) rooms.ensure(RoomRecord{"demo", "低钠酱油试吃直播间", 0, 0, 0, {}, {}});
  // The cluster's messages stop before the rooms go (however run_app ends).
  struct LeaveCluster {
    Cluster* cluster;
    ~LeaveCluster() {
      if (cluster) cluster->leave();
    }
  } leave_cluster{cluster.get()};
  if (cluster) cluster->join(rooms);
  StaticFiles files(config.web_dir);
  // Declared before the hubs, which hold the pipelines of live rooms.
  std::optional<media::LiveMedia> live_media;
  if (config.hls || config.record || config.snapshots) {
    media::LiveMediaConfig lm;
    if (config.hls) {
      lm.hls_root = fs::path(config.data_dir) / "live";
      fs::remove_all(lm.hls_root);  // segments of the last run's broadcasts are over
    }
    if (config.record) lm.recordings_root = fs::path(config.data_dir) / "recordings";
    lm.snapshots = config.snapshots;
    lm.snapshot_every = config.snapshot_every;
    live_media.emplace(std::move(lm));
  }
  MediaFiles media_files(live_media ? &*live_media : nullptr);
  // A room's members hear when its stream starts and ends (the viewer page plays it then).
  auto tell_room = [&rooms](const std::string& room, bool live) {
    if (auto r = rooms.find(room)) r->set_live(live);
  };
  media::StreamHubs streams(ioc.get_executor(),
                            live_media ? media::OutputsFactory{[&live_media](const std::string& room) {
                              return live_media->start(room);
                            }}
                                       : media::OutputsFactory{},
                            tell_room);
  media::RtmpStats rtmp_stats;
  StreamGate gate(rooms, access, streams);
  ShopEvents shop_events(ioc.get_executor(), rooms, shop_store, kStockEventInterval, kPurchaseNoticeInterval);
  commerce::StoreListeners store_listeners;
  store_listeners.add(&shop_events);
  store_listeners.add(&analytics);
  shop_store.set_listener(&store_listeners);
  // However run_app ends (a port already taken throws), the store stops telling its listeners
  // before they are destroyed: this is destroyed first.
  struct DetachListener {
    commerce::Store& store;
    ~DetachListener() { store.set_listener(nullptr); }
  } detach_listener{shop_store};
  if (config.demo) stock_demo_shop(shop_store);
  FulfilmentConfig fulfilment;
  fulfilment.extra_ca_file = config.webhook_ca_file;
  FulfilmentCourier courier(ioc.get_executor(), shop_store, fulfilment);
  courier.start();
  CommerceApi shop(rooms, access, shop_store);
  shop.on_order_committed = [&courier] { courier.notify(); };
  analytics.start();
  // Bound before the API is made: the room keys answer tells the host console this port.
  auto rtmp = std::make_shared<media::RtmpServer>(
      ioc, asio::ip::tcp::endpoint{asio::ip::make_address(config.bind_address), config.rtmp_port}, gate, config.rtmp,
      rtmp_stats);
  Api api(rooms, access, metrics, chat_stats, rtmp_stats, streams, files, media_files, shop, analytics_api,
          IngestAddress{rtmp->port(), config.public_host});
  api.add_metrics([&shop, &sqlite_store, &redis_store, &courier] {
    return render_shop_metrics(shop, sqlite_store ? &*sqlite_store : nullptr, redis_store ? &*redis_store : nullptr,
                               courier);
  });
  api.add_metrics([&analytics] { return render_analytics_metrics(analytics); });
  if (cluster) {
    api.add_health([&cluster, &redis_store](boost::json::object& body) {
      bool up = cluster->up() && redis_store->available();
      boost::json::object redis{{"url", cluster->url().display()}, {"up", up}};
      if (!up) redis["error"] = cluster->up() ? "the commerce store's connection is down" : cluster->error();
      body["node"] = cluster->node_id();
      body["redis"] = std::move(redis);
      return up;
    });
    api.add_metrics([&cluster] { return render_cluster_metrics(*cluster); });
  }
  media::WhepSessions whep(config.webrtc);
  WhepApi whep_api(rooms, streams, whep);
  api.add_routes([&whep_api](const Request& req, const Target& target, const Respond& respond) {
    return whep_api.handle(req, target, respond);
  });
  api.add_metrics([&whep_api] { return whep_api.metrics(); });
  media::WhipSessions whip(config.webrtc);
  // Mic-link: guests publish (WHIP) into hubs of their own, mixed into their room's program.
  media::MicLinkMixer mixer(ioc.get_executor(), [&streams](const std::string& room) { return streams.find(room); },
                           media::MixerConfig{config.chat.mic_link_max_guests});
  WhipApi whip_api(rooms, access, streams, whip);
  // A guest publishes into its slot's hub while it holds the slot; its stream ending by itself
  // ends the link (unless the slot went to someone else meanwhile); a link ended any other way
  // stops the guest's stream.
  whip_api.guest_hub = [&mixer, &mic_link, &streams](const std::string& room, int slot, const std::string& user,
                                                      std::string& reason) -> std::shared_ptr<media::StreamHub> {
    if (!mic_link->guest_may_publish(room, slot, user)) {
      reason = "this guest does not hold mic-link slot " + std::to_string(slot) + " now";
      return nullptr;
    }
    if (auto host = streams.find(room); !host || !host->live()) {
      reason = "the room is not live: a guest joins the host's broadcast";
      return nullptr;
    }
    return mixer.guest_hub(room, slot);
  };
  whip_api.guest_ended = [&mic_link](const std::string& room, int slot, const std::string& user,
                                     const std::string& why) {
    if (mic_link->guest_may_publish(room, slot, user)) mic_link->guest_media_ended(room, slot, why);
  };
  mic_link->end_media = [&whip](const std::string& room, int slot) {
    whip.close_publishers(media::MicLinkMixer::guest_hub_name(room, slot), "the mic-link ended");
  };
  api.add_routes([&whip_api](const Request& req, const Target& target, const Respond& respond) {
    return whip_api.handle(req, target, respond);
  });
  api.add_metrics([&whip_api] { return whip_api.metrics(); });
  api.add_metrics([&mixer] { return mixer_metrics(mixer.stats()); });
  WsAdmission admission(rooms, access, config.chat);
  ConnectionContext ctx{config, metrics, tracker, api, admission, streams, media_files, shop, analytics};

  auto listener = std::make_shared<Listener>(
      ioc, asio::ip::tcp::endpoint{asio::ip::make_address(config.bind_address), config.http_port}, ctx);
  listener->run();
  std::uint16_t port = listener->port();
  rtmp->run();

  StopOnSignal stop(ioc, *listener, *rtmp, tracker, config.shutdown_grace, [&] {
    courier.stop();
    shop_events.stop();
    analytics.stop();
    if (cluster) cluster->stop();
  });

  // Announced only now that the signal handlers are in place: a SIGTERM sent by whoever read
  // the port line takes the clean path.
  spdlog::info("livecart listening on http://{}:{} ({} threads)", config.bind_address, port, config.threads);
  if (generated_admin) spdlog::info("admin token (generated, pass --admin-token to fix it): {}", admin_token);
  auto demo_stream_key = [&rooms, &access] {
    auto demo = rooms.view("demo");
    return access.stream_key("demo", demo ? demo->record.stream_key_generation : 0);
  };
  if (config.demo) {
    spdlog::info("demo room: http://127.0.0.1:{}/r/demo", port);
    spdlog::info("demo host key: {}", access.host_key("demo"));
    spdlog::info("demo stream: rtmp://127.0.0.1:{}/live/demo?key={}", rtmp->port(), demo_stream_key());
  }
  std::cout << "rtmp_port=" << rtmp->port() << "\n";
  // One machine-readable line for scripts and tests.
  std::cout << "http_port=" << port << std::endl;

  // Publishes to our own port like any encoder would; stopped before the I/O threads end.
  std::optional<media::DemoSource> demo_source;
  if (config.demo_stream)
    demo_source.emplace([demo_stream_key, port = rtmp->port()] {
      return "rtmp://127.0.0.1:" + std::to_string(port) + "/live/demo?key=" + demo_stream_key();
    });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config.threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  demo_source.reset();
  whip.stop();  // WebRTC publishers', mixes' and viewers' pipelines stopped on their own threads
  mixer.stop();
  whep.stop();
  if (live_media) live_media->stop();  // live rooms' files are finished (playlist end, MP4 index)
  spdlog::info("stopped");
  return 0;
}

}  // namespace server
