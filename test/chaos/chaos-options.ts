import { chooseSeed } from './seeded-random';

/** How big a chaos run is. Every count is bounded, so every run ends by itself. */
export interface ChaosOptions {
  seed: number;
  /** App processes (the compiled service) sharing one database and one Stripe emulator. */
  apps: number;
  /** Customers, each on its own test clock with one subscription to every meter. */
  customers: number;
  /** Distinct usage events in the known stream (duplicates and retries come on top). */
  events: number;
  /** Length of the chaos window: ingestion is spread over it, and so are the kills and faults. */
  chaosSeconds: number;
  /** Concurrent client workers. */
  workers: number;
  /** SIGKILLs of app processes (half of them while a reporter run is in flight). */
  kills: number;
  /** Fault rules armed in the Stripe emulator (500s, 429s, applied-then-dropped, hangs). */
  faults: number;
  /** Deliver through the v2 meter event stream instead of v1 meter events. */
  useV2Stream: boolean;
  /** After the chaos window: how long clients may keep retrying before an unanswered event fails the run. */
  settleSeconds: number;
}

/** The size `npm test` runs (test/chaos.e2e-spec.ts): about two minutes on a busy two-core machine. */
export const REDUCED_CHAOS: Omit<ChaosOptions, 'seed'> = {
  apps: 3,
  customers: 4,
  events: 2400,
  chaosSeconds: 40,
  workers: 6,
  kills: 6,
  faults: 8,
  useV2Stream: false,
  settleSeconds: 60,
};

/** The size `npm run chaos` runs: about eight minutes. */
export const FULL_CHAOS: Omit<ChaosOptions, 'seed'> = {
  apps: 3,
  customers: 12,
  events: 24_000,
  chaosSeconds: 240,
  workers: 12,
  kills: 30,
  faults: 40,
  useV2Stream: false,
  settleSeconds: 120,
};

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * A profile with the CHAOS_* overrides of `environment` applied: CHAOS_SEED replays a run,
 * CHAOS_APPS, CHAOS_CUSTOMERS, CHAOS_EVENTS, CHAOS_SECONDS, CHAOS_WORKERS, CHAOS_KILLS,
 * CHAOS_FAULTS resize it, CHAOS_V2_STREAM=true switches delivery to the v2 stream.
 */
export function chaosOptions(profile: Omit<ChaosOptions, 'seed'>, environment: Record<string, string | undefined>): ChaosOptions {
  return {
    seed: chooseSeed(environment.CHAOS_SEED),
    apps: positiveInteger('CHAOS_APPS', environment.CHAOS_APPS, profile.apps),
    customers: positiveInteger('CHAOS_CUSTOMERS', environment.CHAOS_CUSTOMERS, profile.customers),
    events: positiveInteger('CHAOS_EVENTS', environment.CHAOS_EVENTS, profile.events),
    chaosSeconds: positiveInteger('CHAOS_SECONDS', environment.CHAOS_SECONDS, profile.chaosSeconds),
    workers: positiveInteger('CHAOS_WORKERS', environment.CHAOS_WORKERS, profile.workers),
    kills: positiveInteger('CHAOS_KILLS', environment.CHAOS_KILLS, profile.kills),
    faults: positiveInteger('CHAOS_FAULTS', environment.CHAOS_FAULTS, profile.faults),
    useV2Stream: environment.CHAOS_V2_STREAM === undefined ? profile.useV2Stream : environment.CHAOS_V2_STREAM === 'true',
    settleSeconds: profile.settleSeconds,
  };
}
