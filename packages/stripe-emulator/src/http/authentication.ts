import type { EmulatorState } from '../emulator-state.js';
import type { RouteAuth } from './router.js';
import { StripeApiError } from './stripe-api-error.js';

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const LIVE_KEY = /^(sk|rk)_live_/;

function unauthorized(message: string, type = 'invalid_request_error', code?: string): StripeApiError {
  return new StripeApiError(401, type, message, { code, stage: 'validation' });
}

/** `Bearer <key>`, or HTTP Basic with the key as user name (what `curl -u sk_test_…:` sends). */
function credentialFrom(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value || undefined;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

/** Stripe shows a rejected key with its middle masked. */
function masked(key: string): string {
  const prefix = key.slice(0, key.indexOf('_', key.indexOf('_') + 1) + 1);
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

function requireSecretKey(key: string | undefined): void {
  if (!key) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (LIVE_KEY.test(key)) throw unauthorized('The Stripe emulator only accepts test-mode keys (sk_test_…); a live key must never be sent to it.');
  if (!TEST_KEY.test(key)) throw unauthorized(`Invalid API Key provided: ${masked(key)}`);
}

/** A v2 meter event stream call carries a session's authentication token, valid 15 minutes. */
function requireSessionToken(state: EmulatorState, token: string | undefined): void {
  const session = token ? state.meterEventSessions.find((candidate) => candidate.authentication_token === token) : undefined;
  if (!session) throw unauthorized('Invalid or missing meter event session authentication token. Create a meter event session and use its authentication_token.');
  if (Date.parse(session.expires_at) <= state.wallClock.nowMs()) {
    throw unauthorized('The temporary session token has expired.', 'temporary_session_expired', 'billing_meter_event_session_expired');
  }
}

/** Refuses the request with Stripe's 401 unless it carries the credential its route requires. */
export function authenticate(state: EmulatorState, auth: RouteAuth, authorization: string | undefined): void {
  const credential = credentialFrom(authorization);
  if (auth === 'secret_key') requireSecretKey(credential);
  else if (auth === 'meter_event_session') requireSessionToken(state, credential);
}
