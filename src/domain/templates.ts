/** Which of a line's follow-up templates speaks to a caller: shared by the config check and the follow-up. */

/**
 * The template for a requester's locale: the exact locale, then its language (`fr-CA` → `fr`), then another
 * template of that language (`fr-FR`); then the line's locale and then `en`, in the same three steps. Null
 * when none exists (startup checks make that impossible).
 */
export function pickTemplate(
  templates: Record<string, string>,
  requesterLocale: string | null,
  lineLocale: string | null | undefined,
): { locale: string; text: string } | null {
  const entries = Object.entries(templates).map(([locale, text]) => ({
    key: locale.toLowerCase(),
    locale,
    text,
  }));
  const language = (tag: string) => tag.split('-')[0] ?? tag;
  for (const wanted of [requesterLocale, lineLocale, 'en']) {
    if (!wanted) continue;
    const tag = wanted.toLowerCase();
    const found =
      entries.find((entry) => entry.key === tag) ??
      entries.find((entry) => entry.key === language(tag)) ??
      entries.find((entry) => language(entry.key) === language(tag));
    if (found) return { locale: found.locale, text: found.text };
  }
  return null;
}
