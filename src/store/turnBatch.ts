/**
 * Group commit: writes requested during one turn of the event loop are handed to `flush` together, at the
 * end of that turn (setImmediate), so many small transactions become one. Each caller's promise settles
 * with its own item's answer once the batch is written, so "answered" still means "written".
 *
 * better-sqlite3 runs statements on the event loop, and promises that resolve at once chain as microtasks
 * without letting I/O in; flushing from setImmediate also gives HTTP a turn before each batch.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TurnBatch<Item, Answer> {
  private waiting: { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    /** Writes the batch and answers for each item, in order. */
    private readonly flush: (items: Item[]) => Promise<Answer[]>,
    /** Items per flush at most; the rest go in the next turn. */
    private readonly maxItems = 500,
  ) {}

  add(item: Item): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxItems);
      try {
        const answers = await this.flush(batch.map((entry) => entry.item));
        for (const [i, entry] of batch.entries()) entry.resolve(answers[i] as Answer);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
      // What arrived meanwhile waits for the next turn, after the I/O that is waiting now.
      if (this.waiting.length > 0) await nextTurn();
    }
    this.scheduled = false;
  }
}
