import { describe, expect, it } from 'vitest';
import { closestName } from '../../src/config/closest-name.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigInvalid } from '../../src/errors.js';

const ROOT_KEYS = ['serviceName', 'serviceKey', 'listen', 'routes', 'relays', 'tokens', 'cookie'];

describe('closestName', () => {
  it.each([
    ['servicename', 'serviceName'],
    ['ServiceName', 'serviceName'],
    ['serviceNmae', 'serviceName'],
    ['servceName', 'serviceName'],
    ['serviceKye', 'serviceKey'],
    ['route', 'routes'],
    ['relay', 'relays'],
  ])('%s → %s', (typed, meant) => {
    expect(closestName(typed, ROOT_KEYS)).toBe(meant);
  });

  it('suggests nothing when no name is close', () => {
    for (const typed of ['extra', 'colour', 'name', 'port', 'services', 'x'])
      expect(closestName(typed, ROOT_KEYS), typed).toBeUndefined();
  });
});

describe('unknown keys in a config', () => {
  const problemsOf = (raw: unknown) => {
    try {
      validateConfig(raw);
      return [];
    } catch (error) {
      return (error as ConfigInvalid).problems;
    }
  };

  it('ask "did you mean" when a known key is close, at any depth', () => {
    const problems = problemsOf({
      servicename: 'Acme',
      listen: { prot: 8080 },
      routes: [{ prefix: '/api', upstream: 'http://127.0.0.1:3000', auth: 'public', rewritePrefx: '/' }],
    });
    expect(problems).toContain('servicename: unknown key (did you mean `serviceName`?)');
    expect(problems).toContain('listen.prot: unknown key (did you mean `port`?)');
    expect(problems).toContain('routes[0].rewritePrefx: unknown key (did you mean `rewritePrefix`?)');
  });

  it('list the known keys otherwise', () => {
    expect(problemsOf({ colour: 'blue', routes: [] })).toEqual([
      expect.stringMatching(/^colour: unknown key \(expected one of .*serviceName.*\)$/),
    ]);
  });
});
