// §8 Telling Admins: notify_emails (checked, at most 10), and the email a
// rule causes through `serve --smtp-url` — disabled by 410, an hour with no
// success while attempts fail — received by a mail server made here (over
// STARTTLS with the test CA): who it goes to, what it says, its link; one
// per rule per 24 hours; sent again once a mail server that was down is
// back; audited; nothing sent without --smtp-url (and the settings say so);
// on PostgreSQL with two nodes, sent once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE, api, cleanup, cli, freshDatabase, sql, sqlExec, startServer } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';
import { startSmtpServer } from './smtp_server.mjs';
import { makeTestCa } from './test_ca.mjs';

let d, server, second, rx, smtp, ca;
const call = (method, path, body, base = server.base) => api(base, method, path, { token: d.admin.api_token, body });
const EMAILS = ['intake@firm.test', 'Ops@Firm.test'];

before(async () => {
  ca = makeTestCa(mkdtempSync(join(tmpdir(), 'leadwire-smtp-ca-')));
  smtp = await startSmtpServer({ tlsOptions: ca.good });
  rx = await startReceiver();
  rx.status('/gone', 410);
  rx.status('/gone-again', 410);
  rx.status('/gone-later', 410);
  rx.status('/fails', 500);
  rx.status('/news-gone', 410);
  d = freshDatabase('Notify Law');
  const args = ['--allow-destination', '127.0.0.1/32', '--smtp-url', smtp.url(), '--ca-file', ca.caFile,
    '--smtp-from', 'alerts@leadwire.test', '--public-url', 'https://leads.firm.test/', '--retry-schedule', '1s,1s,1s,1s,1s,1s,1s,1s,1s,1s'];
  server = await startServer(d.db, args);
  // On PostgreSQL a second node claims emails too: each is still sent once.
  if (STORE === 'postgresql') second = await startServer(d.db, [...args, '--role', 'worker']);
  assert.equal((await call('PUT', '/api/settings/webhooks', { enabled: true })).status, 200);
});

after(async () => {
  await second?.stop();
  await server?.stop();
  await rx?.close();
  await smtp?.stop();
  if (d) cleanup(d.dir, d.db);
});

const rule = async (title, path) => (await call('POST', '/api/webhook-rules', { title, url: rx.url(path), trigger: 'Lead Created' })).json;
const newLead = () => call('POST', '/api/leads', { contact: { first_name: 'Notice', last_name: 'Me' } });
async function until(predicate, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const mailsAbout = (title) => smtp.messages.filter((m) => m.subject.includes(`"${title}"`));

test('notify_emails: checked (422 naming the bad one, nothing changed), duplicates dropped, [] clears; the settings say a mail server is set', async () => {
  const bad = [
    ['not-a-list', /list of email addresses/],
    [['ok@firm.test', 'nope'], /"nope" is not an email address/],
    [['a@b.test', 7], /list of email addresses/],
    [['bad\u0001@firm.test'], /is not an email address/],
    [Array.from({ length: 11 }, (_, i) => `p${i}@firm.test`), /at most 10/],
  ];
  for (const [notify_emails, message] of bad) {
    const res = await call('PUT', '/api/settings/webhooks', { notify_emails });
    assert.equal(res.status, 422, JSON.stringify(res.json));
    assert.match(res.json.error.fields.notify_emails, message);
  }
  assert.deepEqual((await call('GET', '/api/settings/webhooks')).json.notify_emails, []);
  const saved = await call('PUT', '/api/settings/webhooks', { notify_emails: [...EMAILS, ' intake@FIRM.test ', ''] });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  assert.deepEqual(saved.json.notify_emails, EMAILS);
  assert.equal(saved.json.smtp_configured, true);
  const audit = (await call('GET', '/api/audit-log?limit=5')).json.records;
  assert.ok(audit.some((a) => a.action === 'webhooks.notify_emails_changed'));
  assert.deepEqual((await call('PUT', '/api/settings/webhooks', { notify_emails: [] })).json.notify_emails, []);
  await call('PUT', '/api/settings/webhooks', { notify_emails: EMAILS });
});

test('a rule disabled by 410 sends one email to every address, over STARTTLS, saying which rule, why, and where to look', async () => {
  const r = await rule('Case system', '/gone');
  await newLead();
  await until(() => mailsAbout('Case system').length >= 1, 'the email');
  const [mail] = mailsAbout('Case system');
  assert.equal(mail.from, 'alerts@leadwire.test');
  assert.deepEqual(mail.to, EMAILS);
  assert.equal(mail.tls, true, 'upgraded with STARTTLS, the test CA trusted through --ca-file');
  assert.match(mail.headers, /^From: Leadwire <alerts@leadwire\.test>$/m);
  assert.match(mail.headers, /^To: intake@firm\.test, Ops@Firm\.test$/m);
  assert.match(mail.body, /The webhook rule "Case system" \(Lead Created\) of Notify Law/);
  assert.match(mail.body, /410 Gone/);
  assert.ok(mail.body.includes(`Its deliveries: https://leads.firm.test/#/webhook-rules/${r.id}/deliveries`), mail.body);
  assert.ok(mail.body.includes(rx.url('/gone')));
  await until(async () => (await call('GET', '/api/audit-log?limit=20')).json.records
    .some((a) => a.action === 'rule.notification_sent' && a.target_id === r.id), 'the audit entry');

  // Enabled again and disabled again within 24 hours: no second email.
  assert.equal((await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'Case system', url: rx.url('/gone'), trigger: 'Lead Created', enabled: true })).status, 200);
  const before = rx.at('/gone').length;
  await newLead();
  await until(async () => rx.at('/gone').length > before && !(await call('GET', `/api/webhook-rules/${r.id}`)).json.enabled, 'disabled again');
  await new Promise((resolve) => setTimeout(resolve, 4000));  // the notifier looks every 2 s
  assert.equal(mailsAbout('Case system').length, 1, 'one per rule per 24 hours');
});

