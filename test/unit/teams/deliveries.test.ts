import { describe, expect, it } from 'vitest';
import { CardDeliveries } from '../../../src/surfaces/teams/deliveries.js';

describe('a Teams click waiting for its card update', () => {
  it('answers as soon as this process delivers the version it waits for', async () => {
    const deliveries = new CardDeliveries();
    const waiting = deliveries.waitFor('e1', 3, 5_000);
    deliveries.markDelivered('e1', 3);
    await expect(waiting).resolves.toBe(true);
  });

  it('answers once the update job is gone from the jobs table when another replica ran it', async () => {
    const looks: string[] = [];
    let pendingLooks = 2;
    const deliveries = new CardDeliveries(
      undefined,
      async (episodeId) => {
        looks.push(episodeId);
        return pendingLooks-- > 0;
      },
      10,
    );
    const started = Date.now();
    await expect(deliveries.waitFor('e1', 3, 5_000)).resolves.toBe(true);
    expect(looks).toEqual(['e1', 'e1', 'e1']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up after its wait while the update is still queued, and a failed look does not end it early', async () => {
    let looks = 0;
    const deliveries = new CardDeliveries(
      undefined,
      async () => {
        looks++;
        if (looks === 1) throw new Error('database unavailable');
        return true;
      },
      10,
    );
    await expect(deliveries.waitFor('e1', 3, 200)).resolves.toBe(false);
    expect(looks).toBeGreaterThan(2);
  });

  it('does not look in the jobs table for a version already delivered here', async () => {
    let looks = 0;
    const deliveries = new CardDeliveries(undefined, async () => {
      looks++;
      return true;
    });
    deliveries.markDelivered('e1', 4);
    await expect(deliveries.waitFor('e1', 3, 5_000)).resolves.toBe(true);
    expect(looks).toBe(0);
  });
});
