/**
 * A fake Slack Web API on 127.0.0.1 that speaks the wire format (form-encoded POSTs, `{ok: …}` answers),
 * checks every request against Slack's OpenAPI spec when one is configured (test/mocks/vendorSpecs.ts:
 * unknown method = error, unknown argument = warning, missing required argument = error), checks Block
 * Kit's documented limits, and enforces rate limits the way Slack does (429 + Retry-After): about one
 * chat.postMessage per second per channel with a small burst, and per-method tiers per workspace.
 * It also receives slash-command answers at its own response_url endpoint, and speaks Socket Mode
 * (apps.connections.open with the app token, then a WebSocket: hello, envelopes, acks).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { vendorSpecPath } from './vendorSpecs.js';

interface SpecParameter {
  name: string;
  in: string;
  required?: boolean;
  type?: string;
}

interface MethodSpec {
  params: Map<string, SpecParameter>;
  required: string[];
}

let specCache: Map<string, MethodSpec> | null | undefined;

/** The spec's methods, or null when no spec is configured (then nothing is checked against it). */
function loadSpec(): Map<string, MethodSpec> | null {
  if (specCache !== undefined) return specCache;
  const path = vendorSpecPath('slack');
  if (!path) {
    specCache = null;
    return null;
  }
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: SpecParameter[] }>>;
  };
  const methods = new Map<string, MethodSpec>();
  for (const [path, operations] of Object.entries(document.paths)) {
    const params = new Map<string, SpecParameter>();
    for (const operation of Object.values(operations)) {
      for (const parameter of operation.parameters ?? []) params.set(parameter.name, parameter);
    }
    const required = [...params.values()].filter((p) => p.required && p.name !== 'token').map((p) => p.name);
    methods.set(path.replace(/^\//, ''), { params, required });
  }
  specCache = methods;
  return methods;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  realName: string;
  email: string | null;
  isBot?: boolean;
  /** A deactivated account: users.info says `deleted: true`. */
  deleted?: boolean;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status the fake answered. */
  status: number;
  ok: boolean;
  error: string | null;
  at: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | null;
  threadTs: string | null;
  /** How many times chat.update changed it. */
  updates: number;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  threadTs: string | null;
}

/** A Home tab published with views.publish (the latest per user). */
export interface FakeHomeView {
  user: string;
  view: Json;
  publishedAt: number;
  /** How many times this user's Home was published. */
  publishes: number;
}

/** A file shared through files.getUploadURLExternal → upload → files.completeUploadExternal. */
export interface FakeFile {
  id: string;
  filename: string;
  title: string | null;
  altText: string | null;
  bytes: Buffer;
  /** Where it was shared (null: uploaded but never completed or shared nowhere). */
  channel: string | null;
  threadTs: string | null;
  initialComment: string | null;
}

export interface FakeSlackOptions {
  token?: string;
  /** The app-level token (`xapp-…`) Socket Mode connects with. */
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** chat.postMessage per channel: bucket size and refill per second. */
  postBurst?: number;
  postsPerSecond?: number;
  /** Per-method limits per minute (Slack's tiers); the bucket holds one minute's worth. */
  tiers?: Record<string, number>;
  /** Scopes granted to the bot token, sent in `x-oauth-scopes` (default: those of manifests/slack.yaml). */
  scopes?: string[];
  /** users.info knows only users added with addUser (default: any well-formed id is a user). */
  knownUsersOnly?: boolean;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is in the channel (default true). */
  isMember?: boolean;
  isArchived?: boolean;
}

/** The bot scopes of manifests/slack.yaml. */
export const MANIFEST_SCOPES = [
  'chat:write',
  'chat:write.public',
  'commands',
  'users:read',
  'users:read.email',
  'channels:history',
  'groups:history',
  'channels:read',
  'groups:read',
  'files:write',
  'im:write',
];

/** Slack's tiers for the methods Ringback calls (https://docs.slack.dev/apis/web-api/rate-limits). */
export const DEFAULT_TIERS: Record<string, number> = {
  'chat.update': 50, // Tier 3
  'chat.postEphemeral': 100, // Tier 4
  'users.info': 100, // Tier 4
  'users.lookupByEmail': 50, // Tier 3
  'chat.getPermalink': 100,
  'conversations.replies': 50, // Tier 3
  'conversations.history': 50, // Tier 3
  'auth.test': 100,
  'views.publish': 100, // Tier 4
  'views.open': 100, // Tier 4
  'files.getUploadURLExternal': 20, // Tier 2
  'files.completeUploadExternal': 20, // Tier 2
  'conversations.open': 50, // Tier 3
};

/** Methods newer than the frozen OpenAPI spec: their arguments are checked by hand from the live docs. */
const NEWER_THAN_SPEC: Record<string, { required: string[]; known: string[] }> = {
  // https://docs.slack.dev/reference/methods/files.getUploadURLExternal/
  'files.getUploadURLExternal': {
    required: ['filename', 'length'],
    known: ['filename', 'length', 'alt_txt', 'alt_text', 'snippet_type'],
  },
  // https://docs.slack.dev/reference/methods/files.completeUploadExternal/
  'files.completeUploadExternal': {
    required: ['files'],
    known: ['files', 'channel_id', 'channels', 'thread_ts', 'initial_comment', 'blocks'],
  },
};

/** Home tabs and modals may hold 100 blocks (https://docs.slack.dev/reference/block-kit/blocks). */
const VIEW_BLOCK_LIMIT = 100;

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }
  /** 0 when a token was taken, else seconds until one is free (Retry-After). */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

