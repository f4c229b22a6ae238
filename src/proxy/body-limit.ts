/**
 * Size limit for proxied request bodies. They stream to the upstream without Fastify reading them, so
 * its `bodyLimit` does not apply: a declared Content-Length over the limit is refused before anything is
 * forwarded, and a body sent without one (chunked) is counted as it streams and cut off with the same
 * error once it passes the limit.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import type { FastifyReply, onRequestHookHandler, preParsingHookHandler } from 'fastify';
import { PayloadTooLarge } from '../errors.js';

export function declaredBodyLimit(maxBytes: number): onRequestHookHandler {
  return function refuseDeclaredOversizeBody(request, reply, done) {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > maxBytes) {
      // The body is never read, so the connection cannot be reused.
      reply.header('connection', 'close');
      return done(new PayloadTooLarge(`request body of ${length} bytes exceeds the limit of ${maxBytes}`));
    }
    done();
  };
}

export function streamedBodyLimit(maxBytes: number): preParsingHookHandler {
  return function countUndeclaredBody(request, reply, payload, done) {
    // Most requests have no body, or declare its length (checked on arrival by declaredBodyLimit).
    if (request.headers['transfer-encoding'] === undefined || request.headers['content-length'] !== undefined)
      return done(null, payload);
    // pipeline: a client that goes away mid-body also ends the stream the upstream is reading.
    done(
      null,
      pipeline(payload, new BodyCounter(maxBytes, reply), () => undefined),
    );
  };
}

class BodyCounter extends Transform {
  private received = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly reply: FastifyReply,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received <= this.maxBytes) return callback(null, chunk);
    // The rest of the body is never read, so the connection cannot be reused.
    this.reply.header('connection', 'close');
    callback(new PayloadTooLarge(`request body exceeds the limit of ${this.maxBytes} bytes`));
  }
}
