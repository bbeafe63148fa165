/**
 * A fake Microsoft Teams on 127.0.0.1, both directions of the Bot Framework wire format:
 * - the Bot Connector REST API v3 the bot calls (create a conversation = a new channel post, send, reply,
 *   update, members, team channels), validating every body it gets and enforcing the per-conversation
 *   limits of Teams bots with 429 + Retry-After (7 in 1 s, 8 in 2 s, 60 in 30 s);
 * - Teams' side: activities as Teams posts them to the bot (conversationUpdate when the app is added to a
 *   team, channel and personal messages, `adaptiveCard/action` invokes), built from one mock tenant.
 * No authentication (the bot runs without MicrosoftAppId, as with the Agents Playground).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface FakeTeamsUser {
  /** Teams user id (MRI), e.g. `29:1ana`. */
  id: string;
  name: string;
  aadObjectId: string;
  email: string;
}

export const TENANT_ID = '72f988bf-0000-0000-0000-000000000001';
export const BOT = { id: '28:ringback-bot', name: 'Ringback' };
export const TEAM = { id: '19:team-support@thread.tacv2', name: 'Support' };
export const CALLBACKS = { id: '19:callbacks-fr@thread.tacv2', name: 'Callbacks FR' };
export const MANAGERS = { id: '19:managers@thread.tacv2', name: 'Managers' };

export const USERS = {
  ana: { id: '29:1ana', name: 'Ana Lima', aadObjectId: 'aad-ana', email: 'ana@example.com' },
  ben: { id: '29:1ben', name: 'Ben Okafor', aadObjectId: 'aad-ben', email: 'ben@example.com' },
  mia: { id: '29:1mia', name: 'Mia Chen', aadObjectId: 'aad-mia', email: 'mia@example.com' },
  /** In the team, but never talks to Ringback. */
  zoe: { id: '29:1zoe', name: 'Zoe Martin', aadObjectId: 'aad-zoe', email: 'zoe@example.com' },
} satisfies Record<string, FakeTeamsUser>;

export interface RateWindow {
  windowMs: number;
  max: number;
}

export const TEAMS_LIMITS: RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
];

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  /** Why the fake refused it (validation), if it did. */
  problem: string | null;
  at: number;
}

export interface FakeActivity {
  id: string;
  conversationId: string;
  /** The latest body (after updates). */
  activity: Record<string, unknown>;
  /** Every version, oldest first. */
  versions: Record<string, unknown>[];
}

const attachment = z.object({
  contentType: z.string().min(1),
  content: z.unknown(),
});

const outgoingActivity = z
  .object({
    type: z.literal('message'),
    text: z.string().optional(),
    textFormat: z.enum(['markdown', 'plain', 'xml']).optional(),
    attachments: z.array(attachment).optional(),
    entities: z
      .array(
        z.looseObject({
          type: z.string(),
          mentioned: z.object({ id: z.string().min(1), name: z.string() }).optional(),
          text: z.string().optional(),
        }),
      )
      .optional(),
  })
  .loose()
  .refine((a) => (a.text && a.text.length > 0) || (a.attachments && a.attachments.length > 0), {
    message: 'a message needs text or an attachment',
  })
  .refine(
    (a) =>
      (a.entities ?? [])
        .filter((e) => e.type === 'mention')
        .every((e) => typeof e.text === 'string' && (a.text ?? '').includes(e.text)),
    { message: 'every mention entity must appear in the text' },
  );

/** Bot Framework's typing activity: "the sender is typing", no content. */
const typingActivity = z.looseObject({ type: z.literal('typing') });

const createConversation = z
  .object({
    isGroup: z.boolean().optional(),
    bot: z
      .object({ id: z.string().min(1) })
      .loose()
      .optional(),
    members: z.array(z.object({ id: z.string().min(1) }).loose()).optional(),
    channelData: z.looseObject({ channel: z.object({ id: z.string().min(1) }).optional() }).optional(),
    activity: outgoingActivity.optional(),
    tenantId: z.string().optional(),
  })
  .loose();

