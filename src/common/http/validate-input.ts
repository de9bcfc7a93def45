import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * Validates input that does not arrive over HTTP (CLI files and flags) with the same DTO rules as
 * the routes. Throws one readable line per problem.
 */
export function validateInput<T extends object>(type: ClassConstructor<T>, input: unknown, label: string): T {
  if (typeof input !== 'object' || input === null) throw new Error(`${label}: must be an object`);
  const value = plainToInstance(type, input);
  const problems = validateSync(value, { whitelist: true, forbidNonWhitelisted: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((problem) => `${label}: ${problem}`),
  );
  if (problems.length) throw new Error(problems.join('\n'));
  return value;
}
