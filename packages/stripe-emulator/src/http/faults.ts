import { stripeId } from '../state/stripe-ids.js';
import { invalidParameter } from './stripe-api-error.js';

/**
 * - `server_error`: 500 api_error, nothing applied (the SDK retries it);
 * - `rate_limit`: 429 rate_limit, nothing applied (the SDK does not retry it);
 * - `hang`: no answer at all, until the client gives up (its timeout);
 * - `drop_connection`: the request is applied, then the connection is destroyed instead of answered;
 * - `invalid_request`: 400 invalid_request_error, nothing applied: Stripe refusing what it was sent
 *   (a currency or parameter the account does not support, which this emulator otherwise accepts).
 */
export const FAULT_KINDS = ['server_error', 'rate_limit', 'hang', 'drop_connection', 'invalid_request'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRuleInput {
  kind: FaultKind;
  /** How many matching requests fail; with neither count nor share, one. */
  count?: number;
  /** Fraction (0–1] of matching requests that fail, spread evenly and deterministically (0.5 = every second one). */
  share?: number;
  method?: string;
  /** Only requests whose path starts with this, e.g. `/v1/billing/meter_events`. */
  pathPrefix?: string;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  matched: number;
  applied: number;
}

const EPSILON = 1e-9;

/** Decides, request by request, which API calls fail and how; the control API and tests configure it. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  add(input: FaultRuleInput): FaultRule {
    if (input.share !== undefined && !(input.share > 0 && input.share <= 1)) throw invalidParameter('Invalid share: must be greater than 0 and at most 1', 'share');
    if (input.count !== undefined && !(Number.isInteger(input.count) && input.count > 0)) throw invalidParameter('Invalid count: must be a positive integer', 'count');
    const rule: FaultRule = {
      ...input,
      count: input.count ?? (input.share === undefined ? 1 : undefined),
      method: input.method?.toUpperCase(),
      id: stripeId('fault'),
      matched: 0,
      applied: 0,
    };
    this.rules.push(rule);
    return { ...rule };
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault to apply to this API request, if any; consumes the matching rule's budget. */
  next(method: string, path: string): FaultKind | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (rule.pathPrefix && !path.startsWith(rule.pathPrefix)) continue;
      rule.matched += 1;
      if (rule.share !== undefined && Math.floor(rule.matched * rule.share + EPSILON) <= Math.floor((rule.matched - 1) * rule.share + EPSILON)) continue;
      rule.applied += 1;
      if (rule.count !== undefined && rule.applied >= rule.count) this.rules = this.rules.filter((other) => other !== rule);
      return rule.kind;
    }
    return undefined;
  }
}
