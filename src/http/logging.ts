/**
 * Logger options: one line per request, and never a token, cookie or secret key. Headers that carry
 * credentials are redacted, and token-like query parameters are masked in logged URLs.
 */
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

const SENSITIVE_QUERY = /([?&](?:access_token|refresh_token|token|id_token|code|secret|login_secret|key)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]');
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

export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
    },
    ...(stream ? { stream } : {}),
  } as FastifyServerOptions['logger'];
}
