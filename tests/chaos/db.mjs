// Reading the campaign's database from outside, as an operator would: psql
// for PostgreSQL (the multi-host URL finds the primary), sqlite3 for SQLite.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Asynchronous: the receivers share the event loop.
export async function query(db, sql) {
  if (db.startsWith('postgresql://')) {
    const { stdout } = await run('psql', [db, '-XAtqc', `SELECT COALESCE(json_agg(t), '[]') FROM (${sql}) t`],
      { encoding: 'utf8', maxBuffer: 1 << 30 });
    return JSON.parse(stdout);
  }
  const { stdout } = await run('sqlite3', ['-readonly', '-json', '-cmd', '.timeout 10000', db.slice('sqlite:'.length), sql],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  return stdout.trim() ? JSON.parse(stdout) : [];
}

// Deliveries still to settle: pending for an enabled rule, or in flight
// (held by a node) for any rule — a disabled rule's attempt under way still
// ends with a result.
export async function unsettled(db) {
  try {
    return (await query(db, `SELECT COUNT(*) AS n FROM deliveries d LEFT JOIN webhook_rules r ON r.id = d.rule_id
      LEFT JOIN organizations o ON o.id = r.org_id WHERE d.status = 'pending' AND
      ((r.enabled = 1 AND o.webhooks_enabled = 1) OR (d.lease_until > ${Date.now()} AND d.lease_owner IS NOT NULL))`))[0].n;
  } catch {
    return -1;  // the database is not answering yet
  }
}
