// The cluster's consistent-hash ring, recomputed in the browser from the peer list so the
// clustering page can show each participant's share of the key space: XXH64 (seed 0), 512
// tokens per node (token t = running digest after the name and the bytes 0,1,…,t mod 256),
// tokens sorted by (token, name), a key belongs to the first token ≥ it (wrapping around).

const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

/** Tokens per node, as the agent uses. */
export const TOKENS_PER_NODE = 512;

const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M64;
const mul = (a, b) => (a * b) & M64;
const add = (a, b) => (a + b) & M64;

function round(acc, lane) {
  return mul(rotl(add(acc, mul(lane, P2)), 31), P1);
}

function mergeRound(acc, val) {
  return add(mul(acc ^ round(0n, val), P1), P4);
}

function read64(buf, i) {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(buf[i + k]);
  return v;
}

function read32(buf, i) {
  return BigInt((buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16)) >>> 0) + (BigInt(buf[i + 3]) << 24n);
}

/** Streaming XXH64 with seed 0; digest() does not consume the state. */
export class Xxh64 {
  constructor() {
    this.v = [add(P1, P2), P2, 0n, (0n - P1) & M64];
    this.buf = new Uint8Array(32);
    this.fill = 0;
    this.total = 0;
  }

  /** Appends bytes (an array-like of 0..255). */
  update(bytes) {
    for (let i = 0; i < bytes.length; i++) {
      this.buf[this.fill++] = bytes[i];
      this.total++;
      if (this.fill === 32) {
        for (let k = 0; k < 4; k++) this.v[k] = round(this.v[k], read64(this.buf, k * 8));
        this.fill = 0;
      }
    }
    return this;
  }

  /** The hash of everything appended so far, as a BigInt. */
  digest() {
    let h;
    const [v1, v2, v3, v4] = this.v;
    if (this.total >= 32) {
      h = add(add(rotl(v1, 1), rotl(v2, 7)), add(rotl(v3, 12), rotl(v4, 18)));
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = P5;
    }
    h = add(h, BigInt(this.total));
    let i = 0;
    for (; i + 8 <= this.fill; i += 8) {
      h ^= round(0n, read64(this.buf, i));
      h = add(mul(rotl(h, 27), P1), P4);
    }
    if (i + 4 <= this.fill) {
      h ^= mul(read32(this.buf, i), P1);
      h = add(mul(rotl(h, 23), P2), P3);
      i += 4;
    }
    for (; i < this.fill; i++) {
      h ^= mul(BigInt(this.buf[i]), P5);
      h = mul(rotl(h, 11), P1);
    }
    h ^= h >> 33n;
    h = mul(h, P2);
    h ^= h >> 29n;
    h = mul(h, P3);
    h ^= h >> 32n;
    return h;
  }
}

const utf8 = new TextEncoder();

/** XXH64 (seed 0) of a string's UTF-8 bytes. */
export function xxh64(str) {
  return new Xxh64().update(utf8.encode(str)).digest();
}

/** The ring tokens of a node name. */
export function nodeTokens(name, count = TOKENS_PER_NODE) {
  const h = new Xxh64().update(utf8.encode(name));
  const out = new Array(count);
  const one = new Uint8Array(1);
  for (let t = 0; t < count; t++) {
    one[0] = t & 0xff;
    h.update(one);
    out[t] = h.digest();
  }
  return out;
}

function byteCompare(a, b) {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The ring over `names`: an array of [token, name] sorted by token then name (bytewise). */
export function buildRing(names, count = TOKENS_PER_NODE) {
  const ring = [];
  for (const name of names) for (const t of nodeTokens(name, count)) ring.push([t, name]);
  ring.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : byteCompare(a[1], b[1])));
  return ring;
}

/** The owner of a key (BigInt) on a ring, or null if the ring is empty. */
export function ringOwner(ring, key) {
  if (ring.length === 0) return null;
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ring[mid][0] < key) lo = mid + 1;
    else hi = mid;
  }
  return ring[lo === ring.length ? 0 : lo][1];
}

/** Each node's share of the 64-bit key space (0..1) on the ring over `names`. */
export function ringShares(names, count = TOKENS_PER_NODE) {
  const ring = buildRing(names, count);
  const owned = new Map(names.map((n) => [n, 0n]));
  if (ring.length === 0) return new Map();
  for (let i = 0; i < ring.length; i++) {
    const [tok, name] = ring[i];
    // Keys in (previous token, this token] belong to this token; the first token also takes the
    // wrap-around range above the last token.
    const span = i === 0 ? tok + 1n + (M64 - ring[ring.length - 1][0]) : tok - ring[i - 1][0];
    owned.set(name, owned.get(name) + span);
  }
  const shares = new Map();
  const total = M64 + 1n;
  for (const [n, v] of owned) shares.set(n, Number((v * 1000000n) / total) / 1000000);
  return shares;
}