const BLOCK_LIMITS = {
  blocks: 50,
  blockId: 255,
  actionId: 255,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  options: 100,
  optionText: 75,
  optionValue: 150,
  placeholder: 150,
  messageText: 40_000,
};

type Json = Record<string, unknown>;

function textOf(value: unknown): string | null {
  return value && typeof value === 'object' && typeof (value as Json).text === 'string'
    ? ((value as Json).text as string)
    : null;
}

/** Problems with a message's blocks against Block Kit's documented limits. */
export function blockProblems(blocks: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks is not an array'];
  if (blocks.length > BLOCK_LIMITS.blocks)
    problems.push(`${blocks.length} blocks (max ${BLOCK_LIMITS.blocks})`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((raw, index) => {
    const where = `blocks[${index}]`;
    if (!raw || typeof raw !== 'object') {
      problems.push(`${where} is not an object`);
      return;
    }
    const block = raw as Json;
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > BLOCK_LIMITS.blockId) problems.push(`${where}.block_id too long`);
      if (blockIds.has(block.block_id)) problems.push(`${where}.block_id "${block.block_id}" repeated`);
      blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'header': {
        const text = textOf(block.text);
        if ((block.text as Json | undefined)?.type !== 'plain_text')
          problems.push(`${where}.text must be plain_text`);
        if (!text || text.length > BLOCK_LIMITS.headerText) problems.push(`${where}.text empty or over 150`);
        break;
      }
      case 'section': {
        const text = textOf(block.text);
        const fields = block.fields as unknown[] | undefined;
        if (!text && !fields) problems.push(`${where} needs text or fields`);
        if (text !== null && (text.length === 0 || text.length > BLOCK_LIMITS.sectionText))
          problems.push(`${where}.text empty or over 3000`);
        if (fields) {
          if (fields.length === 0 || fields.length > BLOCK_LIMITS.fields)
            problems.push(`${where}.fields count`);
          fields.forEach((field, i) => {
            const t = textOf(field);
            if (!t || t.length > BLOCK_LIMITS.fieldText)
              problems.push(`${where}.fields[${i}] empty or over 2000`);
          });
        }
        break;
      }
      case 'context': {
        const elements = block.elements as unknown[] | undefined;
        if (!elements || elements.length === 0 || elements.length > BLOCK_LIMITS.contextElements)
          problems.push(`${where}.elements count`);
        break;
      }
      case 'divider':
        break;
      case 'input': {
        // Modals only (views.open): one labelled element of the kinds Ringback's forms use.
        const element = block.element as Json | undefined;
        const label = textOf(block.label);
        if ((block.label as Json | undefined)?.type !== 'plain_text' || !label || label.length > 2000)
          problems.push(`${where}.label must be plain_text of 1-2000 characters`);
        const kinds = ['plain_text_input', 'datepicker', 'timepicker', 'static_select'];
        if (!element || !kinds.includes(String(element.type)))
          problems.push(`${where}.element.type ${String(element?.type)} is not used by Ringback`);
        else if (typeof element.action_id !== 'string' || element.action_id.length > BLOCK_LIMITS.actionId)
          problems.push(`${where}.element.action_id missing or too long`);
        if (element?.type === 'static_select') {
          const options = (element.options as Json[] | undefined) ?? [];
          if (options.length === 0 || options.length > BLOCK_LIMITS.options)
            problems.push(`${where}.element.options count`);
        }
        break;
      }
      case 'actions': {
        // Slack: an action_id is unique among the action_ids of its block (a Home lists many Claim buttons).
        actionIds.clear();
        const elements = (block.elements as Json[] | undefined) ?? [];
        if (elements.length === 0 || elements.length > BLOCK_LIMITS.actionsElements)
          problems.push(`${where}.elements count`);
        elements.forEach((element, i) => {
          const at = `${where}.elements[${i}]`;
          const actionId = element.action_id;
          if (typeof actionId === 'string') {
            if (actionId.length > BLOCK_LIMITS.actionId) problems.push(`${at}.action_id too long`);
            if (actionIds.has(actionId)) problems.push(`${at}.action_id "${actionId}" repeated`);
            actionIds.add(actionId);
          }
          if (element.type === 'button') {
            const text = textOf(element.text);
            if ((element.text as Json | undefined)?.type !== 'plain_text')
              problems.push(`${at}.text must be plain_text`);
            if (!text || text.length > BLOCK_LIMITS.buttonText) problems.push(`${at}.text empty or over 75`);
            if (typeof element.value === 'string' && element.value.length > BLOCK_LIMITS.buttonValue)
              problems.push(`${at}.value over 2000`);
            if (element.url !== undefined) {
              if (typeof element.url !== 'string' || element.url.length > BLOCK_LIMITS.buttonUrl)
                problems.push(`${at}.url invalid`);
            }
            if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger')
              problems.push(`${at}.style must be primary or danger`);
          } else if (element.type === 'static_select') {
            const options = (element.options as Json[] | undefined) ?? [];
            if (options.length === 0 || options.length > BLOCK_LIMITS.options)
              problems.push(`${at}.options count`);
            options.forEach((option, k) => {
              const t = textOf(option.text);
              if (!t || t.length > BLOCK_LIMITS.optionText)
                problems.push(`${at}.options[${k}].text empty or over 75`);
              if (typeof option.value !== 'string' || option.value.length > BLOCK_LIMITS.optionValue)
                problems.push(`${at}.options[${k}].value missing or over 150`);
            });
            const placeholder = textOf(element.placeholder);
            if (placeholder !== null && placeholder.length > BLOCK_LIMITS.placeholder)
              problems.push(`${at}.placeholder over 150`);
          } else if (element.type === 'users_select') {
            // Block Kit: action_id, optional plain_text placeholder (≤150), optional initial_user (a user id).
            const placeholder = textOf(element.placeholder);
            if (element.placeholder !== undefined && (element.placeholder as Json).type !== 'plain_text')
              problems.push(`${at}.placeholder must be plain_text`);
            if (placeholder !== null && placeholder.length > BLOCK_LIMITS.placeholder)
              problems.push(`${at}.placeholder over 150`);
            if (element.initial_user !== undefined && !/^[UW][A-Z0-9]+$/.test(String(element.initial_user)))
              problems.push(`${at}.initial_user is not a user id`);
          } else {
            problems.push(`${at}.type ${String(element.type)} is not used by Ringback`);
          }
        });
        break;
      }
      default:
        problems.push(`${where}.type ${String(block.type)} is not used by Ringback`);
    }
  });
  return problems;
}

