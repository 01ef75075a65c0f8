// POST/GET/DELETE /api/session: the UI's login with a session cookie.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/secrets.h"
#include "domain/login_attempts.h"
#include "http/connection_limits.h"
#include "http/json_response.h"
#include "http/routes.h"
#include "http/session_cookie.h"

namespace lw::http {

namespace json = boost::json;

namespace {

json::value UserJson(const Identity& who) {
  return json::object{{"id", who.user_id},
                      {"org_id", who.org_id},
                      {"email", who.email},
                      {"name", who.name},
                      {"role", who.admin ? "admin" : "user"}};
}

// Hashing a throwaway password when the email is unknown keeps the answer time
// the same, so timing does not tell which emails have accounts.
const std::string& DummyHash() {
  static const std::string hash = secrets::HashPassword("leadwire-timing-equalizer");
  return hash;
}

}  // namespace

void AddSessionRoutes(Router& router) {
  router.Add(
      "POST", "/api/session", Access::kPublic, [&router](RequestContext& ctx) -> Result<Response> {
        FieldReader f(ctx.body);
        const std::string email = Lower(f.RequiredString("email", 254));
        const std::string password = f.RequiredString("password", 1000);
        LW_CHECK(f.Check());
        // A client is an IPv4 address or an IPv6 /64 (one host often has a
        // whole /64): a guesser cannot take a new share per address.
        const std::string address = ClientKey(router.ClientAddress(ctx.req));
        // The guess is counted before the password is checked (the hash is
        // slow), in the database, so neither concurrency nor spreading the
        // guesses over several nodes gets past the limit.
        struct Guess {
          std::vector<int64_t> reservations;
          std::optional<Credentials> login;
        };
        auto guess = WriteResult<Guess>(router.db(), [&](sql::Connection& c) -> Result<Guess> {
          auto reserved = login_attempts::Reserve(c, email, address, ctx.now_ms);
          if (!reserved)
            return Fail(Error{ErrorKind::kTooManyRequests,
                              "too_many_requests",
                              "Too many failed logins; wait 15 minutes and try again.",
                              {}});
          return Guess{std::move(*reserved), FindLogin(c, email)};
        });
        if (!guess) return Fail(guess.error());
        const bool ok = guess->login
                            ? secrets::VerifyPassword(guess->login->password_hash, password)
                            : (secrets::VerifyPassword(DummyHash(), password), false);
        if (!ok)
          return Fail(Error{
              ErrorKind::kUnauthorized, "unauthorized", "The email or password is wrong.", {}});
        const Identity who = guess->login->who;
        auto session =
            WriteResult<NewSession>(router.db(), [&](sql::Connection& c) -> Result<NewSession> {
              login_attempts::Forgive(c, guess->reservations, email, address, ctx.now_ms);
              return CreateSession(c, who.user_id, ctx.now_ms);
            });
        if (!session) return Fail(session.error());
        Response r = JsonResponse(
            200, json::object{{"user", UserJson(who)}, {"csrf_token", session->csrf_token}});
        r.headers.emplace_back("Set-Cookie",
                               SessionSetCookie(session->token, kSessionLifetimeMs / 1000,
                                                ctx.req.Header("x-forwarded-proto") == "https"));
        return r;
      });

  router.Add("GET", "/api/session", Access::kMember, [](RequestContext& ctx) -> Result<Response> {
    json::object out{{"user", UserJson(ctx.who)}};
    out["csrf_token"] =
        ctx.who.via_session ? json::value(ctx.who.csrf_token) : json::value(nullptr);
    return JsonResponse(200, out);
  });

  router.Add("DELETE", "/api/session", Access::kMember,
             [&router](RequestContext& ctx) -> Result<Response> {
               const std::string session = SessionFromCookie(ctx.req.Header("cookie"));
               if (!session.empty())
                 LW_CHECK(router.db().Write([&](sql::Connection& c) -> Status {
                   DeleteSession(c, session);
                   return {};
                 }));
               Response r = NoContent();
               r.headers.emplace_back("Set-Cookie", SessionClearCookie());
               return r;
             });
}

}  // namespace lw::http
