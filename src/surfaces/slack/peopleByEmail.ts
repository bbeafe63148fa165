/**
 * Private messages to people Slack knows only by e-mail: a call claimed for its suggested agent
 * (`assign.autoClaim`) is claimed as the person the phone system or Zendesk named, not as a Slack user,
 * and they must still be told in Slack. Their address is their e-mail; it becomes a Slack user id at send
 * time (users.lookupByEmail, scope users:read.email), remembered in the identity cache so a busy day costs
 * one lookup per person per TTL.
 */
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import { IDENTITY_TTL_MS, slackUserIdOf } from './identity.js';

const EMAIL = /^[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+$/;

/** Where Slack reaches a person: their Slack user id, else their e-mail (looked up when sent); null: nowhere. */
export function slackRecipientOf(person: Actor): string | null {
  const userId = slackUserIdOf(person);
  if (userId) return userId;
  const email = person.email?.trim().toLowerCase() ?? null;
  return email && EMAIL.test(email) ? email : null;
}

export function isEmailRecipient(recipient: string): boolean {
  return EMAIL.test(recipient);
}

interface CachedLookup {
  userId: string | null;
}

/**
 * Slack user ids for these recipients: ids as they are, e-mails looked up. A person with no Slack account
 * is left out (and logged); a Slack that cannot be asked now throws, so the message is retried.
 */
export async function slackUserIds(
  deps: { api: Pick<SlackApi, 'userIdByEmail'>; store: Store; clock: Clock; logger: Logger },
  recipients: string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const recipient of recipients) {
    if (!isEmailRecipient(recipient)) {
      ids.push(recipient);
      continue;
    }
    const key = `slack:email:${recipient.toLowerCase()}`;
    const now = deps.clock.now();
    let cached: CachedLookup | null = null;
    try {
      cached = await deps.store.identities.get<CachedLookup>(key, now);
    } catch (error) {
      deps.logger.warn({ err: error }, 'slack: could not read the identity cache');
    }
    const userId = cached ? cached.userId : await deps.api.userIdByEmail(recipient);
    if (!cached)
      await deps.store.identities.put(key, { userId } satisfies CachedLookup, now + IDENTITY_TTL_MS);
    if (userId) ids.push(userId);
    else
      deps.logger.info(
        { recipient: 'by e-mail' },
        'slack: a private message for someone with no Slack account under that e-mail was not sent',
      );
  }
  return [...new Set(ids)];
}
