import { createHmac } from 'node:crypto';

/**
 * Stripe's webhook signature scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`,
 * one v1 per secret that currently signs (during a rotation both the new and the previous one), so
 * receivers verify with the same code they use for Stripe (`stripe.webhooks.constructEvent`).
 */
export function signatureHeader(body: string, secrets: string[], timestamp = Math.floor(Date.now() / 1000)): string {
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}
