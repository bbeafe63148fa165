/**
 * A signature remembered too slowly: the request is answered "try again later", and the retry of that
 * very request must not be refused as a replay once the late insert lands (Slack and Zendesk share this).
 */
import { describe, expect, it } from 'vitest';
import { rememberSignatureWithin } from '../../../src/providers/webhook.js';
import { DeadlinePassed } from '../../../src/resilience/deadline.js';

function slowSignatures(delayMs: number, inserted: boolean) {
  const forgotten: string[] = [];
  return {
    forgotten,
    rememberOnce: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return inserted;
    },
    forget: async (_source: string, signature: string) => {
      forgotten.push(signature);
    },
  };
}

describe('remembering a signature within a deadline', () => {
  it('forgets a signature whose insert landed after the deadline, so the sender’s retry is not a replay', async () => {
    const signatures = slowSignatures(40, true);
    await expect(rememberSignatureWithin(signatures, 'slack', 'v0=abc', 0, 5)).rejects.toBeInstanceOf(
      DeadlinePassed,
    );
    expect(signatures.forgotten).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(signatures.forgotten).toEqual(['v0=abc']);
  });

  it('keeps a signature that was already there: that one belongs to the earlier request', async () => {
    const signatures = slowSignatures(40, false);
    await expect(rememberSignatureWithin(signatures, 'zendesk', 'sig', 0, 5)).rejects.toBeInstanceOf(
      DeadlinePassed,
    );
    await new Promise((r) => setTimeout(r, 80));
    expect(signatures.forgotten).toEqual([]);
  });

  it('answers as the insert did when it lands in time', async () => {
    expect(await rememberSignatureWithin(slowSignatures(1, true), 'slack', 'a', 0, 1_000)).toBe(true);
    expect(await rememberSignatureWithin(slowSignatures(1, false), 'slack', 'a', 0, 1_000)).toBe(false);
  });
});
