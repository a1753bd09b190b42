// Analytics against the real server: scripted viewers enter, see and click products, buy and
// comment; the operator's dashboard stream and GET /stats show it, suggestions follow and
// reach the host, an operator's own model posts suggestions, and bad input is answered.
#include "fixture.hpp"

namespace testing_support {
namespace {

class AnalyticsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    room_ = create_room("show");
    host_key_ = std::string(room_.at("host_key").as_string());
    operator_key_ = std::string(room_.at("operator_key").as_string());
  }

  HttpResult host(std::string_view method, const std::string& target, const json::object& body = {}) {
    return http_request(port(), method, "/api/rooms/show" + target, body.empty() ? "" : json::serialize(body), host_key_);
  }
  void add_product(const std::string& sku, const std::string& title, std::int64_t price, std::int64_t stock) {
    auto res = host("POST", "/products", {{"sku", sku}, {"title", title}, {"price_cents", price}, {"stock", stock}});
    ASSERT_EQ(res.status, 201) << res.body;
  }
  std::unique_ptr<WsClient> dashboard(const std::string& token) {
    return WsClient::connect(port(), "/ws/rooms/show/dashboard?token=" + token);
  }
  HttpResult suggest(const std::string& body, const std::string& token) {
    return http_request(port(), "POST", "/api/rooms/show/suggestions", body, token);
  }
  static auto snapshot_where(std::function<bool(const json::object&)> pred) {
    return [pred = std::move(pred)](const json::object& e) { return e.at("type") == "snapshot" && pred(e); };
  }
  static const json::value& window(const json::object& s, const char* name) { return s.at("windows").at(name); }
  static std::int64_t funnel(const json::object& s, const char* w, std::size_t step) {
    return window(s, w).at("funnel").as_array().at(step).at("viewers").as_int64();
  }
  static const json::object* product(const json::object& s, const std::string& sku) {
    for (const auto& p : s.at("products").as_array())
      if (p.at("sku") == sku.c_str()) return &p.as_object();
    return nullptr;
  }

  json::object room_;
  std::string host_key_, operator_key_;
};

TEST_F(AnalyticsTest, DashboardFollowsScriptedViewersThroughTheFunnel) {
  add_product("soy", "低钠酱油 500ml", 1990, 100);
  add_product("rice", "五常大米 5kg", 6990, 50);
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(ops);
  auto first = ops->wait_type("snapshot");
  ASSERT_TRUE(first) << "a snapshot at once, not after the first tick";
  EXPECT_EQ(first->at("room"), "show");
  EXPECT_EQ(first->at("online"), 0);

  std::vector<std::unique_ptr<WsClient>> viewers;
  for (int i = 0; i < 4; ++i) viewers.push_back(join("show"));
  // Every viewer sees the soy card; two open it; one buys it; one also looks at the rice.
  for (auto& v : viewers) ASSERT_TRUE(v->send_json({{"type", "impression"}, {"sku", "soy"}}));
  ASSERT_TRUE(viewers[0]->send_json({{"type", "click"}, {"sku", "soy"}}));
  ASSERT_TRUE(viewers[1]->send_json({{"type", "click"}, {"sku", "soy"}}));
  ASSERT_TRUE(viewers[2]->send_json({{"type", "impression"}, {"sku", "rice"}}));
  ASSERT_TRUE(viewers[0]->send_json({{"type", "buy"}, {"sku", "soy"}, {"quantity", 2}, {"key", "k1"}}));
  auto bought = viewers[0]->wait_type("order_result");
  ASSERT_TRUE(bought);
  ASSERT_EQ(bought->at("outcome"), "ok") << json::serialize(*bought);
  ASSERT_TRUE(viewers[3]->send_json(chat_msg("酱油多少钱")));
  ASSERT_TRUE(viewers[3]->wait_for(is_chat("酱油多少钱")));
  viewers[3].reset();  // leaves

  auto steps = [](const json::object& s) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < 5; ++i) out.push_back(funnel(s, "broadcast", i));
    return out;
  };
  const std::vector<std::int64_t> expected{4, 4, 2, 1, 1};  // enter, impression, click, order, paid
  auto s = ops->wait_for(snapshot_where([&](const json::object& s) {
    return steps(s) == expected && s.at("online") == 3 && window(s, "broadcast").at("comments") == 1;
  }), 15s);
  ASSERT_TRUE(s) << "the dashboard never showed every step";
  EXPECT_EQ(s->at("peak_online"), 4);
  const auto& all = window(*s, "broadcast");
  EXPECT_EQ(all.at("unique_viewers"), 4);
  EXPECT_EQ(all.at("views"), 4);
  EXPECT_EQ(all.at("orders"), 1);
  EXPECT_EQ(all.at("buyers"), 1);
  EXPECT_EQ(all.at("gmv_cents"), 3980);
  EXPECT_EQ(all.at("gpm_cents"), 3980 * 1000 / 4);
  EXPECT_EQ(all.at("funnel").as_array()[2].at("rate").as_double(), 0.5) << "clicks of those who saw a product";
  const auto* soy = product(*s, "soy");
  ASSERT_TRUE(soy);
  EXPECT_EQ(soy->at("broadcast").at("impressions"), 4);
  EXPECT_EQ(soy->at("broadcast").at("clicks"), 2);
  EXPECT_EQ(soy->at("broadcast").at("orders"), 1);
  EXPECT_EQ(soy->at("broadcast").at("ctr").as_double(), 0.5);
  EXPECT_EQ(soy->at("broadcast").at("cvr").as_double(), 0.5);
  EXPECT_EQ(soy->at("stock"), 98);
  EXPECT_EQ(s->at("products").as_array()[0].at("sku"), "soy") << "ranked by GMV";
  EXPECT_EQ(s->at("series").at("1s").at("online").as_array().size(), 120u);

  // GET /stats answers the same snapshot.
  auto stats = http_request(port(), "GET", "/api/rooms/show/stats", "", host_key_);
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json().at("type"), "snapshot");
  EXPECT_EQ(stats.json().at("windows").at("broadcast").at("gmv_cents"), 3980);
}

