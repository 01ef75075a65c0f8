// Browser tests: Debian's Chromium, driven by playwright-core, clicks the
// real UI of a real `leadwire serve` (fresh SQLite file) whose rules deliver
// to a real receiver on 127.0.0.1. The steps follow the help article, then
// the Leads and Deliveries pages, roles, logout and escaping. Each screen is
// saved under build/screenshots/ (docs/screenshots/ by scripts/screenshots.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import ExcelJS from 'exceljs';
import { Webhook } from 'standardwebhooks';
import { addUser, api, cleanup, freshDatabase, startServer } from '../integration/helpers.mjs';
import { startReceiver } from '../integration/receiver.mjs';
import { makeTestCa } from '../integration/test_ca.mjs';

const CHROMIUM = process.env.LEADWIRE_CHROMIUM || '/usr/bin/chromium';
// Under build/ so a test run leaves the tree as it found it;
// scripts/screenshots.sh points this at docs/screenshots/ to refresh the README's.
const SHOTS = process.env.LEADWIRE_SCREENSHOTS || new URL('../../build/screenshots/', import.meta.url).pathname;
const XSS = '<img src=x onerror=alert(1)>';

let d, server, receiver, browser, page, downloads;
const dialogs = [];  // every dialog the pages opened, accepted or not
const pageErrors = [];  // uncaught errors in the pages' scripts
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  downloads = mkdtempSync(join(tmpdir(), 'leadwire-downloads-'));
  d = freshDatabase('Browser Law');
  receiver = await startReceiver();
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  for (const name of ['Auto Accident', 'Slip and Fall', 'Dog Bite'])
    assert.equal((await call('POST', '/api/case-types', { name })).status, 201);
  assert.equal((await call('POST', '/api/offices', { name: 'Downtown' })).status, 201);
  addUser(d.db, d.admin.org_id, 'paralegal@browser-law.test', 'user');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI needs --no-sandbox; loopback only, never a proxy.
    args: ['--no-sandbox', '--no-proxy-server'],
  });
  page = await newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close?.();
  if (d) cleanup(d.dir, d.db);
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

async function newPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const p = await context.newPage();
  p.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    // The confirmations of the UI are answered by each test; a stray alert
    // (an injected script) is recorded and fails the XSS test.
    if (dialog.type() === 'alert') dialog.dismiss();
  });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  return p;
}

async function login(p, email, password) {
  await p.goto(server.base + '/');
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('heading', { name: 'Leads' }).waitFor();
}

const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
// One part of the page, with a margin of what is around it.
async function shotAround(p, locator, name, margin = 16) {
  const box = await locator.boundingBox();  // where it is in the window, scrolled
  const [scrollX, scrollY] = await p.evaluate(() => [window.scrollX, window.scrollY]);
  const x = Math.max(0, box.x + scrollX - margin);
  const y = Math.max(0, box.y + scrollY - margin);
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true,
    clip: { x, y, width: box.width + 2 * margin, height: box.height + 2 * margin } });
}

async function openManage(p, item) {
  await p.getByRole('button', { name: 'Manage' }).click();
  await p.getByRole('link', { name: item, exact: true }).click();
}

// The rule rows as shown: [{id, title, trigger, url, enabled}].
async function shownRules(p) {
  await p.locator('table.list[aria-busy="false"]').waitFor();
  return p.locator('table.list tbody tr[data-rule-id]').evaluateAll((rows) => rows.map((r) => ({
    id: Number(r.dataset.ruleId),
    title: r.cells[1].textContent,
    trigger: r.cells[3].textContent,
    url: r.cells[4].querySelector('.tooltip').textContent,
    enabled: r.cells[0].querySelector('button').classList.contains('on'),
  })));
}

test('an Admin logs in with email and password; the session cookie is HttpOnly and SameSite=Strict', async () => {
  await page.goto(server.base + '/');
  await page.getByLabel('Email').fill(d.adminEmail);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('That email and password do not match.').waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await shot(page, 'login');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Leads' }).waitFor();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'lw_session');
  assert.ok(cookie, 'a session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.doesNotMatch(await page.evaluate(() => document.cookie), /lw_session/);
});

test('a cookie-authenticated change without the CSRF token is refused', async () => {
  const status = await page.evaluate(async () => (await fetch('/api/settings/webhooks', {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"enabled":true}',
  })).status);
  assert.equal(status, 403);
  assert.equal((await call('GET', '/api/settings/webhooks')).json.enabled, false);
});

test('Manage > Settings > Integrations > Webhooks: Enable Webhooks Yes, Save', async () => {
  // The button is named "Manage" for assistive technology; its ▾ is decoration.
  assert.equal(await page.getByRole('button', { name: 'Manage', exact: true }).count(), 1);
  await page.getByRole('button', { name: 'Manage' }).click();
  // Webhook Rules is in the menu only once webhooks are enabled.
  assert.equal(await page.getByRole('link', { name: 'Webhook Rules' }).count(), 0);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Integrations' }).click();
  // Select Webhooks to expand the section.
  await page.getByRole('button', { name: 'Webhooks' }).waitFor();
  assert.equal(await page.getByLabel('Enable Webhooks').isVisible(), false);
  await page.getByRole('button', { name: 'Webhooks' }).click();
  await page.getByLabel('Enable Webhooks').selectOption({ label: 'Yes' });
  await shot(page, 'settings');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#toasts').getByText('Settings saved.').waitFor();
  assert.equal((await call('GET', '/api/settings/webhooks')).json.enabled, true);
  await page.getByRole('button', { name: 'Manage' }).click();
  await page.getByRole('link', { name: 'Webhook Rules' }).waitFor();
  await page.getByRole('button', { name: 'Manage' }).click();  // close it again
});

test('Rotate key shows the new key and how long the old one still signs', async () => {
  const before = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  const shown = page.locator('#authentication-key');
  assert.equal(await shown.textContent(), before);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Rotate key' }).click();
  await page.getByText(/The previous key also signs until/).waitFor();
  const after = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  assert.notEqual(after, before);
  assert.equal(await shown.textContent(), after);
});

