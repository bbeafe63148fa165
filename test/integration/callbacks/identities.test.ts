/** The requester's other phone numbers, read from Zendesk identities (GET /api/v2/users/{id}/identities). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import { systemClock } from '../../../src/domain/clock.js';
import { emptyDetails } from '../../../src/domain/details.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { createZendeskClient } from '../../../src/zendesk/client.js';
import { requesterOtherNumbers } from '../../../src/zendesk/requesterPhones.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { episode } from '../../helpers/episodes.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('requesterOtherNumbers', () => {
  let database: TestDatabase;
  let store: Store;
  let zendesk: FakeZendesk;

  beforeEach(async () => {
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
    zendesk = await new FakeZendesk().start();
  });

  afterEach(async () => {
    await store.close();
    await zendesk.stop();
    await database.drop();
  });

  it('offers the requester’s phone identities other than the number the card calls, as E.164', async () => {
    const marie = zendesk.addUser({ name: 'Marie Dupont', email: 'marie@example.fr', phone: '+33176360695' });
    marie.identities.push(
      { id: 91, type: 'email', value: 'marie@example.fr' },
      { id: 92, type: 'phone_number', value: '06 11 22 33 44' },
      { id: 93, type: 'phone_number', value: '+33 6 11 22 33 44' },
      { id: 94, type: 'phone_number', value: 'not a number' },
    );
    const ep = episode({ caller: { number: '+33176360695', name: 'Marie Dupont' } });
    await store.episodes.insert(ep, { ...emptyDetails(), requester: { id: marie.id, name: marie.name } }, 0);
    const logger = memoryLogger();
    const client = createZendeskClient({
      baseUrl: zendesk.url,
      email: zendesk.email,
      token: zendesk.token,
      clock: systemClock,
      logger: logger.logger,
      requestsPerMinute: 100,
    });
    const routing = parseRouting('lines: [{ name: Support FR, match: "*", country: FR }]', 'test');
    const numbers = await requesterOtherNumbers({ store, client, routing, logger: logger.logger }, ep.id);
    expect(numbers).toEqual([{ e164: '+33611223344', display: '06 11 22 33 44', primary: false }]);
    expect(
      zendesk.requests.some(
        (r) => r.method === 'GET' && r.path === `/api/v2/users/${marie.id}/identities.json`,
      ),
    ).toBe(true);
    expect(zendesk.specProblems).toEqual([]);
    // Numbers are masked in logs.
    expect(logger.lines().join('\n')).not.toContain('+33611223344');
  });

  it('answers nothing when the card has no requester yet', async () => {
    const ep = episode();
    await store.episodes.insert(ep, emptyDetails(), 0);
    const client = createZendeskClient({
      baseUrl: zendesk.url,
      email: zendesk.email,
      token: zendesk.token,
      clock: systemClock,
      logger: memoryLogger().logger,
      requestsPerMinute: 100,
    });
    const routing = parseRouting('lines: [{ name: Support FR, match: "*" }]', 'test');
    expect(
      await requesterOtherNumbers({ store, client, routing, logger: memoryLogger().logger }, ep.id),
    ).toEqual([]);
  });
});
