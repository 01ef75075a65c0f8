// A delivery attempt as the transport sees it (what to send where) and what
// came back. Plain values passed between the dispatcher and transport threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lw {

class ClientIdentity;
class Ed25519Key;
class PayloadTemplate;

// The keys a job is signed with (an organization's, shared by its jobs).
struct SigningKeys {
  std::vector<std::string> hmac;  // whsec_…: current, then previous during its grace
  std::vector<std::shared_ptr<const Ed25519Key>> ed25519;  // when it signs with Ed25519 too
};

// A rule's OAuth2 client-credentials grant: the transport fetches a token
// with it (cached per node) and sends it as a Bearer authorization.
struct OAuth2Client {
  // Whose token it is: the organization and a hash of the rest, so rules
  // with the same credentials share one token and changed ones get another.
  std::string key;
  std::string token_url, client_id, client_secret, scope;
};

struct DeliveryJob {
  int64_t delivery_id = 0;
  std::string url;
  std::string host;      // HostKey(url): the origin, computed once per rule by the dispatcher
  std::string endpoint;  // EndpointKey(org, host): the unit of concurrency and health
  // The event's payload; with a template, what the template is filled from.
  std::string body;
  std::shared_ptr<const PayloadTemplate> payload_template;
  std::string webhook_id;
  std::shared_ptr<const SigningKeys> signing;  // null: sent unsigned (tests)
  std::vector<std::string> headers;            // "Name: value"
  // The transport fills the template and signs the body as the job goes out
  // (delivery/signed_job.h FinishJob): the per-webhook cryptography spreads
  // over its threads, not the dispatcher's one, and the timestamp is the
  // send's. Each send signs again.
  std::vector<std::string> signature_headers;
  std::shared_ptr<const OAuth2Client> oauth2;      // get a token, send it as Bearer
  std::shared_ptr<const ClientIdentity> identity;  // the organization's client certificate
  std::string refusal;  // not empty: nothing is sent, the attempt fails with this
  // When the transport first queued it; kept when the job waits again (no
  // socket was free), so it is still given back once it has waited too long.
  std::optional<std::chrono::steady_clock::time_point> queued_at;
};

struct DeliveryResult {
  int64_t delivery_id = 0;
  int64_t started_at_ms = 0;  // wall clock, for the attempt record
  int64_t duration_ms = 0;
  std::optional<int> http_status;  // nullopt: no HTTP answer
  std::string error;               // empty on an HTTP answer
  std::string response_excerpt;    // the start of the body (kResponseCaptureBytes)
  std::optional<std::string> retry_after;
  // Requests the receiver may have seen for this one attempt: more than one
  // when the connection closed after the request went out and before any
  // answer, and the transport sent it again at once on a new connection.
  // Each is kept as an attempt of its own.
  int requests_sent = 1;
  // A receiver's 401 to the OAuth2 token the first request carried: a new
  // token was fetched and the webhook sent again within this attempt. The
  // refused request is kept as an attempt of its own.
  struct Refused {
    int64_t duration_ms = 0;
    std::string response_excerpt;
  };
  std::optional<Refused> token_refused;
};

inline constexpr size_t kResponseExcerptBytes = 8 * 1024;
// What a transport keeps of a body: the excerpt and 3 bytes more, which
// complete a character cut at its end, so the excerpt stored is cut before it
// rather than ending in half of it (common/unicode.h StorableText).
inline constexpr size_t kResponseCaptureBytes = kResponseExcerptBytes + 3;

}  // namespace lw
