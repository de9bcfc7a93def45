/** A meter event Stripe accepted (v1 synchronously, v2 after asynchronous validation). */
export interface RecordedMeterEvent {
  identifier: string;
  eventName: string;
  meterId: string;
  customerId: string;
  /** The whole-number usage value; `count` meters ignore it. */
  value: bigint;
  /** Event time (unix seconds): it decides the period the usage counts in. */
  timestamp: number;
  /** Wall-clock second Stripe received it; adjustments are accepted for 24 hours from here. */
  receivedAt: number;
  payload: Record<string, string>;
  cancelled: boolean;
}

/** A v2 stream event accepted by the endpoint but not yet validated. */
export interface PendingStreamEvent {
  identifier: string;
  event_name: string;
  payload: Record<string, string>;
  /** Absent: "now" for the event's customer when it is validated. */
  timestamp?: number;
  receivedAt: number;
}

export interface MeterEventFilter {
  meterId?: string;
  customerId?: string;
  includeCancelled?: boolean;
}

/** Every meter event by identifier (unique for the emulator's lifetime), plus the v2 stream's queue. */
export class MeterEventLedger {
  private readonly byIdentifier = new Map<string, RecordedMeterEvent>();
  private pending: PendingStreamEvent[] = [];

  get(identifier: string): RecordedMeterEvent | undefined {
    return this.byIdentifier.get(identifier);
  }

  record(event: RecordedMeterEvent): void {
    this.byIdentifier.set(event.identifier, event);
  }

  /** In the order Stripe received them. */
  events(filter: MeterEventFilter = {}): RecordedMeterEvent[] {
    return [...this.byIdentifier.values()].filter(
      (event) =>
        (filter.meterId === undefined || event.meterId === filter.meterId) &&
        (filter.customerId === undefined || event.customerId === filter.customerId) &&
        (filter.includeCancelled || !event.cancelled),
    );
  }

  /**
   * Makes events look received `seconds` earlier (one identifier, or every event): how tests cross
   * the 24-hour adjustment window without moving the wall clock that sessions and timestamps use.
   * Returns how many events changed.
   */
  age(seconds: number, identifier?: string): number {
    const events = identifier === undefined ? [...this.byIdentifier.values()] : [this.byIdentifier.get(identifier)].filter((event) => event !== undefined);
    for (const event of events) event.receivedAt -= seconds;
    return events.length;
  }

  enqueue(events: PendingStreamEvent[]): void {
    this.pending.push(...events);
  }

  /** Hands over everything queued so far; the caller validates and records it. */
  takePending(): PendingStreamEvent[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  get size(): number {
    return this.byIdentifier.size;
  }

  clear(): void {
    this.byIdentifier.clear();
    this.pending = [];
  }
}
