/**
 * Who may act, decided from what is already known: the agent cache in the database (both databases), a
 * short deadline on a lookup that is needed, the last known answer when the vendor is down or slow, and a
 * fail-closed refusal for a person no system has ever answered for.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AgentDirectory,
  type AgentLookup,
  type AgentRecord,
  UNVERIFIED_MESSAGE,
} from '../../../src/app/directory.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Actor } from '../../../src/domain/types.js';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';
import { memoryLogger } from '../../helpers/ringback.js';

const kinds = await databaseKinds();

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ANA_RECORD: AgentRecord = { id: '42', name: 'Ana Lopez', role: 'agent' };
const ana: Actor = { id: 'slack:UANA000001', name: 'Ana Lopez', email: 'Ana@Example.com', surface: 'slack' };
const zoe: Actor = { id: 'slack:UZOE000001', name: 'Zoe', email: 'zoe@example.com', surface: 'slack' };

const NO_MANAGERS: RoutingConfig['managers'] = { slack: [], teams: [], emails: [], zendeskRoles: [] };

/** A vendor lookup whose behaviour the test switches: answers, fails, or never answers. */
class ScriptedLookup implements AgentLookup {
  mode: 'answer' | 'fail' | 'hang' = 'answer';
  asked = 0;
  private readonly hanging: (() => void)[] = [];

  constructor(
    readonly system: string,
    private readonly agents: Map<string, AgentRecord>,
  ) {}

  findByEmail(email: string): Promise<AgentRecord | null> {
    this.asked += 1;
    if (this.mode === 'fail') return Promise.reject(new Error('503 Service Unavailable'));
    const answer = this.agents.get(email.toLowerCase()) ?? null;
    if (this.mode === 'hang') return new Promise((resolve) => this.hanging.push(() => resolve(answer)));
    return Promise.resolve(answer);
  }

  /** The vendor wakes up: every request that hung gets its answer. */
  release(): void {
    for (const answer of this.hanging.splice(0)) answer();
  }
}

