/**
 * The `next` rules of the sign-in page, on the server (checkRedirectTarget) and in the page's script
 * (REDIRECT_CHECK_JS, run here with Node's URL, which follows the same WHATWG URL standard as browsers):
 * both must agree on every case, attacks first.
 */
import { describe, expect, it } from 'vitest';
import { checkRedirectTarget, REDIRECT_CHECK_JS } from '../../../src/routes/pages/redirect-target.js';

const ALLOWED = ['https://app.example.com', 'http://localhost:3000'];
const HERE = 'https://gateway.example.com';

const safeNext = new Function(`${REDIRECT_CHECK_JS}; return safeNext;`)() as (
  next: string,
  allowed: string[],
  here: string,
) => string | null;

const refused = [
  '//evil.com',
  '///evil.com',
  '/\\evil.com',
  '\\\\evil.com',
  '/\t/evil.com',
  '/\n/evil.com',
  '/ /evil.com',
  'https://evil.com',
  'http://evil.com/app',
  'https://app.example.com.evil.com/',
  'https://app.example.com@evil.com/',
  'https://user:pass@app.example.com/',
  'https://app.example.com:8443/',
  'http://app.example.com/', // allowed is https only
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.com',
  'app/home',
  '',
  `/${'a'.repeat(2048)}`,
];

const accepted: [string, string][] = [
  ['/', '/'],
  ['/app/profile?tab=keys#top', '/app/profile?tab=keys#top'],
  ['/app/%2F%2Fevil.com', '/app/%2F%2Fevil.com'],
  ['https://app.example.com', 'https://app.example.com/'],
  ['https://app.example.com/welcome?x=1', 'https://app.example.com/welcome?x=1'],
  ['https://APP.example.com/x', 'https://app.example.com/x'],
  ['http://localhost:3000/dev', 'http://localhost:3000/dev'],
];

describe('next targets', () => {
  it.each(refused)('refuses %j on the server and in the page', (next) => {
    expect(checkRedirectTarget(next, ALLOWED).ok).toBe(false);
    expect(safeNext(next, ALLOWED, HERE)).toBeNull();
  });

  it.each(accepted)('accepts %j as %j on the server and in the page', (next, target) => {
    expect(checkRedirectTarget(next, ALLOWED)).toEqual({ ok: true, target });
    expect(safeNext(next, ALLOWED, HERE)).toBe(target);
  });

  it('accepts no other origin when the allow-list is empty', () => {
    expect(checkRedirectTarget('https://app.example.com/', []).ok).toBe(false);
    expect(safeNext('https://app.example.com/', [], HERE)).toBeNull();
  });
});
