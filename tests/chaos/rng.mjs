// Seeded randomness for the fault campaign: every choice the campaign makes
// comes from its seed, so a run can be replayed. mulberry32, and FNV-1a to
// derive a stream for one decision from the seed and names (a receiver's
// answer to the nth arrival of one webhook is the same whatever order the
// requests arrive in).
export function hash(...parts) {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    between: (lo, hi) => lo + next() * (hi - lo),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    // [[weight, value], …] → one value
    weighted(entries) {
      const total = entries.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of entries) { if ((x -= w) < 0) return v; }
      return entries.at(-1)[1];
    },
  };
}