/** A Slack ts (`seconds.micros`, fewer decimals allowed) in microseconds, exactly; null when malformed. */
function tsMicros(ts: string): bigint | null {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts.trim());
  if (!match) return null;
  return BigInt(match[1] as string) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface FakeSlack {
  /** SLACK_API_URL: `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly botUserId: string;
  readonly calls: RecordedCall[];
  /** Spec problems that are errors (unknown method, missing required argument, bad blocks, bad thread). */
  readonly errors: string[];
  /** Arguments the spec does not list (may be newer than the frozen spec: check the live docs). */
  readonly warnings: string[];
  /** Every 429 answered. */
  readonly rateLimited: { method: string; channel: string | null; retryAfter: number }[];
  readonly ephemerals: FakeEphemeral[];
  /** Bodies POSTed to response_url endpoints, by id. */
  readonly responses: { id: string; body: Json }[];
  readonly appToken: string;
  /** Socket Mode: connections that said hello. */
  socketConnections(): number;
  /** Socket Mode: sends an envelope and resolves with the app's ack. */
  socketSend(type: 'interactive' | 'slash_commands' | 'events_api', payload: Json): Promise<Json>;
  callsTo(method: string): RecordedCall[];
  /** Top-level messages and replies in a channel, in posting order. */
  messages(channel: string): FakeMessage[];
  message(channel: string, ts: string): FakeMessage | undefined;
  replies(channel: string, threadTs: string): FakeMessage[];
  addUser(user: FakeSlackUser): void;
  /** A channel conversations.info knows (a private one is invisible to a bot that is not in it). */
  addChannel(channel: FakeSlackChannel): void;
  responseUrl(id: string): string;
  /** The latest Home tab published for a user. */
  home(user: string): FakeHomeView | undefined;
  /** Modals opened with views.open, in order. */
  readonly modals: { triggerId: string; view: Json }[];
  /** Files uploaded, in order (shared or not). */
  readonly files: FakeFile[];
  /**
   * The next Web API call that `match` accepts is carried out (a message is posted) but its answer is lost:
   * the connection is cut instead, as when a network drops after Slack has done the work.
   */
  loseNextAnswer(match: (method: string, args: Record<string, string>) => boolean): void;
  /**
   * The next `times` Web API calls that `match` accepts are answered `{ ok: false, error }` without doing
   * anything (Slack refusing one message, or the token).
   */
  refuseNext(
    match: (method: string, args: Record<string, string>) => boolean,
    error: string,
    times?: number,
  ): void;
  close(): Promise<void>;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const spec = loadSpec();
  const token = options.token ?? 'xoxb-test-token';
  const appToken = options.appToken ?? 'xapp-test-token';
  const botUserId = options.botUserId ?? 'UBOT000001';
  const botId = options.botId ?? 'BBOT000001';
  const teamId = options.teamId ?? 'T00000001';
  const postBurst = options.postBurst ?? 3;
  const postsPerSecond = options.postsPerSecond ?? 1;
  const tiers = { ...DEFAULT_TIERS, ...options.tiers };

  const calls: RecordedCall[] = [];
  const errors: string[] = [];
  const answersToLose: ((method: string, args: Record<string, string>) => boolean)[] = [];
  const refusals: {
    match: (method: string, args: Record<string, string>) => boolean;
    error: string;
    times: number;
  }[] = [];
  const warnings: string[] = [];
  const rateLimited: FakeSlack['rateLimited'] = [];
  const ephemerals: FakeEphemeral[] = [];
  const responses: { id: string; body: Json }[] = [];
  const homes = new Map<string, FakeHomeView>();
  const modals: { triggerId: string; view: Json }[] = [];
  const files: FakeFile[] = [];
  let fileCount = 0;
  const channels = new Map<string, FakeMessage[]>();
  const users = new Map<string, FakeSlackUser>();
  const knownChannels = new Map<string, FakeSlackChannel>();
  const scopes = options.scopes ?? MANIFEST_SCOPES;
  const postBuckets = new Map<string, Bucket>();
  const methodBuckets = new Map<string, Bucket>();
  let tsCounter = 0;
  let origin = '';

  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };

  const userFor = (id: string): FakeSlackUser | null => {
    const known = users.get(id);
    if (known) return known;
    if (options.knownUsersOnly) return null;
    if (!/^[UW][A-Z0-9]+$/.test(id)) return null;
    return { id, name: id.toLowerCase(), realName: `User ${id}`, email: `${id.toLowerCase()}@example.com` };
  };

  function checkArguments(method: string, args: Record<string, string>): string | null {
    const newer = NEWER_THAN_SPEC[method];
    if (newer) {
      for (const name of Object.keys(args)) {
        if (name !== 'token' && !newer.known.includes(name))
          warnings.push(`${method}: argument "${name}" is not documented`);
      }
      const missing = newer.required.filter((name) => args[name] === undefined || args[name] === '');
      if (missing.length > 0) {
        errors.push(`${method}: missing required ${missing.join(', ')}`);
        return 'invalid_arguments';
      }
      return null;
    }
    if (!spec) return null;
    const methodSpec = spec.get(method);
    if (!methodSpec) {
      errors.push(`unknown method ${method}`);
      return 'unknown_method';
    }
    for (const [name, value] of Object.entries(args)) {
      if (name === 'token') continue;
      const parameter = methodSpec.params.get(name);
      if (!parameter) {
        warnings.push(`${method}: argument "${name}" is not in the spec`);
        continue;
      }
      if (parameter.type === 'boolean' && !['true', 'false', '1', '0'].includes(value)) {
        errors.push(`${method}: argument "${name}" should be a boolean, got "${value}"`);
      }
      if ((parameter.type === 'integer' || parameter.type === 'number') && Number.isNaN(Number(value))) {
        errors.push(`${method}: argument "${name}" should be a number, got "${value}"`);
      }
    }
    const missing = methodSpec.required.filter((name) => args[name] === undefined || args[name] === '');
    if (missing.length > 0) {
      errors.push(`${method}: missing required ${missing.join(', ')}`);
      return 'invalid_arguments';
    }
    return null;
  }

  function rateLimit(method: string, args: Record<string, string>, now: number): number {
    if (method === 'chat.postMessage' && args.channel) {
      let bucket = postBuckets.get(args.channel);
      if (!bucket) {
        bucket = new Bucket(postBurst, postsPerSecond, now);
        postBuckets.set(args.channel, bucket);
      }
      return bucket.take(now);
    }
    const perMinute = tiers[method];
    if (perMinute === undefined) return 0;
    let bucket = methodBuckets.get(method);
    if (!bucket) {
      bucket = new Bucket(perMinute, perMinute / 60, now);
      methodBuckets.set(method, bucket);
    }
    return bucket.take(now);
  }

  function parseBlocks(
    method: string,
    raw: string | undefined,
  ): { blocks: unknown[] | null; error: string | null } {
    if (raw === undefined) return { blocks: null, error: null };
    let blocks: unknown;
    try {
      blocks = JSON.parse(raw);
    } catch {
      errors.push(`${method}: blocks is not JSON`);
      return { blocks: null, error: 'invalid_blocks_format' };
    }
    const problems = blockProblems(blocks);
    if (problems.length > 0) {
      errors.push(...problems.map((p) => `${method}: ${p}`));
      return { blocks: null, error: 'invalid_blocks' };
    }
    return { blocks: blocks as unknown[], error: null };
  }

  /** A view argument: JSON, a known type, at most 100 blocks within Block Kit's limits. */
  function parseView(method: string, raw: string | undefined, type: 'home' | 'modal'): Json | string {
    let view: Json;
    try {
      view = JSON.parse(raw ?? '') as Json;
    } catch {
      errors.push(`${method}: view is not JSON`);
      return 'invalid_arguments';
    }
    if (view.type !== type) {
      errors.push(`${method}: view.type is ${String(view.type)}, expected ${type}`);
      return 'invalid_arguments';
    }
    const blocks = Array.isArray(view.blocks) ? view.blocks : null;
    if (!blocks) {
      errors.push(`${method}: view.blocks is missing`);
      return 'invalid_arguments';
    }
    if (blocks.length > VIEW_BLOCK_LIMIT) {
      errors.push(`${method}: ${blocks.length} blocks (max ${VIEW_BLOCK_LIMIT})`);
      return 'invalid_arguments';
    }
    // Other limits are those of message blocks; only the block count differs for views.
    const problems = blockProblems(blocks.slice(0, 50)).concat(
      blocks.length > 50 ? blockProblems(blocks.slice(50)) : [],
    );
    const inputProblems =
      blocks.some((b) => (b as Json)?.type === 'input') && !view.submit && type === 'modal'
        ? ['a modal with an input block needs submit']
        : [];
    const titleText = textOf(view.title);
    const titleProblems =
      type === 'modal' && (!titleText || titleText.length > 24)
        ? ['modal title missing or over 24 characters']
        : [];
    const all = [...problems, ...inputProblems, ...titleProblems];
    if (all.length > 0) {
      errors.push(...all.map((p) => `${method}: ${p}`));
      return 'invalid_blocks';
    }
    if (Buffer.byteLength(raw ?? '') > 250_000) return 'view_too_large';
    return view;
  }

  function handle(method: string, args: Record<string, string>): { status: number; body: Json } {
    switch (method) {
      case 'views.publish': {
        const view = parseView(method, args.view, 'home');
        if (typeof view === 'string') return { status: 200, body: { ok: false, error: view } };
        const user = args.user_id as string;
        const previous = homes.get(user);
        homes.set(user, { user, view, publishedAt: Date.now(), publishes: (previous?.publishes ?? 0) + 1 });
        return { status: 200, body: { ok: true, view: { id: `V${user}`, type: 'home', ...view } } };
      }
      case 'views.open': {
        const view = parseView(method, args.view, 'modal');
        if (typeof view === 'string') return { status: 200, body: { ok: false, error: view } };
        modals.push({ triggerId: args.trigger_id ?? '', view });
        return { status: 200, body: { ok: true, view: { id: `VM${modals.length}`, ...view } } };
      }
      case 'conversations.open': {
        const user = (args.users ?? '').split(',')[0] ?? '';
        if (!userFor(user)) return { status: 200, body: { ok: false, error: 'user_not_found' } };
        return { status: 200, body: { ok: true, channel: { id: `D${user.slice(1)}` } } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (!Number.isInteger(length) || length <= 0) {
          errors.push(`files.getUploadURLExternal: length ${args.length} is not a positive integer`);
          return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
        }
        fileCount += 1;
        const id = `F${String(fileCount).padStart(8, '0')}`;
        files.push({
          id,
          filename: args.filename as string,
          title: null,
          altText: args.alt_txt ?? args.alt_text ?? null,
          bytes: Buffer.alloc(0),
          channel: null,
          threadTs: null,
          initialComment: null,
        });
        return { status: 200, body: { ok: true, upload_url: `${origin}/upload/${id}`, file_id: id } };
      }
      case 'files.completeUploadExternal': {
        let listed: { id?: unknown; title?: unknown }[];
        try {
          listed = JSON.parse(args.files ?? '[]') as { id?: unknown; title?: unknown }[];
        } catch {
          errors.push('files.completeUploadExternal: files is not JSON');
          return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
        }
        const done: Json[] = [];
        for (const entry of listed) {
          const file = files.find((f) => f.id === entry.id);
          if (!file || file.bytes.length === 0) {
            errors.push(`files.completeUploadExternal: file ${String(entry.id)} was never uploaded`);
            return { status: 200, body: { ok: false, error: 'file_not_found' } };
          }
          file.title = typeof entry.title === 'string' ? entry.title : null;
          file.channel = args.channel_id ?? null;
          file.threadTs = args.thread_ts ?? null;
          file.initialComment = args.initial_comment ?? null;
          done.push({ id: file.id, title: file.title, name: file.filename });
        }
        return { status: 200, body: { ok: true, files: done } };
      }
      case 'auth.test':
        return {
          status: 200,
          body: {
            ok: true,
            url: 'https://acme.slack.com/',
            team: 'Acme',
            user: 'ringback',
            team_id: teamId,
            user_id: botUserId,
            bot_id: botId,
          },
        };
      case 'chat.postMessage': {
        const channel = args.channel as string;
        const text = args.text ?? '';
        const { blocks, error } = parseBlocks(method, args.blocks);
        if (error) return { status: 200, body: { ok: false, error } };
        if (!text && !blocks) return { status: 200, body: { ok: false, error: 'no_text' } };
        if (text.length > BLOCK_LIMITS.messageText)
          return { status: 200, body: { ok: false, error: 'msg_too_long' } };
        const list = channels.get(channel) ?? [];
        const threadTs = args.thread_ts ?? null;
        if (threadTs !== null && !list.some((m) => m.ts === threadTs && m.threadTs === null)) {
          errors.push(
            `chat.postMessage: thread_ts ${threadTs} is not the ts of a parent message in ${channel}`,
          );
          return { status: 200, body: { ok: false, error: 'thread_not_found' } };
        }
        const message: FakeMessage = { channel, ts: nextTs(), text, blocks, threadTs, updates: 0 };
        list.push(message);
        channels.set(channel, list);
        return {
          status: 200,
          body: {
            ok: true,
            channel,
            ts: message.ts,
            message: { type: 'message', text, user: botUserId, bot_id: botId, ts: message.ts },
          },
        };
      }
      case 'chat.update': {
        const channel = args.channel as string;
        const message = channels.get(channel)?.find((m) => m.ts === args.ts);
        if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        const { blocks, error } = parseBlocks(method, args.blocks);
        if (error) return { status: 200, body: { ok: false, error } };
        if (args.text !== undefined) message.text = args.text;
        if (blocks) message.blocks = blocks;
        message.updates += 1;
        return { status: 200, body: { ok: true, channel, ts: message.ts, text: message.text } };
      }
      case 'chat.postEphemeral': {
        if (args.blocks !== undefined) {
          const { error } = parseBlocks(method, args.blocks);
          if (error) return { status: 200, body: { ok: false, error } };
        }
        if (!userFor(args.user as string))
          return { status: 200, body: { ok: false, error: 'user_not_found' } };
        ephemerals.push({
          channel: args.channel as string,
          user: args.user as string,
          text: args.text ?? '',
          threadTs: args.thread_ts ?? null,
        });
        return { status: 200, body: { ok: true, message_ts: nextTs() } };
      }
      case 'chat.getPermalink': {
        const channel = args.channel as string;
        const message = channels.get(channel)?.find((m) => m.ts === args.message_ts);
        if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        return {
          status: 200,
          body: {
            ok: true,
            channel,
            permalink: `https://acme.slack.com/archives/${channel}/p${message.ts.replace('.', '')}`,
          },
        };
      }
      case 'users.info': {
        const user = userFor(args.user ?? '');
        if (!user) return { status: 200, body: { ok: false, error: 'user_not_found' } };
        return {
          status: 200,
          body: {
            ok: true,
            user: {
              id: user.id,
              team_id: teamId,
              name: user.name,
              real_name: user.realName,
              deleted: user.deleted ?? false,
              is_bot: user.isBot ?? false,
              profile: {
                real_name: user.realName,
                display_name: user.name,
                ...(user.email ? { email: user.email } : {}),
              },
            },
          },
        };
      }
      case 'conversations.info': {
        const channel = knownChannels.get(args.channel ?? '');
        const needed = (args.channel ?? '').startsWith('G') ? 'groups:read' : 'channels:read';
        if (!scopes.includes(needed))
          return {
            status: 200,
            body: { ok: false, error: 'missing_scope', needed, provided: scopes.join(',') },
          };
        // Slack hides private channels from a bot that is not a member.
        if (!channel || (channel.isPrivate && channel.isMember === false))
          return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        return {
          status: 200,
          body: {
            ok: true,
            channel: {
              id: channel.id,
              name: channel.name,
              is_channel: !channel.isPrivate,
              is_private: channel.isPrivate ?? false,
              is_member: channel.isMember ?? true,
              is_archived: channel.isArchived ?? false,
            },
          },
        };
      }
      case 'conversations.history': {
        // https://docs.slack.dev/reference/methods/conversations.history: top-level messages (a thread's
        // parent carries thread_ts = ts), newest first, from `oldest` (inclusive when asked) to now.
        const channel = args.channel ?? '';
        const needed = channel.startsWith('G') ? 'groups:history' : 'channels:history';
        if (!scopes.includes(needed))
          return {
            status: 200,
            body: { ok: false, error: 'missing_scope', needed, provided: scopes.join(',') },
          };
        const known = knownChannels.get(channel);
        if (known?.isPrivate && known.isMember === false)
          return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const list = channels.get(channel) ?? [];
        const oldest = args.oldest !== undefined ? tsMicros(args.oldest) : null;
        if (oldest === null && args.oldest !== undefined) {
          errors.push(`conversations.history: oldest "${args.oldest}" is not a timestamp`);
          return { status: 200, body: { ok: false, error: 'invalid_ts_oldest' } };
        }
        const inclusive = args.inclusive === 'true' || args.inclusive === '1';
        const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), 999);
        const after = (ts: string) => {
          if (oldest === null) return true;
          const at = tsMicros(ts) ?? 0n;
          return inclusive ? at >= oldest : at > oldest;
        };
        const top = list.filter((m) => m.threadTs === null && after(m.ts)).reverse();
        const messages = top.slice(0, limit).map((m) => ({
          type: 'message',
          user: botUserId,
          bot_id: botId,
          ts: m.ts,
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
          ...(list.some((r) => r.threadTs === m.ts) ? { thread_ts: m.ts } : {}),
        }));
        return {
          status: 200,
          body: { ok: true, messages, has_more: top.length > limit, pin_count: 0 },
        };
      }
      case 'users.lookupByEmail': {
        const email = (args.email ?? '').toLowerCase();
        const user = [...users.values()].find((u) => u.email?.toLowerCase() === email);
        if (!user) return { status: 200, body: { ok: false, error: 'users_not_found' } };
        return {
          status: 200,
          body: { ok: true, user: { id: user.id, name: user.name, profile: { email } } },
        };
      }
      default:
        return { status: 200, body: { ok: true } };
    }
  }

  async function onApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const args: Record<string, string> = Object.fromEntries(url.searchParams);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (raw) {
      if (contentType === 'application/json') {
        for (const [k, v] of Object.entries(JSON.parse(raw) as Json))
          args[k] = typeof v === 'string' ? v : JSON.stringify(v);
      } else {
        for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
      }
    }
    const now = Date.now();
    const record = (status: number, body: Json) => {
      const recorded: Record<string, unknown> = { ...args };
      if (typeof recorded.blocks === 'string') {
        try {
          recorded.blocks = JSON.parse(recorded.blocks);
        } catch {
          // kept as text; the error was recorded
        }
      }
      calls.push({
        method,
        args: recorded,
        status,
        ok: body.ok === true,
        error: typeof body.error === 'string' ? body.error : null,
        at: now,
      });
    };
    const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
      record(status, body);
      // Slack names the token's scopes on every Web API answer.
      const granted = given === token ? { 'x-oauth-scopes': scopes.join(',') } : {};
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...granted, ...headers });
      res.end(JSON.stringify(body));
    };

    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : args.token;
    if (method === 'apps.connections.open') {
      // Newer than the frozen spec (https://api.slack.com/methods/apps.connections.open); app token only.
      if (given !== appToken) send(200, { ok: false, error: 'invalid_auth' });
      else send(200, { ok: true, url: `${origin.replace('http:', 'ws:')}/socket` });
      return;
    }
    if (given !== token) {
      send(200, { ok: false, error: given ? 'invalid_auth' : 'not_authed' });
      return;
    }
    const problem = checkArguments(method, args);
    if (problem) {
      send(200, { ok: false, error: problem });
      return;
    }
    const retryAfter = rateLimit(method, args, now);
    if (retryAfter > 0) {
      rateLimited.push({ method, channel: args.channel ?? null, retryAfter });
      send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      return;
    }
    const refusal = refusals.find((r) => r.times > 0 && r.match(method, args));
    if (refusal) {
      refusal.times--;
      send(200, { ok: false, error: refusal.error });
      return;
    }
    const answer = handle(method, args);
    const lose = answersToLose.findIndex((match) => match(method, args));
    if (lose >= 0) {
      answersToLose.splice(lose, 1);
      record(answer.status, answer.body);
      res.socket?.destroy();
      return;
    }
    send(answer.status, answer.body);
  }

  async function onResponseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const raw = await readBody(req);
    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      errors.push(`response_url ${id}: body is not JSON`);
      res.writeHead(400).end('invalid_payload');
      return;
    }
    if (body.blocks !== undefined) {
      const problems = blockProblems(body.blocks);
      if (problems.length > 0) errors.push(...problems.map((p) => `response_url: ${p}`));
    }
    responses.push({ id, body });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const hook = /^\/hooks\/respond\/([A-Za-z0-9_-]+)$/.exec(path);
    const upload = /^\/upload\/(F[0-9]+)$/.exec(path);
    if (req.method === 'POST' && upload?.[1]) {
      const file = files.find((f) => f.id === upload[1]);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (!file) {
          errors.push(`upload to unknown file ${upload[1]}`);
          res.writeHead(404).end();
          return;
        }
        file.bytes = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes.length}`);
      });
      return;
    }
    const work =
      req.method === 'POST' && api?.[1]
        ? onApi(req, res, api[1])
        : req.method === 'POST' && hook?.[1]
          ? onResponseUrl(req, res, hook[1])
          : Promise.resolve().then(() => {
              errors.push(`unexpected ${req.method} ${path}`);
              res.writeHead(404).end();
            });
    work.catch((error: unknown) => {
      errors.push(`fake slack failed: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (message: Json) => void>();
  let envelopes = 0;
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/socket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket as Socket, head, (ws: WebSocket) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data: WebSocket.Data) => {
        try {
          const message = JSON.parse(String(data)) as Json;
          const id = typeof message.envelope_id === 'string' ? message.envelope_id : '';
          acks.get(id)?.(message);
          acks.delete(id);
        } catch {
          errors.push('socket mode: a message from the app is not JSON');
        }
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.size,
          connection_info: { app_id: 'A00000001' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/api/`,
    origin,
    token,
    botUserId,
    calls,
    errors,
    warnings,
    rateLimited,
    ephemerals,
    responses,
    callsTo: (method) => calls.filter((c) => c.method === method),
    loseNextAnswer: (match) => {
      answersToLose.push(match);
    },
    refuseNext: (match, error, times = 1) => {
      refusals.push({ match, error, times });
    },
    messages: (channel) => channels.get(channel) ?? [],
    message: (channel, ts) => channels.get(channel)?.find((m) => m.ts === ts),
    replies: (channel, threadTs) => (channels.get(channel) ?? []).filter((m) => m.threadTs === threadTs),
    addUser: (user) => {
      users.set(user.id, user);
    },
    addChannel: (channel) => {
      knownChannels.set(channel.id, channel);
    },
    responseUrl: (id) => `${origin}/hooks/respond/${id}`,
    home: (user) => homes.get(user),
    modals,
    files,
    appToken,
    socketConnections: () => sockets.size,
    socketSend: (type, payload) => {
      const socket = [...sockets][0];
      if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
      envelopes += 1;
      const envelopeId = `env-${envelopes}`;
      return new Promise<Json>((resolve) => {
        acks.set(envelopeId, resolve);
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            retry_attempt: 0,
            retry_reason: '',
          }),
        );
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
