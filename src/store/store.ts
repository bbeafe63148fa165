/** The store: every repository over one database, and transactions that span them. */
import { EventEmitter } from 'node:events';
import { type Kysely, sql } from 'kysely';
import { AgentIdentityRepository } from './agentIdentities.js';
import { AuditRepository } from './audit.js';
import { BudgetLedgerRepository } from './budgetLedger.js';
import { CardQueueRepository, queuesCard } from './cardQueue.js';
import type { DatabaseHandle, DialectName } from './db.js';
import { EpisodeRepository } from './episodes.js';
import { FinishedJobRepository } from './finishedJobs.js';
import { JobRepository, type NewJob } from './jobs.js';
import { CursorRepository, DeliveryRepository, IdentityRepository, LeaseRepository } from './keyvalue.js';
import { migrateToLatest, type NewerMigrationsListener } from './migrate.js';
import { PostRepository } from './posts.js';
import { ProviderCallRepository } from './providerCalls.js';
import { ReportRepository } from './reports.js';
import type { Database } from './schema.js';
import { SignatureRepository } from './signatures.js';
import { TeamsRepository } from './teams.js';
import { ZendeskLinkRepository } from './zendeskLinks.js';

export class Repositories {
  readonly episodes: EpisodeRepository;
  readonly providerCalls: ProviderCallRepository;
  readonly posts: PostRepository;
  readonly cardQueue: CardQueueRepository;
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
  readonly reports: ReportRepository;
  readonly budgetLedger: BudgetLedgerRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    private readonly onEnqueue: () => void,
  ) {
    this.episodes = new EpisodeRepository(db);
    this.providerCalls = new ProviderCallRepository(db);
    this.posts = new PostRepository(db);
    this.cardQueue = new CardQueueRepository(db);
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
    this.reports = new ReportRepository(db);
    this.budgetLedger = new BudgetLedgerRepository(db);
  }

  /**
   * Queues effects; inside a transaction they become visible (and wake the runner) only on commit.
   * `onNew`, when every job carries a dedupe key (webhook deliveries committed together), is told the
   * index of each job that was new, the others being duplicates.
   */
  async enqueue(jobs: NewJob[], now: number, onNew?: (index: number) => void): Promise<number> {
    if (jobs.length === 0) return 0;
    // A card's queued state is written with the job that will post it, whether or not that job is new.
    await this.cardQueue.queue(
      jobs.filter(queuesCard).map((job) => job.queuesCard),
      now,
    );
    const inserted = onNew ? await this.enqueueEach(jobs, now, onNew) : await this.jobs.enqueue(jobs, now);
    if (inserted > 0) this.onEnqueue();
    return inserted;
  }

  private async enqueueEach(jobs: NewJob[], now: number, onNew: (index: number) => void): Promise<number> {
    const keyed = jobs.filter((job): job is NewJob & { dedupeKey: string } => job.dedupeKey !== undefined);
    if (keyed.length !== jobs.length) throw new Error('enqueue: onNew needs a dedupe key on every job');
    const fresh = await this.jobs.enqueueEach(keyed, now);
    for (const [index, isNew] of fresh.entries()) if (isNew) onNew(index);
    return fresh.filter(Boolean).length;
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

  async migrate(onNewer?: NewerMigrationsListener): Promise<string[]> {
    return migrateToLatest(this.db, this.dialect, onNewer);
  }

  /** The database server's clock (epoch ms), to compare replicas' clocks with; null on SQLite (no server). */
  async databaseNow(): Promise<number | null> {
    if (this.dialect !== 'postgres') return null;
    const { rows } = await sql<{
      now: number;
    }>`select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as now`.execute(this.db);
    return rows[0] ? Number(rows[0].now) : null;
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
