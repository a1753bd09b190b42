#pragma once
// Hands every committed order to its room's fulfilment webhook (the WMS): takes due rows from
// the store's outbox, POSTs each one over HTTP/1.1 (or HTTPS, the server's certificate checked
// against the system's CAs and its name) and records the outcome, retrying failures
// with a doubling backoff, so each order arrives at least once, across restarts. Runs on its own
// strand of the I/O executor; the store's completions are posted back to it.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commerce/store.hpp"

namespace server {

struct FulfilmentConfig {
  // How often the outbox is read when notify() does not wake the courier sooner.
  std::chrono::milliseconds poll_interval{1000};
  // One whole attempt: resolve, connect, write the request, read the answer.
  std::chrono::milliseconds request_timeout{5000};
  // Attempts at once, over all rooms.
  std::size_t max_in_flight = 8;
  // The delay after the first failed attempt; it doubles with each further one, up to the cap.
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{5 * 60 * 1000};
  // What the WMS may answer in a body; more fails the attempt unless its status was read.
  std::uint64_t max_response_body = 64 * 1024;
  // PEM file of certificate authorities trusted for https:// webhooks, beside the system's
  // (a WMS with a private CA); empty: the system's only.
  std::string extra_ca_file;
};

// The delay before the next try after the `failed_attempt`-th attempt (1-based) failed:
// base, 2·base, 4·base, … up to the cap. No jitter, so the schedule is known in advance.
[[nodiscard]] std::chrono::milliseconds fulfilment_backoff(const FulfilmentConfig& config,
                                                           std::int64_t failed_attempt);

// An http:// or https:// webhook URL split for the client; nullopt for anything else.
struct WebhookUrl {
  bool tls = false;  // https://
  std::string host;
  std::string port;    // "80" (http) or "443" (https) when the URL names none
  std::string target;  // "/" when the URL has no path
};
[[nodiscard]] std::optional<WebhookUrl> parse_webhook_url(std::string_view url);

// Told after each attempt is durable in the store (on the courier's strand; must not block).
class FulfilmentListener {
 public:
  virtual ~FulfilmentListener() = default;
  // `next_attempt_ms` 0: delivered.
  virtual void on_attempt_recorded(const commerce::DeliveryAttempt& attempt,
                                   std::int64_t next_attempt_ms) = 0;
};

class FulfilmentCourier {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds; the system clock when empty
  // Throws std::invalid_argument for a config it cannot run with (max_in_flight 0, no interval,
  // an extra CA file that cannot be read).
  // The store must outlive the courier's work: stop() first (or let the I/O threads end).
  FulfilmentCourier(boost::asio::any_io_executor io, commerce::Store& store,
                    const FulfilmentConfig& config, Clock clock = {});
  ~FulfilmentCourier();  // stops, like stop() without a handler
  FulfilmentCourier(const FulfilmentCourier&) = delete;
  FulfilmentCourier& operator=(const FulfilmentCourier&) = delete;

  // Set before start(); the listener must outlive the courier's work.
  void set_listener(FulfilmentListener* listener);
  // Starts polling the outbox (the first poll at once). Thread-safe.
  void start();
  // A new order was committed: read the outbox now instead of at the next poll. Thread-safe,
  // cheap; meant for StoreListener::on_committed when it has new orders.
  void notify();
  // Cancels the timer and every attempt in flight (those are not recorded: the outbox keeps
  // them due). `stopped` runs on the courier's strand once nothing more will call the store.
  // Thread-safe; later calls to start() or notify() do nothing.
  void stop(std::function<void()> stopped = {});

  // For metrics; readable from any thread.
  [[nodiscard]] std::uint64_t delivered_total() const;
  [[nodiscard]] std::uint64_t failed_attempts_total() const;
  [[nodiscard]] std::uint64_t in_flight() const;
  // Attempts whose outcome the store could not record, and outbox reads that failed.
  [[nodiscard]] std::uint64_t store_errors_total() const;

 private:
  class Core;  // the state on the strand, kept alive by its pending operations
  std::shared_ptr<Core> core_;
};

}  // namespace server