export class FakeTeams {
  readonly requests: RecordedRequest[] = [];
  /** Activities the bot created, by id. */
  readonly activities = new Map<string, FakeActivity>();
  /** Typing indicators received (not stored as activities). */
  typingIndicators = 0;
  /** 429s the fake had to send. */
  throttled = 0;
  private readonly sent = new Map<string, number[]>();
  private readonly scripted: {
    match: (method: string, path: string) => boolean;
    status: number;
    retryAfter?: number;
    /** Never answered: the request hangs until the fake closes. */
    hang?: boolean;
  }[] = [];
  private nextId = 1_700_000_000_000;
  private server!: Server;
  serviceUrl = '';
  /** The Azure Bot's app id and client secret the fake Entra ID token endpoint accepts. */
  botCredentials = { appId: 'fake-app-id', password: 'fake-app-password' };

  /** An Entra ID token endpoint (client credentials), `{tenant}` left for the caller to fill in. */
  get tokenUrl(): string {
    return `${this.serviceUrl}{tenant}/oauth2/v2.0/token`;
  }

  constructor(
    readonly channels: { id: string; name: string | null }[] = [
      { id: TEAM.id, name: null },
      { id: CALLBACKS.id, name: CALLBACKS.name },
      { id: MANAGERS.id, name: MANAGERS.name },
    ],
    readonly users: FakeTeamsUser[] = Object.values(USERS),
    private readonly limits: RateWindow[] = TEAMS_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  static async start(options: { limits?: RateWindow[] } = {}): Promise<FakeTeams> {
    const fake = new FakeTeams(undefined, undefined, options.limits ?? TEAMS_LIMITS);
    await fake.listen();
    return fake;
  }

  private listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'ServiceError', message: String(error) } }));
      });
    });
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.serviceUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The next request matching answers `status` (with Retry-After seconds for 429). */
  failNext(match: (method: string, path: string) => boolean, status: number, retryAfter?: number): void {
    this.scripted.push({ match, status, ...(retryAfter !== undefined ? { retryAfter } : {}) });
  }

  /** The next request matching is never answered (a Bot Connector that hangs). */
  hangNext(match: (method: string, path: string) => boolean): void {
    this.scripted.push({ match, status: 0, hang: true });
  }

  /** Root posts (new conversations) in a channel, oldest first. */
  postsIn(channelId: string): FakeActivity[] {
    return [...this.activities.values()].filter((a) => a.conversationId === `${channelId};messageid=${a.id}`);
  }

  /** Messages sent into a conversation (a thread's reply chain, a personal chat), oldest first. */
  messagesIn(conversationId: string): FakeActivity[] {
    return [...this.activities.values()].filter(
      (a) =>
        a.conversationId === conversationId &&
        a.conversationId !== `${channelOf(conversationId)};messageid=${a.id}`,
    );
  }

  /** The Adaptive Card of an activity, as it stands now. */
  cardOf(activity: FakeActivity): Record<string, unknown> | null {
    const attachments = activity.activity.attachments as
      | { contentType: string; content: Record<string, unknown> }[]
      | undefined;
    return (
      attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content ?? null
    );
  }

  get invalidRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.problem !== null);
  }

  private id(): string {
    this.nextId += 1;
    return String(this.nextId);
  }

  /** Sliding windows per conversation, as Teams applies them to bots; returns seconds to wait, or 0. */
  private throttle(key: string): number {
    const now = this.now();
    const history = (this.sent.get(key) ?? []).filter((t) => t > now - 60_000);
    for (const { windowMs, max } of this.limits) {
      if (history.filter((t) => t > now - windowMs).length >= max) {
        this.sent.set(key, history);
        return Math.ceil(windowMs / 1000);
      }
    }
    history.push(now);
    this.sent.set(key, history);
    return 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const method = req.method ?? 'GET';
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const record = (status: number, problem: string | null = null) =>
      this.requests.push({ method, path, body, status, problem, at: this.now() });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, code: string, message: string, problem: string | null = null) => {
      record(status, problem);
      send(status, { error: { code, message } });
    };
    /** Answers 429 with Retry-After when `key` is over Teams' pace; true when it did. */
    const throttled = (key: string): boolean => {
      const wait = this.throttle(key);
      if (wait <= 0) return false;
      this.throttled++;
      record(429);
      send(
        429,
        { error: { code: 'TooManyRequests', message: 'slow down' } },
        { 'retry-after': String(wait) },
      );
      return true;
    };

    const tokenRoute = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (method === 'POST' && tokenRoute) {
      const form = new URLSearchParams(typeof body === 'string' ? body : '');
      record(200);
      if (form.get('grant_type') !== 'client_credentials' || !form.get('scope'))
        return send(400, {
          error: 'invalid_request',
          error_description: 'AADSTS900144: grant_type and scope are required',
        });
      if (form.get('client_id') !== this.botCredentials.appId)
        return send(400, {
          error: 'unauthorized_client',
          error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${tokenRoute[1]}'.`,
        });
      if (form.get('client_secret') !== this.botCredentials.password)
        return send(401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        });
      return send(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'fake-bot-token' });
    }

    const scripted = this.scripted.findIndex((s) => s.match(method, path));
    if (scripted >= 0) {
      const [script] = this.scripted.splice(scripted, 1);
      if (script?.hang) return;
      if (script) {
        record(script.status);
        send(
          script.status,
          {
            error: {
              code: script.status === 429 ? 'TooManyRequests' : 'Scripted',
              message: 'scripted failure',
            },
          },
          script.retryAfter !== undefined ? { 'retry-after': String(script.retryAfter) } : {},
        );
        return;
      }
    }

    const activitiesRoute = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    const memberRoute = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)$/.exec(path);
    const channelsRoute = /^\/v3\/teams\/([^/]+)\/conversations$/.exec(path);
    if (method === 'POST' && path === '/v3/conversations') {
      const parsed = createConversation.safeParse(body);
      if (!parsed.success) return fail(400, 'BadArgument', parsed.error.message, parsed.error.message);
      const params = parsed.data;
      const channelId = params.channelData?.channel?.id;
      if (channelId) {
        if (!this.channels.some((c) => c.id === channelId))
          return fail(404, 'ConversationNotFound', 'no such channel');
        if (!params.activity)
          return fail(400, 'BadArgument', 'a channel post needs an activity', 'no activity');
        if (throttled(channelId)) return;
        const id = this.id();
        const conversationId = `${channelId};messageid=${id}`;
        this.activities.set(id, {
          id,
          conversationId,
          activity: params.activity,
          versions: [params.activity],
        });
        record(201);
        return send(201, { id: conversationId, activityId: id });
      }
      const member = params.members?.[0]?.id;
      if (params.isGroup || !member)
        return fail(400, 'BadArgument', 'expected a channel or one member', 'bad target');
      if (!this.users.some((u) => u.id === member)) return fail(404, 'NotFound', 'no such user');
      record(201);
      return send(201, { id: `a:personal-${member}` });
    }

    if (activitiesRoute) {
      const conversationId = activitiesRoute[1] as string;
      const activityId = activitiesRoute[2];
      if (method === 'POST' && typingActivity.safeParse(body).success) {
        // A typing indicator (teams-ai sends one when a turn takes a while): shown, never stored.
        if (throttled(conversationId)) return;
        this.typingIndicators += 1;
        record(201);
        return send(201, { id: this.id() });
      }
      if (method === 'POST') {
        const parsed = outgoingActivity.safeParse(body);
        if (!parsed.success) return fail(400, 'BadArgument', parsed.error.message, parsed.error.message);
        if (throttled(conversationId)) return;
        const id = this.id();
        this.activities.set(id, { id, conversationId, activity: parsed.data, versions: [parsed.data] });
        record(201);
        return send(201, { id });
      }
      if (method === 'PUT' && activityId) {
        const parsed = outgoingActivity.safeParse(body);
        if (!parsed.success) return fail(400, 'BadArgument', parsed.error.message, parsed.error.message);
        const existing = this.activities.get(activityId);
        if (!existing || channelOf(existing.conversationId) !== channelOf(conversationId)) {
          return fail(404, 'ActivityNotFoundInConversation', 'Message does not exist in the thread.');
        }
        if (throttled(conversationId)) return;
        existing.activity = parsed.data;
        existing.versions.push(parsed.data);
        record(200);
        return send(200, { id: activityId });
      }
    }

    if (method === 'GET' && memberRoute) {
      const wanted = memberRoute[2]?.toLowerCase();
      const user = this.users.find(
        (u) => u.id.toLowerCase() === wanted || u.aadObjectId === wanted || u.email === wanted,
      );
      if (!user) return fail(404, 'MemberNotFoundInConversation', 'no such member');
      record(200);
      return send(200, {
        id: user.id,
        name: user.name,
        aadObjectId: user.aadObjectId,
        email: user.email,
        userPrincipalName: user.email,
        tenantId: TENANT_ID,
        userRole: 'user',
      });
    }

    if (method === 'GET' && channelsRoute) {
      if (channelsRoute[1] !== TEAM.id) return fail(404, 'NotFound', 'no such team');
      record(200);
      return send(200, {
        conversations: this.channels.map((c) => (c.name ? { id: c.id, name: c.name } : { id: c.id })),
      });
    }

    fail(404, 'NotFound', `no route for ${method} ${path}`, `unexpected ${method} ${path}`);
  }

  // ——— Teams' side: activities as Teams posts them to the bot ———

  private base(conversation: Record<string, unknown>, from: FakeTeamsUser | null) {
    return {
      id: `f:${this.id()}`,
      timestamp: new Date(this.now()).toISOString(),
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      recipient: BOT,
      from: from ? { id: from.id, name: from.name, aadObjectId: from.aadObjectId } : { id: USERS.ana.id },
      conversation: { tenantId: TENANT_ID, ...conversation },
    };
  }

  private channelData(channelId: string | null, extra: Record<string, unknown> = {}) {
    return {
      tenant: { id: TENANT_ID },
      team: { id: TEAM.id, name: TEAM.name, aadGroupId: 'group-support' },
      ...(channelId ? { channel: { id: channelId } } : {}),
      ...extra,
    };
  }

  /** What Teams sends when someone adds the app to the team. */
  botAddedToTeam(by: FakeTeamsUser = USERS.ana): Record<string, unknown> {
    return {
      ...this.base({ id: TEAM.id, isGroup: true, conversationType: 'channel' }, by),
      type: 'conversationUpdate',
      membersAdded: [{ id: BOT.id }],
      channelData: this.channelData(TEAM.id, { eventType: 'teamMemberAdded' }),
    };
  }

  /** A message in a channel thread (or a new post when `conversationId` is the channel id). */
  channelMessage(
    conversationId: string,
    from: FakeTeamsUser,
    text: string,
    options: { mention?: boolean } = {},
  ): Record<string, unknown> {
    const mention = `<at>${BOT.name}</at>`;
    return {
      ...this.base({ id: conversationId, isGroup: true, conversationType: 'channel' }, from),
      type: 'message',
      text: options.mention ? `${mention} ${text}` : text,
      textFormat: 'plain',
      entities: options.mention ? [{ type: 'mention', text: mention, mentioned: BOT }] : [],
      channelData: this.channelData(channelOf(conversationId)),
    };
  }

  /** A message in a group chat (no team, no channel), @mentioning the bot as Teams requires there. */
  groupMessage(conversationId: string, from: FakeTeamsUser, text: string): Record<string, unknown> {
    const mention = `<at>${BOT.name}</at>`;
    return {
      ...this.base({ id: conversationId, isGroup: true, conversationType: 'groupChat' }, from),
      type: 'message',
      text: `${mention} ${text}`,
      textFormat: 'plain',
      entities: [{ type: 'mention', text: mention, mentioned: BOT }],
      channelData: { tenant: { id: TENANT_ID } },
    };
  }

  personalMessage(from: FakeTeamsUser, text: string): Record<string, unknown> {
    return {
      ...this.base({ id: `a:personal-${from.id}`, conversationType: 'personal' }, from),
      type: 'message',
      text,
      textFormat: 'plain',
      channelData: { tenant: { id: TENANT_ID } },
    };
  }

  /** A click on an Action.Execute button of a card the bot posted. */
  invoke(
    card: FakeActivity,
    from: FakeTeamsUser,
    verb: string,
    data: Record<string, unknown>,
    trigger = 'manual',
  ) {
    return {
      ...this.base({ id: card.conversationId, isGroup: true, conversationType: 'channel' }, from),
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: card.id,
      value: { action: { type: 'Action.Execute', id: '', verb, data }, trigger },
      channelData: this.channelData(channelOf(card.conversationId), { source: { name: 'message' } }),
    };
  }

  /** Posts an activity to the bot as Teams does and returns its answer. */
  async toBot(botUrl: string, activity: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await fetch(botUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }
}

export function channelOf(conversationId: string): string {
  return conversationId.split(';messageid=')[0] ?? conversationId;
}
