// chat::Room's mic-link (连麦) part: viewers ask to join the host on camera, staff accept or
// decline, guests leave or are ended. In cluster mode the queue and the slots live on the node
// the stream is live on (the owner: guests publish there); the other nodes forward their members'
// asks to it and hand its answers on. Everything here runs on the room's strand.
#include <boost/asio/post.hpp>

#include "chat/events.hpp"
#include "chat/room.hpp"

namespace chat {
namespace asio = boost::asio;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string mic_error(MicLinkError e, const std::string& user_id) {
  switch (e) {
    case MicLinkError::already_queued:
      return encode_error(
          {to_code(e), "you have asked already: wait for the host's answer, or cancel"});
    case MicLinkError::already_guest:
      return encode_error({to_code(e), user_id + " is on camera already"});
    case MicLinkError::queue_full:
      return encode_error({to_code(e), "too many viewers are waiting: try again later"});
    case MicLinkError::not_queued:
      return encode_error({to_code(e), user_id + " has no request waiting"});
    case MicLinkError::slots_full:
      return encode_error({to_code(e), "every guest slot is taken: end a link first"});
    case MicLinkError::not_guest:
      return encode_error({to_code(e), "no such guest on camera"});
    case MicLinkError::none:
      break;
  }
  return encode_error({"internal", "unexpected mic-link state"});
}

bool same_connection(const MicLinkEntry& a, const MicLinkEntry& b) {
  return a.member_id == b.member_id && a.node == b.node;
}

}  // namespace

void Room::guest_media_ended(int slot, std::string why) {
  asio::post(strand_, [self = shared_from_this(), slot, why = std::move(why)] {
    if (auto guest = self->mic_link_.end_slot(slot))
      self->end_mic_link(*guest, MicLinkEnd::media_ended, why);
  });
}

bool Room::on_mic_link(std::uint64_t member_id, MemberEntry& from, ClientMessage& message) {
  RelayMic ask;  // as it travels to the owner when that is another node
  bool is_mic = std::visit(Overloaded{
                               [&](MicRequestMsg&) {
                                 ask.op = RelayMic::Op::request;
                                 return true;
                               },
                               [&](MicCancelMsg&) {
                                 ask.op = RelayMic::Op::cancel;
                                 return true;
                               },
                               [&](MicLeaveMsg&) {
                                 ask.op = RelayMic::Op::leave;
                                 return true;
                               },
                               [&](MicAcceptMsg& m) {
                                 ask.op = RelayMic::Op::accept;
                                 ask.user = std::move(m.user_id);
                                 return true;
                               },
                               [&](MicDeclineMsg& m) {
                                 ask.op = RelayMic::Op::decline;
                                 ask.user = std::move(m.user_id);
                                 return true;
                               },
                               [&](MicEndMsg& m) {
                                 ask.op = RelayMic::Op::end;
                                 ask.user = std::move(m.user_id);
                                 ask.slot = m.slot;
                                 return true;
                               },
                               [&](auto&) { return false; },
                           },
                           message);
  if (!is_mic) return false;
  if (const std::string* owner = remote_mic_owner()) {
    // Its answer comes back through the relay; its connection closing must reach the owner too.
    if (ask.op == RelayMic::Op::request) mic_askers_.insert(member_id);
    ask.to = *owner;
    ask.member = member_id;
    ask.who = from.who;
    relay_mic(std::move(ask));
    return true;
  }
  on_mic_ask(MicLinkEntry{from.who, member_id, {}}, ask);
  return true;
}

void Room::on_mic_ask(const MicLinkEntry& asker, const RelayMic& ask) {
  auto staff_only = [&] {
    if (is_staff(asker.who.role)) return true;
    mic_reply(asker, encode_error({"forbidden", "only the host or an operator can do this"}));
    return false;
  };
  switch (ask.op) {
    case RelayMic::Op::request:
      return on_mic_request(asker);
    case RelayMic::Op::cancel: {
      auto entry = mic_link_.cancel(asker.who.user_id);
      if (!entry)
        return mic_reply(asker, encode_error({"not_queued", "you have no request waiting"}));
      mic_reply(asker, encode_mic_cancelled());
      if (!same_connection(*entry, asker)) mic_reply(*entry, encode_mic_cancelled());
      return mic_queue_changed();
    }
    case RelayMic::Op::leave: {
      auto guest = mic_link_.end_user(asker.who.user_id);
      if (!guest) return mic_reply(asker, encode_error({"not_guest", "you are not on camera"}));
      end_mic_link(*guest, MicLinkEnd::left);
      // Left from another tab of the same user: that one hears it too.
      if (!same_connection(guest->entry, asker))
        mic_reply(asker, encode_mic_ended(guest->slot, MicLinkEnd::left, {}));
      return;
    }
    case RelayMic::Op::accept:
      if (staff_only()) on_mic_accept(asker, ask.user);
      return;
    case RelayMic::Op::decline: {
      if (!staff_only()) return;
      auto entry = mic_link_.cancel(ask.user);
      if (!entry) return mic_reply(asker, mic_error(MicLinkError::not_queued, ask.user));
      mic_reply(*entry, encode_mic_declined("declined"));
      return mic_queue_changed();
    }
    case RelayMic::Op::end: {
      if (!staff_only()) return;
      auto guest = ask.slot != 0 ? mic_link_.end_slot(ask.slot) : mic_link_.end_user(ask.user);
      if (!guest) return mic_reply(asker, mic_error(MicLinkError::not_guest, ask.user));
      return end_mic_link(*guest, MicLinkEnd::host_ended);
    }
    case RelayMic::Op::gone:
      return mic_connection_gone(asker.member_id, asker.node);
    case RelayMic::Op::reply:
    case RelayMic::Op::queue:
    case RelayMic::Op::guests:
      return;  // the owner's, never asked of it
  }
}

