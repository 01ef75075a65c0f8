// §8 Ed25519 signatures: with "signing":"hmac+ed25519" each webhook also
// carries Standard Webhooks "v1a," signatures of the same content, which
// verify with the organization's public key ("whpk_…") in three outside
// implementations (tweetnacl, Node's crypto, Python's cryptography); the
// keypair is made once, sealed at rest, rotated with the HMAC key (both
// verify during the grace), and `leadwire receive --public-key` checks it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import nacl from 'tweetnacl';
import { Webhook } from 'standardwebhooks';
import { api, cleanup, cli, freshDatabase, sql, startReceive, startServer } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';

let d, server, rx, rule;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

before(async () => {
  rx = await startReceiver();
  d = freshDatabase('Ed25519 Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  assert.equal((await call('PUT', '/api/settings/webhooks', { enabled: true })).status, 200);
  rule = (await call('POST', '/api/webhook-rules', { title: 'Signed', url: rx.url('/signed'), trigger: 'Lead Created' })).json;
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

const publicKeyBytes = (whpk) => Buffer.from(whpk.slice(5), 'base64');
const content = (w) => `${w.headers['webhook-id']}.${w.headers['webhook-timestamp']}.${w.body}`;
const entries = (w, version) => w.headers['webhook-signature'].split(' ')
  .filter((e) => e.startsWith(`${version},`)).map((e) => Buffer.from(e.slice(version.length + 1), 'base64'));

function verifiesWithTweetnacl(w, whpk) {
  return entries(w, 'v1a').some((sig) => nacl.sign.detached.verify(Buffer.from(content(w)), sig, publicKeyBytes(whpk)));
}
function verifiesWithNodeCrypto(w, whpk) {
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKeyBytes(whpk).toString('base64url') }, format: 'jwk' });
  return entries(w, 'v1a').some((sig) => crypto.verify(null, Buffer.from(content(w)), key, sig));
}
// The README's Python snippet, run as written.
function verifiesWithPython(w, whpk) {
  const script = `
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.exceptions import InvalidSignature
w = json.load(sys.stdin)
key = Ed25519PublicKey.from_public_bytes(base64.b64decode(w["public_key"].removeprefix("whpk_")))
signed = f'{w["id"]}.{w["timestamp"]}.{w["body"]}'.encode()
for entry in w["signature"].split(" "):
    version, _, sig = entry.partition(",")
    if version != "v1a":
        continue
    try:
        key.verify(base64.b64decode(sig), signed)
        print("valid")
        sys.exit(0)
    except InvalidSignature:
        pass
print("invalid")
`;
  const out = execFileSync('python3', ['-c', script], {
    input: JSON.stringify({ public_key: whpk, id: w.headers['webhook-id'], timestamp: w.headers['webhook-timestamp'], signature: w.headers['webhook-signature'], body: w.body }),
    encoding: 'utf8',
  });
  return out.trim() === 'valid';
}

async function newLeadWebhook(path = '/signed') {
  const before = rx.at(path).length;
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Ed', last_name: 'Curve' } })).json;
  await rx.until(() => rx.at(path).length > before, 15000, 'the webhook');
  const w = rx.at(path).at(-1);
  assert.equal(JSON.parse(w.body).LeadId, lead.id);
  return w;
}

test('a bad signing value is refused, naming the field, and changes nothing', async () => {
  for (const signing of ['ed25519', 'HMAC', 'rsa', 7]) {
    const res = await call('PUT', '/api/settings/webhooks', { signing });
    assert.equal(res.status, 422, JSON.stringify(res.json));
    assert.ok(res.json.error.fields.signing, JSON.stringify(res.json));
  }
  const got = (await call('GET', '/api/settings/webhooks')).json;
  assert.equal(got.signing, 'hmac');
  assert.equal(got.public_key, null);
  const w = await newLeadWebhook();
  assert.deepEqual(entries(w, 'v1a'), [], 'HMAC only: no v1a');
});

