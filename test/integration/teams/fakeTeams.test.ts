/** The fake Teams connector itself: what it accepts is what the Bot Connector documents, no more. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTeams } from '../../mocks/fakeTeams.js';

describe('the fake Teams connector', () => {
  let teams: FakeTeams;

  beforeEach(async () => {
    teams = await FakeTeams.start();
  });
  afterEach(async () => {
    await teams.close();
  });

  const post = (conversationId: string, activity: unknown) =>
    fetch(`${teams.serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });

  it('accepts a typing indicator (teams-ai sends one when a turn is slow) without storing it as a message', async () => {
    const answer = await post('a:personal-29:1mia', { type: 'typing' });
    expect(answer.status).toBe(201);
    expect(teams.typingIndicators).toBe(1);
    expect(teams.activities.size).toBe(0);
    expect(teams.invalidRequests).toEqual([]);
  });

  it('still refuses a message with neither text nor an attachment', async () => {
    const answer = await post('a:personal-29:1mia', { type: 'message' });
    expect(answer.status).toBe(400);
    expect(teams.invalidRequests).toHaveLength(1);
  });
});
