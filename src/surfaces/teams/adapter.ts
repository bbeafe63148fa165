/**
 * The teams-ai TeamsAdapter (a Bot Framework CloudAdapter) with the two doors Ringback needs: running one
 * inbound activity with our own HTTP answers, and a Bot Connector client for proactive sends that does not
 * sleep through 429s itself (the job runner does the waiting, see connector.ts).
 *
 * Loaded on first use only: teams-ai and botbuilder take about two seconds to import.
 */
import { TeamsAdapter } from '@microsoft/teams-ai';
import {
  type Activity,
  ConfigurationServiceClientCredentialFactory,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { PermanentFailure } from '../../jobs/runner.js';
import type { TeamsAuth } from './auth.js';
import { isLoopbackUrl } from './gate.js';

/** The SDK's retry policy: it would sleep through Retry-After inside a job and hide the 429 from us. */
const SDK_RETRY_POLICY = 'defaultRetryPolicy';

interface PipelineHolder {
  client?: { pipeline?: { removePolicy(options: { name: string }): unknown } };
}

export class RingbackTeamsAdapter extends TeamsAdapter {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(readonly auth: Exclude<TeamsAuth, { mode: 'off' }>) {
    const settings =
      auth.mode === 'bot_framework'
        ? {
            MicrosoftAppId: auth.appId,
            MicrosoftAppPassword: auth.password,
            MicrosoftAppType: auth.appType,
            MicrosoftAppTenantId: auth.tenantId,
          }
        : // An empty app id turns Bot Framework authentication off (local Agents Playground only, gate.ts).
          { MicrosoftAppId: '' };
    super(settings, new ConfigurationServiceClientCredentialFactory(settings));
  }

  get appId(): string {
    return this.auth.mode === 'bot_framework' ? this.auth.appId : '';
  }

  /** Authenticates and runs one inbound activity; throws AuthenticationError for a bad or missing JWT. */
  run(
    authorization: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, activity, logic);
  }

  /** A connector client for proactive calls to one service URL, with the bot's own credentials. */
  connector(serviceUrl: string): Promise<ConnectorClient> {
    // Unauthenticated mode talks to the local playground only, whatever the database remembers.
    if (this.auth.mode === 'playground' && !isLoopbackUrl(serviceUrl)) {
      return Promise.reject(
        // No retry could make it loopback.
        new PermanentFailure(
          'teams: playground mode sends only to a loopback serviceUrl; refused to call another',
        ),
      );
    }
    let client = this.clients.get(serviceUrl);
    if (!client) {
      client = this.createConnector(serviceUrl);
      this.clients.set(serviceUrl, client);
      client.catch(() => this.clients.delete(serviceUrl));
    }
    return client;
  }

  private async createConnector(serviceUrl: string): Promise<ConnectorClient> {
    const factory = this.botFrameworkAuthentication.createConnectorFactory(
      this.createClaimsIdentity(this.appId),
    );
    // No audience: the factory's default, the Bot Framework's own scope.
    const client = await factory.create(serviceUrl, undefined as unknown as string);
    (client as unknown as PipelineHolder).client?.pipeline?.removePolicy({ name: SDK_RETRY_POLICY });
    return client;
  }
}
