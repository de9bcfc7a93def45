import { Injectable } from '@nestjs/common';

/**
 * Set at the first moment of a graceful shutdown (SIGTERM), before anything closes, so readiness
 * answers 503 and the load balancer stops sending new requests while in-flight ones finish.
 */
@Injectable()
export class ShutdownState {
  private since?: Date;

  begin(): void {
    this.since ??= new Date();
  }

  get shuttingDownSince(): Date | undefined {
    return this.since;
  }
}
