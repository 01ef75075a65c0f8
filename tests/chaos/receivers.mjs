// The campaign's receivers: one HTTP server on 127.0.0.1 whose paths name the
// firm and the rule (/org3/stable, /org3/ordered, /org3/churn-a, …). A stable
// path answers 200 at once, or fails now and then in ways a retry cures; the
// other paths answer each request as the seed says: fast, slow (past the
// 15 s timeout too), 5xx, 429 with Retry-After, 410, a reset mid-answer,
// closing without an answer, never answering, a Latin-1 body, a 10 MiB body,
// a body cut inside a character at 8 KiB, a gzip body, a redirect. Every
// request is recorded, its signatures checked against the keys its firm had
// when it was sent, and the receiver itself notes what only it can see: two
// copies of one webhook open at once, and two of one subject of an ordered
// rule open at once (the checks decide which of these a paused node excuses).
import http from 'node:http';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { hash, rng } from './rng.mjs';

const ODD = [
  [34, 'fast'], [8, 'slow'], [2, 'past-timeout'], [8, 'status-5xx'], [5, 'status-429'],
  [2, 'status-410'], [4, 'reset-mid-answer'], [4, 'close-without-answer'], [2, 'never-answer'],
  [8, 'latin1'], [2, 'huge'], [6, 'cut-at-8k'], [5, 'gzip'], [5, 'redirect'],
  [5, 'slow-5xx'],
];
// A stable rule's receiver misbehaves too, but never in a way that disables
// the rule (410) or outlasts the compressed retry schedule for long.
const STABLE = [
  [70, 'fast'], [6, 'slow'], [6, 'status-5xx'], [4, 'status-429'], [3, 'reset-mid-answer'],
  [3, 'close-without-answer'], [4, 'latin1'], [2, 'cut-at-8k'], [2, 'redirect'],
];
const TEN_MIB = Buffer.alloc(10 * 1024 * 1024, 'x');
const CUT = Buffer.concat([Buffer.from('x'.repeat(8 * 1024 - 1)), Buffer.from('é and beyond', 'utf8')]);

export function verifySignature(headers, body, keys) {
  const id = headers['webhook-id'], ts = headers['webhook-timestamp'], sig = headers['webhook-signature'] || '';
  if (!id || !ts) return { ok: false, why: 'no webhook-id or webhook-timestamp' };
  const at = Number(ts) * 1000;
  const valid = keys.filter((k) => k.from - 2000 <= at && at <= k.until + 2000);
  for (const k of valid) {
    const secret = Buffer.from(k.key.slice('whsec_'.length), 'base64');
    const expected = 'v1,' + crypto.createHmac('sha256', secret).update(`${id}.${ts}.`).update(body).digest('base64');
    if (sig.split(' ').includes(expected)) return { ok: true };
  }
  return { ok: false, why: `no v1 signature by a key valid at ${new Date(at).toISOString()} (${valid.length} valid)` };
}

export async function startReceivers({ seed, keysOf, violation, now = Date.now }) {
  const requests = [];          // every request, in arrival order
  const overlaps = [];          // {kind, entry, open: [entries open when it arrived]}
  const openById = new Map();   // webhook-id → Set of open requests
  const openBySubject = new Map();  // "path|subject" of an ordered path → Set of open requests
  const arrivals = new Map();   // webhook-id → arrivals so far
  const holds = new Set();      // timers of requests being held
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60000 }, (req, res) => {
    const arrived = now();
    const [, org, rule] = req.url.match(/^\/org(\d+)\/([a-z-]+)/) || [];
    const id = req.headers['webhook-id'] || '';
    const subject = req.headers['x-leadwire-subject'] || '';
    const sequence = Number(req.headers['x-leadwire-sequence'] || 0);
    const ordered = rule === 'ordered';
    const nth = (arrivals.get(id) || 0) + 1;
    arrivals.set(id, nth);
    const entry = { path: req.url, org: Number(org), rule, id, subject, sequence, nth, arrived, ended: null, answer: null, ok: false };
    requests.push(entry);
    const track = (map, key, kind) => {
      if (!map.has(key)) map.set(key, new Set());
      const open = map.get(key);
      if (open.size) overlaps.push({ kind, entry, open: [...open] });
      open.add(entry);
      return () => open.delete(entry);
    };
    const untrack = [track(openById, id, 'two copies at once')];
    if (ordered) untrack.push(track(openBySubject, `${req.url}|${subject}`, 'two of one subject at once'));
    let closed = false;
    res.on('close', () => {
      if (closed) return;
      closed = true;
      entry.ended = now();
      for (const done of untrack) done();
    });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      entry.bytes = body.length;
      const sig = verifySignature(req.headers, body, keysOf(entry.org));
      entry.signatureOk = sig.ok;
      if (!sig.ok) violation('bad signature', `${id} to ${req.url}: ${sig.why}`, entry);
      try {
        const payload = JSON.parse(body.toString('utf8'));
        entry.leadId = payload.LeadId ?? null;
        entry.event = payload.EventType;
      } catch { violation('unreadable payload', `${id} to ${req.url}`, entry); }
      const r = rng(hash(seed, req.url.split('?')[0], subject, sequence, entry.event, nth));
      entry.behaviour = r.weighted(rule === 'stable' || rule === 'ordered' ? STABLE : ODD);
      behave(entry.behaviour, r, req, res, entry, holds);
    });
  });
  server.keepAliveTimeout = 30000;
  server.maxConnections = 20000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    requests,
    overlaps,
    url: (org, rule) => `http://127.0.0.1:${port}/org${org}/${rule}`,
    openNow: () => [...openById.values()].reduce((n, open) => n + open.size, 0),
    async close() {
      for (const t of holds) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function behave(kind, r, req, res, entry, holds) {
  const answer = (status, headers = {}, body = 'ok') => {
    if (res.destroyed || res.writableEnded) return;
    entry.answer = status;
    entry.ok = status >= 200 && status < 300 && !res.socket?.destroyed;
    res.writeHead(status, headers);
    res.end(body);
  };
  const later = (ms, fn) => {
    const t = setTimeout(() => { holds.delete(t); fn(); }, ms);
    holds.add(t);
  };
  switch (kind) {
    case 'fast': return answer(200);
    case 'slow': return later(r.between(300, 3000), () => answer(200));
    case 'past-timeout': return later(16000, () => answer(200));
    case 'status-5xx': return answer(r.pick([500, 502, 503]));
    case 'slow-5xx': return later(r.between(500, 2000), () => answer(500));
    case 'status-429': return answer(429, { 'retry-after': String(1 + r.int(2)) });
    case 'status-410': return answer(410);
    case 'reset-mid-answer':
      entry.answer = 'reset';
      res.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart of');
      return res.socket.destroy();
    case 'close-without-answer':
      entry.answer = 'closed';
      return req.socket.destroy();
    case 'never-answer':
      entry.answer = 'held';
      return later(20000, () => req.socket.destroy());
    case 'latin1': return answer(200, { 'content-type': 'text/plain; charset=iso-8859-1' }, Buffer.from('Caf\xe9 cr\xe8me', 'latin1'));
    case 'huge': return answer(200, { 'content-type': 'text/plain' }, TEN_MIB);
    case 'cut-at-8k': return answer(200, { 'content-type': 'text/plain; charset=utf-8' }, CUT);
    case 'gzip': return answer(200, { 'content-encoding': 'gzip' }, zlib.gzipSync('{"ok":true}'));
    case 'redirect': return answer(302, { location: '/elsewhere' });
    default: return answer(200);
  }
}
