import { chaosOptions, FULL_CHAOS } from './chaos-options';
import { runChaos } from './chaos-run';

/**
 * `npm run chaos`: the full-size chaos run (about eight minutes), resized and replayed through the
 * CHAOS_* variables (see chaos-options.ts). Exit code 1 when any unit was lost, doubled or
 * misplaced, or anything crashed. test/chaos.e2e-spec.ts runs the reduced size inside `npm test`.
 */
async function main(): Promise<void> {
  const options = chaosOptions(FULL_CHAOS, process.env);
  const result = await runChaos(options, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${result.summary}\n`);
  process.exitCode = result.passed ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
