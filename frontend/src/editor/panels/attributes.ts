// Attribute rows <-> the annotation's attributes JSON. Values are typed as text: numbers,
// true / false and null become JSON values, JSON objects and arrays are parsed, anything
// else stays a string.

export interface AttributeRow {
  key: string;
  value: string;
}

export function rowsOf(attributes: Record<string, unknown>): AttributeRow[] {
  // Sorted by name: the server's JSON keeps no order, so rows do not jump after a save.
  return Object.entries(attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({
    key,
      value: typeof value === "string" ? value : JSON.stringify(value),
    }));
}

export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false" || trimmed === "null") return JSON.parse(trimmed);
  if ((trimmed.startsWith("{") && trimmed.endsWith("}")) || (trimmed.startsWith("[") && trimmed.endsWith("]"))) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Rows -> attributes, or the problem in words (an empty or repeated key). */
export function attributesOf(rows: AttributeRow[]): { attributes: Record<string, unknown> } | { error: string } {
  const attributes: Record<string, unknown> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key) {
      if (row.value.trim()) return { error: "Every value needs a name." };
      continue;
    }
    if (key in attributes) return { error: `The name “${key}” is used twice.` };
    attributes[key] = parseValue(row.value);
  }
  return { attributes };
}
