#include "media/stream_hub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>

#include "media_test_tags.hpp"

namespace media {
namespace {

using namespace media::test;

struct RecordingSink : StreamSink {
  void on_tag(const Tag& tag) override { tags.push_back(tag); }
  void on_end() override { ++ends; }
  std::vector<std::uint32_t> timestamps() const {
    std::vector<std::uint32_t> ts;
    for (const auto& t : tags) ts.push_back(t.timestamp);
    return ts;
  }
  std::vector<Tag> tags;
  int ends = 0;
};

// Also records how the tags came: one entry per run, its size.
struct RunRecordingSink : RecordingSink {
  void on_tags(const TagRun& run) override {
    runs.push_back(run->size());
    RecordingSink::on_tags(run);
  }
  std::vector<std::size_t> runs;
};

class StreamHubTest : public testing::Test {
 protected:
  void run() {
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(30));  // returns as soon as no work is left
  }
  bool claim(std::uint64_t publisher, std::chrono::seconds stale_after = std::chrono::seconds(3)) {
    bool granted = false;
    hub_->claim(publisher, stale_after, [&](bool g) { granted = g; });
    run();
    return granted;
  }
  boost::asio::io_context ioc_;
  std::shared_ptr<StreamHub> hub_ = std::make_shared<StreamHub>(ioc_.get_executor(), "r1");
};

TEST_F(StreamHubTest, ViewersReceivePublishedTagsSharingTheBody) {
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, a);
  hub_->add_sink(2, b);
  Tag k = keyframe(0);
  hub_->push(1, k);
  hub_->push(1, audio(10));
  run();
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0, 10}));
  EXPECT_EQ(b->timestamps(), (std::vector<std::uint32_t>{0, 10}));
  EXPECT_EQ(a->tags[0].body.get(), k.body.get());
  EXPECT_EQ(hub_->viewers(), 2u);
  EXPECT_TRUE(hub_->live());
}

TEST_F(StreamHubTest, LateViewerStartsOnTheLatestKeyframeWithHeaders) {
  claim(1);
  for (auto t : {metadata(), avc_header(), aac_header(), keyframe(0), interframe(33), keyframe(2000), audio(2010)})
    hub_->push(1, t);
  run();
  auto late = std::make_shared<RecordingSink>();
  hub_->add_sink(1, late);
  hub_->push(1, interframe(2033));
  run();
  ASSERT_EQ(late->tags.size(), 6u);
  EXPECT_EQ(late->tags[0].type, flv::TagType::script);
  EXPECT_TRUE(flv::is_keyframe(flv::TagType::video, *late->tags[3].body));
  EXPECT_EQ(late->tags[3].timestamp, 2000u);
  EXPECT_EQ(late->tags[5].timestamp, 2033u);
}

TEST_F(StreamHubTest, StoppingEndsEveryViewerAndForgetsTheCache) {
  auto a = std::make_shared<RecordingSink>();
  claim(1);
  hub_->push(1, keyframe(0));
  hub_->add_sink(1, a);
  hub_->release(1);
  run();
  EXPECT_EQ(a->ends, 1);
  EXPECT_FALSE(hub_->live());
  EXPECT_EQ(hub_->viewers(), 0u);
  claim(1);
  auto b = std::make_shared<RecordingSink>();
  hub_->add_sink(2, b);
  run();
  EXPECT_TRUE(b->tags.empty()) << "a new broadcast does not replay the old one";
}

TEST_F(StreamHubTest, TagsPushedWhileOfflineAreIgnored) {
  auto a = std::make_shared<RecordingSink>();
  hub_->add_sink(1, a);
  hub_->push(1, keyframe(0));
  run();
  EXPECT_TRUE(a->tags.empty());
  EXPECT_EQ(hub_->tags_in(), 0u);
}

TEST_F(StreamHubTest, GoneViewersAreDropped) {
  auto a = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, a);
  run();
  a.reset();
  hub_->push(1, keyframe(0));
  run();
  EXPECT_EQ(hub_->viewers(), 0u);
}

