// Fixed-size block pools for everything the task ABI hands out pointers to
// (task states, map entries, operations with their completion status).
//
// A freed block is poisoned (magic word POISON, payload filled with 0xDD) and
// queued; a block is reused, oldest first, only once more than the quarantine
// limit wait behind it, so a pointer kept past its free is recognisable for a
// while, and a block's address is not reused at once. Detection never depends on the quarantine alone: the importer also
// checks that a returned `prev` belongs to a registration it made (waitable.ts).
// After warm-up a pool allocates nothing: the steady state reuses blocks.

/** The magic word of a freed block. */
export const POISON: u32 = 0xdead_f7ee;
/** Byte written over the payload of a freed block. */
const POISON_BYTE: u8 = 0xdd;

/** Every pooled block starts with these two words. */
@unmanaged
export class Pooled {
  /** A per-type LIVE magic while allocated, POISON while freed. */
  magic: u32;
  /** Free-list / quarantine link while freed; free for the owner's use while live. */
  link: usize;
}

@unmanaged
export class Pool {
  size: u32;
  liveMagic: u32;
  quarantineHead: usize;
  quarantineTail: usize;
  quarantined: u32;
  /** Blocks currently allocated. */
  live: u32;
  /** Blocks currently obtained from the heap (live + quarantined). */
  total: u32;
  /**
   * Whether blocks are scrubbed: zeroed on allocation and filled with
   * POISON_BYTE on free. Pools whose blocks are handed out as pointers
   * (operations: their address is a cb_ptr) scrub; pools whose owner sets
   * every field itself (entries, task states) only flip the magic word,
   * which is all `isPoisoned` reads.
   */
  scrub: bool;
}

/** How many freed blocks of each pool wait before reuse. */
let quarantineLimit: u32 = 8;
/**
 * How many freed blocks beyond the quarantine a pool keeps ready; the rest go
 * back to the heap, so memory returns to baseline after a burst of tasks.
 */
const RESERVE: u32 = 64;

export function setQuarantine(limit: u32): void {
  quarantineLimit = limit;
}

/**
 * Sets up a pool in static memory; call as
 * `initPool(changetype<Pool>(memory.data(offsetof<Pool>())), size, MAGIC)`
 * (each `memory.data` call site is its own static block).
 */
export function initPool(pool: Pool, size: u32, liveMagic: u32, scrub: bool = true): Pool {
  pool.size = size < offsetof<Pooled>() ? offsetof<Pooled>() : size;
  pool.liveMagic = liveMagic;
  pool.scrub = scrub;
  return pool;
}

export function poolAlloc(pool: Pool): usize {
  let p: usize;
  if (pool.quarantined > quarantineLimit) {
    p = takeQuarantined(pool);
  } else {
    p = heap.alloc(pool.size);
    pool.total++;
  }
  if (pool.scrub) memory.fill(p, 0, pool.size);
  changetype<Pooled>(p).magic = pool.liveMagic;
  pool.live++;
  return p;
}

export function poolFree(pool: Pool, p: usize): void {
  const block = changetype<Pooled>(p);
  if (block.magic != pool.liveMagic) throw new Error("pool: double free or foreign block at " + p.toString(16));
  if (pool.scrub) memory.fill(p + offsetof<Pooled>(), POISON_BYTE, pool.size - offsetof<Pooled>());
  block.magic = POISON;
  block.link = 0;
  if (pool.quarantineTail != 0) changetype<Pooled>(pool.quarantineTail).link = p;
  else pool.quarantineHead = p;
  pool.quarantineTail = p;
  pool.quarantined++;
  pool.live--;
  if (pool.quarantined > quarantineLimit + RESERVE) {
    heap.free(takeQuarantined(pool));
    pool.total--;
  }
}

function takeQuarantined(pool: Pool): usize {
  const q = pool.quarantineHead;
  pool.quarantineHead = changetype<Pooled>(q).link;
  if (pool.quarantineHead == 0) pool.quarantineTail = 0;
  pool.quarantined--;
  return q;
}

/** Whether `p` is a block that was freed (poisoned) and not yet reused. */
export function isPoisoned(p: usize): bool {
  if (p == 0 || p + 4 > (<usize>memory.size() << 16)) return false;
  return changetype<Pooled>(p).magic == POISON;
}

/** Whether `p` currently holds a live block of `pool`'s type. */
export function isLive(pool: Pool, p: usize): bool {
  if (p == 0 || p + 4 > (<usize>memory.size() << 16)) return false;
  return changetype<Pooled>(p).magic == pool.liveMagic;
}
