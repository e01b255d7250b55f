// One place where errors become HTTP answers: every error body is `{ code, message }`,
// the status follows from the error's kind (core/errors.ts), never from the thrower.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FieldlabError, type ErrorKind } from '../core/errors.ts';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setNotFoundHandler((req, reply) => {
    const err = new FieldlabError('FL_ROUTE_NOT_FOUND', { method: req.method, url: req.url.split('?')[0] ?? req.url });
    return reply.code(STATUS_OF_KIND[err.kind]).send({ code: err.code, message: err.message } satisfies ErrorBody);
  });
  app.setErrorHandler((err: FastifyError | FieldlabError | Error, req, reply) => {
    if (err instanceof FieldlabError) return reply.code(STATUS_OF_KIND[err.kind]).send({ code: err.code, message: err.message } satisfies ErrorBody);
    // Fastify's own refusals before a handler runs (a body that is not JSON, too large, a wrong content type).
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const bad = new FieldlabError('FL_BAD_REQUEST', { expected: 'a JSON body', problems: err.message });
      return reply.code(status).send({ code: bad.code, message: bad.message } satisfies ErrorBody);
    }
    log.error({ err, url: req.url, method: req.method }, `HTTP ${req.method} ${req.url} failed: ${err.message}`);
    const internal = new FieldlabError('FL_INTERNAL');
    return reply.code(500).send({ code: internal.code, message: internal.message } satisfies ErrorBody);
  });
}
