/**
 * Sends proxied requests to one upstream over undici's dispatcher and writes each answer straight into
 * the client's response: the status line and headers with one `writeHead`, every body chunk with one
 * `write`, back-pressure both ways. @fastify/reply-from goes through a response stream handed to
 * `reply.send` and header objects rebuilt on the way; this path costs far less CPU per request
 * (BENCHMARKS.md, Proxy).
 */
import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { PayloadTooLarge, UpstreamTimeout, UpstreamUnavailable, type GatewayError } from '../errors.js';
import { responseHeaderList } from './hop-by-hop.js';

export interface UpstreamRequest {
  method: string;
  /** Path and query as the upstream gets them. */
  path: string;
  /** `[name, value, name, value, …]` (upstream-headers.ts). */
  headers: string[];
  /** The request body as it streams in (through the body limits), or null when there is none. */
  body: Readable | null;
}

/** undici's errors for an upstream that did not answer in time. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class UpstreamPool {
  private readonly pool: Pool;

  constructor(
    origin: string,
    timeoutMs: number,
    /** Rewrites a `Location` header of the upstream's into the gateway's paths. */
    private readonly rewriteLocation: (location: string) => string,
  ) {
    this.pool = new Pool(origin, {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /**
   * Forward one request. A failure of the upstream goes to `onFailure`: before its status line arrived,
   * the caller answers it in the gateway's error shape; after, the client connection has been cut (the
   * status already went out) and `reply.raw.headersSent` says so. A client that went away is no failure.
   */
  forward(reply: FastifyReply, request: UpstreamRequest, onFailure: (error: GatewayError) => void): void {
    const res = reply.raw;
    const clientRequest = reply.request.raw;
    const rewriteLocation = this.rewriteLocation;
    let abort: ((reason?: Error) => void) | undefined;
    let resume: (() => void) | undefined;
    // Listened for only once a write had to wait: most answers fit the socket's buffer.
    let waitingForDrain = false;
    const onDrain = () => {
      waitingForDrain = false;
      resume?.();
    };
    // A client that goes away before the whole answer frees the upstream connection at once.
    let clientLeft = false;
    const onClose = () => {
      if (res.writableFinished) return;
      clientLeft = true;
      abort?.();
    };
    res.once('close', onClose);
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        abort = abortRequest;
      },
      onHeaders(statusCode, rawHeaders, resumeReading, statusText) {
        resume = resumeReading;
        const headers = withGatewayHeaders(responseHeaderList(rawHeaders, rewriteLocation), reply);
        // An HTTP/1 connection cannot carry another request until this one's body has been read.
        if (!clientRequest.complete) headers.push('connection', 'close');
        // From here on the answer is written on the raw response, not through Fastify.
        reply.hijack();
        // writeHead takes the flat name/value list its types leave out.
        res.writeHead(statusCode, statusText, headers as unknown as OutgoingHttpHeaders);
        return true;
      },
      onData(chunk) {
        if (res.write(chunk)) return true;
        if (!waitingForDrain) {
          waitingForDrain = true;
          res.once('drain', onDrain);
        }
        return false;
      },
      onComplete(trailers) {
        if (waitingForDrain) res.off('drain', onDrain);
        if (trailers !== null && trailers.length > 0) res.addTrailers(trailerPairs(trailers));
        res.end();
      },
      onError(error) {
        res.off('close', onClose);
        if (waitingForDrain) res.off('drain', onDrain);
        if (clientLeft) return;
        if (res.headersSent) res.destroy(error);
        onFailure(upstreamFailure(error));
      },
    };
    try {
      this.pool.dispatch(request, handler);
    } catch (error) {
      // undici refuses a header name or value it cannot send: the client's doing, but nothing reached
      // the upstream, so it is answered as an upstream failure would be.
      res.off('close', onClose);
      onFailure(upstreamFailure(error));
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Headers the gateway's own hooks set on the reply (CORS, for one) go out with the upstream's, which win
 * where both name the same header, as when the answer went through Fastify.
 */
function withGatewayHeaders(list: string[], reply: FastifyReply): string[] {
  const own = reply.getHeaders();
  for (const name in own) {
    const value = own[name];
    if (value === undefined || hasHeader(list, name)) continue;
    if (Array.isArray(value)) for (const item of value) list.push(name, item);
    else list.push(name, String(value));
  }
  return list;
}

function hasHeader(list: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < list.length; i += 2)
    if (list[i]!.length === lowerName.length && list[i]!.toLowerCase() === lowerName) return true;
  return false;
}

/** undici's trailer lines (name, value, …) as the pairs `addTrailers` takes. */
function trailerPairs(trailers: readonly (string | Buffer)[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < trailers.length; i += 2) pairs.push([trailers[i]!.toString(), trailers[i + 1]!.toString()]);
  return pairs;
}

function upstreamFailure(error: unknown): GatewayError {
  // The body limit cut the request body off: the HTTP client wraps the limit's own error.
  for (let cause = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof PayloadTooLarge) return cause;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return new UpstreamTimeout(undefined, { cause: error });
  return new UpstreamUnavailable(undefined, { cause: error });
}