TEST_F(AnalyticsTest, ImpossibleAndMalformedEventsAreAnsweredAndCounted) {
  add_product("soy", "低钠酱油 500ml", 1990, 100);
  auto v = join("show");
  ASSERT_TRUE(v);
  v->send_json({{"type", "click"}, {"sku", "no-such-sku"}, {"ref", "c1"}});
  auto unknown = v->wait_for(is_error("unknown_product"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->at("ref"), "c1");
  v->send_json({{"type", "impression"}});
  EXPECT_TRUE(v->wait_for(is_error("bad_field")));
  v->send_json({{"type", "impression"}, {"sku", 42}});
  EXPECT_TRUE(v->wait_for(is_error("bad_field")));
  v->send_json({{"type", "impression"}, {"sku", std::string(65, 'x')}});
  EXPECT_TRUE(v->wait_for(is_error("bad_field")));
  // The session goes on: a good event still counts.
  v->send_json({{"type", "impression"}, {"sku", "soy"}});
  EXPECT_TRUE(wait_metric("livecart_analytics_dropped_events_total{reason=\"unknown_product\"}", 1));
  auto stats = http_request(port(), "GET", "/api/rooms/show/stats", "", operator_key_).json();
  EXPECT_EQ(stats.at("dropped_events").at("unknown_product"), 1);
  v->send_json(chat_msg("still here"));
  EXPECT_TRUE(v->wait_for(is_chat("still here")));
}

TEST_F(AnalyticsTest, DashboardIsForTheRoomsStaffAndTakesNoMessages) {
  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/show/dashboard", &status));
  EXPECT_EQ(status, 401);
  auto v = join("show");
  ASSERT_TRUE(v);
  std::string viewer_token(v->welcome().at("token").as_string());
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/show/dashboard?token=" + viewer_token, &status));
  EXPECT_EQ(status, 403);
  auto other = create_room("other");
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/show/dashboard?token=" + std::string(other.at("operator_key").as_string()), &status));
  EXPECT_EQ(status, 403);
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/nope/dashboard?token=" + std::string(kAdminToken), &status));
  EXPECT_EQ(status, 404);

  auto host = dashboard(host_key_);
  ASSERT_TRUE(host) << "the host may watch the dashboard too";
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(ops);
  ops->send_json(chat_msg("hello"));
  EXPECT_TRUE(ops->wait_for(is_error("read_only")));
  ASSERT_TRUE(ops->wait_type("snapshot")) << "the stream goes on after a refused message";
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/show/stats", "", viewer_token).status, 403);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/show/stats", "", operator_key_).status, 405);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/nope/stats", "", kAdminToken).status, 404);
}

