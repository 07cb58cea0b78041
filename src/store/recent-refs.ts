// Which references this process wrote or touched lately, so the local store can skip file-system calls whose
// only effect would be to move a modification time it has just set. Retention (`durable-agent store prune`)
// deletes content unused for at least one whole day (--older-than-days takes whole days, at least 1), so content
// whose time this process set a few minutes ago is still there and still far from the cutoff: skipping a touch
// keeps content at most RECENT_MS less than the retention it asked for, never loses content in use.

/** How long a write or touch of this process counts as recent. */
export const RECENT_MS = 10 * 60 * 1000;

/** References remembered at most; the oldest are forgotten first (about 100 bytes each). */
const RECENT_MAX = 50_000;

/** A bounded map of reference → when this process last set its file's modification time. */
export class RecentRefs {
  private readonly at = new Map<string, number>();

  constructor(
    private readonly windowMs: number = RECENT_MS,
    private readonly max: number = RECENT_MAX,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the reference's time was set within the window. */
  has(ref: string): boolean {
    const at = this.at.get(ref);
    return at !== undefined && this.now() - at < this.windowMs;
  }

  /** Records that the reference's time was set now. */
  add(ref: string): void {
    // Map order is insertion order: re-inserting keeps the oldest first, for eviction.
    this.at.delete(ref);
    this.at.set(ref, this.now());
    if (this.at.size > this.max) this.at.delete(this.at.keys().next().value as string);
  }

  /** References remembered now. */
  get size(): number {
    return this.at.size;
  }
}
