#include "http/connection_limits.h"

namespace lw::http {

std::string ClientKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::string ClientKey(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  return ec ? address : ClientKey(parsed);
}

bool ConnectionLimits::Admit(const std::string& client) {
  std::lock_guard lock(mutex_);
  if (max_total_ != 0 && open_ >= max_total_) return false;
  if (client.empty()) {
    ++open_;
    return true;
  }
  size_t& mine = per_client_[client];
  if (max_per_client_ != 0 && mine >= max_per_client_) return false;
  ++mine;
  ++open_;
  return true;
}

void ConnectionLimits::Release(const std::string& client) {
  std::lock_guard lock(mutex_);
  if (client.empty()) {
    --open_;
    return;
  }
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;
  --open_;
  if (--it->second == 0) per_client_.erase(it);
}

size_t ConnectionLimits::Open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace lw::http