TEST_F(AnalyticsTest, PurchaseQuestionsRaiseASuggestionForTheHostAndTheDashboard) {
  add_product("soy", "低钠酱油 500ml", 1990, 100);
  ASSERT_EQ(host("PUT", "/pin", {{"sku", "soy"}}).status, 200);
  auto host_ws = join("show", "token=" + host_key_);
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(host_ws && ops);
  std::vector<std::unique_ptr<WsClient>> viewers;
  const char* questions[] = {"多少钱", "怎么买", "链接在哪", "多少钱一瓶", "还有吗", "什么时候发货"};
  for (const char* q : questions) {
    viewers.push_back(join("show"));
    ASSERT_TRUE(viewers.back()->send_json(chat_msg(q)));
    ASSERT_TRUE(viewers.back()->wait_for(is_chat(q)));
  }
  auto is_questions = [](const json::object& e) {
    return e.at("type") == "suggestion" && e.at("suggestion").at("rule") == "purchase_questions";
  };
  auto told = host_ws->wait_for(is_questions, 20s);
  ASSERT_TRUE(told) << "the host was not told";
  const auto& sug = told->at("suggestion");
  EXPECT_EQ(sug.at("source"), "livecart");
  EXPECT_EQ(sug.at("severity"), "warning");
  EXPECT_EQ(sug.at("evidence").at("last_minute"), 6);
  EXPECT_EQ(sug.at("sku"), "soy");
  EXPECT_NE(std::string(sug.at("message").as_string()).find("¥19.90"), std::string::npos);
  std::string english(sug.at("message_en").as_string());
  EXPECT_NE(english.find("6 comments in the last minute ask about the price"), std::string::npos) << english;
  EXPECT_NE(english.find("¥19.90"), std::string::npos) << english;
  EXPECT_TRUE(ops->wait_for(is_questions, 20s));
  auto listed = ops->wait_for(snapshot_where([](const json::object& s) {
    for (const auto& x : s.at("suggestions").as_array())
      if (x.at("rule") == "purchase_questions") return true;
    return false;
  }));
  EXPECT_TRUE(listed) << "the snapshot lists the active suggestion";
  // Viewers never see suggestions: the next thing a viewer gets after them is its own chat.
  viewers[0]->send_json(chat_msg("ping"));
  auto next = viewers[0]->wait_for(
      [](const json::object& e) { return e.at("type") == "suggestion" || (e.at("type") == "chat" && e.at("text") == "ping"); });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at("type"), "chat");
}

TEST_F(AnalyticsTest, HotWordsNameTheRoomsProducts) {
  add_product("mgc", "梅干菜 250g", 1590, 100);
  // jieba's dictionary loads in the background at start; hot words wait for it.
  auto until = std::chrono::steady_clock::now() + 60s;
  while (metric_value(port(), "livecart_hot_words_dictionary_words").value_or(0) == 0)
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "the dictionary never loaded";
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(ops);
  for (std::string text : {"梅干菜好香", "梅干菜扣肉", "梅干菜烧饼"}) {
    auto v = join("show");
    ASSERT_TRUE(v->send_json(chat_msg(text)));
    ASSERT_TRUE(v->wait_for(is_chat(text)));
  }
  auto s = ops->wait_for(snapshot_where([](const json::object& s) {
    const auto& words = s.at("hot_words").as_array();
    return !words.empty() && words[0].at("word") == "梅干菜";
  }), 15s);
  ASSERT_TRUE(s);
  const auto& top = s->at("hot_words").as_array()[0];
  EXPECT_EQ(top.at("comments"), 3);
  EXPECT_EQ(top.at("skus").as_array(), json::array{"mgc"});
}

TEST_F(AnalyticsTest, TheDashboardStreamEndsWhenTheRoomCloses) {
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(ops);
  ASSERT_TRUE(ops->wait_type("snapshot"));
  ASSERT_EQ(host("POST", "/close").status, 200);
  EXPECT_TRUE(ops->wait_type("room_closed", 15s));
  EXPECT_EQ(ops->wait_closed(15s), 1000);
  auto stats = http_request(port(), "GET", "/api/rooms/show/stats", "", operator_key_);
  EXPECT_EQ(stats.status, 200) << "the ended broadcast's figures stay readable";
}

