/** Which of a line's follow-up templates speaks to a caller: shared by the config check and the follow-up. */

/**
 * The template for a requester's locale, as RFC 4647 lookup does: the exact locale, then shorter and shorter
 * (`zh-Hant-TW` → `zh-Hant` → `zh`); then the template of that language sharing the most subtags with it
 * (`fr-CA` → `fr-FR`; `zh-Hant-TW` → `zh-Hant-HK` before `zh-Hans`); then the line's locale and then `en`, in
 * the same steps. Null when none exists (startup checks make that impossible).
 */
export function pickTemplate(
  templates: Record<string, string>,
  requesterLocale: string | null,
  lineLocale: string | null | undefined,
): { locale: string; text: string } | null {
  const entries = Object.entries(templates).map(([locale, text]) => ({
    subtags: locale.toLowerCase().split('-'),
    locale,
    text,
  }));
  for (const wanted of [requesterLocale, lineLocale, 'en']) {
    if (!wanted) continue;
    const found = closest(entries, wanted.toLowerCase().split('-'));
    if (found) return { locale: found.locale, text: found.text };
  }
  return null;
}

function closest<T extends { subtags: string[] }>(entries: T[], wanted: string[]): T | null {
  const key = (subtags: string[]) => subtags.join('-');
  for (let length = wanted.length; length > 0; length--) {
    const prefix = key(wanted.slice(0, length));
    const exact = entries.find((entry) => key(entry.subtags) === prefix);
    if (exact) return exact;
  }
  // Another region or script of the language: the one agreeing on the most leading subtags, first listed on a tie.
  let best: T | null = null;
  let bestShared = 0;
  for (const entry of entries) {
    const shared = sharedPrefix(entry.subtags, wanted);
    if (shared > bestShared) {
      best = entry;
      bestShared = shared;
    }
  }
  return best;
}

function sharedPrefix(a: string[], b: string[]): number {
  let shared = 0;
  while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared++;
  return shared;
}
