/**
 * What `portal-gateway login` prints on stdout once the wallet approves: shell lines to `eval`
 * (a comment with who signed in, then `export` lines), or with --json the token response.
 */
import type { FinalStatus } from '../client/login-follow.js';
import { GatewayCallFailed } from '../errors.js';

/** An approved login as the holder of its secret receives it, the one time. */
export interface IssuedLogin extends FinalStatus {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in?: number;
  session_id?: string;
}

/** Token text that is safe inside single quotes in any shell (JWTs and base64url are). */
const TOKEN_TEXT = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

function checked(value: unknown, name: string): string {
  if (typeof value !== 'string' || !TOKEN_TEXT.test(value)) {
    throw new GatewayCallFailed(`the login was approved but the gateway handed out no usable ${name}`);
  }
  return value;
}

export function formatTokens(login: FinalStatus, json: boolean): string {
  const access = checked(login.access_token, 'access token (were the tokens already claimed?)');
  const refresh = checked(login.refresh_token, 'refresh token');
  const issued = login as IssuedLogin;
  if (json) {
    const {
      access_token: _a,
      refresh_token: _r,
      token_type,
      expires_in,
      refresh_expires_in,
      session_id,
      user,
    } = issued;
    return (
      JSON.stringify(
        { access_token: access, token_type, expires_in, refresh_token: refresh, refresh_expires_in, session_id, user },
        null,
        2,
      ) + '\n'
    );
  }
  const who = issued.user ? `signed in as ${issued.user.npub}` : 'signed in';
  return [
    `# ${who}; the access token is valid for ${issued.expires_in} s, PORTAL_REFRESH_TOKEN renews it (POST /auth/refresh)`,
    `export PORTAL_ACCESS_TOKEN='${access}'`,
    `export PORTAL_REFRESH_TOKEN='${refresh}'`,
    '',
  ].join('\n');
}
