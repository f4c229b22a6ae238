/** The configuration used when the gateway starts without a config file: everything on loopback. */
export function embeddedConfig(demoUpstreamUrl: string, localRelayUrl: string): Record<string, unknown> {
  return {
    relays: [localRelayUrl],
    // Plain http on loopback: browsers would drop a Secure cookie.
    cookie: { secure: false },
    routes: [
      { prefix: '/public', upstream: demoUpstreamUrl, auth: 'public' },
      { prefix: '/api', upstream: demoUpstreamUrl, auth: 'required' },
      { prefix: '/maybe', upstream: demoUpstreamUrl, auth: 'optional' },
      { prefix: '/admin', upstream: demoUpstreamUrl, auth: 'required', permissions: ['admin'] },
    ],
  };
}
