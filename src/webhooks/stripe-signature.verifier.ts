import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DomainError } from '../common/errors/domain-error.js';
import { isStorableJson, isStorableText } from '../common/http/storable-text.js';
import { stripeConfig } from '../config/namespaces.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { WebhooksErrors } from './webhooks.errors.js';

/** A verified delivery: a v1 snapshot event (`object: 'event'`) or a v2 thin event notification. */
export interface VerifiedEvent {
  id: string;
  type: string;
  created: Date;
  payload: Record<string, unknown>;
}

const isEventText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && isStorableText(value);

const malformed = (message: string) => new DomainError(WebhooksErrors.WEBHOOK_EVENT_MALFORMED, message);

/**
 * Checks the Stripe-Signature header against the exact raw bytes with each configured secret (several
 * during a rotation) and Stripe's default tolerance of 300 s. Errors never say which secret was tried.
 */
@Injectable()
export class StripeSignatureVerifier {
  constructor(
    @Inject(stripeConfig.KEY) private readonly stripeSettings: ConfigType<typeof stripeConfig>,
    private readonly stripe: StripeGateway,
  ) {}

  verify(rawBody: Buffer | undefined, signature: string | undefined): VerifiedEvent {
    const secrets = this.stripeSettings.webhookSecrets;
    if (secrets.length === 0) throw new DomainError(WebhooksErrors.WEBHOOKS_NOT_CONFIGURED, 'No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET)');
    if (!signature) throw new DomainError(WebhooksErrors.WEBHOOK_SIGNATURE_MISSING, 'The Stripe-Signature header is missing');
    if (!rawBody?.length) throw new DomainError(WebhooksErrors.WEBHOOK_BODY_MISSING, 'The webhook body is empty or not JSON');
    for (const secret of secrets) {
      if (this.stripe.webhookSignatureMatches(rawBody, signature, secret)) return this.parse(rawBody);
    }
    throw new DomainError(WebhooksErrors.WEBHOOK_SIGNATURE_INVALID, 'The Stripe-Signature header does not match the body, or its timestamp is outside the tolerance');
  }

  /** The body parser has already checked that the raw body is JSON; what is stored must also be storable text. */
  private parse(rawBody: Buffer): VerifiedEvent {
    const payload = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
    const { id, type, created } = payload;
    if (!isEventText(id) || !isEventText(type) || (typeof created !== 'number' && typeof created !== 'string')) {
      throw malformed('The signed body is not a Stripe event (id, type and created are required, id and type as text without NUL characters)');
    }
    // v1 events carry unix seconds; v2 thin events an ISO-8601 string
    const createdAt = typeof created === 'number' ? new Date(created * 1000) : new Date(created);
    if (!(createdAt.getTime() >= 0 && createdAt.getUTCFullYear() <= 9999)) throw malformed('The event has an invalid created time');
    if (!isStorableJson(JSON.stringify(payload))) throw malformed('The event holds NUL characters or unpaired UTF-16 surrogates, which cannot be stored');
    return { id, type, created: createdAt, payload };
  }
}
