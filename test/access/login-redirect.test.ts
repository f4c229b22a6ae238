import { describe, expect, it } from 'vitest';
import { signInRedirect } from '../../src/access/login-redirect.js';
import { AuthRequired, PermissionDenied } from '../../src/errors.js';

const page = (accept: string | undefined, method = 'GET') => ({
  method,
  url: '/app/profile?tab=keys',
  headers: accept === undefined ? {} : { accept },
});
const redirect = (accept: string | undefined, method?: string) =>
  signInRedirect(page(accept, method), new AuthRequired(), '/auth/login');

describe('signInRedirect', () => {
  it('sends a page load to the sign-in page with the path and query to come back to', () => {
    expect(redirect('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8')).toBe(
      '/auth/login?next=%2Fapp%2Fprofile%3Ftab%3Dkeys',
    );
    expect(redirect('text/html')).toBe('/auth/login?next=%2Fapp%2Fprofile%3Ftab%3Dkeys');
    expect(redirect('TEXT/HTML; charset=utf-8', 'HEAD')).toBeDefined();
  });

  it('keeps the JSON answer for clients that do not prefer HTML', () => {
    expect(redirect(undefined)).toBeUndefined();
    expect(redirect('application/json')).toBeUndefined();
    expect(redirect('*/*')).toBeUndefined();
    expect(redirect('application/json, text/html;q=0.5')).toBeUndefined();
    expect(redirect('text/html;q=0.1, application/json')).toBeUndefined();
    expect(redirect('text/html;q=0')).toBeUndefined();
  });

  it('keeps the answer for other methods and for a missing permission', () => {
    expect(redirect('text/html', 'POST')).toBeUndefined();
    expect(signInRedirect(page('text/html'), new PermissionDenied('reports'), '/auth/login')).toBeUndefined();
  });
});
