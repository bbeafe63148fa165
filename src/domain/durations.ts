/**
 * Durations kept for a median and a 90th percentile. A summary of a long period collects a hundred thousand
 * of them per figure: in a plain array every growth copies the whole array and leaves the old one to the
 * garbage collector, which let the heap grow by tens of megabytes before it collected (size bench). Here
 * they go into typed blocks that are filled and never copied, off the JavaScript heap.
 */
const FIRST_BLOCK = 64;
const LARGEST_BLOCK = 16_384;

export class Durations {
  private readonly blocks: Float64Array[] = [];
  /** Values in the last block. */
  private filled = 0;
  private total = 0;

  get count(): number {
    return this.total;
  }

  push(ms: number): void {
    let block = this.blocks.at(-1);
    if (block === undefined || this.filled === block.length) {
      // Small tallies (one agent on one line) stay small; long ones stop doubling at a fixed block size.
      block = new Float64Array(block === undefined ? FIRST_BLOCK : Math.min(block.length * 2, LARGEST_BLOCK));
      this.blocks.push(block);
      this.filled = 0;
    }
    block[this.filled] = ms;
    this.filled++;
    this.total++;
  }

  /** Another list with the same values, to go on apart from this one. */
  copy(): Durations {
    const copy = new Durations();
    for (const value of this.sorted()) copy.push(value);
    return copy;
  }

  /** Every value, in ascending order (a new array: the blocks are left as they are). */
  sorted(): Float64Array {
    const all = new Float64Array(this.total);
    let at = 0;
    this.blocks.forEach((block, i) => {
      const used = i === this.blocks.length - 1 ? this.filled : block.length;
      all.set(block.subarray(0, used), at);
      at += used;
    });
    // A typed array sorts by number, not as text.
    return all.sort();
  }
}

/**
 * Wall-clock durations with their business-time twins. On a line without opening hours the two are the same
 * numbers, so the twins are kept apart only from the first one that differs.
 */
export class TimedDurations {
  readonly wallClock = new Durations();
  private businessTime: Durations | null = null;

  push(wallClockMs: number, businessMs: number): void {
    if (this.businessTime === null && businessMs !== wallClockMs) this.businessTime = this.wallClock.copy();
    this.wallClock.push(wallClockMs);
    this.businessTime?.push(businessMs);
  }

  get business(): Durations {
    return this.businessTime ?? this.wallClock;
  }
}