// RTMP players, HTTP-FLV and WHEP viewers of a room share one hub: their ids come from it, so
// one protocol's viewer never replaces or removes another's (each used to count from 1).
TEST_F(StreamHubTest, SinkIdsAreUniqueAcrossEveryKindOfViewer) {
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(hub_->new_sink_id());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(ids.count(0), 0u) << "0 means 'not added' to the sessions";

  auto rtmp_player = std::make_shared<RecordingSink>();
  auto flv_viewer = std::make_shared<RecordingSink>();
  claim(1);
  auto rtmp_id = hub_->new_sink_id();
  auto flv_id = hub_->new_sink_id();
  hub_->add_sink(rtmp_id, rtmp_player);
  hub_->add_sink(flv_id, flv_viewer);
  hub_->push(1, keyframe(0));
  hub_->remove_sink(rtmp_id);
  hub_->push(1, interframe(33));
  run();
  EXPECT_EQ(rtmp_player->timestamps(), (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(flv_viewer->timestamps(), (std::vector<std::uint32_t>{0, 33}));
  EXPECT_EQ(hub_->viewers(), 1u);
}

TEST_F(StreamHubTest, RemovedViewerReceivesNothingMore) {
  auto a = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, a);
  hub_->push(1, keyframe(0));
  hub_->remove_sink(1);
  hub_->push(1, interframe(33));
  run();
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0}));
}

TEST_F(StreamHubTest, ASecondActivePublisherIsRefused) {
  EXPECT_TRUE(claim(1));
  hub_->push(1, keyframe(0));
  run();
  EXPECT_FALSE(claim(2));
}

TEST_F(StreamHubTest, AStalePublisherIsTakenOverAndItsTagsIgnored) {
  auto a = std::make_shared<RecordingSink>();
  EXPECT_TRUE(claim(1));
  hub_->add_sink(1, a);
  hub_->push(1, keyframe(0));
  run();
  EXPECT_TRUE(claim(2, std::chrono::seconds(0)));  // nothing sent "for 0 s": stale
  hub_->push(1, interframe(33));                    // the old connection, still draining
  hub_->push(2, keyframe(5000));
  hub_->release(1);                                 // the old connection closing later
  run();
  // The new publisher's keyframe goes on from the viewers' time (see ATakeoverGoesOnFromTheViewersTime).
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(a->ends, 0) << "viewers stay through a takeover";
  EXPECT_TRUE(hub_->live());
}

TEST_F(StreamHubTest, TheLiveListenerHearsEachStartAndEndButNoTakeover) {
  std::vector<std::pair<std::string, bool>> heard;
  hub_ = std::make_shared<StreamHub>(ioc_.get_executor(), "r1", OutputsFactory{},
                                     [&](const std::string& room, bool live) { heard.emplace_back(room, live); });
  EXPECT_TRUE(claim(1));
  hub_->push(1, keyframe(0));
  run();
  EXPECT_TRUE(claim(2, std::chrono::seconds(0)));  // a takeover: still the same broadcast
  hub_->release(1);                                 // the taken-over publisher: ignored
  run();
  EXPECT_EQ(heard, (std::vector<std::pair<std::string, bool>>{{"r1", true}}));
  hub_->release(2);
  run();
  EXPECT_TRUE(claim(3));
  using P = std::pair<std::string, bool>;
  EXPECT_EQ(heard, (std::vector<P>{{"r1", true}, {"r1", false}, {"r1", true}}));
}

TEST_F(StreamHubTest, AudioRidesWithTheNextVideoFrameInOneRun) {
  auto a = std::make_shared<RunRecordingSink>();
  claim(1);
  hub_->push(1, keyframe(0));
  hub_->add_sink(1, a);
  run();
  hub_->push(1, audio(10));
  hub_->push(1, interframe(33));
  hub_->push(1, interframe(66));
  run();
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0, 10, 33, 66}));
  EXPECT_EQ(a->runs, (std::vector<std::size_t>{1, 2, 1})) << "the start, audio with video, video alone";
}

TEST_F(StreamHubTest, AudioWithoutVideoGoesOutAfterTheWait) {
  auto a = std::make_shared<RunRecordingSink>();
  claim(1);
  hub_->push(1, keyframe(0));
  hub_->add_sink(1, a);
  run();
  const auto start = std::chrono::steady_clock::now();
  hub_->push(1, audio(10));
  hub_->push(1, audio(33));
  run();
  EXPECT_GE(std::chrono::steady_clock::now() - start, StreamHub::kAudioWait);
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0, 10, 33}));
  EXPECT_EQ(a->runs, (std::vector<std::size_t>{1, 2}));
}

TEST_F(StreamHubTest, HeldAudioReachesViewersBeforeTheStreamEnds) {
  auto a = std::make_shared<RecordingSink>();
  claim(1);
  hub_->push(1, keyframe(0));
  hub_->add_sink(1, a);
  hub_->push(1, audio(10));
  hub_->release(1);
  run();
  EXPECT_EQ(a->timestamps(), (std::vector<std::uint32_t>{0, 10}));
  EXPECT_EQ(a->ends, 1);
}