TEST_F(AnalyticsTest, AnOperatorsModelPostsSuggestionsShownWithTheirSource) {
  auto host_ws = join("show", "token=" + host_key_);
  auto ops = dashboard(operator_key_);
  ASSERT_TRUE(host_ws && ops);
  std::string body = R"({"source":"my-llm","message":"讲一讲梅干菜的产地","severity":"info","evidence":{"why":"3 people asked"}})";
  auto first = suggest(body, operator_key_);
  ASSERT_EQ(first.status, 201) << first.body;
  auto answer = first.json();
  EXPECT_EQ(answer.at("created"), true);
  const auto& s = answer.at("suggestion");
  EXPECT_EQ(s.at("source"), "my-llm");
  EXPECT_EQ(s.at("rule"), "external");
  EXPECT_EQ(s.at("evidence").at("why"), "3 people asked");
  EXPECT_TRUE(s.at("message_en").is_null()) << "none posted";
  auto told = host_ws->wait_type("suggestion");
  ASSERT_TRUE(told);
  EXPECT_EQ(told->at("suggestion").at("source"), "my-llm");
  EXPECT_TRUE(ops->wait_type("suggestion"));

  // The same advice again (a retry, a model repeating itself) refreshes the first one.
  auto again = suggest(body, operator_key_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("created"), false);
  EXPECT_EQ(again.json().at("suggestion").at("id"), s.at("id"));
  auto stats = http_request(port(), "GET", "/api/rooms/show/stats", "", operator_key_).json();
  EXPECT_EQ(stats.at("suggestions").as_array().size(), 1u);

  auto bilingual = suggest(R"({"source":"my-llm","message":"讲讲产地","message_en":"Talk about where it comes from"})",
                           operator_key_);
  ASSERT_EQ(bilingual.status, 201) << bilingual.body;
  EXPECT_EQ(bilingual.json().at("suggestion").at("message_en"), "Talk about where it comes from");
}

TEST_F(AnalyticsTest, BadSuggestionsAreRefusedWithAClearError) {
  struct Case {
    const char* what;
    std::string body;
    int status;
  };
  std::string long_message = "\"" + repeat("长", 501) + "\"";
  std::vector<Case> cases{
      {"malformed JSON", R"({"source":"m","message":)", 400},
      {"not an object", R"(["a"])", 400},
      {"no message", R"({"source":"m"})", 400},
      {"message of the wrong type", R"({"source":"m","message":5})", 400},
      {"empty message", R"({"source":"m","message":""})", 400},
      {"message too long", R"({"source":"m","message":)" + long_message + "}", 400},
      {"no source", R"({"message":"hi"})", 400},
      {"source posing as built-in", R"({"source":"livecart","message":"hi"})", 400},
      {"source with spaces", R"({"source":"my model","message":"hi"})", 400},
      {"unknown severity", R"({"source":"m","message":"hi","severity":"urgent"})", 400},
      {"ttl too long", R"({"source":"m","message":"hi","ttl_seconds":99999})", 400},
      {"fractional ttl", R"({"source":"m","message":"hi","ttl_seconds":30.5})", 400},
      {"evidence not an object", R"({"source":"m","message":"hi","evidence":[1]})", 400},
      {"unknown field", R"({"source":"m","message":"hi","colour":"red"})", 400},
      {"control characters", R"({"source":"m","message":"a\u0007b"})", 400},
      {"English message of the wrong type", R"({"source":"m","message":"hi","message_en":5})", 400},
      {"empty English message", R"({"source":"m","message":"hi","message_en":""})", 400},
      {"English message too long", R"({"source":"m","message":"hi","message_en":)" + long_message + "}", 400},
  };
  for (const auto& c : cases) {
    auto res = suggest(c.body, operator_key_);
    EXPECT_EQ(res.status, c.status) << c.what << ": " << res.body;
    if (res.status == 400) {
      EXPECT_TRUE(res.json().at("error").at("message").is_string()) << c.what;
    }
  }
  std::string ok = R"({"source":"m","message":"hi"})";
  EXPECT_EQ(suggest(ok, "").status, 401);
  EXPECT_EQ(suggest(ok, host_key_).status, 403) << "operators post suggestions, hosts read them";
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/nope/suggestions", ok, kAdminToken).status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/show/suggestions", "", operator_key_).status, 405);
  EXPECT_EQ(suggest(ok, operator_key_).status, 201) << "and the server still serves";
}

}  // namespace
}  // namespace testing_support
