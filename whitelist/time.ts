/** Times are stored as ISO-8601 UTC strings: they sort as text and read well in `sqlite3`. */
export function isoTime(at: Date = new Date()): string {
  return at.toISOString();
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** An ISO-8601 UTC time as export writes it, normalised to milliseconds; undefined if it is not one. */
export function parseIsoTime(text: string): string | undefined {
  if (!ISO_UTC.test(text)) return undefined;
  const t = new Date(text);
  if (Number.isNaN(t.getTime())) return undefined;
  const iso = t.toISOString();
  // Date rolls 2025-02-30 over to March: refuse rather than store another day.
  return iso.slice(0, 19) === text.slice(0, 19) ? iso : undefined;
}