test('Create New: a rule with a status, its substatus and two case types', async () => {
  await openManage(page, 'Webhook Rules');
  await page.getByRole('link', { name: 'Create New' }).click();
  await page.getByRole('heading', { name: 'Add Webhook Rule' }).waitFor();
  await page.getByLabel('Title').fill('Chase auto leads');
  await page.getByLabel('Enabled').selectOption({ label: 'Yes' });
  await page.getByLabel('URL', { exact: true }).fill(receiver.url('/chase'));
  // The Creation Rules section is there only for the four lead triggers.
  await page.getByLabel('Trigger').selectOption({ label: 'Contact Added' });
  assert.equal(await page.getByRole('group', { name: 'Creation Rules' }).isVisible(), false);
  await page.getByLabel('Trigger').selectOption({ label: 'Lead Status Changed' });
  await page.getByRole('group', { name: 'Creation Rules' }).waitFor();
  await page.getByLabel('Associated lead status').selectOption({ label: 'Chase' });
  const substatuses = await page.getByLabel('Substatus').locator('option').allTextContents();
  assert.deepEqual(substatuses, ['Any substatus', 'First Attempt', 'Second Attempt', 'Third Attempt']);
  await page.getByLabel('Substatus').selectOption({ label: 'First Attempt' });
  await page.getByLabel('Case type').selectOption(['Auto Accident', 'Slip and Fall']);
  await page.getByLabel('Office').selectOption({ label: 'Downtown' });
  await shot(page, 'rule-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  const rules = (await call('GET', '/api/webhook-rules')).json.records;
  assert.equal(rules.length, 1);
  assert.equal(rules[0].title, 'Chase auto leads');
  assert.equal(rules[0].trigger.name, 'Lead Status Changed');
  assert.equal(rules[0].url, receiver.url('/chase'));
  assert.equal(rules[0].ordered, true, '"Deliver in order for each lead" starts ticked');
  assert.deepEqual(rules[0].creation_rules, {
    status: 'Chase', substatus: 'First Attempt', case_types: ['Auto Accident', 'Slip and Fall'],
    office: 'Downtown', opportunity_source: null, marketing_source: null, requires_case_tracker_code: false,
  });
  assert.deepEqual((await shownRules(page)).map((r) => r.title), ['Chase auto leads']);
});

test('a validation error shows beside its field and nothing is saved', async () => {
  await page.getByRole('link', { name: 'Create New' }).click();
  await page.getByLabel('Title').fill('Bad URL');
  await page.getByLabel('URL', { exact: true }).fill('ftp://example.com/hook');
  await page.getByLabel('Trigger').selectOption({ label: 'Lead Created' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Please correct the marked fields.').waitFor();
  assert.match(await page.locator('#' + await page.getByLabel('URL', { exact: true }).getAttribute('aria-describedby')).textContent(), /http/);
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, 1);
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
});

test('sorting by each column both ways shows the order the API gives', async () => {
  for (const rule of [
    { title: 'Zapier intake', enabled: true, url: receiver.url('/zap'), trigger: 'Lead Created' },
    { title: 'Archive notes', enabled: false, url: receiver.url('/archive'), trigger: 'Note Added' },
    { title: 'make.com contacts', enabled: true, url: receiver.url('/make'), trigger: 'Contact Added' },
  ]) assert.equal((await call('POST', '/api/webhook-rules', rule)).status, 201);
  await page.reload();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  for (const [label, key] of [['Status', 'status'], ['Title', 'title'], ['Trigger', 'trigger'], ['URL', 'url']]) {
    for (const order of ['asc', 'desc']) {
      const header = page.getByRole('columnheader', { name: label });
      // Title starts sorted ascending; each click on a header flips or picks it.
      while (await header.getAttribute('aria-sort') !== (order === 'asc' ? 'ascending' : 'descending')) {
        await header.getByRole('button').click();
        await page.locator('table.list[aria-busy="false"]').waitFor();
      }
      const expected = (await call('GET', `/api/webhook-rules?sort=${key}&order=${order}`)).json.records.map((r) => r.id);
      assert.deepEqual((await shownRules(page)).map((r) => r.id), expected, `${label} ${order}`);
    }
  }
  // And the order itself is right, not just the API's: titles A→Z.
  const title = page.getByRole('columnheader', { name: 'Title' });
  while (await title.getAttribute('aria-sort') !== 'ascending') {
    await title.getByRole('button').click();
    await page.locator('table.list[aria-busy="false"]').waitFor();
  }
  const titles = (await shownRules(page)).map((r) => r.title);
  assert.deepEqual(titles, [...titles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  // A click anywhere in a header cell sorts, not only on its text.
  const trigger = page.getByRole('columnheader', { name: 'Trigger' });
  const box = await trigger.boundingBox();
  await page.mouse.click(box.x + box.width - 2, box.y + box.height - 2);
  await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]')?.textContent.includes('Trigger'));
  await page.locator('table.list[aria-busy="false"]').waitFor();
});

test('the Filter: box narrows the list; Excel downloads exactly the rows shown', async () => {
  await page.getByLabel('Filter:').fill('ZAP');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-rule-id]').length === 1);
  const shown = await shownRules(page);
  assert.deepEqual(shown.map((r) => r.title), ['Zapier intake']);
  await page.getByLabel('Filter:').fill('a');  // matches several, in the current sort
  await page.waitForFunction(() => document.querySelectorAll('tr[data-rule-id]').length > 1);
  const rows = await shownRules(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Excel' }).click()]);
  const file = join(downloads, 'rules.xlsx');
  await download.saveAs(file);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  const sheet = book.worksheets[0];
  const cells = [];
  sheet.eachRow((row) => cells.push(row.values.slice(1)));
  assert.deepEqual(cells[0], ['Status', 'Title', 'Trigger', 'URL', 'Authentication']);
  assert.deepEqual(cells.slice(1), rows.map((r) => [r.enabled ? 'Enabled' : 'Disabled', r.title, r.trigger, r.url, 'None']));
  await page.getByLabel('Filter:').fill('');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-rule-id]').length === 4);
});

test('hovering the question mark shows the URL; the authentication key is at the bottom right', async () => {
  const row = page.locator('tr', { hasText: 'Chase auto leads' });
  const tooltip = row.getByRole('tooltip');
  assert.equal(await tooltip.isVisible(), false);
  await row.locator('.qmark').hover();
  await tooltip.waitFor({ state: 'visible' });
  assert.equal(await tooltip.textContent(), receiver.url('/chase'));
  const key = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  assert.equal(await page.locator('.key-line', { hasText: 'Webhook authentication key' }).locator('.key').textContent(), key);
});

test('clicking the check mark disables a rule; Delete appears only then, with OK/Cancel', async () => {
  const row = page.locator('tr', { hasText: 'Zapier intake' });
  assert.equal(await row.getByRole('button', { name: 'Delete' }).count(), 0);
  await row.getByRole('button', { name: 'Enabled: disable Zapier intake' }).click();
  await row.getByRole('button', { name: 'Disabled: enable Zapier intake' }).waitFor();
  const rule = (await call('GET', '/api/webhook-rules?filter=zapier')).json.records[0];
  assert.equal(rule.enabled, false);
  // Cancel keeps it.
  page.once('dialog', (dialog) => dialog.dismiss());
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.waitForTimeout(0);
  assert.equal((await call('GET', `/api/webhook-rules/${rule.id}`)).status, 200);
  // OK deletes it, and a confirmation appears in the top right corner.
  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  const message = page.locator('#toasts').getByText('Webhook rule “Zapier intake” deleted.');
  await message.waitFor();
  const box = await message.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box.x > viewport.width / 2 && box.y < viewport.height / 4, 'the message is in the top right');
  assert.equal((await call('GET', `/api/webhook-rules/${rule.id}`)).status, 404);
  await page.waitForFunction(() =>
    ![...document.querySelectorAll('tr[data-rule-id]')].some((r) => r.textContent.includes('Zapier intake')));
  assert.ok(dialogs.some((m) => m.includes('Zapier intake')), 'the confirmation named the rule');
});

test('a title with markup shows as text and runs nothing', async () => {
  await page.getByRole('link', { name: 'Create New' }).click();
  await page.getByLabel('Title').fill(XSS);
  await page.getByLabel('URL', { exact: true }).fill(receiver.url('/xss'));
  await page.getByLabel('Trigger').selectOption({ label: 'Tag Added To Contact' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  const cell = page.locator('td', { hasText: XSS });
  await cell.waitFor();
  assert.equal(await cell.textContent(), XSS);
  assert.equal(await page.locator('table img').count(), 0);
  await page.locator('tr', { hasText: XSS }).getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('heading', { name: 'Edit Webhook Rule' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), XSS);
  assert.equal(dialogs.filter((m) => m === '1').length, 0, 'no alert ran');
  await page.getByRole('link', { name: 'Cancel' }).click();
});

test('a lead created and moved to Chase in the UI reaches the receiver and shows in Deliveries', async () => {
  // Two more rules: one for edits, one whose endpoint answers 410 Gone.
  receiver.status('/gone', 410);
  for (const rule of [
    { title: 'Edits', enabled: true, url: receiver.url('/edited'), trigger: 'Lead Edited' },
    { title: 'Gone endpoint', enabled: true, url: receiver.url('/gone'), trigger: 'Lead Created' },
  ]) assert.equal((await call('POST', '/api/webhook-rules', rule)).status, 201);
  await page.getByRole('link', { name: 'Leads', exact: true }).click();
  await page.getByRole('link', { name: 'New Lead' }).click();
  await page.getByLabel('First name').fill('Maria');
  await page.getByLabel('Last name').fill('Gomez');
  await page.getByLabel('Email').fill('maria.gomez@example.com');
  await page.getByLabel('Case type').selectOption({ label: 'Auto Accident' });
  await page.getByLabel('Office').selectOption({ label: 'Downtown' });
  await page.getByLabel('Summary').fill('Rear-ended on 5th Street.');
  await page.getByRole('button', { name: 'Create Lead' }).click();
  await page.getByRole('heading', { name: /Maria Gomez/ }).waitFor();
  const leadId = Number(page.url().match(/#\/leads\/(\d+)/)[1]);

  await page.getByRole('form', { name: 'Status' }).getByLabel('Status', { exact: true }).selectOption({ label: 'Chase' });
  await page.getByRole('form', { name: 'Status' }).getByLabel('Substatus').selectOption({ label: 'First Attempt' });
  await page.getByRole('button', { name: 'Change Status' }).click();
  await page.locator('#current-status').getByText('Chase · First Attempt').waitFor();
  await page.getByLabel('Summary').fill('Rear-ended on 5th Street; neck pain.');
  await page.getByRole('button', { name: 'Save Lead' }).click();
  await page.locator('#toasts').getByText('Lead saved.').waitFor();
  await receiver.until(() => receiver.at('/edited').length === 1, 10000, 'the Lead Edited webhook');
  assert.equal(receiver.at('/edited')[0].headers['x-leadwire-event'], 'Lead Edited');
  assert.equal(receiver.at('/edited')[0].json.LeadId, leadId);
  await page.getByRole('textbox', { name: 'Note', exact: true }).fill('Called, left a message.');
  await page.getByRole('button', { name: 'Add Note' }).click();
  await page.getByText('Called, left a message.', { exact: true }).waitFor();
  await shot(page, 'lead');

  await receiver.until(() => receiver.at('/chase').length === 1, 10000, 'the status change webhook');
  const hook = receiver.at('/chase')[0];
  const key = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  const payload = new Webhook(key).verify(hook.body, hook.headers);
  assert.equal(payload.LeadId, leadId);
  assert.equal(hook.headers['x-leadwire-event'], 'Lead Status Changed');

  await page.getByRole('link', { name: 'Leads', exact: true }).click();
  await page.getByRole('link', { name: 'L000001' }).waitFor();
  await shot(page, 'leads');
  // Search and the status filter narrow the list.
  await page.getByLabel('Search').fill('nobody-by-that-name');
  await page.getByText('No leads.').waitFor();
  await page.getByLabel('Search').fill('gomez');
  await page.getByRole('link', { name: 'L000001' }).waitFor();
  await page.getByLabel('Status').selectOption({ label: 'Lost' });
  await page.getByText('No leads.').waitFor();
  await page.getByLabel('Status').selectOption({ label: 'Chase' });
  await page.getByRole('link', { name: 'L000001' }).waitFor();

  await openManage(page, 'Webhook Rules');
  // The rule whose endpoint said 410 was disabled by the system, and says why.
  await receiver.until(() => receiver.at('/gone').length === 1, 10000, 'the delivery to the 410 endpoint');
  await page.reload();
  const gone = page.locator('tr', { hasText: 'Gone endpoint' });
  await gone.getByRole('button', { name: 'Disabled: enable Gone endpoint' }).waitFor();
  await gone.getByText(/answered 410/).waitFor();  // (the port in its URL may hold 410 too)
  await page.locator('tr', { hasText: 'Chase auto leads' }).getByRole('link', { name: 'Deliveries' }).click();
  await page.getByRole('heading', { name: 'Deliveries: Chase auto leads' }).waitFor();
  const row = page.locator('tr[data-delivery-id]').first();
  await row.getByText('delivered').waitFor();
  await row.locator('td').nth(4).getByText('HTTP 200').waitFor();
  assert.equal(await row.locator('code').textContent(), hook.headers['webhook-id']);

  await page.getByRole('button', { name: 'Send test event' }).click();
  await receiver.until(() => receiver.at('/chase').length === 2, 10000, 'the test event');
  await page.getByRole('button', { name: `Redeliver ${hook.headers['webhook-id']}` }).click();
  await receiver.until(() => receiver.at('/chase').length === 3, 10000, 'the redelivery');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tr[data-delivery-id]').length === 2);
  await page.getByText(`Attempts of ${hook.headers['webhook-id']}`).click();
  await page.locator('details', { hasText: `Attempts of ${hook.headers['webhook-id']}` })
    .locator('li').filter({ hasText: 'HTTP 200' }).first().waitFor();
  await page.locator('#toasts .toast').first().waitFor({ state: 'detached' });  // they go by themselves
  await shot(page, 'deliveries');

  // The status filter offers every status the API accepts.
  assert.deepEqual(await page.getByLabel('Status').locator('option').allTextContents(),
    ['All', 'pending', 'delivered', 'failed', 'cancelled']);
  await page.getByLabel('Status').selectOption('cancelled');
  await page.getByText('No deliveries yet.').waitFor();
  await page.getByLabel('Status').selectOption('');
  // (The list must be back before webhooks are turned off: it is read with them on.)
  await page.locator('tr[data-delivery-id]').first().waitFor();
  // A button whose call fails says why on the page (no unhandled rejection).
  assert.equal((await call('PUT', '/api/settings/webhooks', { enabled: false })).status, 200);
  await page.getByRole('button', { name: `Redeliver ${hook.headers['webhook-id']}` }).click();
  await page.locator('#toasts .toast.error', { hasText: 'Webhooks are disabled' }).waitFor();
  assert.equal((await call('PUT', '/api/settings/webhooks', { enabled: true })).status, 200);
  assert.deepEqual(pageErrors, []);
});

test("a lead's Webhooks panel says which condition stopped each rule, follows the lead, and links its deliveries", async () => {
  const rule = await call('POST', '/api/webhook-rules', { title: 'Auto or slip only', enabled: true,
    url: receiver.url('/auto-or-slip'), trigger: 'Lead Status Changed',
    creation_rules: { case_types: ['Auto Accident', 'Slip and Fall'] } });
  assert.equal(rule.status, 201);
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Rex', last_name: 'Bitten' }, case_type: 'Dog Bite' })).json;
  await page.goto(`${server.base}/#/leads/${lead.id}`);
  await page.getByRole('heading', { name: /Rex Bitten/ }).waitFor();
  const panel = page.getByRole('region', { name: 'Webhooks' });
  const verdict = (title) => panel.locator('.verdicts > li', { hasText: title });
  await verdict('Auto or slip only').getByText('Case type is Dog Bite; this rule wants Auto Accident or Slip and Fall').first().waitFor();
  assert.match(await verdict('Auto or slip only').locator('.verdict-head').textContent(), /^✗Does not fire: Auto or slip only/);
  assert.match(await verdict('Edits').locator('.verdict-head').textContent(), /^✓Fires: Edits/);
  // The 410 rule that Leadwire disabled says so, with its reason.
  await verdict('Gone endpoint').getByText(/answered 410/).first().waitFor();
  await page.evaluate(() => document.getElementById('toasts').replaceChildren());  // the last test's
  await shot(page, 'lead-webhooks');

  // Edited to a case type the rule wants: the panel follows at once.
  await page.getByLabel('Case type').selectOption({ label: 'Slip and Fall' });
  await page.getByRole('button', { name: 'Save Lead' }).click();
  await verdict('Auto or slip only').getByText('Case type is Slip and Fall, as this rule wants').waitFor();
  assert.match(await verdict('Auto or slip only').locator('.verdict-head').textContent(), /^✓Fires/);
  await page.getByRole('form', { name: 'Status' }).getByLabel('Status', { exact: true }).selectOption({ label: 'Hold' });
  await page.getByRole('button', { name: 'Change Status' }).click();
  await receiver.until(() => receiver.at('/auto-or-slip').length === 1, 10000, 'the status change webhook');
  // Its delivery is listed under the panel, linked to the rule's Deliveries view.
  const deliveries = panel.locator('#lead-deliveries');
  await deliveries.getByRole('link', { name: 'Auto or slip only' }).waitFor();
  await deliveries.getByRole('link', { name: 'Auto or slip only' }).click();
  await page.getByRole('heading', { name: 'Deliveries: Auto or slip only' }).waitFor();
  assert.deepEqual(pageErrors, []);
});

test('Check against lead… on the rule form says whether the unsaved rule would fire, and why not', async () => {
  const before = (await call('GET', '/api/webhook-rules')).json.total;
  await page.goto(`${server.base}/#/webhook-rules/new`);
  await page.getByRole('heading', { name: 'Add Webhook Rule' }).waitFor();
  await page.getByLabel('Trigger').selectOption({ label: 'Lead Status Changed' });
  // The chosen trigger's example payload is one click away.
  await page.getByText('Example payload').click();
  await page.locator('.example-payload', { hasText: '"EventType": "Lead Status Changed"' }).waitFor();
  assert.match(await page.locator('.example-payload').textContent(), /"LeadIncidentDateWithTime"/);
  await page.getByLabel('Case type').selectOption(['Dog Bite']);
  await page.getByText('Check against lead…').click();
  await page.getByLabel('Find a lead').fill('Bitten');
  const pick = page.getByLabel('Lead', { exact: true });
  // The search's answer lists only the matching lead.
  await page.waitForFunction(() => {
    const options = [...document.querySelectorAll('.check select option')].slice(1);
    return options.length === 1 && options[0].textContent.includes('Rex Bitten');
  });
  const option = await pick.locator('option', { hasText: 'Rex Bitten' }).getAttribute('value');
  await pick.selectOption(option);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  const result = page.locator('.check-result');
  await result.locator('.conditions').getByText('Case type is Slip and Fall; this rule wants Dog Bite').waitFor();
  assert.match(await result.locator('.verdict-head').textContent(), /^✗Does not fire/);
  // Typed differently, checked again: it would fire. Still nothing saved.
  await page.getByLabel('Case type').selectOption(['Dog Bite', 'Slip and Fall']);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await result.locator('.conditions').getByText('Case type is Slip and Fall, as this rule wants').waitFor();
  assert.match(await result.locator('.verdict-head').textContent(), /^✓Fires/);
  await page.evaluate(() => document.getElementById('toasts').replaceChildren());
  await shot(page, 'rule-check');
  // A bad trigger shows beside its field, as Save would.
  await page.getByLabel('Trigger').selectOption({ label: 'Choose a trigger…' });
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.field', { has: page.getByLabel('Trigger') }).getByText('is required').waitFor();
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, before);
  await page.getByRole('link', { name: 'Cancel' }).click();
  assert.deepEqual(pageErrors, []);
});

test("Deliveries of an ordered rule show each lead's sequence and what a waiting webhook waits for", async () => {
  receiver.status('/ordered-stuck', 500);
  const rule = (await call('POST', '/api/webhook-rules', { title: 'Ordered stuck', enabled: true, ordered: true,
    url: receiver.url('/ordered-stuck'), trigger: 'Lead Status Changed' })).json;
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Wanda', last_name: 'Waits' } })).json;
  for (const status of ['Chase', 'Hold']) await call('POST', `/api/leads/${lead.id}/status`, { status });
  await page.goto(`${server.base}/#/webhook-rules/${rule.id}/deliveries`);
  await page.getByRole('heading', { name: 'Deliveries: Ordered stuck' }).waitFor();
  await page.getByText('in order for each lead').waitFor();
  const second = page.locator('tr[data-delivery-id]', { hasText: `lead:${lead.id} · #2` });
  await second.getByText('waiting for #1').waitFor();
  assert.equal(await page.locator('tr[data-delivery-id]', { hasText: `lead:${lead.id} · #1` }).getByText('waiting for').count(), 0);
  await call('PUT', `/api/webhook-rules/${rule.id}`, { title: 'Ordered stuck', enabled: false, ordered: true, url: rule.url, trigger: 'Lead Status Changed' });
  assert.deepEqual(pageErrors, []);
});

test("the rule form's Authentication section sends Basic auth and an API key, and keeps them unseen", async () => {
  receiver.behave('/secured', (req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from('intake:pa55 word').toString('base64')}` && req.headers['x-api-key'] === 'k-123';
    res.writeHead(ok ? 200 : 401); res.end(ok ? 'ok' : 'no');
  });
  await page.goto(`${server.base}/#/webhook-rules`);
  await page.getByRole('link', { name: 'Create New' }).click();
  await page.getByRole('heading', { name: 'Add Webhook Rule' }).waitFor();
  await page.getByLabel('Title').fill('Case system (Basic)');
  await page.getByLabel('URL', { exact: true }).fill(receiver.url('/secured'));
  await page.getByLabel('Trigger').selectOption({ label: 'Lead Created' });
  // Only the chosen kind's fields show.
  assert.equal(await page.getByLabel('User name').isVisible(), false);
  await page.getByLabel('Authentication', { exact: true }).selectOption({ label: 'OAuth2 client credentials' });
  await page.getByLabel('Token URL').waitFor();
  assert.equal(await page.getByLabel('User name').isVisible(), false);
  await page.getByLabel('Authentication', { exact: true }).selectOption({ label: 'Basic (user name and password)' });
  assert.equal(await page.getByLabel('Token URL').isVisible(), false);
  await page.getByLabel('User name').fill('intake');
  await page.getByLabel('Password', { exact: true }).fill('pa55 word');
  await page.getByRole('button', { name: 'Add header' }).click();
  await page.getByLabel('Header 1 name').fill('Content-Type');
  await page.getByLabel('Header 1 value').fill('text/plain');
  await page.getByRole('button', { name: 'Save' }).click();
  // A reserved header: its message beside its row, and nothing saved.
  await page.locator('.header-row').getByText('is set by Leadwire').waitFor();
  const before = (await call('GET', '/api/webhook-rules')).json.total;
  await page.getByLabel('Header 1 name').fill('X-Api-Key');
  await page.getByLabel('Header 1 value').fill('k-123');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  const rule = (await call('GET', '/api/webhook-rules')).json.records.find((r) => r.title === 'Case system (Basic)');
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, before + 1);
  assert.deepEqual(rule.auth, { type: 'basic', username: 'intake', password_set: true });
  assert.deepEqual(rule.headers, { 'X-Api-Key': '••••' });

  // Edited later: the secrets show as kept, never as text, and stay kept.
  await page.goto(`${server.base}/#/webhook-rules/${rule.id}/edit`);
  await page.getByRole('heading', { name: 'Edit Webhook Rule' }).waitFor();
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  assert.match(await page.getByLabel('Password', { exact: true }).getAttribute('placeholder'), /kept/);
  assert.equal(await page.getByLabel('Header 1 name').inputValue(), 'X-Api-Key');
  assert.equal(await page.getByLabel('Header 1 value').inputValue(), '');
  assert.ok(!(await page.content()).includes('pa55 word'));
  await page.getByRole('group', { name: 'Authentication' }).screenshot({ path: join(SHOTS, 'rule-authentication.png') });
  await page.getByLabel('Title').fill('Case system (Basic), renamed');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  await call('POST', '/api/leads', { contact: { first_name: 'Secured' } });
  await receiver.until(() => receiver.at('/secured').length >= 1, 15000, 'the authenticated webhook');
  assert.equal(receiver.at('/secured')[0].headers['x-api-key'], 'k-123');
  await call('PUT', `/api/webhook-rules/${rule.id}`, { title: 'Case system', enabled: false, url: rule.url, trigger: 'Lead Created' });
  assert.deepEqual(pageErrors, []);
});

test('the client certificate on the settings screen: its subject and expiry, a warning before it expires, errors beside their box', async () => {
  const certDir = mkdtempSync(join(tmpdir(), 'leadwire-ui-ca-'));
  try {
    const ca = makeTestCa(certDir);
    await page.goto(`${server.base}/#/settings/integrations`);
    await page.getByRole('button', { name: 'Webhooks' }).click();
    await page.getByText('None. Webhooks present no certificate.').waitFor();
    await page.getByText('Upload a certificate').click();
    await page.getByLabel('Certificate (PEM)').fill(ca.client.cert.toString());
    await page.getByLabel('Private key (PEM)').fill(ca.good.key.toString());
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    await page.locator('.field', { has: page.getByLabel('Private key (PEM)') }).getByText('does not match the certificate').waitFor();
    assert.equal((await call('GET', '/api/settings/webhooks')).json.client_certificate, null);
    await page.getByLabel('Private key (PEM)').fill(ca.client.key.toString());
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    await page.getByText('The client certificate was saved.').waitFor();
    await page.locator('.cert dd', { hasText: 'CN=client' }).waitFor();
    await page.locator('.cert dd', { hasText: 'CN=Leadwire Test CA' }).waitFor();
    // Two days left: the 30-day warning shows.
    await page.getByText(/This certificate expires in [12] days?/).waitFor();
    assert.equal(await page.getByLabel('Private key (PEM)').inputValue(), '', 'the key is not kept on the page');
    await shot(page, 'settings-certificate');
    assert.equal((await call('GET', '/api/settings/webhooks')).json.client_certificate.subject, 'CN=client');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Remove certificate' }).click();
    await page.getByText('None. Webhooks present no certificate.').waitFor();
    assert.equal((await call('GET', '/api/settings/webhooks')).json.client_certificate, null);
  } finally {
    rmSync(certDir, { recursive: true, force: true });
  }
  assert.deepEqual(pageErrors, []);
});

// ---- Issue 22 in the browser: health bars and chart, payload templates,
// signatures and notifications.

// Polls the API until `fn(answer.json)` holds; returns that answer.
async function apiUntil(path, fn, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const answer = await call('GET', path);
    if (answer.status === 200 && fn(answer.json)) return answer.json;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(answer.json)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const totalsText = (t) => `Last 24 hours: ${t.delivered} delivered, ${t.retrying} retrying, ${t.failed} failed`;
const healthRules = {};  // title → rule, for the Deliveries chart test

test("each rule's row has a bar of its last 24 hours, counted right, coloured by the worst outcome, linked to its deliveries", async () => {
  // One rule whose receiver answers 200, one whose receiver answers 503 and
  // asks to be retried in an hour (so it stays "retrying" while we look).
  receiver.status('/health-busy', 503, { 'Retry-After': '3600' });
  for (const [title, path] of [['Health: fine', '/health-fine'], ['Health: busy', '/health-busy']]) {
    const answer = await call('POST', '/api/webhook-rules', { title, enabled: true, url: receiver.url(path), trigger: 'Contact Added' });
    assert.equal(answer.status, 201);
    healthRules[title] = answer.json;
  }
  const fine = healthRules['Health: fine'];
  const busy = healthRules['Health: busy'];
  for (let i = 0; i < 3; i++) assert.equal((await call('POST', `/api/webhook-rules/${fine.id}/test`)).status, 202);
  assert.equal((await call('POST', `/api/webhook-rules/${busy.id}/test`)).status, 202);
  await apiUntil(`/api/webhook-rules/${fine.id}/stats?hours=24`, (s) => s.totals.delivered === 3, '3 delivered');
  await apiUntil(`/api/webhook-rules/${busy.id}/stats?hours=24`, (s) => s.totals.retrying === 1, '1 retrying');

  // Every stats answer is held back a little, so the bars fill after the
  // list and several requests are on their way at once: never more than 4.
  let inFlight = 0;
  let most = 0;
  let asked = 0;
  const isStats = (url) => /^\/api\/webhook-rules\/\d+\/stats$/.test(url.pathname);
  await page.route(isStats, async (route) => {
    asked += 1;
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 150));
    try {
      await route.fulfill({ response: await route.fetch() });
    } finally {
      inFlight -= 1;
    }
  });
  try {
    await page.goto(`${server.base}/#/webhook-rules`);
    await page.reload();
    await page.locator('table.list[aria-busy="false"]').waitFor();
    const rows = await shownRules(page);
    assert.ok(rows.length >= 6, `${rows.length} rules`);
    const bar = (title) => page.locator('tr[data-rule-id]', { hasText: title }).locator('a.health.in-column');
    // The list is there before its bars: the first bars still say loading.
    assert.equal(await page.getByRole('columnheader', { name: 'Last 24 h' }).count(), 1);
    // While the bars load, sort by Title the other way: the list redraws
    // and each row still gets its own rule's bar.
    await page.getByRole('columnheader', { name: 'Title' }).getByRole('button').click();
    await page.locator('table.list[aria-busy="false"]').waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('a.health')].every((a) => !a.getAttribute('aria-label').endsWith('loading')));
    assert.ok(most <= 4, `${most} stats requests at once`);
    assert.ok(most >= 2, `the bars load side by side (${most} at once)`);
    assert.ok(asked >= rows.length, 'a request per rule');

    assert.equal(await bar('Health: fine').getAttribute('aria-label'), 'Last 24 hours: 3 delivered, 0 retrying, 0 failed');
    assert.equal(await bar('Health: busy').getAttribute('aria-label'), 'Last 24 hours: 0 delivered, 1 retrying, 0 failed');
    // The rule whose endpoint answered 410 Gone failed once, for good.
    assert.equal(await bar('Gone endpoint').getAttribute('aria-label'), 'Last 24 hours: 0 delivered, 0 retrying, 1 failed');
    // Every row's bar is its own rule's (nothing crossed over in the re-sort).
    for (const r of await shownRules(page)) {
      const link = page.locator(`tr[data-rule-id="${r.id}"] a.health.in-column`);
      assert.equal(await link.getAttribute('href'), `#/webhook-rules/${r.id}/deliveries`);
      const stats = (await call('GET', `/api/webhook-rules/${r.id}/stats?hours=24`)).json;
      if (r.title !== 'Ordered stuck') assert.equal(await link.getAttribute('aria-label'), totalsText(stats.totals), r.title);
    }
    // 24 columns; the hour with the attempts is coloured by its worst outcome
    // (the last column, or the one before it if the hour just turned).
    const hours = (title) => bar(title).locator('g.hour').evaluateAll((gs) => gs.map((g) => g.classList[1]));
    for (const [title, state] of [['Health: fine', 'delivered'], ['Health: busy', 'retrying'], ['Gone endpoint', 'failed']]) {
      const states = await hours(title);
      assert.equal(states.length, 24, title);
      assert.deepEqual(states.filter((s) => s !== 'none'), [state], `${title}: ${states}`);
      assert.ok(states.lastIndexOf(state) >= 22, `${title}: the recent hours are on the right`);
    }
    const colours = await bar('Health: busy').locator('g.retrying rect.fill').evaluate((r) => getComputedStyle(r).fill);
    assert.notEqual(colours, await bar('Health: fine').locator('g.delivered rect.fill').evaluate((r) => getComputedStyle(r).fill));
    await page.locator('tr', { hasText: 'Chase auto leads' }).locator('.qmark').hover();
    await page.evaluate(() => document.getElementById('toasts').replaceChildren());
    await shot(page, 'rules');
    // Its copy under the title (shown on a phone instead) says the same.
    assert.equal(await page.locator('tr[data-rule-id]', { hasText: 'Health: busy' }).locator('a.health.under-title').getAttribute('aria-label'),
      'Last 24 hours: 0 delivered, 1 retrying, 0 failed');
    assert.equal(await page.locator('a.health.under-title').first().isVisible(), false);
    // The bar is a link to the rule's deliveries.
    await bar('Health: fine').click();
    await page.getByRole('heading', { name: 'Deliveries: Health: fine' }).waitFor();
  } finally {
    await page.unrouteAll({ behavior: 'wait' });  // let the held answers finish first
  }
  assert.deepEqual(pageErrors, []);
});

test('the Deliveries view charts the attempts per hour, for 24 hours or 7 days, with a legend and the same numbers as a table', async () => {
  const fine = healthRules['Health: fine'];
  await page.goto(`${server.base}/#/webhook-rules/${fine.id}/deliveries`);
  await page.getByRole('heading', { name: 'Deliveries: Health: fine' }).waitFor();
  const chart = page.getByRole('region', { name: /Attempts per hour/ });
  await chart.getByRole('heading', { name: 'Attempts per hour: last 24 hours' }).waitFor();
  assert.equal(await chart.getByRole('button', { name: '24 hours' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await chart.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed'), 'false');
  // The picture has one name with the totals; the legend says them too.
  assert.equal(await chart.getByRole('img').getAttribute('aria-label'),
    'Webhook attempts per hour, last 24 hours: 3 delivered, 0 retrying, 0 failed. The table below has each hour.');
  assert.deepEqual(await chart.locator('.legend li').allTextContents(), ['Delivered: 3', 'Retrying: 0', 'Failed: 0']);
  assert.equal(await chart.locator('.chart-col').count(), 24);
  assert.ok(await chart.locator('.chart-x span').count() >= 6, 'hours are labelled on the time axis');
  // The hour with the 3 deliveries has a delivered segment, 3 on a scale
  // up to 5: 60% of the chart's height (two hours if the hour just turned).
  const segs = await chart.locator('.chart-col .seg').evaluateAll((els) => els.map((e) => [e.className, e.style.height]));
  if (segs.length === 1) assert.deepEqual(segs, [['seg delivered', '60%']]);
  else assert.ok(segs.length === 2 && segs.every(([c]) => c === 'seg delivered'), JSON.stringify(segs));

  // The same numbers as a table: a Time column and each hour, newest first.
  const table = chart.locator('details', { hasText: 'Show as table' });
  assert.equal(await table.locator('table').isVisible(), false);
  await table.getByText('Show as table').click();
  const readTable = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [
    tr.querySelector('time').getAttribute('datetime'), ...[...tr.querySelectorAll('td')].map((td) => Number(td.textContent))]));
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['Time', 'Delivered', 'Retrying', 'Failed']);
  const day = (await call('GET', `/api/webhook-rules/${fine.id}/stats?hours=24`)).json;
  assert.deepEqual(await readTable(), day.buckets.map((b) => [b.hour, b.delivered, b.retrying, b.failed]).reverse());
  assert.deepEqual(await table.locator('tfoot td').allTextContents(), ['3', '0', '0']);
  await page.evaluate(() => document.getElementById('toasts').replaceChildren());

  // A week: 168 hours, labelled by day; the table stays open.
  await chart.getByRole('button', { name: '7 days' }).click();
  await chart.getByRole('heading', { name: 'Attempts per hour: last 7 days' }).waitFor();
  assert.equal(await chart.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await chart.getByRole('button', { name: '24 hours' }).getAttribute('aria-pressed'), 'false');
  assert.equal(await chart.locator('.chart-col').count(), 168);
  const week = (await call('GET', `/api/webhook-rules/${fine.id}/stats?hours=168`)).json;
  assert.deepEqual(await readTable(), week.buckets.map((b) => [b.hour, b.delivered, b.retrying, b.failed]).reverse());
  await chart.getByRole('button', { name: '24 hours' }).click();
  await chart.getByRole('heading', { name: 'Attempts per hour: last 24 hours' }).waitFor();
  assert.equal(await table.locator('tbody tr').count(), 24);

  // A failing rule's chart: its hour in the retrying colour, and Refresh
  // redraws the chart as well as the list.
  const busy = healthRules['Health: busy'];
  await page.goto(`${server.base}/#/webhook-rules/${busy.id}/deliveries`);
  await page.getByRole('heading', { name: 'Deliveries: Health: busy' }).waitFor();
  const busyChart = page.getByRole('region', { name: /Attempts per hour/ });
  await busyChart.locator('.legend li', { hasText: 'Retrying: 1' }).waitFor();
  receiver.status('/health-busy', 200);
  await page.locator('tr[data-delivery-id]').first().getByRole('button', { name: /Redeliver/ }).click();
  await apiUntil(`/api/webhook-rules/${busy.id}/stats?hours=24`, (s) => s.totals.delivered === 1, 'the redelivery');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await busyChart.locator('.legend li', { hasText: 'Delivered: 1' }).waitFor();
  assert.deepEqual(pageErrors, []);
});

test("the rule form's Payload section: a template with a live preview (example or a lead), its errors beside it, saved, and sent in its shape", async () => {
  receiver.templated('/templated');
  const previews = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/webhook-rules/preview')) previews.push(r.postDataJSON()); });
  await page.goto(`${server.base}/#/webhook-rules/new`);
  await page.getByRole('heading', { name: 'Add Webhook Rule' }).waitFor();
  await page.getByLabel('Title').fill('Referral network');
  await page.getByLabel('URL', { exact: true }).fill(receiver.url('/templated'));
  await page.getByLabel('Trigger').selectOption({ label: 'Lead Created' });
  const section = page.getByRole('group', { name: 'Payload' });
  const box = section.getByLabel('Template (JSON)');
  // Full payload is the default; the template's box shows with Template.
  assert.equal(await section.getByLabel('Full payload').isChecked(), true);
  assert.equal(await box.isVisible(), false);
  await section.getByLabel('Template', { exact: true }).check();
  await box.waitFor();
  await section.getByText('Type a template (or click a key) to see what it sends.').waitFor();
  const error = section.locator('#' + await box.getAttribute('aria-describedby'));

  // The trigger's keys, each inserting its placeholder at the cursor; on a
  // lead trigger also a custom field, its label left selected to type over.
  const keys = section.getByRole('group', { name: 'Keys to insert' });
  await keys.getByRole('button', { name: 'custom:Label' }).click();
  await box.pressSequentially('Accident Location');
  assert.deepEqual(JSON.parse(await box.inputValue()), { Label: '{{custom:Accident Location}}' });
  await section.locator('pre.payload-preview', { hasText: '"Label": null' }).waitFor();  // the example has no such field
  await box.fill('');
  await keys.getByRole('button', { name: 'LeadCode', exact: true }).click();
  assert.deepEqual(JSON.parse(await box.inputValue()), { LeadCode: '{{LeadCode}}' });
  await box.pressSequentially(', "who": "Lead ');  // the cursor is after the inserted value
  await keys.getByRole('button', { name: 'ContactFirstName', exact: true }).click();  // inside a string: no quotes of its own
  await box.pressSequentially('"');
  assert.deepEqual(JSON.parse(await box.inputValue()), { LeadCode: '{{LeadCode}}', who: 'Lead {{ContactFirstName}}' });
  const preview = section.locator('pre.payload-preview');
  await preview.filter({ hasText: '"who": "Lead ' }).waitFor();

  // A key the trigger does not have: the server's message beside the box.
  await box.fill('{"code": "{{Nope}}"}');
  // (On a lead trigger the message goes on to say how a custom field is named.)
  await error.getByText(/^\{\{Nope\}\} names no key of this trigger's payload \(see its example/).waitFor();
  // Text that is not JSON is said at once, without asking the server.
  const asked = previews.length;
  await box.fill('{"code": ');
  await error.getByText(/^not valid JSON: /).waitFor();
  await page.waitForTimeout(500);
  assert.equal(previews.length, asked, 'no preview request for text that is not JSON');
  assert.match(await section.locator('.preview-from').textContent(), /not JSON yet/);

  // A good template: the preview shows the filled body, from the example.
  const template = {
    referral: { code: '{{LeadCode}}', id: '{{LeadId}}' },
    text: 'New lead {{LeadCode}} for {{ContactFirstName}} {{ContactLastName}}',
    tags: ['intake', '{{LeadCaseType}}'],
  };
  await box.fill(JSON.stringify(template, null, 2));
  await section.getByText("What this rule would send for the trigger's example (made-up values).").waitFor();
  await page.waitForFunction(() => !document.querySelector('pre.payload-preview').classList.contains('stale'));
  assert.equal(await error.textContent(), '');
  const fromExample = JSON.parse(await preview.textContent());
  const expected = (await call('POST', '/api/webhook-rules/preview', { trigger: 'Lead Created', payload_template: template })).json.body;
  assert.deepEqual(Object.keys(fromExample), ['referral', 'text', 'tags']);
  assert.equal(fromExample.referral.code, expected.referral.code);
  assert.equal(typeof fromExample.referral.id, 'number', '"{{LeadId}}" alone keeps its type');
  assert.equal(fromExample.text, expected.text);
  assert.equal(previews.at(-1).trigger, 1);
  assert.deepEqual(previews.at(-1).payload_template, template);

  // Preview with a lead: Maria Gomez's own values.
  await section.getByText('Preview with lead…').click();
  await section.getByLabel('Search for a lead').fill('Gomez');
  const pick = section.getByLabel('Lead for the preview');
  await page.waitForFunction(() => [...document.querySelectorAll('.with-lead select option')].some((o) => o.textContent.includes('Maria Gomez')));
  await pick.selectOption(await pick.locator('option', { hasText: 'Maria Gomez' }).getAttribute('value'));
  await section.locator('.preview-from', { hasText: 'What this rule would send for L000001 · Maria Gomez' }).waitFor();
  const fromLead = JSON.parse(await preview.textContent());
  assert.deepEqual(fromLead.referral, { code: 'L000001', id: 1 });
  assert.equal(fromLead.text, 'New lead L000001 for Maria Gomez');
  assert.equal(previews.at(-1).lead_id, 1);
  await page.evaluate(() => { document.getElementById('toasts').replaceChildren(); document.activeElement.blur(); });
  await shotAround(page, section, 'rule-payload');

  // Changing the trigger previews again; one whose payload has no LeadCode
  // says so beside the box, and Save says it too, saving nothing.
  const before = (await call('GET', '/api/webhook-rules')).json.total;
  const count = previews.length;
  await page.getByLabel('Trigger').selectOption({ label: 'Contact Added' });
  await error.getByText(/\{\{LeadCode\}\}, .*name no key of this trigger's payload/).waitFor();
  await keys.getByRole('button', { name: 'ContactFirstName', exact: true }).waitFor();
  assert.equal(await keys.getByRole('button', { name: 'custom:Label' }).count(), 0, 'a contact has no custom fields');
  assert.ok(previews.length > count && previews.at(-1).trigger === 6, 'the new trigger was previewed');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Please correct the marked fields.').waitFor();
  await error.getByText(/name no key of this trigger's payload/).waitFor();
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, before);
  // Not JSON: said beside the box on Save too, without a request.
  await box.fill('{"code": "{{LeadCode}}",');
  await page.getByRole('button', { name: 'Save' }).click();
  await error.getByText(/^not valid JSON: /).waitFor();

  await page.getByLabel('Trigger').selectOption({ label: 'Lead Created' });
  await box.fill(JSON.stringify(template, null, 2));
  await section.getByText(/^What this rule would send for L000001 · Maria Gomez/).waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  const rule = (await call('GET', '/api/webhook-rules?filter=Referral')).json.records[0];
  assert.deepEqual(rule.payload_template, template);

  // The webhook that arrives has the template's shape, signed as sent.
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Tess', last_name: 'Template' }, case_type: 'Dog Bite' })).json;
  await receiver.until(() => receiver.at('/templated').length === 1, 10000, 'the templated webhook');
  const hook = receiver.at('/templated')[0];
  const key = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  assert.deepEqual(new Webhook(key).verify(hook.body, hook.headers), {
    referral: { code: lead.code, id: lead.id }, text: `New lead ${lead.code} for Tess Template`, tags: ['intake', 'Dog Bite'],
  });

  // Edited later: the template shows pretty-printed, previewed at once;
  // Full payload saves null.
  await page.goto(`${server.base}/#/webhook-rules/${rule.id}/edit`);
  await page.getByRole('heading', { name: 'Edit Webhook Rule' }).waitFor();
  assert.equal(await section.getByLabel('Template', { exact: true }).isChecked(), true);
  assert.equal(await box.inputValue(), JSON.stringify(template, null, 2));
  await section.getByText("What this rule would send for the trigger's example (made-up values).").waitFor();
  await section.getByLabel('Full payload').check();
  assert.equal(await box.isVisible(), false);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  assert.equal((await call('GET', `/api/webhook-rules/${rule.id}`)).json.payload_template, null);
  await call('PUT', `/api/webhook-rules/${rule.id}`, { title: rule.title, enabled: false, url: rule.url, trigger: 'Lead Created' });
  assert.deepEqual(pageErrors, []);
});

test('Settings: the Ed25519 choice shows the public key once saved, with a Copy button', async () => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  await page.goto(`${server.base}/#/settings/integrations`);
  await page.getByRole('button', { name: 'Webhooks' }).click();
  const publicKey = page.locator('#public-key');
  assert.equal(await publicKey.isVisible(), false, 'no public key while only HMAC signs');
  await page.getByLabel('Signatures').selectOption({ label: 'HMAC and Ed25519 (v1 and v1a)' });
  await page.getByText('Save to start signing with Ed25519 too; its public key then shows here.').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#toasts').getByText('Settings saved.').waitFor();
  await publicKey.waitFor();
  const settings = (await call('GET', '/api/settings/webhooks')).json;
  assert.equal(settings.signing, 'hmac+ed25519');
  assert.match(settings.public_key, /^whpk_/);
  assert.equal(await publicKey.textContent(), settings.public_key);
  await page.getByRole('button', { name: 'Copy the public key' }).click();
  await page.locator('#toasts').getByText('The public key was copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), settings.public_key);
  // Back to HMAC only: Save says what it will do, and the key goes away.
  await page.getByLabel('Signatures').selectOption({ label: 'HMAC (v1)' });
  await page.getByText(/Save to stop signing with Ed25519/).waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await publicKey.waitFor({ state: 'hidden' });
  assert.equal((await call('GET', '/api/settings/webhooks')).json.signing, 'hmac');
  assert.deepEqual(pageErrors, []);
});

test('Settings: Notify by email — addresses saved and shown again, a bad one named beside the box, and the note that no mail server is set', async () => {
  await page.goto(`${server.base}/#/settings/integrations`);
  await page.reload();  // the last test left this screen open, its section unfolded
  await page.getByRole('button', { name: 'Webhooks' }).click();
  const notify = page.getByLabel('Notify by email');
  const error = page.locator('#' + await notify.getAttribute('aria-describedby'));
  // This server runs without --smtp-url.
  assert.equal((await call('GET', '/api/settings/webhooks')).json.smtp_configured, false);
  await page.getByRole('note').filter({ hasText: 'No mail server is configured (serve --smtp-url), so no email is sent.' }).waitFor();
  // An address that is not one: the server's message beside the box.
  await notify.fill('intake@browser-law.test\nnot an address');
  await page.getByRole('button', { name: 'Save' }).click();
  await error.getByText('"not an address" is not an email address').waitFor();
  await page.getByText('Please correct the marked fields.').waitFor();
  assert.deepEqual((await call('GET', '/api/settings/webhooks')).json.notify_emails, []);
  // Two good ones (one per line, a blank line between): saved, and shown
  // again when the page is opened anew.
  await notify.fill('intake@browser-law.test\n\n  partner@browser-law.test ; ');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#toasts').getByText('Settings saved.').waitFor();
  assert.equal(await error.textContent(), '');
  assert.deepEqual((await call('GET', '/api/settings/webhooks')).json.notify_emails,
    ['intake@browser-law.test', 'partner@browser-law.test']);
  await page.reload();
  await page.getByRole('button', { name: 'Webhooks' }).click();
  assert.equal(await page.getByLabel('Notify by email').inputValue(), 'intake@browser-law.test\npartner@browser-law.test');
  // With Ed25519 on, for the picture: signatures, the public key, the addresses.
  await page.getByLabel('Signatures').selectOption({ label: 'HMAC and Ed25519 (v1 and v1a)' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#public-key').waitFor();
  await page.evaluate(() => document.getElementById('toasts').replaceChildren());
  await shotAround(page, page.locator('#webhooks-section'), 'settings-notify');
  // Cleared with an empty box.
  await page.getByLabel('Notify by email').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#toasts').getByText('Settings saved.').waitFor();
  await apiUntil('/api/settings/webhooks', (s) => s.notify_emails.length === 0, 'the addresses cleared');
  assert.equal((await call('PUT', '/api/settings/webhooks', { signing: 'hmac' })).status, 200);
  assert.deepEqual(pageErrors, []);
});

test('a plain User sees the Leads pages but no Manage menu, and the API answers 403', async () => {
  const userPage = await newPage();
  await login(userPage, 'paralegal@browser-law.test', 'user password 1');
  assert.equal(await userPage.getByRole('button', { name: 'Manage' }).count(), 0);
  await userPage.getByRole('link', { name: 'L000001' }).waitFor();
  const status = await userPage.evaluate(async () => (await fetch('/api/webhook-rules')).status);
  assert.equal(status, 403);
  await userPage.goto(server.base + '/#/webhook-rules');
  await userPage.getByRole('heading', { name: 'Not available' }).waitFor();
  await userPage.context().close();
});

test('the rule list is usable at a phone width, and from the keyboard', async () => {
  const phone = await newPage({ width: 390, height: 844 });
  await login(phone, d.adminEmail, 'correct horse battery');
  const manage = phone.getByRole('button', { name: 'Manage' });
  await manage.focus();
  await phone.keyboard.press('Enter');
  assert.equal(await manage.getAttribute('aria-expanded'), 'true');
  await phone.keyboard.press('Escape');
  assert.equal(await manage.getAttribute('aria-expanded'), 'false');
  assert.equal(await phone.getByRole('link', { name: 'Webhook Rules' }).isVisible(), false);
  await phone.keyboard.press('Enter');
  await phone.getByRole('link', { name: 'Webhook Rules' }).focus();
  await phone.keyboard.press('Enter');
  await phone.getByRole('heading', { name: 'Webhook Rules' }).waitFor();
  await phone.locator('tr[data-rule-id]').first().waitFor();
  // No sideways scrolling of the page (the table scrolls inside its own box).
  const [width, ...wide] = await phone.evaluate(() => [document.documentElement.scrollWidth,
    ...[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > 390)
      .map((el) => `${el.tagName}.${el.className}`)]);
  assert.ok(width <= 390, `the page is ${width}px wide: ${wide.join(', ')}`);
  // Each rule's bar is in sight, under its title (its column is hidden).
  await phone.waitForFunction(() => [...document.querySelectorAll('a.health.under-title')].every((a) => a.dataset.state));
  assert.equal(await phone.getByRole('columnheader', { name: 'Last 24 h' }).isVisible(), false);
  for (const bar of await phone.locator('a.health.under-title').all()) {
    assert.equal(await bar.isVisible(), true);
    const box = await bar.boundingBox();
    assert.ok(box.x + box.width <= 390, `a bar ends at ${box.x + box.width}px`);
  }
  const busy = phone.locator('tr[data-rule-id]', { hasText: 'Health: busy' }).getByRole('link', { name: /^Last 24 hours:/ });
  assert.match(await busy.getAttribute('aria-label'), /^Last 24 hours: \d+ delivered, \d+ retrying, 0 failed$/);
  await shot(phone, 'rules-phone');
  // The Deliveries chart fits a phone too, for a day and for a week.
  await busy.click();
  await phone.getByRole('heading', { name: 'Deliveries: Health: busy' }).waitFor();
  for (const period of ['24 hours', '7 days']) {
    await phone.getByRole('button', { name: period }).click();
    await phone.locator('.chart-area').waitFor();
    await phone.waitForFunction((p) => document.querySelectorAll('.chart-col').length === (p === '7 days' ? 168 : 24), period);
    const pageWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(pageWidth <= 390, `the Deliveries page is ${pageWidth}px wide (${period})`);
    const labels = await phone.locator('.chart-x span').evaluateAll((spans) => spans.filter((s) => s.offsetParent)
      .map((s) => s.getBoundingClientRect()).map((r) => [r.left, r.right]));
    for (let i = 1; i < labels.length; i++) assert.ok(labels[i][0] > labels[i - 1][1], `the ${period} axis labels do not overlap`);
  }
  await phone.context().close();
});

test('Log out ends the session', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  const status = await page.evaluate(async () => (await fetch('/api/session')).status);
  assert.equal(status, 401);
  assert.deepEqual(pageErrors, [], 'no script error on any page');
});
