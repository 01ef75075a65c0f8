// The campaign's checks, once healed and drained, from the receivers' own
// records and the database (issue 19):
//   a. every acknowledged event of a stable rule is delivered, or failed with
//      all its attempts recorded; nothing pending for an enabled rule; no
//      delivery recorded delivered that its receiver never accepted;
//   b. every request a receiver saw has its attempt row, but those whose
//      sender was killed before it could record them (open at a SIGKILL or
//      SIGTERM of a sending node, or answered at most 2 s before it; counted);
//   c. never two copies of one delivery at once, never two of one subject of
//      an ordered rule at once (but the copy a node paused past its lease
//      still held open), and no inversion at an ordered rule's receiver unless
//      the earlier one had finally failed or an Admin had sent it again;
//   d. every signature verifies with a key valid at send time (the receivers
//      check), and no firm's lead reaches another firm's URL;
//   e. during outages each node uses < 10% of a core and writes < 100 log
//      lines a minute; RSS and open files stay bounded;
//   f. the API answers 2xx, 4xx or a 503 with Retry-After, never a 500.
import { query } from './db.mjs';

const overlaps = (a, b) => a[0] <= b[1] && b[0] <= a[1];

export async function runChecks({ db, orgs, receivers, nodes, answers, redelivered, faults, outages, violation, drained, maxAttempts }) {
  const report = {};
  const deliveries = await query(db, `SELECT d.id, d.webhook_id, d.rule_id, d.org_id, d.status, d.attempt_count, d.subject,
      d.sequence, e.lead_id, e.trigger_id FROM deliveries d JOIN events e ON e.id = d.event_id`);
  const attempts = await query(db, 'SELECT delivery_id, at, http_status, error FROM delivery_attempts ORDER BY at');
  const leadOrg = new Map((await query(db, 'SELECT id, org_id FROM leads')).map((r) => [r.id, r.org_id]));
  const byWebhook = new Map(deliveries.map((d) => [d.webhook_id, d]));
  const arrivalsOf = new Map();
  for (const req of receivers.requests) {
    if (!arrivalsOf.has(req.id)) arrivalsOf.set(req.id, []);
    arrivalsOf.get(req.id).push(req);
  }
  const finished = (d) => d.status === 'delivered' || (d.status === 'failed' && d.attempt_count >= maxAttempts);

  // a. Nothing acknowledged is lost.
  if (!drained) violation('still pending', 'deliveries of enabled rules still pending after the drain');
  const rules = new Set((await query(db, 'SELECT id FROM webhook_rules')).map((r) => r.id));
  for (const d of deliveries)
    if (d.status === 'pending' && !rules.has(d.rule_id))
      violation('pending for a deleted rule', `delivery ${d.id} of deleted rule ${d.rule_id} is still pending`, d);
  let acknowledged = 0, checked = 0;
  for (const org of orgs) {
    const ofRule = (rule, trigger) => {
      const m = new Map();
      for (const d of deliveries)
        if (d.rule_id === rule && d.trigger_id === trigger) m.set(d.lead_id, [...(m.get(d.lead_id) || []), d]);
      return m;
    };
    const created = ofRule(org.rules.stable, 1), changed = ofRule(org.rules.ordered, 3);
    for (const [leadId, lead] of org.leads) {
      acknowledged += 1 + lead.changes.length;
      if (!org.off.some((off) => overlaps(off, lead.created))) {
        checked += 1;
        const ds = created.get(leadId) || [];
        if (ds.length !== 1) violation('acknowledged event lost', `org${org.id} lead ${leadId}: ${ds.length} Lead Created deliveries of its stable rule`);
        for (const d of ds) if (!finished(d)) violation('not delivered', `org${org.id} lead ${leadId}: delivery ${d.id} is ${d.status} after ${d.attempt_count} attempts`, d);
      }
      const sure = lead.changes.filter((c) => !org.off.some((off) => overlaps(off, c))).length;
      const ds = changed.get(leadId) || [];
      checked += sure;
      if (!lead.ambiguous && (ds.length < sure || ds.length > lead.changes.length))
        violation('acknowledged event lost', `org${org.id} lead ${leadId}: ${lead.changes.length} status changes acknowledged (${sure} while webhooks were on), ${ds.length} delivered or queued`);
      for (const d of ds) if (!finished(d)) violation('not delivered', `org${org.id} lead ${leadId}: delivery ${d.id} (#${d.sequence}) is ${d.status} after ${d.attempt_count} attempts`, d);
    }
    for (const rule of [org.rules.stable, org.rules.ordered])
      for (const d of deliveries)
        if (d.rule_id === rule && d.status === 'delivered' && !(arrivalsOf.get(d.webhook_id) || []).some((a) => a.ok))
          violation('delivered without an acceptance', `delivery ${d.id} is delivered, but its receiver accepted none of ${(arrivalsOf.get(d.webhook_id) || []).length} requests`, d);
  }
  report.acknowledged = acknowledged;
  report.checked_events = checked;
  report.deliveries = deliveries.length;
  report.delivered = deliveries.filter((d) => d.status === 'delivered').length;
  report.failed = deliveries.filter((d) => d.status === 'failed').length;

  // b. Every request a receiver saw has its attempt row, but what a kill cut.
  const rowsOf = new Map();
  for (const a of attempts) rowsOf.set(a.delivery_id, [...(rowsOf.get(a.delivery_id) || []), Number(a.at)]);
  const kills = faults.filter((f) => (f.kind === 'kill' || f.kind === 'term') && f.role !== 'api');
  // Cut by a kill: still open when it came, or answered just before, with no
  // time left to record the answer.
  // (A request sent just before the kill may reach the receiver's event loop
  // a moment after it.)
  const cutBy = (a, k) => a.arrived <= k.at + 1000 && (a.ended == null || a.ended >= k.at - 2000);
  let cut = 0;
  for (const [id, arrivals] of arrivalsOf) {
    const d = byWebhook.get(id);
    if (!d) { violation('a request of no delivery', `${id} to ${arrivals[0].path}`); continue; }
    const rows = [...(rowsOf.get(d.id) || [])].sort((x, y) => x - y);
    const unmatched = [...arrivals].sort((x, y) => x.arrived - y.arrived);
    for (const at of rows) {
      const i = unmatched.findIndex((a) => a.arrived >= at - 1000 && a.arrived <= at + 16000);
      if (i >= 0) unmatched.splice(i, 1);
    }
    // A request the receiver closed without answering is sent again at once
    // on a new connection by the transport, within the same job, and both become
    // attempt rows only with the job's result: the chain is cut by a kill
    // that cuts its last request.
    const byTime = [...arrivals].sort((x, y) => x.arrived - y.arrived);
    const chainCut = (a) => {
      if (kills.some((k) => cutBy(a, k))) return true;
      const next = byTime[byTime.indexOf(a) + 1];
      return !a.ok && a.ended != null && next != null && next.arrived - a.ended <= 1000 && chainCut(next);
    };
    for (const a of unmatched) {
      if (chainCut(a)) { cut += 1; continue; }
      violation('a request without its attempt', `delivery ${d.id} (${id}): a request at ${new Date(a.arrived).toISOString()} has no attempt row (${rows.length} rows, ${arrivals.length} requests)`,
        { request: a, arrivals: arrivals.map((x) => [new Date(x.arrived).toISOString(), x.behaviour, x.answer]),
          rows: attempts.filter((r) => r.delivery_id === d.id).map((r) => [new Date(Number(r.at)).toISOString(), r.http_status, r.error]) });
    }
  }
  report.requests = receivers.requests.length;
  report.attempts = attempts.length;
  report.cut_by_kills = cut;

  // c. Copies at once: only a node paused past its lease (its request still
  // open, the delivery taken by another node meanwhile) may leave one open.
  const pauses = faults.filter((f) => f.kind === 'stop' && f.until - f.at > 60000);
  for (const { kind, entry, open } of receivers.overlaps) {
    const excused = open.every((o) => pauses.some((p) => o.arrived <= p.until && o.arrived >= p.at - 20000));
    if (!excused) violation(kind, `${entry.id} (${entry.subject} #${entry.sequence}) to ${entry.path} arrived while ${open.length} other(s) were open`, { entry, open });
  }

  // c. Order at the ordered rules' receivers.
  let inversions = 0;
  for (const org of orgs) {
    const bySubject = new Map();
    for (const req of receivers.requests.filter((r) => r.org === org.id && r.rule === 'ordered')) {
      if (!bySubject.has(req.subject)) bySubject.set(req.subject, []);
      bySubject.get(req.subject).push(req);
    }
    for (const [subject, reqs] of bySubject) {
      reqs.sort((x, y) => x.arrived - y.arrived);
      let highest = null;
      for (const req of reqs) {
        if (highest && req.sequence < highest.sequence) {
          // Excused only by what happened to the earlier one before the later
          // one went out: all its attempts spent, or an Admin's resend.
          const d = byWebhook.get(req.id);
          const spentBefore = d && (rowsOf.get(d.id) || []).filter((at) => at < highest.arrived).length >= maxAttempts;
          const resentBefore = d && redelivered.some((r) => (r.id === d.id || r.rule === d.rule_id) && r.at < req.arrived);
          const excused = spentBefore || resentBefore;
          if (excused) inversions += 1;
          else violation('inversion', `org${org.id} ${subject}: #${req.sequence} arrived after #${highest.sequence}`, { req, highest });
        }
        if (!highest || req.sequence > highest.sequence) highest = req;
      }
    }
  }
  report.excused_inversions = inversions;

  // d. No firm's lead at another firm's URL.
  for (const req of receivers.requests)
    if (req.leadId != null && leadOrg.has(req.leadId) && leadOrg.get(req.leadId) !== req.org)
      violation('another firm\'s lead', `lead ${req.leadId} of org${leadOrg.get(req.leadId)} reached ${req.path}`, req);
  report.bad_signatures = receivers.requests.filter((r) => r.signatureOk === false).length;

  // e. Resting during outages; bounded memory and files.
  let cpuMax = 0, linesMax = 0;
  for (const o of outages.filter((o) => o.measured)) {
    for (const n of nodes) {
      // A stopped database is away from its first second; a full disk stops
      // writes only once a file must grow: from when the node found it so.
      let from = o.from + 3000;
      if (o.kind === 'disk-full') {
        const noticed = n.lines.find(([t, text]) => t >= o.from && t <= o.to && /database is unavailable/.test(text));
        if (!noticed) continue;
        from = noticed[0] + 1000;
      }
      const to = o.to;
      if (to - from < 3000) continue;
      const inside = n.samples.filter((s) => s.at >= from && s.at <= to);
      if (inside.length < 2 || inside[0].starts !== inside.at(-1).starts) continue;  // restarted meanwhile
      if (faults.some((f) => f.kind === 'stop' && f.node === n.name && f.at < to && f.until > from)) continue;
      const cpu = (inside.at(-1).cpu - inside[0].cpu) / ((inside.at(-1).at - inside[0].at) / 1000);
      const perMinute = n.linesBetween(from, to) * 60000 / (to - from);
      cpuMax = Math.max(cpuMax, cpu);
      linesMax = Math.max(linesMax, perMinute);
      if (cpu >= 0.1) violation('busy during an outage', `${n.name} used ${(cpu * 100).toFixed(1)}% of a core during ${o.kind}`);
      if (perMinute >= 100)
        violation('loud during an outage', `${n.name} wrote ${perMinute.toFixed(0)} log lines a minute during ${o.kind}`,
          n.lines.filter(([t]) => t >= from && t <= to).slice(0, 12).map(([, text]) => text));
    }
  }
  report.outage_cpu_pct_max = +(cpuMax * 100).toFixed(1);
  report.outage_log_lines_per_min_max = Math.round(linesMax);
  const all = nodes.flatMap((n) => n.samples);
  report.rss_max_mib = Math.round(Math.max(0, ...all.map((s) => s.rss)));
  report.fds_max = Math.max(0, ...all.map((s) => s.fds));
  // Bounds, not measurements: a leak of a socket or a buffer per request
  // would pass them within minutes (a sanitizer build holds freed memory in
  // quarantine, hence the room).
  if (report.fds_max > 4096) violation('open files', `a node held ${report.fds_max} files`);
  if (report.rss_max_mib > 2048) violation('memory', `a node held ${report.rss_max_mib} MiB`);

  // f. The API's answers.
  for (const a of answers) {
    if (a.status >= 500 && a.status !== 503) violation('API 5xx', `${a.method} ${a.path} answered ${a.status} on ${a.node}`, a);
    if (a.status === 503 && !a.retryAfter) violation('503 without Retry-After', `${a.method} ${a.path} on ${a.node}`, a);
  }
  report.api_answers = answers.length;
  report.api_503 = answers.filter((a) => a.status === 503).length;
  report.faults = faults.length + outages.length;
  return report;
}
