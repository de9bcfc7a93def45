/** A machine-readable error code with the one HTTP status it is always answered with. */
export interface ErrorCode<Code extends string = string> {
  readonly code: Code;
  readonly status: number;
}

export type ErrorTable<Statuses extends Record<string, number>> = { readonly [Code in keyof Statuses & string]: ErrorCode<Code> };

/** Every table built by errorCodes, by the module that owns it: the OpenAPI document and the uniqueness test read them. */
export const ERROR_TABLES = new Map<string, ErrorTable<Record<string, number>>>();

/**
 * A module's error codes, each with its status (docs/architecture.md, Error codes): the only way to
 * build a DomainError, so a code is answered with one status wherever it is thrown.
 */
export function errorCodes<const Statuses extends Record<string, number>>(module: string, statuses: Statuses): ErrorTable<Statuses> {
  const table = Object.freeze(Object.fromEntries(Object.entries(statuses).map(([code, status]) => [code, Object.freeze({ code, status })]))) as ErrorTable<Statuses>;
  ERROR_TABLES.set(module, table);
  return table;
}
