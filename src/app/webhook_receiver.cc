#include "app/webhook_receiver.h"

#include <boost/json.hpp>
#include <charconv>

#include "webhooks/signature.h"

namespace lw::app {

namespace json = boost::json;

namespace {

constexpr int64_t kToleranceS = 5 * 60;

// Pretty-prints a flat payload one key per line; anything else as it came.
std::string Pretty(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return body;
  std::string out = "{\n";
  bool first = true;
  for (const auto& [k, val] : v.get_object()) {
    if (!first) out += ",\n";
    first = false;
    out += "  " + json::serialize(json::string(k)) + ": " + json::serialize(val);
  }
  return out + "\n}";
}

}  // namespace

void WebhookReceiver::SetKey(std::string key) {
  std::lock_guard lock(mutex_);
  key_ = std::move(key);
}

http::Response WebhookReceiver::Handle(const http::Request& req) {
  http::Response res;
  res.content_type = "text/plain; charset=utf-8";
  if (req.method != "POST") {
    res.status = 405;
    res.body = "This is a Leadwire webhook receiver: POST webhooks here.\n";
    return res;
  }
  std::string key;
  {
    std::lock_guard lock(mutex_);
    key = key_;
  }
  const std::string& id = req.Header("webhook-id");
  const std::string& ts_text = req.Header("webhook-timestamp");
  int64_t ts = 0;
  const auto [p, ec] = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ts);
  const bool ts_ok = ec == std::errc() && p == ts_text.data() + ts_text.size();
  const int64_t now_s = clock_.NowMs() / 1000;
  std::string problem;
  if (id.empty() || !ts_ok) {
    problem = "missing webhook-id or webhook-timestamp";
  } else if (ts < now_s - kToleranceS || ts > now_s + kToleranceS) {
    problem = "webhook-timestamp is more than 5 minutes away from now";
  } else if (!key.empty() &&
             !VerifyStandardSignature(req.Header("webhook-signature"), key, id, ts, req.body)) {
    problem = "webhook-signature does not match the key";
  } else if (!key.empty() &&
             !VerifyLeadwireSignature(req.Header("x-leadwire-signature"), key, req.body)) {
    problem = "X-Leadwire-Signature does not match the key";
  } else if (!public_key_.empty() && !VerifyAsymmetricSignature(req.Header("webhook-signature"),
                                                                public_key_, id, ts, req.body)) {
    problem = "webhook-signature has no v1a signature that verifies with the public key";
  }
  const char* checked = key.empty()           ? "Ed25519 signature valid"
                        : public_key_.empty() ? "both signatures valid"
                                              : "all three signatures valid";
  {
    std::lock_guard lock(mutex_);
    if (problem.empty()) {
      out_ << "\n✔ " << req.Header("x-leadwire-event") << "  " << id << "  (rule "
           << req.Header("x-leadwire-rule-id") << ", " << checked << ")\n";
      // The trace it continues, to find it in the sender's tracing.
      if (const std::string& tp = req.Header("traceparent"); !tp.empty())
        out_ << "traceparent: " << tp << "\n";
      out_ << Pretty(req.body) << std::endl;
    } else {
      out_ << "\n✘ rejected " << (id.empty() ? "a webhook" : id) << ": " << problem << std::endl;
    }
  }
  if (problem.empty()) {
    ++valid_;
    res.status = 204;
    res.content_type.clear();
    return res;
  }
  ++invalid_;
  if (on_invalid) on_invalid();
  res.status = 401;
  res.body = problem + "\n";
  return res;
}

}  // namespace lw::app
