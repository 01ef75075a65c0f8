// §3 of the spec: lookups and the intake records whose changes fire triggers.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "domain/activities.h"
#include "domain/contacts.h"
#include "domain/lead_record.h"
#include "domain/leads.h"
#include "domain/lookups.h"
#include "domain/notes.h"
#include "domain/opportunities.h"
#include "http/route_helpers.h"
#include "http/routes.h"

namespace lw::http {

namespace json = boost::json;

namespace {

using Conn = sql::Connection;
using Ctx = RequestContext;

void AddLookupRoutes(Router& r) {
  r.Add("GET", "/api/lookups", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          return ListLookups(c, ctx.who.org_id);
        }));
  r.Add("POST", "/api/statuses", Access::kAdmin,
        Writes(r, 201, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          FieldReader f(ctx.body);
          const std::string name = f.RequiredString("name", 200);
          const auto subs = f.StringList("substatuses", 200);
          LW_CHECK(f.Check());
          return AddStatus(c, ctx.who.org_id, name, subs);
        }));
  struct Simple {
    const char* path;
    const char* kind;
  };
  for (const Simple& s : {Simple{"/api/case-types", lookup_kind::kCaseType},
                          Simple{"/api/offices", lookup_kind::kOffice},
                          Simple{"/api/marketing-sources", lookup_kind::kMarketingSource},
                          Simple{"/api/opportunity-sources", lookup_kind::kOpportunitySource}}) {
    r.Add("POST", s.path, Access::kAdmin,
          Writes(r, 201, [kind = std::string(s.kind)](Conn& c, Ctx& ctx) -> Result<json::value> {
            FieldReader f(ctx.body);
            const std::string name = f.RequiredString("name", 200);
            LW_CHECK(f.Check());
            auto id = AddLookup(c, ctx.who.org_id, kind, name);
            if (!id) return Fail(id.error());
            return json::object{{"id", *id}, {"name", name}};
          }));
  }
}

void AddLeadRoutes(Router& r) {
  r.Add("POST", "/api/leads", Access::kMember,
        Writes(r, 201, [](Conn& c, Ctx& ctx) { return CreateLead(c, ctx.actor(), ctx.body); }));
  r.Add("GET", "/api/leads", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto paging = ReadPaging(ctx.req);
          if (!paging) return Fail(paging.error());
          return ListLeads(c, ctx.who.org_id, ctx.req.Query("status"), ctx.req.Query("q"),
                           paging->limit, paging->offset);
        }));
  r.Add("GET", "/api/leads/{id}", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) { return GetLead(c, ctx.who.org_id, ctx.id()); }));
  r.Add("PATCH", "/api/leads/{id}", Access::kMember, Writes(r, 200, [](Conn& c, Ctx& ctx) {
          return EditLead(c, ctx.actor(), ctx.id(), ctx.body);
        }));
  r.Add("POST", "/api/leads/{id}/status", Access::kMember, Writes(r, 200, [](Conn& c, Ctx& ctx) {
          return ChangeLeadStatus(c, ctx.actor(), ctx.id(), ctx.body);
        }));
  r.Add("POST", "/api/leads/{id}/notes", Access::kMember, Writes(r, 201, [](Conn& c, Ctx& ctx) {
          return AddNote(c, ctx.actor(), ctx.id(), ctx.body);
        }));
  r.Add("GET", "/api/leads/{id}/notes", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          if (!LeadExists(c, ctx.who.org_id, ctx.id()))
            return Fail(Error::NotFound("No such lead."));
          return ListNotes(c, ctx.who.org_id, ctx.id());
        }));
  struct Activity {
    const char* path;
    ActivityKind kind;
  };
  for (const Activity& a :
       {Activity{"/api/leads/{id}/texts", ActivityKind::kText},
        Activity{"/api/leads/{id}/emails", ActivityKind::kEmail},
        Activity{"/api/leads/{id}/files", ActivityKind::kFile},
        Activity{"/api/leads/{id}/send-to-external", ActivityKind::kExternalSend}}) {
    r.Add("POST", a.path, Access::kMember, Writes(r, 201, [kind = a.kind](Conn& c, Ctx& ctx) {
            return RecordActivity(c, ctx.actor(), kind, ctx.id(), ctx.body);
          }));
  }
  r.Add("POST", "/api/data-syncs", Access::kMember, Writes(r, 201, [](Conn& c, Ctx& ctx) {
          return RecordActivity(c, ctx.actor(), ActivityKind::kDataSync, std::nullopt, ctx.body);
        }));
}

void AddContactRoutes(Router& r) {
  r.Add("POST", "/api/contacts", Access::kMember,
        Writes(r, 201, [](Conn& c, Ctx& ctx) { return CreateContact(c, ctx.actor(), ctx.body); }));
  r.Add("GET", "/api/contacts", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto paging = ReadPaging(ctx.req);
          if (!paging) return Fail(paging.error());
          return ListContacts(c, ctx.who.org_id, ctx.req.Query("q"), paging->limit, paging->offset);
        }));
  r.Add("GET", "/api/contacts/{id}", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) { return GetContact(c, ctx.who.org_id, ctx.id()); }));
  r.Add("PATCH", "/api/contacts/{id}", Access::kMember, Writes(r, 200, [](Conn& c, Ctx& ctx) {
          return EditContact(c, ctx.actor(), ctx.id(), ctx.body);
        }));
  r.Add("POST", "/api/contacts/{id}/tags", Access::kMember, Writes(r, 201, [](Conn& c, Ctx& ctx) {
          return AddTag(c, ctx.actor(), ctx.id(), ctx.body);
        }));
}

void AddOpportunityRoutes(Router& r) {
  r.Add("POST", "/api/opportunities", Access::kMember, Writes(r, 201, [](Conn& c, Ctx& ctx) {
          return CreateOpportunity(c, ctx.actor(), ctx.body);
        }));
  r.Add("GET", "/api/opportunities/{id}", Access::kMember,
        Reads(r, [](Conn& c, Ctx& ctx) { return GetOpportunity(c, ctx.who.org_id, ctx.id()); }));
  r.Add("POST", "/api/opportunities/{id}/convert", Access::kMember,
        Writes(r, 200,
               [](Conn& c, Ctx& ctx) { return ConvertOpportunity(c, ctx.actor(), ctx.id()); }));
  r.Add("POST", "/api/opportunities/{id}/disregard", Access::kMember,
        Writes(r, 200, [](Conn& c, Ctx& ctx) {
          return DisregardOpportunity(c, ctx.actor(), ctx.id(), ctx.body);
        }));
}

}  // namespace

void AddIntakeRoutes(Router& router) {
  AddLookupRoutes(router);
  AddLeadRoutes(router);
  AddContactRoutes(router);
  AddOpportunityRoutes(router);
}

}  // namespace lw::http
