// A map that keeps only the most recently used keys, for state that must stay bounded however
// long vigil runs: between max/2 and max keys live in two generations, and when the young one
// fills, the old one is dropped whole. Every operation is O(1); nothing is ever scanned, which
// matters because iterating a Map that has seen many deletions walks its deleted slots too.
export class RecentMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly max: number) {}

  /** The key's value; using a key keeps it. */
  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined || this.old.size === 0) return value;
    const kept = this.old.get(key);
    if (kept !== undefined) this.set(key, kept);
    return kept;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
