/**
 * Paged KV cache with prefix caching, modelled on vLLM V1's block pool:
 * fixed-size blocks, reference counts, a hash -> block map for full prompt blocks, and
 * an LRU queue of free blocks from which cached blocks are evicted only when reused.
 *
 * Hand-written because it is the simulator's inner loop: typed arrays and an intrusive
 * doubly linked free list keep allocation O(1) with no garbage for millions of requests.
 */
export class KvCache {
  readonly numBlocks: number;
  readonly blockSize: number;
  private readonly refCount: Int32Array;
  private readonly blockHash: Float64Array; // NaN = no hash
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1; // least recently freed (evicted first)
  private tail = -1;
  private freeCount = 0;
  private readonly cached = new Map<number, number>(); // hash -> block id

  constructor(numBlocks: number, blockSize: number) {
    if (!(numBlocks > 0)) throw new Error(`KV cache needs at least one block, got ${numBlocks}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refCount = new Int32Array(numBlocks);
    this.blockHash = new Float64Array(numBlocks).fill(NaN);
    this.prev = new Int32Array(numBlocks);
    this.next = new Int32Array(numBlocks);
    for (let b = 0; b < numBlocks; b++) this.pushFree(b);
  }

  get freeBlocks(): number {
    return this.freeCount;
  }

  get usage(): number {
    return 1 - this.freeCount / this.numBlocks;
  }

  /**
   * Longest run of leading blocks (keyed by `hashAt(i)`) already cached, taking a reference on each hit
   * block. Returns the hit block ids (the caller owns one reference to each).
   */
  acquirePrefix(keys: { hashAt(i: number): number }, maxBlocks: number): number[] {
    const hits: number[] = [];
    for (let i = 0; i < maxBlocks; i++) {
      const b = this.cached.get(keys.hashAt(i));
      if (b === undefined) break;
      if (this.refCount[b] === 0) this.unlinkFree(b);
      this.refCount[b]!++;
      hits.push(b);
    }
    return hits;
  }

  /** Allocates `count` fresh blocks into `out`, or none and returns false if too few are free. */
  allocate(count: number, out: number[]): boolean {
    if (count > this.freeCount) return false;
    for (let i = 0; i < count; i++) {
      const b = this.head;
      this.unlinkFree(b);
      const h = this.blockHash[b]!;
      if (!Number.isNaN(h)) {
        // Evict the cached content of a reused block.
        if (this.cached.get(h) === b) this.cached.delete(h);
        this.blockHash[b] = NaN;
      }
      this.refCount[b] = 1;
      out.push(b);
    }
    return true;
  }

  /** Marks a full block as holding the content `hash`, so later requests can share it. */
  register(block: number, hash: number): void {
    if (!Number.isNaN(this.blockHash[block]!)) return;
    if (this.cached.has(hash)) return; // an identical block is already cached
    this.blockHash[block] = hash;
    this.cached.set(hash, block);
  }

  /**
   * Drops one reference to each block. Blocks reaching zero go to the free queue, tail
   * blocks first so that a request's prefix stays cached longest (as vLLM frees them).
   */
  release(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i]!;
      if (--this.refCount[b]! === 0) this.pushFree(b);
    }
  }

  private pushFree(b: number): void {
    this.prev[b] = this.tail;
    this.next[b] = -1;
    if (this.tail >= 0) this.next[this.tail] = b;
    else this.head = b;
    this.tail = b;
    this.freeCount++;
  }

  private unlinkFree(b: number): void {
    const p = this.prev[b]!;
    const n = this.next[b]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.freeCount--;
  }
}
