/**
 * Logger options: one line per request, and never a token, cookie, secret key or query-string value.
 * Headers that carry credentials are redacted; URLs are logged as their path and parameter names only
 * (a client may put a credential in any parameter, under any name or spelling), and so are URLs inside
 * messages and errors, Fastify's own included.
 */
import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';
import pino, { type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogConfig } from '../config/types.js';

// A parameter: after `?`, `&`, `;` or `#`, a name, then `=` (or `%3D`, which some servers decode before
// splitting) and a value. The separator and the name are kept, the value dropped.
const NAME = String.raw`((?:[^\s?&;=#%]|%(?!3[dD]))*)`;
const EQUALS = String.raw`(?:=|%3[dD])`;
/** In a query or fragment: the value runs to the next separator. */
const QUERY_PARAMETER = new RegExp(String.raw`([?&;#])${NAME}${EQUALS}[^&;#]*`, 'g');
/** In a path (`/a;token=x/b`): the value of a path parameter also ends at the next segment. */
const PATH_PARAMETER = new RegExp(String.raw`(;|%3[bB])${NAME}${EQUALS}[^&;#/]*`, 'g');
/** In free text, a URL ends at white space. */
const TEXT_PARAMETER = new RegExp(String.raw`([?&;#])${NAME}${EQUALS}[^\s&;#]*`, 'g');
/** `scheme://user:password@`: credentials in an absolute URL. */
const USERINFO = /([a-z][a-z\d+.-]*:\/\/)[^\s/?#@]*@/gi;
const MAYBE_SENSITIVE = /[?;#@&]|%3[bB]/;

/** A request URL as logged: its path and parameter names, no value (`/a;p=1/b?x=1&y=2` → `/a;p/b?x&y`). */
export function redactUrl(url: string): string {
  if (!MAYBE_SENSITIVE.test(url)) return url;
  const query = url.search(/[?#]/);
  const path = (query < 0 ? url : url.slice(0, query)).replace(USERINFO, '$1').replace(PATH_PARAMETER, '$1$2');
  return query < 0 ? path : path + url.slice(query).replace(QUERY_PARAMETER, '$1$2');
}

/** Free text (a message, an error) with the values of any URL parameters in it removed. */
export function redactText(text: string): string {
  return MAYBE_SENSITIVE.test(text) ? text.replace(USERINFO, '$1').replace(TEXT_PARAMETER, '$1$2') : text;
}

/** pino's error serialiser, with URLs in the error's text redacted and Node's copy of the raw request dropped. */
function serializeError(error: Error): pino.SerializedError {
  return redactErrorFields(pino.stdSerializers.err(error), 0) as pino.SerializedError;
}

/** The serialised error and its causes (serialised as nested objects), in place. */
function redactErrorFields(serialized: Record<string, unknown>, depth: number): Record<string, unknown> {
  // Node's HTTP parse errors carry the raw request bytes: request line, query and every header.
  delete serialized.rawPacket;
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value === 'string') serialized[key] = redactText(value);
    else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && depth < 4) {
      redactErrorFields(value as Record<string, unknown>, depth + 1);
    }
  }
  return serialized;
}

/** The object's top-level strings redacted; the caller's object itself is left as it is (copied on a change). */
function withRedactedStrings(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    const redacted = redactText(value);
    if (redacted !== value) (copy ??= { ...fields })[key] = redacted;
  }
  return copy ?? fields;
}

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.serviceKey',
  '*.secretKey',
];

/** pino-pretty, loaded only when asked for: JSON logs (production) need none of it. */
function prettyStream(): DestinationStream {
  const { default: pretty } = createRequire(import.meta.url)('pino-pretty') as { default: typeof PinoPretty };
  return pretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

/** `stream` (tests) wins over `log.format`; `pretty` writes pino-pretty's lines to stdout. */
export function loggerOptions(
  log: Pick<LogConfig, 'level' | 'format'>,
  stream?: DestinationStream,
): FastifyServerOptions['logger'] {
  if (log.level === 'silent') return false;
  const destination = stream ?? (log.format === 'pretty' ? prettyStream() : undefined);
  return {
    level: log.level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
      }),
      err: serializeError,
    },
    hooks: {
      // Messages may quote a URL (Fastify's "Route GET:/x?… not found"), and plugins log URLs in fields
      // of their own (the WebSocket proxy's `{ url }` of the upstream, query included).
      logMethod(args: unknown[], write: (...args: unknown[]) => void) {
        for (let i = 0; i < args.length; i += 1) {
          const arg = args[i];
          if (typeof arg === 'string') args[i] = redactText(arg);
          else if (i === 0 && arg !== null && typeof arg === 'object' && !(arg instanceof Error))
            args[0] = withRedactedStrings(arg as Record<string, unknown>);
        }
        write.apply(this, args);
      },
    },
    ...(destination ? { stream: destination } : {}),
  } as FastifyServerOptions['logger'];
}
