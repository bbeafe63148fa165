/**
 * Group commit: writes requested during one turn of the event loop are handed to `flush` together, at the
 * end of that turn (setImmediate), so many small transactions become one. Each caller's promise settles
 * with its own item's answer once the batch is written, so "answered" still means "written".
 *
 * better-sqlite3 runs statements on the event loop, and promises that resolve at once chain as microtasks
 * without letting I/O in; flushing from setImmediate also gives HTTP a turn before each batch.
 */
export class TurnBatch<Item, Answer> {
  private waiting: { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private flushing = 0;

  constructor(
    /** Writes the batch and answers for each item, in order. */
    private readonly flush: (items: Item[]) => Promise<Answer[]>,
    /** Items per flush at most; the rest go in the next flush. */
    private readonly maxItems = 500,
    /**
     * Flushes under way at once. One on SQLite (one connection, one transaction at a time); more where each
     * flush mostly waits on the network (PostgreSQL), so the next batch need not wait for the last commit.
     */
    private readonly parallel = 1,
  ) {}

  add(item: Item): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Flushes at the end of this turn, if anything waits and a flush may start. */
  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0 || this.flushing >= this.parallel) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.flushing < this.parallel && this.waiting.length > 0) {
        void this.flushOne(this.waiting.splice(0, this.maxItems));
      }
    });
  }

  private async flushOne(batch: typeof this.waiting): Promise<void> {
    this.flushing++;
    try {
      const answers = await this.flush(batch.map((entry) => entry.item));
      for (const [i, entry] of batch.entries()) entry.resolve(answers[i] as Answer);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.flushing--;
      // What arrived meanwhile waits for the next turn, after the I/O that is waiting now.
      this.schedule();
    }
  }
}