// Mic-link: the mixer's program replaces the publisher's stream for the viewers, and back.
TEST_F(StreamHubTest, AProgramReplacesThePublisherFromItsFirstKeyframeAndTimeGoesOn) {
  auto viewer = std::make_shared<RecordingSink>();
  auto tap = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, viewer);
  for (auto t : {avc_header(), keyframe(5000), interframe(5033)}) hub_->push(1, t);
  run();
  hub_->set_program(7, tap);
  run();
  EXPECT_EQ(tap->timestamps(), (std::vector<std::uint32_t>{0, 5000, 5033})) << "the tap starts with the cached GOP";
  // Until the program has a keyframe, viewers keep the publisher's picture.
  hub_->push_program(7, avc_header());
  hub_->push_program(7, interframe(100));
  hub_->push(1, interframe(5066));
  run();
  EXPECT_EQ(viewer->timestamps().back(), 5066u);
  // The program's keyframe: its header first, on the viewers' timeline (time goes on).
  hub_->push_program(7, keyframe(200));
  hub_->push_program(7, interframe(233));
  hub_->push(1, interframe(5100));  // the publisher's goes to the tap alone now
  run();
  auto ts = viewer->timestamps();
  ASSERT_EQ(ts.size(), 7u);
  EXPECT_EQ(std::vector<std::uint32_t>(ts.begin() + 4, ts.end()), (std::vector<std::uint32_t>{5099, 5099, 5132}))
      << "one frame (33 ms) after the publisher's last";
  EXPECT_TRUE(flv::is_sequence_header(flv::TagType::video, *viewer->tags[4].body));
  EXPECT_EQ(tap->timestamps().back(), 5100u);
  hub_->push_program(8, keyframe(300));  // another program: ignored
  run();
  EXPECT_EQ(viewer->tags.size(), 7u);

  // A late viewer starts on the program's keyframe.
  auto late = std::make_shared<RecordingSink>();
  hub_->add_sink(2, late);
  run();
  ASSERT_GE(late->tags.size(), 2u);
  EXPECT_TRUE(flv::is_sequence_header(flv::TagType::video, *late->tags[0].body));
  EXPECT_EQ(late->tags[1].timestamp, 5099u);

  // Back to the publisher at its next keyframe, its headers first; the program goes on until then.
  bool returned = false;
  hub_->clear_program(7, [&] { returned = true; });
  hub_->push_program(7, interframe(266));
  hub_->push(1, interframe(5133));
  run();
  EXPECT_FALSE(returned);
  EXPECT_EQ(viewer->timestamps().back(), 5165u) << "the program's 266 on the viewers' timeline";
  hub_->push(1, keyframe(5166));
  hub_->push_program(7, interframe(300));  // too late: ignored
  run();
  EXPECT_TRUE(returned);
  ts = viewer->timestamps();
  ASSERT_EQ(ts.size(), 10u);
  EXPECT_TRUE(flv::is_sequence_header(flv::TagType::video, *viewer->tags[8].body));
  EXPECT_EQ(ts[8], 5198u);
  EXPECT_EQ(ts[9], 5198u);
  EXPECT_TRUE(flv::is_keyframe(flv::TagType::video, *viewer->tags[9].body));
  hub_->push(1, interframe(5200));
  run();
  EXPECT_EQ(viewer->timestamps().back(), 5232u);
  EXPECT_EQ(tap->ends, 0);
}

TEST_F(StreamHubTest, TheStreamsEndEndsTheProgramAndTellsTheTap) {
  auto viewer = std::make_shared<RecordingSink>();
  auto tap = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, viewer);
  hub_->push(1, avc_header());
  hub_->push(1, keyframe(0));
  hub_->set_program(3, tap);
  hub_->push_program(3, avc_header());
  hub_->push_program(3, keyframe(10));
  run();
  bool returned = false;
  hub_->clear_program(3, [&] { returned = true; });
  hub_->release(1);
  run();
  EXPECT_TRUE(returned) << "a pending return completes when the stream ends";
  EXPECT_EQ(tap->ends, 1);
  EXPECT_EQ(viewer->ends, 1);
  // Without a program on the air, clearing it is at once.
  claim(2);
  hub_->set_program(4, tap);
  run();
  returned = false;
  hub_->clear_program(4, [&] { returned = true; });
  run();
  EXPECT_TRUE(returned);
}

TEST_F(StreamHubTest, ATakeoverGoesOnFromTheViewersTime) {
  auto viewer = std::make_shared<RecordingSink>();
  claim(1);
  hub_->add_sink(1, viewer);
  hub_->push(1, keyframe(90000));
  run();
  ASSERT_TRUE(claim(2, std::chrono::seconds(0)));
  hub_->push(2, keyframe(0));  // a new encoder starts again at 0
  hub_->push(2, interframe(40));
  run();
  EXPECT_EQ(viewer->timestamps(), (std::vector<std::uint32_t>{90000, 90001, 90041}));
}

}  // namespace
}  // namespace media
