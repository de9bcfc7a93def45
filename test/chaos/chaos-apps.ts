import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type ServiceBuild, type ServiceProcess } from '../support/service-process';

/** How long one app may keep failing to start (PostgreSQL down, port still held) before the run gives up. */
const START_DEADLINE_MS = 120_000;

export interface AppExit {
  app: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process wrote. */
  tail: string;
}

/**
 * One app process of the fleet: the compiled service on a fixed port, killed and restarted by the
 * harness. An exit the harness did not cause is recorded: that is a crash.
 */
export class ChaosApp {
  state: 'down' | 'starting' | 'up' = 'down';
  /** Client requests sent to this process and not yet answered. */
  inFlight = 0;
  kills = 0;
  starts = 0;
  failedStarts = 0;
  private service: ServiceProcess | null = null;
  private killing = false;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly build: ServiceBuild,
    private readonly env: Record<string, string>,
    private readonly runDir: string,
    private readonly onCrash: (exit: AppExit) => void,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it is ready, retrying while it cannot start. */
  async start(): Promise<void> {
    this.state = 'starting';
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      try {
        const service = await startService(this.build, this.port, this.env);
        this.starts += 1;
        this.watch(service);
        this.state = 'up';
        return;
      } catch (error) {
        // a start while PostgreSQL restarts fails by design (exit 1); the output says why
        this.failedStarts += 1;
        this.writeLog(`--- failed start: ${error instanceof Error ? error.message : String(error)}\n`);
        if (Date.now() > deadline) {
          this.state = 'down';
          throw new Error(`app ${this.index} did not start within ${START_DEADLINE_MS / 1000} s; see ${this.logFile}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** SIGKILL: no shutdown hook runs, requests and reporter runs in flight are cut where they stand. */
  async kill(): Promise<void> {
    if (await this.end('SIGKILL')) this.kills += 1;
  }

  /** SIGTERM at the end of the run. */
  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  /** Signals the running process and waits for its exit; false when none was running. */
  private async end(signal: NodeJS.Signals): Promise<boolean> {
    const service = this.service;
    if (!service) return false;
    this.killing = true;
    service.signal(signal);
    await service.exited;
    return true;
  }

  private get logFile(): string {
    return join(this.runDir, `app-${this.index}.log`);
  }

  private writeLog(text: string): void {
    appendFileSync(this.logFile, text);
  }

  private watch(service: ServiceProcess): void {
    this.service = service;
    this.killing = false;
    void service.exited.then(({ code, signal }) => {
      const output = service.output();
      this.writeLog(`${output}--- exit code ${code} signal ${signal}${this.killing ? ' (by the harness)' : ' (CRASH)'}\n`);
      if (!this.killing) this.onCrash({ app: this.index, code, signal, tail: output.split('\n').slice(-15).join('\n') });
      this.service = null;
      this.state = 'down';
    });
  }
}
