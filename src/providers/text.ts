/** Text from vendors' payloads, made safe to keep. */

/**
 * `text` cut to at most `max` UTF-16 units without splitting a character: a cut between the two halves of
 * an emoji left a lone surrogate, which strict JSON readers downstream (chat APIs) refuse.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
