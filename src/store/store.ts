/** The store: every repository over one database, and transactions that span them. */
import { EventEmitter } from 'node:events';
import { type Kysely, sql } from 'kysely';
import { AgentIdentityRepository } from './agentIdentities.js';
import { AuditRepository } from './audit.js';
import type { DatabaseHandle, DialectName } from './db.js';
import { EpisodeRepository } from './episodes.js';
import { FinishedJobRepository } from './finishedJobs.js';
import { JobRepository, type NewJob } from './jobs.js';
import { CursorRepository, DeliveryRepository, IdentityRepository, LeaseRepository } from './keyvalue.js';
import { migrateToLatest } from './migrate.js';
import { PostRepository } from './posts.js';
import { ProviderCallRepository } from './providerCalls.js';
import type { Database } from './schema.js';
import { SignatureRepository } from './signatures.js';
import { TeamsRepository } from './teams.js';
import { ZendeskLinkRepository } from './zendeskLinks.js';

export class Repositories {
  readonly episodes: EpisodeRepository;
  readonly providerCalls: ProviderCallRepository;
  readonly posts: PostRepository;
  readonly audit: AuditRepository;
  readonly jobs: JobRepository;
  readonly finishedJobs: FinishedJobRepository;
  readonly cursors: CursorRepository;
  readonly identities: IdentityRepository;
  readonly deliveries: DeliveryRepository;
  readonly leases: LeaseRepository;
  readonly agentIdentities: AgentIdentityRepository;
  readonly signatures: SignatureRepository;
  readonly teams: TeamsRepository;
  readonly zendeskLinks: ZendeskLinkRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    private readonly onEnqueue: () => void,
  ) {
    this.episodes = new EpisodeRepository(db);
    this.providerCalls = new ProviderCallRepository(db);
    this.posts = new PostRepository(db);
    this.audit = new AuditRepository(db);
    this.jobs = new JobRepository(db, dialect);
    this.finishedJobs = new FinishedJobRepository(db);
    this.cursors = new CursorRepository(db);
    this.identities = new IdentityRepository(db);
    this.deliveries = new DeliveryRepository(db);
    this.leases = new LeaseRepository(db);
    this.agentIdentities = new AgentIdentityRepository(db);
    this.signatures = new SignatureRepository(db);
    this.teams = new TeamsRepository(db);
    this.zendeskLinks = new ZendeskLinkRepository(db);
  }

  /** Queues effects; inside a transaction they become visible (and wake the runner) only on commit. */
  async enqueue(jobs: NewJob[], now: number): Promise<number> {
    if (jobs.length === 0) return 0;
    const inserted = await this.jobs.enqueue(jobs, now);
    if (inserted > 0) this.onEnqueue();
    return inserted;
  }
}

/** Raised inside a transaction to roll it back and run it again (a lost compare-and-set). */
export class RetryTransaction extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof RetryTransaction) return true;
  const code = (error as { code?: unknown } | null)?.code;
  // SQLite: another process holds the write lock or moved the snapshot; PostgreSQL: serialization/deadlock.
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === '40001' || code === '40P01';
}

export class Store extends Repositories {
  private readonly events = new EventEmitter();

  constructor(private readonly handle: DatabaseHandle) {
    super(handle.db, handle.dialect, () => this.events.emit('enqueued'));
    this.events.setMaxListeners(100);
  }

  get description(): string {
    return this.handle.description;
  }

  async migrate(): Promise<string[]> {
    return migrateToLatest(this.db, this.dialect);
  }

  /** Called whenever jobs were committed by this process, so the runner can start them at once. */
  onJobsEnqueued(listener: () => void): () => void {
    this.events.on('enqueued', listener);
    return () => this.events.off('enqueued', listener);
  }

  /**
   * Runs `work` in one transaction. A lost compare-and-set (RetryTransaction) or a transient lock error
   * rolls back and runs it again, up to `attempts` times.
   */
  async transaction<T>(work: (repos: Repositories) => Promise<T>, attempts = 8): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let enqueued = false;
      try {
        const result = await this.db.transaction().execute(async (trx) => {
          return work(
            new Repositories(trx, this.dialect, () => {
              enqueued = true;
            }),
          );
        });
        if (enqueued) this.events.emit('enqueued');
        return result;
      } catch (error) {
        if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt) * Math.random()));
      }
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
