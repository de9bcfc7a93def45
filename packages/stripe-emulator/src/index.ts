/** What the emulator package offers: start one in a process, drive its faults and billing clock. */
export { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from './emulator.js';
export type { FaultInjector, FaultKind } from './http/faults.js';
export { periodBoundary } from './billing/billing-period.js';
