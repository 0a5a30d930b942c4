// Metadata timestamps, as the API server writes them.

/** RFC 3339 with second precision, as metadata timestamps are written. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
