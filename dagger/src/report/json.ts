import { errorText } from "../settings/errors.js";

export { isTable as isObject, table as objectOr } from "../settings/project.js";

/** JSON from a tool's output: empty or malformed output is an error naming what was being read. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === "") throw new Error(`${what}: the output is empty.`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: it is not valid JSON (${errorText(err)}).`, { cause: err });
  }
}

/** The value, or undefined when `text` is not JSON: for output where unreadable means nothing to read. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
