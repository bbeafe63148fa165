/**
 * Links a provider hands us (voicemails, recordings) end up as buttons and links on Slack and Teams cards,
 * where a `javascript:` or `data:` URL is an attack and an `http:` one leaks the recording on the way. Only
 * absolute `https:` URLs are kept; anything else is dropped at normalization, so it is never stored.
 */
import { Counter } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export type LinkField = 'voicemail' | 'recording';

/** What a dropped link was, from a closed list: the label of a counter and the word of a log line. */
export type UnsafeLinkKind = 'http' | 'javascript' | 'data' | 'relative' | 'other';

/** Told about every dropped link; normalizers stay pure and the caller decides how to count and log. */
export type UnsafeLinkSink = (field: LinkField, kind: UnsafeLinkKind) => void;

function kindOf(text: string): UnsafeLinkKind {
  const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'relative';
  if (scheme === 'http' || scheme === 'javascript' || scheme === 'data') return scheme;
  return 'other';
}

/** The link when it is an absolute `https:` URL with a host, else null (and the sink hears why). */
export function httpsLink(value: unknown, field: LinkField, onUnsafe?: UnsafeLinkSink): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  // WHATWG URL reads `https:host/x` as absolute; only the spelled-out `https://` form is taken as such.
  if (url && url.protocol === 'https:' && url.hostname !== '' && /^https:\/\//i.test(text)) return url.href;
  onUnsafe?.(field, url ? kindOf(url.protocol) : kindOf(text));
  return null;
}

/** The first of several candidate links that is safe; every unsafe one present is reported. */
export function firstHttpsLink(
  values: readonly unknown[],
  field: LinkField,
  onUnsafe?: UnsafeLinkSink,
): string | null {
  let found: string | null = null;
  for (const value of values) {
    const link = httpsLink(value, field, onUnsafe);
    found ??= link;
  }
  return found;
}

const COUNTER_NAME = 'ringback_unsafe_links_dropped_total';

/**
 * A sink that counts every dropped link and logs the first of each provider, field and kind once per
 * process (a sender that always sends `http:` links must not flood the log). Never logs the link itself.
 */
export function unsafeLinkReporter(
  provider: 'aircall' | 'generic' | 'zendesk',
  metrics: Metrics,
  logger: Logger,
): UnsafeLinkSink {
  const counter =
    (metrics.registry.getSingleMetric(COUNTER_NAME) as Counter<'provider' | 'field' | 'kind'> | undefined) ??
    new Counter({
      name: COUNTER_NAME,
      help: 'Voicemail and recording links dropped at normalization because they are not absolute https: URLs',
      labelNames: ['provider', 'field', 'kind'] as const,
      registers: [metrics.registry],
    });
  const logged = new Set<string>();
  return (field, kind) => {
    counter.inc({ provider, field, kind });
    const key = `${field}:${kind}`;
    if (logged.has(key)) return;
    logged.add(key);
    logger.warn(
      { provider, field, kind },
      `${provider}: dropped a ${field} link that is not an absolute https: URL (${kind}); later ones are only counted`,
    );
  };
}
