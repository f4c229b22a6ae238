/** The sign-in page's configuration keys: serviceName and login.allowedRedirectOrigins. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigInvalid } from '../../src/errors.js';

const base = { routes: [{ prefix: '/api', upstream: 'http://127.0.0.1:9000' }] };

function problems(raw: Record<string, unknown>): string[] {
  try {
    validateConfig({ ...base, ...raw });
  } catch (error) {
    if (error instanceof ConfigInvalid) return error.message.split('\n  - ').slice(1);
    throw error;
  }
  return [];
}

describe('sign-in page configuration', () => {
  it('defaults to the name portal-gateway and no other redirect origin', () => {
    const config = validateConfig(base);
    expect(config.serviceName).toBe('portal-gateway');
    expect(config.login.allowedRedirectOrigins).toEqual([]);
    expect(config.routes[0]!.loginRedirect).toBe(false);
  });

  it('accepts origins, normalised, and a service name', () => {
    const config = validateConfig({
      ...base,
      serviceName: 'Acme',
      login: {
        allowedRedirectOrigins: ['https://app.example.com', 'http://localhost:3000/', 'https://APP2.example.com'],
      },
    });
    expect(config.serviceName).toBe('Acme');
    expect(config.login.allowedRedirectOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      'https://app2.example.com',
    ]);
  });

  it('names every origin that is not exactly scheme://host[:port]', () => {
    expect(
      problems({
        login: {
          allowedRedirectOrigins: [
            'https://app.example.com/path',
            'ftp://files.example.com',
            '*',
            'https://u:p@app.example.com',
            'https://ok.example.com',
          ],
        },
      }),
    ).toEqual(
      [0, 1, 2, 3].map((i) =>
        expect.stringMatching(new RegExp(`^login\\.allowedRedirectOrigins\\[${i}\\]: must be an http\\(s\\) origin`)),
      ),
    );
  });

  it('refuses an empty or very long service name', () => {
    expect(problems({ serviceName: '' })).toEqual(['serviceName: must be a non-empty string']);
    expect(problems({ serviceName: 'x'.repeat(101) })).toEqual(['serviceName: must be at most 100 characters']);
  });
});