test('hmac+ed25519 signs every webhook with v1a too, verified by three outside implementations', async () => {
  const res = await call('PUT', '/api/settings/webhooks', { signing: 'hmac+ed25519' });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.signing, 'hmac+ed25519');
  assert.match(res.json.public_key, /^whpk_[A-Za-z0-9+/]{43}=$/);
  assert.equal(publicKeyBytes(res.json.public_key).length, 32);
  const whpk = res.json.public_key;
  assert.equal((await call('GET', '/api/settings/webhooks')).json.public_key, whpk);
  assert.equal((await call('GET', '/api/webhook-rules')).json.public_key, whpk, 'the list footer shows it');

  const w = await newLeadWebhook();
  assert.equal(entries(w, 'v1').length, 1);
  assert.equal(entries(w, 'v1a').length, 1);
  assert.ok(verifiesWithTweetnacl(w, whpk), 'tweetnacl');
  assert.ok(verifiesWithNodeCrypto(w, whpk), "Node's crypto");
  assert.ok(verifiesWithPython(w, whpk), "Python's cryptography");
  // HMAC receivers are unaffected: an outside Standard Webhooks library skips v1a.
  const key = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  new Webhook(key).verify(w.body, w.headers);
  // Another key, or another body, does not verify.
  const other = `whpk_${Buffer.from(nacl.sign.keyPair().publicKey).toString('base64')}`;
  assert.ok(!verifiesWithTweetnacl(w, other));
  assert.ok(!verifiesWithPython({ ...w, body: w.body.replace('Curve', 'Curv3') }, whpk));

  // Turning it off and on again keeps the same pair (receivers keep their key).
  assert.equal((await call('PUT', '/api/settings/webhooks', { signing: 'hmac' })).json.public_key, null);
  const plain = await newLeadWebhook();
  assert.deepEqual(entries(plain, 'v1a'), []);
  assert.equal((await call('PUT', '/api/settings/webhooks', { signing: 'hmac+ed25519' })).json.public_key, whpk);
  const audit = (await call('GET', '/api/audit-log?limit=50')).json.records ?? [];
  assert.ok(audit.filter((a) => a.action === 'webhooks.signing_changed').length >= 3, JSON.stringify(audit.slice(0, 3)));
});

test('the seed is sealed at rest; only the public key is stored as shown', async () => {
  const [row] = sql(d.path, 'SELECT ed25519_key, ed25519_public_key FROM organizations WHERE ed25519_key IS NOT NULL');
  assert.match(row.ed25519_key, /^sb1:/);
  assert.match(row.ed25519_public_key, /^whpk_/);
});

test('rotation makes a new pair; both verify during the grace, the old one shown beside it', async () => {
  const before = (await call('GET', '/api/settings/webhooks')).json.public_key;
  const rotated = await call('POST', '/api/settings/webhooks/rotate-key');
  assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  assert.match(rotated.json.public_key, /^whpk_/);
  assert.notEqual(rotated.json.public_key, before);
  assert.equal(rotated.json.previous_public_key, before);
  assert.ok(rotated.json.previous_key_valid_until);
  const w = await newLeadWebhook();
  assert.equal(entries(w, 'v1').length, 2);
  assert.equal(entries(w, 'v1a').length, 2);
  assert.ok(verifiesWithNodeCrypto(w, rotated.json.public_key));
  assert.ok(verifiesWithNodeCrypto(w, before), 'the previous key still signs for 24 hours');
  assert.ok(verifiesWithPython(w, before));
});

test('leadwire receive --public-key verifies v1a (alone or with --key) and rejects a forgery', async () => {
  const settings = (await call('GET', '/api/settings/webhooks')).json;
  const onlyPublic = await startReceive(['--public-key', settings.public_key]);
  const both = await startReceive(['--public-key', settings.public_key, '--key', settings.authentication_key]);
  try {
    for (const [name, r] of [['pk', onlyPublic], ['both', both]]) {
      const made = await call('POST', '/api/webhook-rules', { title: `receive ${name}`, url: `${r.base}/hook`, trigger: 'Lead Created' });
      assert.equal(made.status, 201, JSON.stringify(made.json));
    }
    await call('POST', '/api/leads', { contact: { first_name: 'Re', last_name: 'Ceive' } });
    const deadline = Date.now() + 15000;
    while (!(/✔/.test(onlyPublic.out()) && /✔/.test(both.out())) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(onlyPublic.out(), /✔ Lead Created .*Ed25519 signature valid/);
    assert.match(both.out(), /✔ Lead Created .*all three signatures valid/);
    // Signed with another Ed25519 key: 401, and said why.
    const forger = nacl.sign.keyPair();
    const body = JSON.stringify({ EventType: 'Lead Created', EventTypeId: 1, LeadId: 1 });
    const id = 'msg_forged';
    const ts = Math.floor(Date.now() / 1000);
    const sig = Buffer.from(nacl.sign.detached(Buffer.from(`${id}.${ts}.${body}`), forger.secretKey)).toString('base64');
    const forged = await fetch(`${onlyPublic.base}/hook`, { method: 'POST', body,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1a,${sig}` } });
    assert.equal(forged.status, 401);
    assert.match(onlyPublic.out(), /✘ rejected msg_forged: .*public key/);
  } finally {
    onlyPublic.child.kill('SIGTERM');
    both.child.kill('SIGTERM');
  }
  const bad = cli(['receive', '--public-key', 'whpk_AAAA']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--public-key/);
  const none = cli(['receive']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /--key.*--public-key/);
});
