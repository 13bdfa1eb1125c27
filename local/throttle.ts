/**
 * Stage throttling as API Gateway applies it: a token bucket that contains up to `burstLimit`
 * requests and refills at `rateLimit` requests per second. A request that finds the
 * bucket empty gets the THROTTLED gateway response (429).
 */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  rateLimit: number;
  /** Capacity of the bucket, so a burst of this many requests passes at once. */
  burstLimit: number;
}

export class TokenBucket {
  private available: number;
  private refilledAt: number;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!(settings.rateLimit > 0) || !Number.isFinite(settings.rateLimit)) {
      throw new RangeError(`Invalid throttle rateLimit ${settings.rateLimit}: expected a positive number of requests per second`);
    }
    if (!Number.isInteger(settings.burstLimit) || settings.burstLimit < 1) {
      throw new RangeError(`Invalid throttle burstLimit ${settings.burstLimit}: expected a whole number of at least 1`);
    }
    this.available = settings.burstLimit;
    this.refilledAt = now();
  }

  /** Takes one request from the bucket, or returns false when it is empty. */
  tryTake(): boolean {
    const now = this.now();
    const refill = ((now - this.refilledAt) / 1000) * this.settings.rateLimit;
    this.available = Math.min(this.settings.burstLimit, this.available + refill);
    this.refilledAt = now;

    if (this.available < 1) return false;
    this.available -= 1;
    return true;
  }
}
