/**
 * Slack mrkdwn helpers. Anything that came from outside (caller names, transcripts, Zendesk replies) is
 * escaped, so a caller named "<!channel>" cannot ping a whole channel.
 */

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link in mrkdwn; the label is escaped, and `|`/`>` in the URL are percent-encoded so it stays one link. */
export function link(url: string, label: string): string {
  const safeUrl = url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

/** True for an absolute `https:` URL: the only kind of outside link (voicemails, recordings) shown as a link. */
export function isHttpsUrl(url: string | null | undefined): url is string {
  if (!url) return false;
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A link to something a provider sent (a voicemail, a recording): a link only when it is https, else just
 * the label as text, so a `javascript:`, `http:` or `slack:` URL from a webhook never becomes clickable.
 */
export function outsideLink(url: string | null | undefined, label: string): string {
  return isHttpsUrl(url) ? link(url, label) : escapeMrkdwn(label);
}

/** Cuts text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * The routing file's `notify` value as a Slack mention: `@here`, `@channel` and `@everyone` become Slack's
 * special mentions; `<!subteam^…>`, `<@U…>` and `<!…>` are already Slack syntax and pass as they are.
 */
export function slackMention(notify: string | null | undefined): string | null {
  if (!notify) return null;
  const trimmed = notify.trim();
  if (trimmed === '') return null;
  return trimmed
    .split(/\s+/)
    .map((word) => {
      const lower = word.toLowerCase();
      if (lower === '@here') return '<!here>';
      if (lower === '@channel') return '<!channel>';
      if (lower === '@everyone') return '<!everyone>';
      if (/^<[@!#][^>]+>$/.test(word)) return word;
      if (/^[UW][A-Z0-9]{6,}$/.test(word)) return `<@${word}>`;
      return escapeMrkdwn(word);
    })
    .join(' ');
}

/**
 * A Slack message's text as a person would read it: links keep their label and URL, user and channel
 * references keep their label or id, and entities are decoded.
 */
export function slackTextToPlain(text: string): string {
  return text
    .replace(/<([^>|]+)\|([^>]+)>/g, (_all, target: string, label: string) => {
      if (target.startsWith('@') || target.startsWith('#') || target.startsWith('!')) return `@${label}`;
      return label === target.replace(/^mailto:/, '') ? label : `${label} (${target})`;
    })
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<(https?:[^>]+|mailto:[^>]+|tel:[^>]+)>/g, (_all, url: string) => url.replace(/^mailto:/, ''))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
