/**
 * A bound on work we wait for but cannot cancel (a store insert, an SDK turn): the waiter gives up and
 * answers; the work goes on, and its late failure must not become an unhandled rejection.
 */

/** The work did not settle within its deadline; it may still settle later. */
export class DeadlinePassed extends Error {
  constructor(
    what: string,
    readonly deadlineMs: number,
  ) {
    super(`${what} did not answer within ${deadlineMs} ms`);
    this.name = 'DeadlinePassed';
  }
}

/** `work`'s outcome, or DeadlinePassed after `deadlineMs`. */
export async function withinDeadline<T>(work: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlinePassed(what, deadlineMs)), deadlineMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
