/** The worked example of docs/escalation.md, run as written: the page's YAML and its timeline. */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardModelFor } from '../../../src/app/card.js';
import { runCommand } from '../../../src/app/commands.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { emptyDetails } from '../../../src/domain/details.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import { advanceTo, noticesOf, openEpisode, paris, startReplica } from './harness.js';

const page = readFileSync(new URL('../../../docs/escalation.md', import.meta.url), 'utf8');
const exampleYaml = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? '';

describe('the worked example in docs/escalation.md', () => {
  let database: TestDatabase;
  let app: StartedRingback;
  const clock = new ManualClock(paris('2026-11-19T17:59'));
  const run = (at: string) => advanceTo(clock, paris(at), [app]);

  beforeEach(async () => {
    database = sqliteDatabase();
    app = await startReplica(database, clock, exampleYaml);
  });

  afterEach(async () => {
    await app.stop();
    await database.drop();
  });

  it('happens as its timeline says', async () => {
    await openEpisode(app, { id: 'doc', missedAt: paris('2026-11-19T17:59') });
    const said = async () => (await noticesOf(app.store)).map((n) => n.kind);
    const card = async () => {
      const episode = await app.store.episodes.get('doc');
      if (!episode) throw new Error('no episode');
      const { routing, env } = app.config;
      return cardModelFor({ routing, env }, episode, emptyDetails(), clock.now()).escalationText;
    };

    await run('2026-11-20T09:13');
    expect(await said()).toEqual([]);
    await run('2026-11-20T09:14');
    expect(await said()).toEqual(['thread']);
    expect(await card()).toBe('Escalated (step 1) at 09:14');
    await run('2026-11-20T09:29');
    expect(await said()).toEqual(['thread', 'managers']);

    clock.set(paris('2026-11-20T09:35'));
    await runCommand(app.commands, 'doc', { type: 'claim', actor: ana, at: clock.now() });
    await run('2026-11-20T10:58');
    expect(await said()).toEqual(['thread', 'managers']);

    await run('2026-11-20T10:59');
    expect(await noticesOf(app.store)).toContainEqual(expect.objectContaining({ kind: 'dm', to: [ana] }));
    await run('2026-11-20T11:29');
    expect(await said()).toEqual(['thread', 'managers', 'dm', 'managers']);
    expect(await card()).toBe('Escalated (step 1) at 11:29');
  });
});
