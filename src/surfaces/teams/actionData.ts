/** What is wrong with the data of a card's Action.Execute, for the answer to the click and the log. */
import type { z } from 'zod';

/**
 * The first thing wrong with an Action.Execute's data, named by its field as the card sends it
 * (`data.callId: Invalid input: expected string, received undefined`): someone debugging a card needs to know
 * which field to fix, not only that something is wrong.
 */
export function actionDataIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'data: unreadable';
  return `${['data', ...issue.path.map(String)].join('.')}: ${issue.message}`;
}
