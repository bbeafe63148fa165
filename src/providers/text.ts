/** Text from vendors' payloads, made safe to keep. */

/**
 * Drops C0 control characters (tab, line feed and carriage return stay) and DEL: PostgreSQL refuses a NUL
 * in text (the whole ingest transaction failed, and the call was lost), and the others garble cards.
 */
export function withoutControls(text: string): string {
  let kept = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if ((code < 0x20 && char !== '\t' && char !== '\n' && char !== '\r') || code === 0x7f) continue;
    kept += char;
  }
  return kept;
}

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
