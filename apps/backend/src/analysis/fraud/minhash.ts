/**
 * MinHash signatures of shingle sets: {@link MINHASH_SIZE} minimums, one per hash function, whose
 * share of equal positions between two sets estimates their Jaccard similarity (standard error
 * √(J(1−J)/128), at most 0.044). Pure, no I/O.
 *
 * The signatures are stored (`transcript_signatures.minhash`, {@link minhashToBytes}): the hash functions below must never
 * change, or stored and new signatures stop agreeing. A different scheme needs a new column.
 */

export const MINHASH_SIZE = 128;

/** murmur3's finaliser: a 32-bit mix in which every input bit flips every output bit half the time. */
function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** FNV-1a over the UTF-16 code units, then mixed: the base hash of one shingle. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** One fixed seed per hash function (a splitmix-like sequence, so the list is reproducible). */
const SEEDS: readonly number[] = Array.from({ length: MINHASH_SIZE }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b9)));

/** The signature of a shingle set; null for an empty set (nothing to compare). Values are signed 32-bit (Postgres `integer`). */
export function minhash(shingles: Iterable<string>): number[] | null {
  const mins = new Array<number>(MINHASH_SIZE).fill(0x7fffffff);
  let any = false;
  for (const s of shingles) {
    any = true;
    const base = hashString(s);
    for (let i = 0; i < MINHASH_SIZE; i++) {
      const h = fmix32(base ^ SEEDS[i]!);
      if (h < mins[i]!) mins[i] = h;
    }
  }
  return any ? mins : null;
}

/** A signature as stored (`bytea`): little-endian int32s. */
export function minhashToBytes(sig: readonly number[]): Buffer {
  const buf = Buffer.alloc(sig.length * 4);
  for (let i = 0; i < sig.length; i++) buf.writeInt32LE(sig[i]!, i * 4);
  return buf;
}

export function minhashFromBytes(buf: Uint8Array): Int32Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Int32Array(buf.byteLength >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/** The estimated Jaccard similarity of the two sets behind two signatures. */
export function estimateJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let same = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
  return same / n;
}
