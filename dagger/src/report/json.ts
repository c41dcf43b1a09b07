/** JSON from a tool's output: empty or malformed output is an error naming what was being read. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === "") throw new Error(`${what}: the output is empty.`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: it is not valid JSON (${err instanceof Error ? err.message : String(err)}).`, {
      cause: err,
    });
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
export const isObject = (v: unknown): v is Record<string, unknown> => isRecord(v) && !Array.isArray(v);
