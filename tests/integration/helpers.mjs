// Helpers for the integration tests: start the real `leadwire` binary on a
// fresh database and an ephemeral port, call its API, read its database.
// The store is SQLite, or PostgreSQL when LEADWIRE_TEST_STORE=postgresql (a
// fresh database per call on the server whose admin URL is LEADWIRE_TEST_PG).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { responseProblem } from './openapi_check.mjs';

export const BIN = process.env.LEADWIRE_BIN || new URL('../../build/asan/leadwire', import.meta.url).pathname;

// A PostgreSQL database's key file (--secret-key-file): one per database,
// shared by every command and node on it, as in production. SQLite keeps its
// own next to the database file.
export function secretKeyFile(db) {
  const keys = join(tmpdir(), 'leadwire-test-keys');
  mkdirSync(keys, { recursive: true });
  return join(keys, `${db.slice(db.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9_]/g, '_')}.key`);
}

// init and serve on PostgreSQL get the database's key file unless the
// test names one (or asks for none with '--secret-key-file', '').
export function withSecretKey(args) {
  const at = args.indexOf('--db');
  if (!['init', 'serve'].includes(args[0]) || at < 0 || args.includes('--secret-key-file')) return args;
  const db = args[at + 1];
  return db.startsWith('postgres') ? [...args, '--secret-key-file', secretKeyFile(db)] : args;
}

// Runs a CLI command; returns {code, stdout, stderr}.
export function cli(args, opts = {}) {
  try {
    const stdout = execFileSync(BIN, withSecretKey(args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: e.status, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

export const STORE = process.env.LEADWIRE_TEST_STORE === 'postgresql' ? 'postgresql' : 'sqlite';

// A fresh --db URL: a file in `dir`, or a new PostgreSQL database.
function freshDbUrl(dir) {
  if (STORE === 'sqlite') return `sqlite:${dir}/leadwire.db`;
  const admin = process.env.LEADWIRE_TEST_PG;
  if (!admin) throw new Error('LEADWIRE_TEST_STORE=postgresql needs LEADWIRE_TEST_PG');
  const name = `lw_i_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`], { stdio: 'ignore' });
  return admin.slice(0, admin.lastIndexOf('/') + 1) + name;
}

// A fresh database with one organization; returns its folder, url and admin.
// `path` is what sql() reads: the SQLite file, or the PostgreSQL URL.
export function freshDatabase(org = 'Acme Injury Law') {
  const dir = mkdtempSync(join(tmpdir(), 'leadwire-test-'));
  const db = freshDbUrl(dir);
  const r = cli(['init', '--db', db, '--org', org, '--admin-email', `admin@${slug(org)}.test`,
                 '--admin-password', 'correct horse battery']);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  const admin = JSON.parse(r.stdout);
  const path = STORE === 'sqlite' ? `${dir}/leadwire.db` : db;
  return { dir, db, path, admin, adminEmail: `admin@${slug(org)}.test` };
}

export function addOrganization(db, org) {
  const r = cli(['init', '--db', db, '--org', org, '--admin-email', `admin@${slug(org)}.test`,
                 '--admin-password', 'correct horse battery']);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function addUser(db, orgId, email, role = 'user') {
  const r = cli(['user', 'add', '--db', db, '--org-id', String(orgId), '--email', email,
                 '--role', role, '--password', 'user password 1']);
  if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function slug(s) { return s.toLowerCase().replace(/[^a-z0-9]+/g, '-'); }

// Every server a test file started; a failed test must not leave one running
// (its open pipes would keep the test runner waiting for this file forever).
const servers = new Set();
process.on('exit', () => { for (const child of servers) child.kill('SIGKILL'); });

// Starts `leadwire serve` on port 0; resolves once it prints its address.
// fileLimit: the open-file limit it runs under (soft and hard, with prlimit).
export async function startServer(db, extraArgs = [], { fileLimit } = {}) {
  const args = withSecretKey(['serve', '--db', db, '--listen', '127.0.0.1:0', ...extraArgs]);
  const child = fileLimit
    ? spawn('prlimit', [`--nofile=${fileLimit}:${fileLimit}`, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  child.on('exit', () => servers.delete(child));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  return {
    base,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

// Calls the API. body: an object (sent as JSON) or a string (sent as is).
// Every answer is checked against docs/openapi.json: one that does not fit
// fails the test that got it.
export async function api(base, method, path, { token, body, headers = {}, cookie } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!('content-type' in h)) h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual' });
  const buf = Buffer.from(await res.arrayBuffer());
  let json = null;
  if ((res.headers.get('content-type') || '').includes('application/json') && buf.length) json = JSON.parse(buf);
  const problem = responseProblem(method, path, res.status, res.headers.get('content-type'), buf, json ?? undefined);
  if (problem) throw new Error(`the answer does not fit docs/openapi.json: ${problem}`);
  return { status: res.status, json, headers: res.headers, buffer: buf };
}

// Rows of a query against the server's database (SQLite: read-only, WAL-safe).
export function sql(path, query) {
  if (path.startsWith('postgresql://')) {
    const out = execFileSync('psql', [path, '-XAtqc', `SELECT COALESCE(json_agg(t), '[]') FROM (${query}) t`],
      { encoding: 'utf8' });
    return JSON.parse(out);
  }
  const out = execFileSync('sqlite3', ['-readonly', '-json', path, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

// Runs a changing statement against the server's database while it runs,
// as data written by an older version or by hand would be there.
export function sqlExec(path, statement) {
  if (path.startsWith('postgresql://')) {
    execFileSync('psql', [path, '-XAtqc', statement]);
  } else {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', path, statement]);
  }
}

export function eventCount(path) {
  return sql(path, 'SELECT COUNT(*) AS n FROM events')[0].n;
}

// Events recorded after `afterId`, as [{trigger_id, lead_id, ...}].
export function eventsAfter(path, afterId) {
  return sql(path, `SELECT * FROM events WHERE id > ${Number(afterId)} ORDER BY id`);
}

export function lastEventId(path) {
  return sql(path, 'SELECT COALESCE(MAX(id), 0) AS id FROM events')[0].id;
}

// Removes a freshDatabase()'s folder (and its PostgreSQL database, if any).
export function cleanup(dir, db) {
  rmSync(dir, { recursive: true, force: true });
  if (db && db.startsWith('postgresql://')) {
    const admin = process.env.LEADWIRE_TEST_PG;
    const name = db.slice(db.lastIndexOf('/') + 1);
    execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' });
    rmSync(secretKeyFile(db), { force: true });
  }
}

// `leadwire receive --listen 127.0.0.1:0 ARGS…`, once it listens:
// {child, base, out()} (out: what it has printed so far).
export function startReceive(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['receive', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/\S+?)\/?\s/);
      if (m) resolve({ child, base: m[1], out: () => out });
    });
    child.on('exit', (code) => reject(new Error(`receive exited ${code}: ${out}`)));
  });
}

// One server on a fresh database, for a test file: {base, admin, db, path, stop}.
export async function setup() {
  const d = freshDatabase();
  const server = await startServer(d.db);
  return {
    ...d,
    base: server.base,
    server,
    token: d.admin.api_token,
    async teardown() {
      const code = await server.stop();
      cleanup(d.dir, d.db);
      return code;
    },
  };
}
