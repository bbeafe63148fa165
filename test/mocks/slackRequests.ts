/**
 * Requests into POST /slack/events the way Slack sends them: signed (v0 HMAC of the raw body with the
 * signing secret, X-Slack-Signature / X-Slack-Request-Timestamp), interactivity as
 * `application/x-www-form-urlencoded` with a `payload=` field, slash commands as plain form fields,
 * events as JSON.
 */
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPostOptions {
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  body: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Overrides the computed signature (to send a wrong one). */
  signature?: string;
  headers?: Record<string, string>;
}

export async function postToSlackEvents(
  baseUrl: string,
  secret: string,
  options: SignedPostOptions,
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body: options.body,
    headers: {
      'content-type': options.contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(secret, timestamp, options.body),
      ...options.headers,
    },
  });
}

let triggers = 0;
/** Slack gives every interaction its own trigger_id, so no two real clicks are the same signed request. */
function nextTriggerId(): string {
  triggers += 1;
  return `${triggers}.${Date.now()}.abc`;
}

export function interactivityBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface ClickOptions {
  userId: string;
  userName?: string;
  channel: string;
  messageTs: string;
  actionId: string;
  /** Button value (the episode id). */
  value?: string;
  /** static_select: the chosen option's value. */
  selectedValue?: string;
  blockId?: string;
  responseUrl?: string;
}

/** A block_actions payload, as Slack sends it for a click on a message's button or select. */
export function blockActions(options: ClickOptions): Record<string, unknown> {
  const action: Record<string, unknown> = options.selectedValue
    ? {
        type: 'static_select',
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        selected_option: { text: { type: 'plain_text', text: 'x' }, value: options.selectedValue },
        action_ts: '1700000001.000001',
      }
    : {
        type: 'button',
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        value: options.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1700000001.000001',
      };
  return {
    type: 'block_actions',
    user: {
      id: options.userId,
      username: options.userName ?? options.userId.toLowerCase(),
      name: options.userName,
      team_id: 'T00000001',
    },
    api_app_id: 'A00000001',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: options.channel,
      is_ephemeral: false,
    },
    trigger_id: nextTriggerId(),
    team: { id: 'T00000001', domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: options.channel, name: 'calls' },
    message: { type: 'message', ts: options.messageTs, text: 'card', blocks: [] },
    state: { values: {} },
    response_url: options.responseUrl ?? 'https://hooks.slack.com/actions/T00000001/1/abc',
    actions: [action],
  };
}

export function slashCommandBody(fields: {
  text: string;
  userId: string;
  channel: string;
  responseUrl: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T00000001',
    team_domain: 'acme',
    channel_id: fields.channel,
    channel_name: 'calls',
    user_id: fields.userId,
    user_name: fields.userId.toLowerCase(),
    command: '/ringback',
    text: fields.text,
    api_app_id: 'A00000001',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: nextTriggerId(),
  }).toString();
}

export function eventCallbackBody(event: Record<string, unknown>, eventId: string): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T00000001',
    api_app_id: 'A00000001',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { team_id: 'T00000001', user_id: 'UBOT000001', is_bot: true, is_enterprise_install: false },
    ],
  });
}