void Room::on_mic_request(const MicLinkEntry& asker) {
  if (is_staff(asker.who.role))
    return mic_reply(
        asker, encode_error({"forbidden", "the host and operators do not ask to join the camera"}));
  // The owner takes requests only while its own stream is live: that is where guests publish.
  if (!live_here_)
    return mic_reply(
        asker,
        encode_error({"not_live", "the host is not live: ask again once the stream starts"}));
  if (auto e = mic_link_.request(asker.who, asker.member_id, asker.node); e != MicLinkError::none)
    return mic_reply(asker, mic_error(e, asker.who.user_id));
  mic_reply(asker, encode_mic_queued(mic_link_.position(asker.who.user_id)));
  mic_queue_changed();
}

void Room::on_mic_accept(const MicLinkEntry& by, const std::string& user_id) {
  auto accepted = mic_link_.accept(user_id);
  if (accepted.error != MicLinkError::none)
    return mic_reply(by, mic_error(accepted.error, user_id));
  const MicLinkGuest& guest = accepted.guest;
  GuestPass pass;
  if (mic_link_listener_)
    pass = mic_link_listener_->on_guest_accepted(info_.id, guest.entry.who, guest.slot);
  if (observer_) observer_->on_mic_link_start(guest.entry.who);
  mic_reply(guest.entry, encode_mic_accepted(guest.slot, pass));
  mic_queue_changed();
  mic_guests_changed(encode_mic_guests(mic_link_.guests(), {guest, true}));
}

void Room::mic_link_member_gone(std::uint64_t member_id) {
  if (mic_askers_.erase(member_id) > 0) {
    if (const std::string* owner = remote_mic_owner()) {
      RelayMic gone;
      gone.op = RelayMic::Op::gone;
      gone.to = *owner;
      gone.member = member_id;
      relay_mic(std::move(gone));
    }
  }
  mic_connection_gone(member_id, {});
}

void Room::mic_connection_gone(std::uint64_t member_id, const std::string& node) {
  auto gone = mic_link_.member_gone(member_id, node);
  if (gone.ended)
    end_mic_link(*gone.ended, MicLinkEnd::disconnected);
  else if (gone.left_queue)
    mic_queue_changed();
}

void Room::end_mic_link(const MicLinkGuest& guest, MicLinkEnd reason, std::string_view detail) {
  if (observer_) observer_->on_mic_link_end(guest.entry.who);
  if (mic_link_listener_)
    mic_link_listener_->on_guest_ended(info_.id, guest.entry.who, guest.slot, reason);
  if (reason != MicLinkEnd::disconnected)
    mic_reply(guest.entry, encode_mic_ended(guest.slot, reason, detail));
  mic_queue_changed();
  mic_guests_changed(encode_mic_guests(mic_link_.guests(), {guest, false, reason}));
}

void Room::end_all_mic_links(MicLinkEnd reason, bool tell_members) {
  auto queue = mic_link_.take_queue();
  for (const auto& entry : queue)
    if (tell_members) mic_reply(entry, encode_mic_declined(to_string(reason)));
  for (const auto& guest : mic_link_.take_guests()) {
    if (tell_members) {
      end_mic_link(guest, reason);
      continue;
    }
    if (observer_) observer_->on_mic_link_end(guest.entry.who);
    if (mic_link_listener_)
      mic_link_listener_->on_guest_ended(info_.id, guest.entry.who, guest.slot, reason);
  }
  if (tell_members && !queue.empty()) mic_queue_changed();
}

void Room::send_to_member(std::uint64_t member_id, std::string frame) {
  if (auto it = members_.find(member_id); it != members_.end())
    send_to(it->second, std::move(frame));
}

void Room::send_now_to_all(std::string frame) {
  auto shared = std::make_shared<const std::string>(std::move(frame));
  for (const auto& [id, entry] : members_)
    if (auto m = entry.member.lock()) m->send(shared, false);
}

