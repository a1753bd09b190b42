#pragma once
// Several listeners for one store (the viewers' shop events, analytics): each hears every
// commit, in the order they were added. Add them all before the store starts committing.
#include <vector>

#include "commerce/store.hpp"

namespace commerce {

class StoreListeners final : public StoreListener {
 public:
  void add(StoreListener* listener) { listeners_.push_back(listener); }
  void on_committed(const RoomChanges& changes) override {
    for (auto* l : listeners_) l->on_committed(changes);
  }

 private:
  std::vector<StoreListener*> listeners_;
};

}  // namespace commerce
