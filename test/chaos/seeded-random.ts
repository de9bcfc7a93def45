/**
 * A small deterministic PRNG (mulberry32): the same seed yields the same event stream and the same
 * chaos schedule, so a failing run can be replayed with CHAOS_SEED. Math.random() is never used for
 * a decision the report depends on.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An independent stream for one consumer (a worker, the monkey), stable whatever the others draw. */
  fork(label: number): SeededRandom {
    return new SeededRandom(Math.imul(this.seed ^ 0x9e3779b9, label + 1) ^ (label * 0x85ebca6b));
  }
}

/** CHAOS_SEED when given (replay), otherwise a fresh one, printed by the run. */
export function chooseSeed(fromEnvironment: string | undefined): number {
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    const seed = Number(fromEnvironment);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`CHAOS_SEED must be a non-negative integer, got "${fromEnvironment}"`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32);
}
