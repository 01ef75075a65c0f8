// A rule's URL as the transport reads it, and the origin that keys its
// connections and its endpoint: one parser for both.
#include "webhooks/webhook_url.h"

#include <gtest/gtest.h>

#include "delivery/host_key.h"

namespace lw {
namespace {

TEST(WebhookUrl, ReadsWhatTheRequestNeeds) {
  auto u = ParseWebhookUrl("https://Hooks.Example.COM/catch/1?x=a%20b");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_FALSE(u->host_is_ip);
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->origin, "https://hooks.example.com:443");
  EXPECT_EQ(u->host_header, "hooks.example.com");
  EXPECT_EQ(u->target, "/catch/1?x=a%20b");

  auto plain = ParseWebhookUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_TRUE(plain->host_is_ip);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->host_header, "127.0.0.1:8080");
  EXPECT_EQ(plain->origin, "http://127.0.0.1:8080");

  auto v6 = ParseWebhookUrl("http://[::1]:9000/h");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->host_is_ip);
  EXPECT_EQ(v6->host_header, "[::1]:9000");
  EXPECT_EQ(v6->origin, "http://[::1]:9000");
}

TEST(WebhookUrl, RefusesWhatCannotBeSentTo) {
  for (const char* url :
       {"ftp://example.com/", "example.com/hook", "https:///path", "", "http://", "http://h:/",
        "http://h:0/", "http://h:65536/", "http://h:99999999999/", "http://[v1.x]/",
        // Names no DNS answers for, whose decoded bytes would reach the Host
        // header: CR/LF, a space, NUL, an empty label, a label over 63.
        "http://a%0d%0aX-Injected:%201.example/", "http://a%20b.example/", "http://a%00b/",
        "http://a..b/", "http://.a/"})
    EXPECT_FALSE(ParseWebhookUrl(url)) << url;
  EXPECT_FALSE(ParseWebhookUrl("http://" + std::string(64, 'a') + ".example/"));
  EXPECT_TRUE(ParseWebhookUrl("http://" + std::string(63, 'a') + ".example/"));
  EXPECT_TRUE(ParseWebhookUrl("http://h:65535/"));
  EXPECT_TRUE(ParseWebhookUrl("https://my_hooks-1.Example.com./x"));
}

TEST(WebhookUrl, OneOriginWhateverTheSpelling) {
  EXPECT_EQ(HostKey("HTTPS://Example.com/a"), HostKey("https://example.com:443/b"));
  EXPECT_EQ(HostKey("https://example.com.:0443/"), HostKey("https://example.com/"));
  EXPECT_EQ(HostKey("http://[2001:DB8:0::1]/"), HostKey("http://[2001:db8::1]:80/"));
  EXPECT_EQ(HostKey("https://ex%61mple.com/"), HostKey("https://example.com/"));
  EXPECT_EQ(ParseWebhookUrl("https://ex%61mple.com:8443/")->host_header, "example.com:8443");
  EXPECT_NE(HostKey("http://example.com/"), HostKey("https://example.com/"));
  EXPECT_EQ(EndpointKey(7, HostKey("http://a.test:81/x")), "7|http://a.test:81");
}

}  // namespace
}  // namespace lw
