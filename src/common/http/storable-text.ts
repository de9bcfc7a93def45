/**
 * PostgreSQL text cannot hold NUL (the statement fails, which would answer 500), and node-postgres
 * writes an unpaired UTF-16 surrogate as U+FFFD, so two different inputs would be stored, and then
 * found, as one. Strings from a client must be neither.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/** The fields (dotted paths below `field`) whose strings are not storable text. */
export function unstorableTextFields(value: unknown, field: string): string[] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [field];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, member]) => unstorableTextFields(member, field ? `${field}.${key}` : key));
}

/** After JSON.stringify, a NUL or an unpaired surrogate is a \u escape (an odd run of backslashes before the u) that jsonb refuses. */
const JSONB_UNSAFE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** Whether JSON text (as JSON.stringify writes it) can be stored in a jsonb column. */
export function isStorableJson(json: string): boolean {
  return !JSONB_UNSAFE_ESCAPE.test(json);
}
