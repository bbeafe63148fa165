/** A bounded GET for the few read-only endpoints the clients do not wrap (Aircall numbers). */
import { reason } from './types.js';

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what} answered ${status}`);
    this.name = 'HttpStatusError';
  }
}

export async function getJson(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  what: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${what} failed: ${reason(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new HttpStatusError(response.status, what);
  }
  return (await response.json()) as unknown;
}
