/**
 * `GET /api/export.csv?period=&line=`: every call of a period as CSV, for managers (the read API's bearer
 * token is a manager's credential; the router is mounted behind its check). The file is streamed in
 * chunks with backpressure, so a long period costs constant memory however many calls it holds.
 */
import { once } from 'node:events';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../observability/logger.js';
import { type ExportDeps, exportChunks, exportScope } from '../reports/exportCalls.js';
import { sendError } from './errors.js';

const exportQuery = z
  .object({
    period: z.string().max(100).optional(),
    line: z.string().max(200).optional(),
  })
  .strict();

export function exportRouter(deps: ExportDeps & { logger: Logger }): Router {
  const router = Router();

  router.get('/export.csv', async (req: Request, res: Response) => {
    const parsed = exportQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}; expected ?period=week&line=<line name>`;
      deps.logger.info({ path: req.path, detail }, `api: refused export query: ${detail}`);
      sendError(res, 400, 'invalid_query', detail);
      return;
    }
    const scope = exportScope(deps, { period: parsed.data.period ?? 'today', line: parsed.data.line });
    if ('error' in scope) {
      deps.logger.info({ path: req.path, detail: scope.error }, `api: refused export query: ${scope.error}`);
      sendError(res, 400, 'invalid_query', scope.error);
      return;
    }

    res.status(200);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': attachmentDisposition(scope.filename),
      'Cache-Control': 'no-store',
    });
    // Express routes HEAD here too: the headers say what a GET would get, without reading a row.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let gone = false;
    const closed = new Promise<void>((resolve) =>
      res.once('close', () => {
        gone = true;
        resolve();
      }),
    );
    try {
      for await (const chunk of exportChunks(deps, scope)) {
        if (gone) return;
        if (!res.write(chunk)) await waitForDrain(res, closed);
      }
      res.end();
    } catch (error) {
      // The status line is sent: the client can only be told by a cut connection, never a complete-looking file.
      deps.logger.error({ err: error, path: req.path }, 'api: the CSV export failed midway');
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  });

  return router;
}

/**
 * `attachment; filename="…"` for the name as it is when it is plain ASCII. Otherwise the name goes UTF-8 in
 * `filename*` (RFC 6266, RFC 8187), which browsers prefer, after an ASCII `filename` for clients that do not
 * read it: Node refuses a header with characters beyond Latin-1, and Latin-1 bytes are read differently
 * by different clients.
 */
export function attachmentDisposition(filename: string): string {
  if (/^[\x20-\x7e]*$/.test(filename) && !/["\\]/.test(filename)) return `attachment; filename="${filename}"`;
  const ascii = filename
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]+|["\\]/g, '_');
  // encodeURIComponent leaves ' ( ) * as they are, which RFC 8187's attr-char does not allow.
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Waits until the client reads on, or leaves; the drain listener is removed either way (one per pause). */
async function waitForDrain(res: Response, closed: Promise<void>): Promise<void> {
  const aborted = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: aborted.signal }), closed]);
  } finally {
    aborted.abort();
  }
}
