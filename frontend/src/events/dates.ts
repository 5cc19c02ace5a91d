// Event time ranges are whole days in UTC in the forms: a start date means 00:00:00Z that
// day and an end date 23:59:59Z, so a one-day event has the same start and end date.

/** ISO datetime -> "YYYY-MM-DD" (its UTC day) for an <input type="date">; "" for none. */
export function toDateInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 10);
}

/** "YYYY-MM-DD" -> ISO datetime at the start (or end) of that UTC day; null for "". */
export function fromDateInput(value: string, edge: "start" | "end"): string | null {
  if (!value) return null;
  return `${value}T${edge === "start" ? "00:00:00" : "23:59:59"}Z`;
}

/** "2024-05-01 – 2024-05-09", one day alone, or an open end. */
export function describeRange(startsAt: string | null, endsAt: string | null): string {
  const start = toDateInput(startsAt);
  const end = toDateInput(endsAt);
  if (!start && !end) return "—";
  if (start === end) return start;
  return `${start || "…"} – ${end || "…"}`;
}
