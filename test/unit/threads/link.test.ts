import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { localBudgets } from '../../../src/resilience/budgets.js';
import { answerBudgets, budgetsOverLink } from '../../../src/threads/budgets.js';
import { portLink, type ThreadLink } from '../../../src/threads/link.js';

/** Both ends of a link, as the two threads of a split process hold them (a real MessageChannel). */
function linkedPair(): { web: ThreadLink; jobs: ThreadLink; close: () => void } {
  const channel = new MessageChannel();
  return {
    web: portLink(channel.port1),
    jobs: portLink(channel.port2),
    close: () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

describe('the link between the answering thread and the jobs thread', () => {
  const pairs: { close: () => void }[] = [];
  afterEach(() => {
    for (const pair of pairs.splice(0)) pair.close();
  });
  const pair = () => {
    const made = linkedPair();
    pairs.push(made);
    return made;
  };

  it('delivers an event to every listener of its topic and to no other topic', async () => {
    const { web, jobs } = pair();
    const delivered: unknown[] = [];
    const progress: unknown[] = [];
    web.on('teams.delivered', (data) => delivered.push(data));
    web.on('teams.delivered', (data) => delivered.push({ again: data.version }));
    web.on('runner.progress', (data) => progress.push(data));
    jobs.send('teams.delivered', { episodeId: 'e1', version: 3 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered).toEqual([{ episodeId: 'e1', version: 3 }, { again: 3 }]);
    expect(progress).toEqual([]);
  });

  it('answers a question with what the other end returned', async () => {
    const { web, jobs } = pair();
    jobs.answer('metrics', async () => [{ name: 'ringback_jobs_total', values: [] }]);
    await expect(web.ask('metrics', null)).resolves.toEqual([{ name: 'ringback_jobs_total', values: [] }]);
  });

  it('rejects with the other end’s error message, and when nobody answers the topic', async () => {
    const { web, jobs } = pair();
    jobs.answer('stop', async () => {
      throw new Error('the store is already closed');
    });
    await expect(web.ask('stop', null)).rejects.toThrow('the store is already closed');
    await expect(web.ask('metrics', null)).rejects.toThrow('nobody answers "metrics"');
  });

  it('gives up on a question after its timeout', async () => {
    const { web, jobs } = pair();
    jobs.answer('metrics', () => new Promise(() => undefined));
    await expect(web.ask('metrics', null, 30)).rejects.toThrow('did not answer "metrics" within 30 ms');
  });
});

describe('vendor budgets of a split process on SQLite', () => {
  it('are one budget: the answering thread’s requests count against the jobs thread’s', async () => {
    const channel = new MessageChannel();
    try {
      const kept = localBudgets(systemClock);
      answerBudgets(portLink(channel.port2), kept);
      const overLink = budgetsOverLink(portLink(channel.port1));

      const fromWeb = [];
      for (let i = 0; i < 3; i++) fromWeb.push(await overLink.budget('zendesk:acme', 5).take());
      const fromJobs = [];
      for (let i = 0; i < 3; i++) fromJobs.push(await kept.budget('zendesk:acme', 5).take());

      expect(fromWeb).toEqual([0, 0, 0]);
      // Five a minute in all: the jobs thread gets two, then waits.
      expect(fromJobs.slice(0, 2)).toEqual([0, 0]);
      expect(fromJobs[2]).toBeGreaterThan(0);

      await overLink.budget('aircall:main', 60).pause(5_000);
      expect(await kept.budget('aircall:main', 60).take()).toBeGreaterThan(4_000);
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  });

  it('fail closed when the jobs thread does not answer: a wait, never a request over budget', async () => {
    const channel = new MessageChannel();
    try {
      // Nobody answers on the other end.
      portLink(channel.port2);
      const overLink = budgetsOverLink(portLink(channel.port1));
      expect(await overLink.budget('zendesk:acme', 5).take()).toBeGreaterThan(0);
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  });
});
