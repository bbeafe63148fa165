import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Manifest {
  features: {
    slash_commands: { command: string; url?: string }[];
    app_home: { messages_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const read = (path: string) =>
  parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')) as Manifest;
const http = read('manifests/slack.yaml');
const socket = read('manifests/slack-socket-mode.yaml');

/** Every scope Ringback needs, and why: nothing more. */
const SCOPES = {
  'chat:write': 'chat.postMessage (cards, thread lines, notices, DMs), chat.update, chat.postEphemeral',
  'chat:write.public': 'post cards in public channels the app was not invited to',
  commands: '/ringback',
  'users:read': 'users.info: the clicker’s name',
  'users:read.email': 'users.info: the clicker’s email, to match Zendesk/Aircall agents',
  'channels:history': 'message.channels: human replies in card threads (public channels)',
  'groups:history': 'message.groups: human replies in card threads (private channels)',
  'channels:read': 'conversations.info: npm run doctor checks each routed public channel',
  'groups:read': 'conversations.info: npm run doctor checks each routed private channel',
  'files:write': 'files.getUploadURLExternal, files.completeUploadExternal: charts and CSV exports',
  'im:write': 'conversations.open: the DM a manager’s charts and export go to',
};

describe('the Slack manifests', () => {
  it('ask for exactly the scopes Ringback uses', () => {
    expect([...http.oauth_config.scopes.bot].sort()).toEqual(Object.keys(SCOPES).sort());
    expect(socket.oauth_config.scopes.bot).toEqual(http.oauth_config.scopes.bot);
  });

  it('subscribe to thread replies in public and private channels', () => {
    expect(http.settings.event_subscriptions.bot_events).toEqual([
      'message.channels',
      'message.groups',
      'app_home_opened',
    ]);
    expect(socket.settings.event_subscriptions.bot_events).toEqual(
      http.settings.event_subscriptions.bot_events,
    );
  });

  it('send events, clicks and /ringback to POST /slack/events in HTTP mode', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.settings.interactivity).toMatchObject({
      is_enabled: true,
      request_url: expect.stringMatching(/\/slack\/events$/),
    });
    expect(http.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect(http.features.slash_commands).toEqual([
      expect.objectContaining({ command: '/ringback', url: expect.stringMatching(/\/slack\/events$/) }),
    ]);
  });

  it('need no URL in Socket Mode', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.settings.interactivity).toEqual({ is_enabled: true });
    expect(socket.settings.event_subscriptions.request_url).toBeUndefined();
    expect(socket.features.slash_commands[0]?.url).toBeUndefined();
  });

  it('let the app send direct messages (manager notices) in its Messages tab', () => {
    expect(http.features.app_home.messages_tab_enabled).toBe(true);
  });
});