test('an hour without success while attempts fail sends one email; a rule that delivers sends none', async () => {
  const failing = await rule('Flaky CRM', '/fails');
  const fine = await rule('Healthy CRM', '/ok');
  await newLead();
  await until(() => sql(d.path, `SELECT failing_since FROM webhook_rules WHERE id = ${failing.id}`)[0].failing_since, 'the first failure');
  // An hour ago (the clock cannot wait an hour): the next failed attempt tells.
  sqlExec(d.path, `UPDATE webhook_rules SET failing_since = ${Date.now() - 2 * 3600e3} WHERE id = ${failing.id}`);
  await until(() => mailsAbout('Flaky CRM').length >= 1, 'the failing email');
  const [mail] = mailsAbout('Flaky CRM');
  assert.match(mail.body, /No webhook of this rule has been delivered since .* its attempts keep failing/);
  assert.equal(mailsAbout('Healthy CRM').length, 0);
  assert.ok(rx.at('/ok').length >= 1);
  await new Promise((resolve) => setTimeout(resolve, 3000));  // more failed attempts meanwhile
  assert.equal(mailsAbout('Flaky CRM').length, 1, 'one per rule per 24 hours');
  await call('PUT', `/api/webhook-rules/${failing.id}`, { title: 'Flaky CRM', url: rx.url('/fails'), trigger: 'Lead Created', enabled: false });
  await call('PUT', `/api/webhook-rules/${fine.id}`, { title: 'Healthy CRM', url: rx.url('/ok'), trigger: 'Lead Created', enabled: false });
});

test('while the mail server is down the email waits, and is sent once it is back', async () => {
  await smtp.stop();
  try {
    await rule('Referral network', '/gone-again');
    await newLead();
    await until(() => sql(d.path, "SELECT COUNT(*) AS n FROM notifications WHERE last_error IS NOT NULL AND status = 'pending'")[0].n >= 1,
      'a failed send, kept for later');
    const [row] = sql(d.path, "SELECT last_error FROM notifications WHERE last_error IS NOT NULL");
    assert.match(row.last_error, /the mail server smtp:\/\/127\.0\.0\.1/);
  } finally {
    await smtp.start();
  }
  await until(() => mailsAbout('Referral network').length >= 1, 'the email once the server is back', 30000);
  assert.equal(mailsAbout('Referral network').length, 1);
});

