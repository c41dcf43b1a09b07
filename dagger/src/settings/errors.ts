/** A value the user typed that the pipeline cannot use: the message names it and the expected form. */
export class InputError extends Error {
  override name = "InputError";
}

/** How many of stderr's last lines an engine error carries into a message. */
const STDERR_LINES = 8;

/** The last `count` non-empty lines of a command's output, for a message that must stay short. */
export function lastLines(output: string, count = STDERR_LINES): string {
  return output
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}

/**
 * The message of anything thrown. An engine ExecError's message is only "exit code: N" (its output is in its
 * `stdout`/`stderr` fields), so the last lines of stderr (else stdout) are added. The engine's bundled SDK
 * exports no ExecError class to test with `instanceof`: the error is recognised by its name.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name !== "ExecError") return err.message;
  const { stdout, stderr } = err as Error & { stdout?: unknown; stderr?: unknown };
  const output = lastLines(
    typeof stderr === "string" && stderr.trim() !== "" ? stderr : String(stdout ?? ""),
  );
  return output === "" ? err.message : `${err.message}: ${output}`;
}

/** Whether an error is the engine's report of a command that exited non-zero. */
export function isExecError(
  err: unknown,
): err is Error & { exitCode: number; stdout: string; stderr: string } {
  return err instanceof Error && err.name === "ExecError";
}
