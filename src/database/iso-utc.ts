/** Formats a timestamptz the way JavaScript's toISOString does, so stored and received times compare as text. */
export const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
