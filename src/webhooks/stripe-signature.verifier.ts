import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { STRIPE_CLIENT, type Stripe } from '../stripe/stripe.constants.js';

/** A verified delivery: a v1 snapshot event (`object: 'event'`) or a v2 thin event notification. */
export interface VerifiedEvent {
  id: string;
  type: string;
  created: Date;
  payload: Record<string, unknown>;
}

/**
 * Checks the Stripe-Signature header against the exact raw bytes with each configured secret (several
 * during a rotation) and Stripe's default tolerance of 300 s. Errors never say which secret was tried.
 */
@Injectable()
export class StripeSignatureVerifier {
  constructor(
    private readonly config: AppConfig,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  verify(rawBody: Buffer | undefined, signature: string | undefined): VerifiedEvent {
    const secrets = this.config.stripe.webhookSecrets;
    if (secrets.length === 0) throw new DomainError(503, 'WEBHOOKS_NOT_CONFIGURED', 'No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET)');
    if (!signature) throw new DomainError(400, 'WEBHOOK_SIGNATURE_MISSING', 'The Stripe-Signature header is missing');
    if (!rawBody?.length) throw new DomainError(400, 'WEBHOOK_BODY_MISSING', 'The webhook body is empty or not JSON');
    for (const secret of secrets) {
      if (this.matches(rawBody, signature, secret)) return this.parse(rawBody);
    }
    throw new DomainError(400, 'WEBHOOK_SIGNATURE_INVALID', 'The Stripe-Signature header does not match the body, or its timestamp is outside the tolerance');
  }

  private matches(rawBody: Buffer, signature: string, secret: string): boolean {
    try {
      this.stripe.webhooks.constructEvent(rawBody, signature, secret);
      return true;
    } catch (error) {
      if ((error as { type?: string }).type === 'StripeSignatureVerificationError') return false;
      throw error;
    }
  }

  private parse(rawBody: Buffer): VerifiedEvent {
    const payload = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
    const { id, type, created } = payload;
    if (typeof id !== 'string' || typeof type !== 'string' || (typeof created !== 'number' && typeof created !== 'string')) {
      throw new DomainError(400, 'WEBHOOK_EVENT_MALFORMED', 'The signed body is not a Stripe event (id, type and created are required)');
    }
    // v1 events carry unix seconds; v2 thin events an ISO-8601 string
    const createdAt = typeof created === 'number' ? new Date(created * 1000) : new Date(created);
    if (Number.isNaN(createdAt.getTime())) throw new DomainError(400, 'WEBHOOK_EVENT_MALFORMED', 'The event has an invalid created time');
    return { id, type, created: createdAt, payload };
  }
}
