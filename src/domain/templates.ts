/** Which of a line's follow-up templates speaks to a caller: shared by the config check and the follow-up. */

/**
 * The template for a requester's locale, as RFC 4647 lookup does: the exact locale, then shorter and shorter
 * (`zh-Hant-TW` → `zh-Hant` → `zh`), the locale's likely script coming before its bare language (Zendesk's
 * `zh-tw` → `zh-Hant-TW` → `zh-Hant`; `zh-cn` → `zh-Hans`); then the template of that language sharing the
 * most subtags with it once both have their likely script and region (`fr-CA` → `fr-FR`; `zh-Hant-TW` →
 * `zh-Hant-HK` before `zh-Hans`; `zh-tw` → `zh-HK` before `zh-CN`); then the line's locale and then `en`, in
 * the same steps. Null when none exists (startup checks make that impossible).
 */
export function pickTemplate(
  templates: Record<string, string>,
  requesterLocale: string | null,
  lineLocale: string | null | undefined,
): { locale: string; text: string } | null {
  const entries = Object.entries(templates).map(([locale, text]) => {
    const subtags = subtagsOf(locale);
    return { subtags, likely: likelySubtags(locale) ?? subtags, locale, text };
  });
  for (const wanted of [requesterLocale, lineLocale, 'en']) {
    if (!wanted) continue;
    const found = closest(entries, wanted);
    if (found) return { locale: found.locale, text: found.text };
  }
  return null;
}

function subtagsOf(tag: string): string[] {
  return tag.toLowerCase().split('-');
}

/** The tag with its likely script and region added (`zh-TW` → `zh-Hant-TW`), or null for a tag Intl refuses. */
function likelySubtags(tag: string): string[] | null {
  try {
    return subtagsOf(new Intl.Locale(tag).maximize().toString());
  } catch {
    return null;
  }
}

function closest<T extends { subtags: string[]; likely: string[] }>(entries: T[], wanted: string): T | null {
  const asked = subtagsOf(wanted);
  const likely = likelySubtags(wanted);
  // The tag as asked and its prefixes, then with its likely script (an exact `pt-BR` template before `pt-Latn`),
  // then the bare language: `zh-tw` tries `zh-tw`, `zh-hant-tw`, `zh-hant`, `zh`.
  const lookup: string[] = [];
  const add = (subtags: string[]) => {
    const key = subtags.join('-');
    if (!lookup.includes(key)) lookup.push(key);
  };
  add(asked);
  for (let length = asked.length - 1; length > 1; length--) add(asked.slice(0, length));
  if (likely) for (let length = likely.length; length > 1; length--) add(likely.slice(0, length));
  add(asked.slice(0, 1));
  if (likely) add(likely.slice(0, 1));
  for (const key of lookup) {
    const exact = entries.find((entry) => entry.subtags.join('-') === key);
    if (exact) return exact;
  }
  // Another region or script of the language: the one agreeing on the most leading subtags, script and region
  // made explicit on both sides (`zh-HK` is `zh-Hant-HK`), first listed on a tie.
  let best: T | null = null;
  let bestShared = 0;
  for (const entry of entries) {
    const shared = likely ? sharedPrefix(entry.likely, likely) : sharedPrefix(entry.subtags, asked);
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
