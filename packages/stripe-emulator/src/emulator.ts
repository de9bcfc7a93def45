import type { AddressInfo } from 'node:net';
import { attachBilling } from './billing/billing-clock.js';
import { createEmulatorServer } from './emulator-server.js';
import { EmulatorState } from './emulator-state.js';
import { FaultInjector } from './http/faults.js';
import { IdempotencyCache } from './http/idempotency.js';
import { Router } from './http/router.js';
import { billingControlRoutes } from './routes/billing-control.routes.js';
import { controlRoutes, type EmulatorControls } from './routes/control.routes.js';
import { processMeterEventStream } from './meters/meter-event-stream-processing.js';
import { customerRoutes } from './routes/customers.routes.js';
import { eventDestinationRoutes } from './routes/event-destinations.routes.js';
import { eventRoutes } from './routes/events.routes.js';
import { invoiceRoutes } from './routes/invoices.routes.js';
import { meterEventAdjustmentV2Routes } from './routes/meter-event-adjustments-v2.routes.js';
import { meterEventStreamRoutes } from './routes/meter-event-stream.routes.js';
import { meterEventSummaryRoutes } from './routes/meter-event-summaries.routes.js';
import { meterEventRoutes } from './routes/meter-events.routes.js';
import { meterRoutes } from './routes/meters.routes.js';
import { priceRoutes } from './routes/prices.routes.js';
import { productRoutes } from './routes/products.routes.js';
import { subscriptionItemRoutes } from './routes/subscription-items.routes.js';
import { subscriptionRoutes } from './routes/subscriptions.routes.js';
import { testClockRoutes } from './routes/test-clocks.routes.js';
import { v2EventRoutes } from './routes/v2-events.routes.js';
import { v2MeterEventRoutes } from './routes/v2-meter-events.routes.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.routes.js';

/** A running emulator: Stripe's wire protocol on `url`, its memory in `state`. */
export interface StripeEmulator extends EmulatorControls {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface StripeEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** Starts an in-memory Stripe that the real `stripe` SDK can talk to (`host`/`port`/`protocol: 'http'`). */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const state = new EmulatorState();
  attachBilling(state);
  const faults = new FaultInjector();
  const idempotency = new IdempotencyCache();
  const controls: EmulatorControls = {
    state,
    faults,
    reset: () => {
      state.reset();
      faults.clear();
      idempotency.clear();
    },
    flushMeterEventStream: () => processMeterEventStream(state),
  };
  const api = new Router([
    ...customerRoutes(state),
    ...productRoutes(state),
    ...priceRoutes(state),
    ...meterRoutes(state),
    ...meterEventSummaryRoutes(state),
    ...meterEventRoutes(state),
    ...meterEventStreamRoutes(state),
    ...v2MeterEventRoutes(state),
    ...meterEventAdjustmentV2Routes(state),
    ...v2EventRoutes(state),
    ...testClockRoutes(state),
    ...subscriptionRoutes(state),
    ...subscriptionItemRoutes(state),
    ...invoiceRoutes(state),
    ...eventRoutes(state),
    ...webhookEndpointRoutes(state),
    ...eventDestinationRoutes(state),
  ]);
  const control = new Router([...controlRoutes(controls), ...billingControlRoutes(state)]);
  const server = createEmulatorServer({ state, faults, idempotency, api, control });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...controls,
    host,
    port,
    url: `http://${host}:${port}`,
    close: async () => {
      // hung requests (fault injection) and keep-alive sockets would otherwise hold the server open
      state.billing.webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
