// chat::Room's mic-link (连麦) part: viewers ask to join the host on camera, staff accept or
// decline, guests leave or are ended. Everything here runs on the room's strand.
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

}  // namespace

void Room::guest_media_ended(int slot, std::string why) {
  asio::post(strand_, [self = shared_from_this(), slot, why = std::move(why)] {
    if (auto guest = self->mic_link_.end_slot(slot))
      self->end_mic_link(*guest, MicLinkEnd::media_ended, why);
  });
}

bool Room::on_mic_link(std::uint64_t member_id, MemberEntry& from, ClientMessage& message) {
  auto staff_only = [&] {
    if (is_staff(from.who.role)) return true;
    send_to(from, encode_error({"forbidden", "only the host or an operator can do this"}));
    return false;
  };
  return std::visit(
      Overloaded{
          [&](MicRequestMsg&) {
            on_mic_request(member_id, from);
            return true;
          },
          [&](MicCancelMsg&) {
            auto entry = mic_link_.cancel(from.who.user_id);
            if (!entry) {
              send_to(from, encode_error({"not_queued", "you have no request waiting"}));
              return true;
            }
            send_to(from, encode_mic_cancelled());
            if (entry->member_id != member_id)
              send_to_member(entry->member_id, encode_mic_cancelled());
            mic_queue_changed();
            return true;
          },
          [&](MicLeaveMsg&) {
            auto guest = mic_link_.end_user(from.who.user_id);
            if (!guest) {
              send_to(from, encode_error({"not_guest", "you are not on camera"}));
              return true;
            }
            end_mic_link(*guest, MicLinkEnd::left);
            // Left from another tab of the same user: that one hears it too.
            if (guest->entry.member_id != member_id)
              send_to(from, encode_mic_ended(guest->slot, MicLinkEnd::left, {}));
            return true;
          },
          [&](MicAcceptMsg& m) {
            if (staff_only()) on_mic_accept(from, m.user_id);
            return true;
          },
          [&](MicDeclineMsg& m) {
            if (!staff_only()) return true;
            auto entry = mic_link_.cancel(m.user_id);
            if (!entry) {
              send_to(from, mic_error(MicLinkError::not_queued, m.user_id));
              return true;
            }
            send_to_member(entry->member_id, encode_mic_declined("declined"));
            mic_queue_changed();
            return true;
          },
          [&](MicEndMsg& m) {
            if (!staff_only()) return true;
            auto guest = m.slot != 0 ? mic_link_.end_slot(m.slot) : mic_link_.end_user(m.user_id);
            if (!guest) {
              send_to(from, mic_error(MicLinkError::not_guest, m.user_id));
              return true;
            }
            end_mic_link(*guest, MicLinkEnd::host_ended);
            return true;
          },
          [&](auto&) { return false; },
      },
      message);
}

void Room::on_mic_request(std::uint64_t member_id, MemberEntry& from) {
  if (is_staff(from.who.role))
    return send_to(
        from, encode_error({"forbidden", "the host and operators do not ask to join the camera"}));
  if (!live_.load(std::memory_order_relaxed))
    return send_to(
        from, encode_error({"not_live", "the host is not live: ask again once the stream starts"}));
  if (auto e = mic_link_.request(from.who, member_id); e != MicLinkError::none)
    return send_to(from, mic_error(e, from.who.user_id));
  send_to(from, encode_mic_queued(mic_link_.position(from.who.user_id)));
  mic_queue_changed();
}

void Room::on_mic_accept(MemberEntry& from, const std::string& user_id) {
  auto accepted = mic_link_.accept(user_id);
  if (accepted.error != MicLinkError::none)
    return send_to(from, mic_error(accepted.error, user_id));
  const MicLinkGuest& guest = accepted.guest;
  GuestPass pass;
  if (mic_link_listener_)
    pass = mic_link_listener_->on_guest_accepted(info_.id, guest.entry.who, guest.slot);
  if (observer_) observer_->on_mic_link_start(guest.entry.who);
  send_to_member(guest.entry.member_id, encode_mic_accepted(guest.slot, pass));
  mic_queue_changed();
  send_now_to_all(encode_mic_guests(mic_link_.guests(), {guest, true}));
}

void Room::mic_link_member_gone(std::uint64_t member_id) {
  auto gone = mic_link_.member_gone(member_id);
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
    send_to_member(guest.entry.member_id, encode_mic_ended(guest.slot, reason, detail));
  mic_queue_changed();
  send_now_to_all(encode_mic_guests(mic_link_.guests(), {guest, false, reason}));
}

void Room::end_all_mic_links(MicLinkEnd reason, bool tell_members) {
  auto queue = mic_link_.take_queue();
  for (const auto& entry : queue)
    if (tell_members) send_to_member(entry.member_id, encode_mic_declined(to_string(reason)));
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

void Room::mic_queue_changed() {
  send_now_to_staff(
      encode_mic_queue(mic_link_.max_guests(), mic_link_.queue(), mic_link_.guests()));
}

}  // namespace chat