describe.each(kinds)('agent identities on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;
  let clock: ManualClock;
  let zendesk: ScriptedLookup;
  let logs: () => string[];
  let directory: AgentDirectory;

  function makeDirectory(options: { managers?: RoutingConfig['managers']; deadlineMs?: number } = {}) {
    const { logger, lines } = memoryLogger();
    logs = lines;
    const made = new AgentDirectory(options.managers ?? NO_MANAGERS, false, {
      store,
      clock,
      logger,
      policy: { lookupDeadlineMs: options.deadlineMs ?? 150 },
    });
    made.addLookup(zendesk);
    return made;
  }

  beforeEach(() => {
    if (kind.skipReason) return;
    store = storeOf();
    clock = new ManualClock(T0);
    zendesk = new ScriptedLookup('zendesk', new Map([['ana@example.com', ANA_RECORD]]));
    directory = makeDirectory();
  });

  describe('the repository', () => {
    it('keeps one answer per system and e-mail, whatever the case, and a later answer wins', async () => {
      const row = { system: 'zendesk', agent: ANA_RECORD, freshUntil: T0 + MINUTE, usableUntil: T0 + DAY };
      await store.agentIdentities.put({ ...row, email: 'Ana@Example.com', checkedAt: T0 });
      expect(await store.agentIdentities.get('zendesk', 'ana@example.com')).toEqual({
        ...row,
        email: 'ana@example.com',
        checkedAt: T0,
      });
      await store.agentIdentities.put({ ...row, email: 'ana@example.com', agent: null, checkedAt: T0 + 5 });
      // An older answer arriving late (a slow replica) does not overwrite the newer one.
      await store.agentIdentities.put({ ...row, email: 'ana@example.com', checkedAt: T0 + 1 });
      expect((await store.agentIdentities.get('zendesk', 'ANA@example.com'))?.agent).toBeNull();
      expect(await store.agentIdentities.get('aircall', 'ana@example.com')).toBeNull();
    });

    it('purgeExpired deletes only the answers past their usable window and says how many', async () => {
      const base = { system: 'zendesk', agent: null, checkedAt: T0, freshUntil: T0 };
      await store.agentIdentities.put({ ...base, email: 'old@example.com', usableUntil: T0 + 10 });
      await store.agentIdentities.put({ ...base, email: 'edge@example.com', usableUntil: T0 + 20 });
      await store.agentIdentities.put({ ...base, email: 'kept@example.com', usableUntil: T0 + 21 });
      expect(await store.agentIdentities.purgeExpired(T0 + 20)).toBe(2);
      expect(await store.agentIdentities.get('zendesk', 'old@example.com')).toBeNull();
      expect(await store.agentIdentities.get('zendesk', 'kept@example.com')).not.toBeNull();
      expect(await store.agentIdentities.purgeExpired(T0 + 20)).toBe(0);
    });
  });

  describe('the directory', () => {
    it('asks a vendor once, then decides from the stored answer while it is fresh', async () => {
      expect(await directory.checkAgent(ana)).toEqual({ ok: true });
      expect(await directory.checkAgent(zoe)).toMatchObject({ ok: false, reason: 'not_agent' });
      expect(zendesk.asked).toBe(2);
      clock.advance(9 * MINUTE);
      // A new process (another replica) shares the answers through the database.
      const other = makeDirectory();
      expect(await other.mayAct(ana)).toBe(true);
      expect(await other.mayAct(zoe)).toBe(false);
      expect(zendesk.asked).toBe(2);
      clock.advance(2 * MINUTE);
      expect(await other.mayAct(ana)).toBe(true);
      expect(zendesk.asked).toBe(3);
    });

    it('uses the last known answer, even stale, when the vendor is down, and logs it', async () => {
      expect(await directory.mayAct(ana)).toBe(true);
      expect(await directory.mayAct(zoe)).toBe(false);
      clock.advance(3 * DAY);
      zendesk.mode = 'fail';
      expect(await directory.checkAgent(ana)).toEqual({ ok: true });
      // A stale "not an agent" stands too: an outage grants nothing.
      expect(await directory.checkAgent(zoe)).toMatchObject({ ok: false, reason: 'not_agent' });
      expect(logs().some((l) => l.includes('using its last answer'))).toBe(true);
    });

    it('uses the last known answer when the vendor hangs, answering within the deadline', async () => {
      expect(await directory.mayAct(ana)).toBe(true);
      clock.advance(1 * DAY);
      zendesk.mode = 'hang';
      const started = Date.now();
      expect(await directory.mayAct(ana)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      zendesk.release();
    });

    it('refuses (fail closed) a person never seen when the vendor hangs, says why, and logs it', async () => {
      zendesk.mode = 'hang';
      const started = Date.now();
      expect(await directory.checkAgent(ana)).toEqual({
        ok: false,
        reason: 'unverified',
        message: UNVERIFIED_MESSAGE,
      });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(UNVERIFIED_MESSAGE).toContain('try again in a minute');
      expect(await directory.mayAct(ana)).toBe(false);
      expect(logs().some((l) => l.includes(`could not check that ${ana.id} is an agent`))).toBe(true);
      zendesk.release();
    });

    it('refuses when the only known answer is past its usable window', async () => {
      expect(await directory.mayAct(ana)).toBe(true);
      clock.advance(8 * DAY);
      zendesk.mode = 'fail';
      expect(await directory.checkAgent(ana)).toMatchObject({ ok: false, reason: 'unverified' });
    });

    it('keeps the answer of a lookup that missed its deadline, so the next click is decided at once', async () => {
      const slow = new ScriptedLookup('zendesk', new Map([['ana@example.com', ANA_RECORD]]));
      slow.mode = 'hang';
      zendesk = slow;
      directory = makeDirectory();
      expect(await directory.mayAct(ana)).toBe(false);
      // Clicks while the vendor is still thinking join the same request instead of piling up.
      expect(await directory.mayAct(ana)).toBe(false);
      expect(slow.asked).toBe(1);
      slow.release();
      await expect
        .poll(async () => (await store.agentIdentities.get('zendesk', 'ana@example.com'))?.agent)
        .toEqual(ANA_RECORD);
      expect(await directory.mayAct(ana)).toBe(true);
      expect(slow.asked).toBe(1);
    });

    it('lets one system that knows the person outweigh another that cannot be asked', async () => {
      const aircall = new ScriptedLookup('aircall', new Map([['ana@example.com', { id: '7', name: 'Ana' }]]));
      aircall.mode = 'hang';
      directory.addLookup(aircall);
      expect(await directory.checkAgent(ana)).toEqual({ ok: true });
      aircall.release();
    });

    it('lets managers named in the routing file act without asking anyone', async () => {
      zendesk.mode = 'hang';
      directory = makeDirectory({ managers: { ...NO_MANAGERS, emails: ['zoe@example.com'] } });
      expect(await directory.checkAgent(zoe)).toEqual({ ok: true });
      expect(zendesk.asked).toBe(0);
      zendesk.release();
    });
  });
});
