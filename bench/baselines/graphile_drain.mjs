// bench/scale's baseline: the same drain as Leadwire's, done the way a team
// would build it in Node — graphile-worker jobs on the same PostgreSQL, each
// POSTing its payload with an undici pool to the same nginx. Queues N jobs
// (not timed), then runs the worker until none is left; prints jobs/s.
// Usage: node graphile_drain.mjs DATABASE_URL TARGET_URL N CONCURRENCY
import { run, makeWorkerUtils, Logger } from 'graphile-worker';
import { Pool } from 'undici';
import { readFileSync } from 'node:fs';

const [connectionString, target, n, concurrency] = process.argv.slice(2);
const body = readFileSync(new URL('../post.lua', import.meta.url), 'utf8').match(/^wrk\.body = '(.*)'$/m)[1];
const url = new URL(target);
const http = new Pool(url.origin, { connections: Number(concurrency), pipelining: 1 });
// Errors only: a log line per job would measure the terminal.
const logger = new Logger(() => (level, message) => { if (level === 'error') console.error(message); });

const utils = await makeWorkerUtils({ connectionString, logger });
await utils.migrate();
// In bulk (add_jobs): add_job row by row takes minutes for 100,000.
await utils.withPgClient((c) => c.query(
  `SELECT COUNT(*) FROM graphile_worker.add_jobs((SELECT array_agg(ROW('send', json_build_object('n', i),
     NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec) FROM generate_series(1, $1) i))`, [Number(n)]));
const left = () => utils.withPgClient(async (c) => Number((await c.query('SELECT COUNT(*) FROM graphile_worker.jobs')).rows[0].count));

const started = performance.now();
// Tuned as graphile-worker's performance guide advises for throughput: a
// local queue that locks jobs in batches, completions batched, a pool larger
// than the workers need, a short poll.
const runner = await run({
  logger,
  noHandleSignals: true,
  preset: {
    worker: {
      connectionString,
      concurrentJobs: Number(concurrency),
      maxPoolSize: 32,
      pollInterval: 100,
      localQueue: { size: Number(concurrency) * 2 },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
  taskList: {
    send: async () => {
      const res = await http.request({ method: 'POST', path: url.pathname, body,
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_bench' } });
      await res.body.dump();
      if (res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
    },
  },
});
while ((await left()) > 0) await new Promise((r) => setTimeout(r, 100));
const seconds = (performance.now() - started) / 1000;
await runner.stop();
await utils.release();
await http.close();
console.log(Math.round(Number(n) / seconds));
