#pragma once
// Every room's StreamHub on this node, made on first use. Thread-safe (one mutex over the map;
// each hub keeps its state on its own strand).
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/stream_hub.hpp"

namespace media {

class StreamHubs {
 public:
  explicit StreamHubs(boost::asio::any_io_executor executor, OutputsFactory outputs = {}, LiveListener on_live = {})
      : executor_(std::move(executor)), outputs_(std::move(outputs)), on_live_(std::move(on_live)) {}

  [[nodiscard]] std::shared_ptr<StreamHub> get_or_create(const std::string& room);
  [[nodiscard]] std::shared_ptr<StreamHub> find(const std::string& room) const;
  [[nodiscard]] std::vector<std::shared_ptr<StreamHub>> all() const;

 private:
  boost::asio::any_io_executor executor_;
  OutputsFactory outputs_;
  LiveListener on_live_;  // given to every hub
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<StreamHub>> hubs_;
};

}  // namespace media