test('without --smtp-url nothing is sent and the settings say so', async () => {
  const other = freshDatabase('Quiet Law');
  const quiet = await startServer(other.db, ['--allow-destination', '127.0.0.1/32']);
  const q = (method, path, body) => api(quiet.base, method, path, { token: other.admin.api_token, body });
  try {
    const settings = (await q('PUT', '/api/settings/webhooks', { enabled: true, notify_emails: ['quiet@firm.test'] })).json;
    assert.equal(settings.smtp_configured, false);
    await q('POST', '/api/webhook-rules', { title: 'Quiet rule', url: rx.url('/gone-later'), trigger: 'Lead Created' });
    const sentBefore = smtp.messages.length;
    await q('POST', '/api/leads', { contact: { first_name: 'Q' } });
    await until(() => sql(other.path, "SELECT COUNT(*) AS n FROM notifications")[0].n >= 1, 'the queued email');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(smtp.messages.length, sentBefore);
    assert.equal(sql(other.path, "SELECT status FROM notifications")[0].status, 'pending');
  } finally {
    await quiet.stop();
    cleanup(other.dir, other.db);
  }
});

test('"Webhook Rule Disabled" forwards the news to its rules, never to the rule it is about', async () => {
  const news = (await call('POST', '/api/webhook-rules', { title: 'To chat', url: rx.url('/news'), trigger: 'Webhook Rule Disabled' })).json;
  assert.equal(news.trigger.name ?? news.trigger, 'Webhook Rule Disabled');
  const triggers = (await call('GET', '/api/webhook-triggers')).json.records;
  assert.deepEqual(triggers.find((t) => t.id === 30), { ...triggers.find((t) => t.id === 30), name: 'Webhook Rule Disabled', creation_rules: false });
  // A second rule on the trigger whose endpoint is gone: it is disabled by
  // the news itself, and its own disabling goes to the first rule only.
  const gone = (await call('POST', '/api/webhook-rules', { title: 'Dead chat', url: rx.url('/news-gone'), trigger: 'Webhook Rule Disabled' })).json;
  const disabled = await rule('Intake sheet', '/gone-later');
  await newLead();
  await until(() => rx.at('/news').some((w) => JSON.parse(w.body).RuleId === disabled.id), 'the news about Intake sheet');
  const payload = JSON.parse(rx.at('/news').find((w) => JSON.parse(w.body).RuleId === disabled.id).body);
  assert.equal(payload.EventType, 'Webhook Rule Disabled');
  assert.equal(payload.EventTypeId, 30);
  assert.equal(payload.EventByUser, 'Leadwire');
  assert.equal(payload.RuleTitle, 'Intake sheet');
  assert.equal(payload.RuleUrl, rx.url('/gone-later'));
  assert.match(payload.Reason, /410 Gone/);
  assert.ok(Date.now() - Date.parse(payload.DisabledDate) < 60000);
  assert.equal(rx.at('/news')[0].headers['x-leadwire-subject'], `rule:${disabled.id}`);
  // "Dead chat" got the news, answered 410, was disabled; "To chat" hears of that.
  await until(() => rx.at('/news').some((w) => JSON.parse(w.body).RuleId === gone.id), 'the news about Dead chat');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(rx.at('/news-gone').length, 1, 'Dead chat never hears of its own disabling: no loop');
  const about = rx.at('/news').map((w) => JSON.parse(w.body).RuleId);
  assert.equal(about.filter((id) => id === gone.id).length, 1);
  assert.ok(!about.includes(news.id));
});

test('bad mail flags are refused with one sentence', () => {
  for (const [args, message] of [
    [['--smtp-url', 'http://mail.test'], /--smtp-url must be smtp:\/\//],
    [['--smtp-url', 'smtp://mail.test:25', '--smtp-from', 'not an address'], /--smtp-from must be an email address/],
  ]) {
    const r = cli(['serve', '--db', d.db, '--listen', '127.0.0.1:0', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
  }
});
