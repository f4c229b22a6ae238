/**
 * SIGHUP in `serve` with `listen.tls`: read the certificate and key again, so a renewed certificate is
 * served to new connections without a restart. Files that cannot be read or do not make a usable pair
 * change nothing; the error is logged.
 */
import type { FastifyBaseLogger } from 'fastify';
import { reloadFailure } from './reload-failure.js';
import { logEvent } from '../events.js';
import type { Gateway } from '../server.js';

export function reloadCertificate(gateway: Pick<Gateway, 'config' | 'reloadTls'>, log: FastifyBaseLogger): boolean {
  const tls = gateway.config.listen.tls;
  if (!tls) return false;
  try {
    gateway.reloadTls();
    logEvent(log, 'tls_reloaded', { certFile: tls.certFile }, 'info', 'TLS certificate reloaded');
    return true;
  } catch (error) {
    const { code, problems } = reloadFailure(error);
    logEvent(
      log,
      'tls_reload_failed',
      { code, problems },
      'error',
      `TLS certificate reload failed, keeping the current one: ${problems.join('; ')}`,
    );
    return false;
  }
}
