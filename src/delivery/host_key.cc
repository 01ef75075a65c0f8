#include "delivery/host_key.h"

#include <curl/curl.h>

namespace lw {

std::string HostKey(const std::string& url) {
  // curl's own parser, so the key agrees with where curl connects.
  CURLU* u = curl_url();
  std::string key = url;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (scheme && host) key = std::string(scheme) + "://" + host + ":" + (port ? port : "");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return key;
}

std::string EndpointKey(int64_t org_id, const std::string& host_key) {
  return std::to_string(org_id) + "|" + host_key;
}

}  // namespace lw
