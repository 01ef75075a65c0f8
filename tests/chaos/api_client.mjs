// The campaign's API client: each call goes to a live api node (another one
// when a node is down), honours 503's Retry-After the way a well-behaved
// integration does, and every answer is kept for the check that the API
// never answers 500.
export class ApiClient {
  constructor({ nodes, answers, now = Date.now }) {
    this.nodes = nodes;      // () → the nodes serving the API, live or not
    this.answers = answers;  // [{at, method, path, status, retryAfter}]
    this.now = now;
  }
  // {status, json} — status 'down' when no node answered at all.
  async call(token, method, path, body) {
    const live = this.nodes().filter((n) => n.alive && n.base);
    for (const node of live.sort(() => Math.random() - 0.5)) {
      try {
        const res = await fetch(node.base + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(30000),
        });
        const text = await res.text();
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        const answer = { at: this.now(), node: node.name, method, path, status: res.status, retryAfter: res.headers.get('retry-after'), code: json?.error?.code };
        this.answers.push(answer);
        return { status: res.status, json, retryAfter: Number(answer.retryAfter || 0) };
      } catch {
        // The node went away mid-request (killed, stopped): its answer is unknown.
      }
    }
    return { status: 'down', json: null, retryAfter: 1 };
  }
}
