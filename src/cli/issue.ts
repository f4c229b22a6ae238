/** `portal-gateway issue`: sign a Portal JWT for a target key. */
import { InvalidArgument } from '../errors.js';
import { decodeJwtWithoutVerifying } from '../jwt/decode.js';
import { issueJwt } from '../jwt/issue.js';
import { getPublicKey } from '../keys/nostr-keys.js';
import type { CommandSpec } from './args.js';
import { parseClaimArgs } from './claim-args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { DEFAULT_KEY_ENV, KEY_OPTIONS, readSecretKey } from './key-source.js';
import { parseOptionalWholeSeconds, parsePositiveHours } from './option-values.js';
import { runCommand } from './run-command.js';

export const summary = 'issue a Portal JWT signed with a secret key';

const spec: CommandSpec = {
  name: 'issue',
  summary,
  synopsis: '--target <npub|hex> --hours <N> [--key-file <path> | --key-env <VAR> | --key <secret>] [options]',
  options: {
    ...KEY_OPTIONS,
    target: {
      type: 'string',
      valueName: '<npub|hex>',
      description: 'the key the token is issued for (its target_key claim)',
    },
    hours: { type: 'string', valueName: '<N>', description: 'lifetime in hours, fractions allowed (0.5 = 30 minutes)' },
    permission: {
      type: 'string',
      multiple: true,
      valueName: '<name>',
      description: 'permission granted by the token (its permissions claim); repeat for several',
    },
    claim: {
      type: 'string',
      multiple: true,
      valueName: '<name=value>',
      description: 'extra claim; a JSON value is used as JSON, else a string',
    },
    now: { type: 'string', valueName: '<unix seconds>', description: 'issue time instead of the current time' },
    json: { type: 'boolean', description: 'print {"token","issuer","claims"} instead of the bare token' },
  },
  maxPositionals: 0,
  notes: `With no key option the secret key is read from ${DEFAULT_KEY_ENV}.`,
};

/**
 * `--permission` values as the `permissions` claim, after the `--claim` ones. A `permissions` claim
 * that is not an array of strings is refused: verifiers reject such a token (ERR_JWT_CLAIMS).
 */
function withPermissions(claims: Record<string, unknown>, permissions: readonly string[]): Record<string, unknown> {
  if (Object.hasOwn(claims, 'permissions')) {
    if (permissions.length > 0)
      throw new InvalidArgument('give permissions with --permission or with --claim permissions=…, not both');
    const given = claims.permissions;
    if (!Array.isArray(given) || !given.every((p) => typeof p === 'string')) {
      throw new InvalidArgument('--claim permissions must be a JSON array of strings; or repeat --permission <name>');
    }
  }
  if (permissions.length === 0) return claims;
  if (permissions.some((p) => p.trim() === '')) throw new InvalidArgument('--permission needs a non-empty name');
  return { ...claims, permissions: [...new Set(permissions)] };
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const target = args.requiredString('target');
    const hours = parsePositiveHours(args.requiredString('hours'), '--hours');
    const extraClaims = withPermissions(parseClaimArgs(args.list('claim')), args.list('permission'));
    // A session id is what makes a gateway-signed token a sign-in's (auth flow `login`); tokens issued here are service tokens.
    if (Object.hasOwn(extraClaims, 'sid'))
      throw new InvalidArgument('--claim sid is reserved for the access tokens of wallet sign-in sessions');
    const now = parseOptionalWholeSeconds(args.string('now'), '--now');
    const secretKey = await readSecretKey(args, io);
    const token = issueJwt(secretKey, target, hours, { now, extraClaims });
    if (args.flag('json')) {
      const { payload } = decodeJwtWithoutVerifying(token);
      io.stdout.write(JSON.stringify({ token, issuer: getPublicKey(secretKey), claims: payload }, null, 2) + '\n');
    } else {
      io.stdout.write(token + '\n');
    }
    return EXIT_OK;
  });
}
