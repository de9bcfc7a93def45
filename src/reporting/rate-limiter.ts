/**
 * Spaces calls evenly to at most `perSecond` (no bursts): each caller reserves the next free
 * slot and waits for it. One instance per process, shared by every concurrent sender.
 */
export class RateLimiter {
  private nextSlot = 0;
  private readonly spacingMs: number;

  constructor(perSecond: number) {
    this.spacingMs = 1000 / perSecond;
  }

  async acquire(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.spacingMs;
    if (slot > now) await sleep(slot - now);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
