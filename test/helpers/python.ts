/**
 * Host-Python helpers for the sample-app suites: which interpreter to use, and where the app lives.
 *
 * Interpreter choice: Debian's /usr/bin/python3 first (its python3-pytest and python3-pytest-cov packages are
 * what .ci/run installs), then whatever `python3` is first on PATH. The first candidate that runs and can
 * import the required modules wins.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SAMPLE_APP = join(REPO_ROOT, "sample-app");
export const SAMPLE_APP_SRC = join(SAMPLE_APP, "src");

export const PYTHON_CANDIDATES: readonly string[] = ["/usr/bin/python3", "python3"];

export const PYTEST_FIX = "apt-get install -y python3-pytest python3-pytest-cov";

export interface PythonFound {
  ok: true;
  command: string;
  version: string;
}

export interface PythonMissing {
  ok: false;
  /** Why no candidate fits: each candidate with what it lacks. Names the missing module and the fix. */
  reason: string;
}

/** Environment for running the app from its source tree, without installing it and without writing .pyc files. */
export function sampleAppEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: SAMPLE_APP_SRC,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
    PYTHONUTF8: "1",
    ...extra,
  };
}

function missingModule(stderr: string): string | undefined {
  return /No module named '([^']+)'/.exec(stderr)?.[1];
}

/**
 * The first candidate interpreter that runs and imports every module in `modules`
 * (e.g. `["pytest", "pytest_cov"]`), or the reason none does.
 */
export function findPython(
  modules: readonly string[] = [],
  candidates = PYTHON_CANDIDATES,
): PythonFound | PythonMissing {
  const problems: string[] = [];
  const imports = modules.length > 0 ? `import ${modules.join(", ")}; ` : "";
  for (const command of candidates) {
    const probe = spawnSync(command, ["-c", `${imports}import sys; print(sys.version.split()[0])`], {
      encoding: "utf8",
      env: sampleAppEnv(),
      timeout: 30_000,
    });
    if (probe.error) {
      problems.push(`${command}: cannot run (${probe.error.message})`);
    } else if (probe.status === 0) {
      return { ok: true, command, version: probe.stdout.trim() };
    } else {
      const module = missingModule(probe.stderr);
      problems.push(
        module
          ? `${command}: no module named '${module}'`
          : `${command}: exited ${probe.status}: ${probe.stderr.trim().split("\n").pop() ?? ""}`,
      );
    }
  }
  const needs = modules.length > 0 ? ` that can import ${modules.join(", ")}` : "";
  return {
    ok: false,
    reason: `no Python 3 interpreter${needs} was found (${problems.join("; ")}). Fix: ${PYTEST_FIX}`,
  };
}

/** Every .py file under `dir`, as paths relative to it with `/` separators, sorted; skips caches and venvs. */
export function pythonFiles(dir: string = SAMPLE_APP): string[] {
  const skip = new Set([
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "node_modules",
  ]);
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name) && !entry.name.startsWith(".")) walk(full);
      } else if (entry.isFile() && entry.name.endsWith(".py")) {
        found.push(relative(dir, full).split(sep).join("/"));
      }
    }
  };
  walk(dir);
  return found.sort();
}
