/** Every error answer is JSON `{ error, detail }` with a 4xx/5xx status. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}

export function sendError(res: Response, status: number, code: string, detail: string): void {
  res.status(status).json({ error: code, detail });
}

/** Last middleware: turns thrown errors (including body-parser's) into JSON, never a stack trace. */
export function errorMiddleware(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    if (error instanceof HttpError) {
      logger.info({ path: req.path, status: error.status, error: error.code }, `http: ${error.detail}`);
      sendError(res, error.status, error.code, error.detail);
      return;
    }
    const bodyError = error as { type?: string; status?: number; expose?: boolean; message?: string };
    if (bodyError.type === 'entity.too.large') {
      logger.warn({ path: req.path }, 'http: request body over the 1 MB limit');
      sendError(res, 413, 'payload_too_large', 'request bodies are limited to 1 MB');
      return;
    }
    if (bodyError.type === 'entity.parse.failed') {
      logger.info({ path: req.path }, 'http: unparsable JSON body');
      sendError(res, 400, 'invalid_json', 'the request body is not valid JSON');
      return;
    }
    if (error instanceof URIError) {
      // Express's router could not decode a %-escape of the path (`/api/calls/%`): the client's mistake.
      logger.info({ path: req.originalUrl.slice(0, 200) }, 'http: a path with a malformed %-escape');
      sendError(res, 400, 'invalid_path', 'the path has a malformed %-escape');
      return;
    }
    if (
      typeof bodyError.status === 'number' &&
      bodyError.status >= 400 &&
      bodyError.status < 500 &&
      bodyError.expose
    ) {
      logger.info(
        { path: req.path, status: bodyError.status, type: bodyError.type },
        `http: refused a request body: ${bodyError.message ?? 'bad request'}`,
      );
      sendError(res, bodyError.status, 'bad_request', bodyError.message ?? 'bad request');
      return;
    }
    logger.error({ err: error, path: req.path }, 'http: unhandled error');
    sendError(res, 500, 'internal_error', 'something went wrong; the request was logged');
  };
}
