/**
 * The emulator's idea of real time. Tests shift it forward (control API) to cross Stripe's
 * real-time limits without waiting: session token expiry, the 24-hour adjustment window.
 */
export class WallClock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Unix seconds, as Stripe's v1 timestamps are. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