void Room::send_now_to_staff(std::string frame) {
  auto shared = std::make_shared<const std::string>(std::move(frame));
  for (const auto& [id, entry] : members_)
    if (is_staff(entry.who.role))
      if (auto m = entry.member.lock()) m->send(shared, false);
}

void Room::mic_reply(const MicLinkEntry& to, std::string frame) {
  if (to.node.empty()) return send_to_member(to.member_id, std::move(frame));
  RelayMic reply;
  reply.op = RelayMic::Op::reply;
  reply.to = to.node;
  reply.member = to.member_id;
  reply.frame = std::move(frame);
  relay_mic(std::move(reply));
}

void Room::mic_queue_changed() {
  send_now_to_staff(
      encode_mic_queue(mic_link_.max_guests(), mic_link_.queue(), mic_link_.guests()));
  // The other nodes' staff see it, and their welcomes say who is on camera.
  if (relay_) relay_mic(mic_state());
}

RelayMic Room::mic_state() const {
  RelayMic state;
  state.op = RelayMic::Op::queue;
  state.queue = mic_link_.queue();
  state.guests = mic_link_.guests();
  for (auto& e : state.queue)
    if (e.node.empty()) e.node = relay_->node_id();
  for (auto& g : state.guests)
    if (g.entry.node.empty()) g.entry.node = relay_->node_id();
  return state;
}

void Room::mic_guests_changed(std::string frame) {
  if (relay_) {
    RelayMic guests;
    guests.op = RelayMic::Op::guests;
    guests.frame = frame;
    relay_mic(std::move(guests));
  }
  send_now_to_all(std::move(frame));
}

// Cluster mode.

const std::string* Room::remote_mic_owner() const {
  if (!relay_ || live_here_) return nullptr;
  const std::string* owner = nullptr;  // the lowest id, should two nodes be live at once
  for (const auto& [node, remote] : remote_nodes_)
    if (remote.live && (!owner || node < *owner)) owner = &node;
  return owner;
}

void Room::relay_mic(RelayMic m) {
  relay_out_.mic.push_back(std::move(m));
  schedule_flush();
}

void Room::receive_mic(const std::string& node, RelayMic& m) {
  const std::string& me = relay_->node_id();
  switch (m.op) {
    case RelayMic::Op::reply:
      if (m.to == me) send_to_member(m.member, std::move(m.frame));
      return;
    case RelayMic::Op::guests:
      return send_now_to_all(std::move(m.frame));
    case RelayMic::Op::queue: {
      for (auto& e : m.queue)
        if (e.node == me) e.node.clear();
      for (auto& g : m.guests)
        if (g.entry.node == me) g.entry.node.clear();
      // Heartbeats repeat the state: staff hear changes only.
      bool changed = m.queue != mic_mirror_queue_ || m.guests != mic_mirror_guests_;
      mic_mirror_node_ = node;
      mic_mirror_queue_ = std::move(m.queue);
      mic_mirror_guests_ = std::move(m.guests);
      if (changed)
        send_now_to_staff(
            encode_mic_queue(mic_link_.max_guests(), mic_mirror_queue_, mic_mirror_guests_));
      return;
    }
    default:
      if (m.to == me) on_mic_ask(MicLinkEntry{m.who, m.member, node}, m);
  }
}

void Room::mic_node_gone(const std::string& node) {
  // Its members' requests and links end as if their connections closed.
  auto gone = mic_link_.node_gone(node);
  for (const auto& guest : gone.ended) end_mic_link(guest, MicLinkEnd::disconnected);
  if (gone.left_queue && gone.ended.empty()) mic_queue_changed();
  if (node == mic_mirror_node_) mic_owner_gone();
}

void Room::mic_owner_gone() {
  // The owner cannot tell this node's members any more: the stream ended as far as they know.
  mic_mirror_node_.clear();
  mic_askers_.clear();
  auto queue = std::exchange(mic_mirror_queue_, {});
  auto guests = std::exchange(mic_mirror_guests_, {});
  for (const auto& entry : queue)
    if (entry.node.empty())
      send_to_member(entry.member_id, encode_mic_declined(to_string(MicLinkEnd::stream_ended)));
  std::vector<MicLinkGuest> on_camera = guests;
  for (const auto& guest : guests) {
    if (guest.entry.node.empty())
      send_to_member(guest.entry.member_id,
                     encode_mic_ended(guest.slot, MicLinkEnd::stream_ended, {}));
    std::erase_if(on_camera, [&](const MicLinkGuest& g) { return g.slot == guest.slot; });
    send_now_to_all(encode_mic_guests(on_camera, {guest, false, MicLinkEnd::stream_ended}));
  }
  if (!queue.empty() || !guests.empty())
    send_now_to_staff(encode_mic_queue(mic_link_.max_guests(), {}, {}));
}

}  // namespace chat
