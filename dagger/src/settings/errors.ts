/** Bad user input: the message names the value and the expected form. */
export class InputError extends Error {
  override name = "InputError";
}

const STDERR_LINES = 8;

/** Keeps an error message short. */
export function lastLines(output: string, count = STDERR_LINES): string {
  return output
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}

/** Adds stderr's tail: ExecError's message is only the exit code (docs/engine-notes.md: Dagger engine). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name !== "ExecError") return err.message;
  const { stdout, stderr } = err as Error & { stdout?: unknown; stderr?: unknown };
  const output = lastLines(
    typeof stderr === "string" && stderr.trim() !== "" ? stderr : String(stdout ?? ""),
  );
  return output === "" ? err.message : `${err.message}: ${output}`;
}

/** By name: the SDK exports no ExecError class (docs/engine-notes.md: Dagger engine). */
export function isExecError(
  err: unknown,
): err is Error & { exitCode: number; stdout: string; stderr: string } {
  return err instanceof Error && err.name === "ExecError";
}
