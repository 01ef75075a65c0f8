// What the campaign runs and breaks: PostgreSQL 15 as a primary with a
// synchronous streaming replica (so a failover loses nothing acknowledged),
// and Leadwire nodes whose stderr lines and CPU, memory and open files are
// watched. As root the servers run as the postgres user, as PostgreSQL requires.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';

const PG = '/usr/lib/postgresql/15/bin';
const root = process.getuid() === 0;

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Asynchronous throughout: the receivers share this process's event loop,
// and a blocking call would hold every webhook they are answering.
const run = promisify(execFile);
async function asPg(cmd, args) {
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return (await run(file, argv, { encoding: 'utf8' })).stdout;
}

async function psql(port, sql, db = 'postgres') {
  return (await run('psql', [`postgresql://postgres@127.0.0.1:${port}/${db}`, '-XAtqc', sql], { encoding: 'utf8' })).stdout.trim();
}

async function chownToPg(dir) {
  if (root) await run('chown', ['postgres:postgres', dir]);
}

// One PostgreSQL server: a data folder and a port.
class PgServer {
  constructor(dir, port) { this.dir = dir; this.port = port; }
  async start() {
    await asPg(`${PG}/pg_ctl`, ['-D', `${this.dir}/data`, '-l', `${this.dir}/server.log`, '-w', '-t', '60',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
  }
  async stop(mode = 'fast') {
    try { await asPg(`${PG}/pg_ctl`, ['-D', `${this.dir}/data`, '-m', mode, '-w', '-t', '60', 'stop']); } catch { /* already down */ }
  }
  async restartImmediate() {
    await asPg(`${PG}/pg_ctl`, ['-D', `${this.dir}/data`, '-l', `${this.dir}/server.log`, '-m', 'immediate', '-w', '-t', '60', 'restart']);
  }
  async promote() { await asPg(`${PG}/pg_ctl`, ['-D', `${this.dir}/data`, '-w', '-t', '60', 'promote']); }
  sql(text, db) { return psql(this.port, text, db); }
}

// A primary and a synchronous standby. `url(db)`: the libpq multi-host URL the
// nodes use, which finds whichever of the two accepts writes.
export class PgPair {
  static async create(dir) {
    const pair = new PgPair(dir, await freePort(), await freePort());
    mkdirSync(dir, { recursive: true });
    await chownToPg(dir);
    const a = pair.servers[0];
    mkdirSync(a.dir, { recursive: true });
    await chownToPg(a.dir);
    await asPg(`${PG}/initdb`, ['-D', `${a.dir}/data`, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await a.start();
    pair.primary = 0;
    await pair.makeStandby(1);
    return pair;
  }
  constructor(dir, p0, p1) {
    this.dir = dir;
    this.servers = [new PgServer(`${dir}/pg0`, p0), new PgServer(`${dir}/pg1`, p1)];
  }
  url(db) {
    const [a, b] = this.servers;
    return `postgresql://postgres@127.0.0.1:${a.port},127.0.0.1:${b.port}/${db}?target_session_attrs=read-write`;
  }
  get primaryServer() { return this.servers[this.primary]; }
  // Makes server `i` a fresh standby of the primary, then makes the primary
  // wait for it on every commit (synchronous replication).
  async makeStandby(i) {
    const s = this.servers[i], p = this.primaryServer;
    await s.stop('immediate');
    rmSync(s.dir, { recursive: true, force: true });
    mkdirSync(s.dir, { recursive: true });
    await chownToPg(s.dir);
    await asPg(`${PG}/pg_basebackup`, ['-D', `${s.dir}/data`, '-h', '127.0.0.1', '-p', String(p.port), '-U', 'postgres',
      '-R', '-X', 'stream', '--checkpoint=fast']);
    await s.start();
    for (let n = 0; (await p.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) === '0'; n++) {
      if (n > 300) throw new Error('the standby does not stream');
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.setSynchronous(p, true);
    this.standby = i;
  }
  async setSynchronous(server, on) {
    await server.sql(`ALTER SYSTEM SET synchronous_standby_names = '${on ? '*' : ''}'`);
    await server.sql('SELECT pg_reload_conf()');
  }
  // The primary dies (as a crash would), the standby takes over, and the old
  // primary's folder becomes the new standby.
  async failover() {
    const old = this.primary, next = 1 - old;
    await this.servers[old].stop('immediate');
    await this.servers[next].promote();
    this.primary = next;
    // Alone until its own standby streams: its commits must not wait for one.
    await this.setSynchronous(this.servers[next], false);
    await this.makeStandby(old);
  }
  async stopAll() { for (const s of this.servers) await s.stop('immediate'); }
}

// One `leadwire serve` process.
export class Node {
  constructor({ bin, db, role, name, args = [], logLine }) {
    Object.assign(this, { bin, db, role, name, args, logLine });
    this.lines = [];   // [time, text] of every stderr line
    this.samples = []; // { at, cpu, rss, fds }
    this.starts = 0;
  }
  async start() {
    const argv = ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port ?? 0}`, '--role', this.role, ...this.args];
    this.child = spawn(this.bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.starts += 1;
    let partial = '';
    this.child.stderr.on('data', (d) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop();
      for (const text of parts) { this.lines.push([Date.now(), text]); this.logLine?.(this, text); }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.base = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start`)), 30000);
      this.child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      this.exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`${this.name} exited ${code}: ${this.lines.slice(-5).map((l) => l[1]).join('\n')}`)); });
    });
    this.port = Number(new URL(this.base).port);
    return this;
  }
  get alive() { return this.child && this.child.exitCode === null && this.child.signalCode === null; }
  signal(sig) { if (this.alive) this.child.kill(sig); }
  async stop(sig = 'SIGTERM') { if (!this.alive) return null; this.child.kill(sig); return this.exited; }
  // CPU seconds used so far, resident MiB, open files; null once it is gone.
  sample() {
    if (!this.alive) return null;
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const s = {
        at: Date.now(),
        cpu: (Number(stat[11]) + Number(stat[12])) / 100,
        rss: Number(status.match(/VmRSS:\s+(\d+)/)[1]) / 1024,
        fds: readdirSync(`/proc/${this.child.pid}/fd`).length,
        starts: this.starts,
      };
      this.samples.push(s);
      return s;
    } catch { return null; }
  }
  linesBetween(from, to) { return this.lines.filter(([t]) => t >= from && t <= to).length; }
}
