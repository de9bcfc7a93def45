import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../src/emulator';
import { ConformanceRecorder } from './stripe-conformance';

/** What a contract test may vary in its client: the key, SDK retries and timeout. */
export interface ContractClientSettings {
  secretKey: string;
  maxNetworkRetries: number;
  timeoutMs: number;
}

/**
 * The contract tests talk to the emulator through the real SDK with the options an integration
 * uses (`host`/`port`/`protocol` pointing at the emulator). With STRIPE_CONTRACT_SECRET_KEY=sk_test_… they talk to Stripe's test mode instead, so that
 * the emulator's behaviour can be checked against the real thing; tests that need the emulator's
 * control API are then skipped (`emulatorOnly`).
 */
const realStripeKey = process.env.STRIPE_CONTRACT_SECRET_KEY || undefined;
export const againstRealStripe = realStripeKey !== undefined;

// test mode answers in hundreds of milliseconds and processes meter events within minutes
if (againstRealStripe) jest.setTimeout(240_000);

/** `it` for tests that drive the emulator's control API, which Stripe does not have. */
export const emulatorOnly = againstRealStripe ? it.skip : it;

export interface ContractTarget {
  /** A client with production's retry and timeout defaults. */
  stripe: Stripe;
  /** `https://api.stripe.com` or the emulator's URL, for raw HTTP checks. */
  baseUrl: string;
  secretKey: string;
  /** Present only when the target is the emulator. */
  emulator?: StripeEmulator;
  /** Every answer the emulator sent (API responses, webhook and thin event payloads), checked on close. */
  conformance?: ConformanceRecorder;
  /** Another client to the same target, e.g. with retries off or a short timeout. */
  client(overrides?: Partial<ContractClientSettings>): Stripe;
  close(): Promise<void>;
}

export async function startContractTarget(): Promise<ContractTarget> {
  if (!againstRealStripe) process.stderr.write("Stripe contract tests: against the in-repo emulator; Stripe's test mode is skipped (set STRIPE_CONTRACT_SECRET_KEY=sk_test_… to run them there).\n");
  const emulator = againstRealStripe ? undefined : await startStripeEmulator();
  const secretKey = realStripeKey ?? 'sk_test_contract_suite';
  const defaults: ContractClientSettings = { secretKey, maxNetworkRetries: 2, timeoutMs: 20_000 };
  const target = emulator ? { host: emulator.host, port: emulator.port, protocol: 'http' as const } : {};
  const client = (overrides: Partial<ContractClientSettings> = {}): Stripe => {
    const settings = { ...defaults, ...overrides };
    return new Stripe(settings.secretKey, { maxNetworkRetries: settings.maxNetworkRetries, timeout: settings.timeoutMs, ...target });
  };
  const conformance = emulator ? new ConformanceRecorder() : undefined;
  if (emulator && conformance) emulator.state.traffic.observe(conformance.record);
  return {
    stripe: client(),
    baseUrl: emulator?.url ?? 'https://api.stripe.com',
    secretKey,
    emulator,
    conformance,
    client,
    close: async () => {
      await emulator?.close();
      // every contract test file checks what the emulator sent it against Stripe's published types
      const problems = conformance?.problems() ?? [];
      if (problems.length > 0) throw new Error(`The emulator sent ${problems.length} thing(s) Stripe's types do not allow:\n${problems.slice(0, 40).join('\n')}`);
    },
  };
}

/** The emulator behind a target, for tests declared with `emulatorOnly`. */
export function emulatorOf(target: ContractTarget): StripeEmulator {
  if (!target.emulator) throw new Error('this test needs the Stripe emulator (it is skipped against real Stripe)');
  return target.emulator;
}

/** A call to the emulator's control API (`/_emulator/*`) over HTTP, as tools outside the process make it. */
export async function emulatorControl<T>(target: Pick<ContractTarget, 'baseUrl'>, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${target.baseUrl}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The Stripe error a call fails with; fails the test when the call succeeds. */
export async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the Stripe call to fail, but it succeeded');
}

/** A name no earlier run used: meter event names must be unique among active meters, also in test mode. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Unix seconds now, as Stripe's timestamps are. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Reads until `accept` holds: Stripe processes meter events asynchronously, so summaries and
 * error reports show up after a while (at once in the emulator, minutes in test mode).
 */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = againstRealStripe ? 180_000 : 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, againstRealStripe ? 5_000 : 20));
  }
}

/** The start of the UTC day `days` days ago: hour- and day-aligned, well inside the 35-day window. */
export function utcDayStart(daysAgo: number): number {
  const day = 86_400;
  return Math.floor(nowSeconds() / day) * day - daysAgo * day;
}
