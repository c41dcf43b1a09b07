/**
 * The sample app's database test (tests/test_integration_db.py) against a real PostgreSQL: the one .ci/run starts
 * on loopback (PIPELINE_TEST_POSTGRES=host:port, SCRAM auth, password "postgres" like the postgres image the
 * module binds for `--services postgres`). It passes there, and fails on a port where nothing answers, so the
 * test the sample carries for the feature is shown to test something.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findPython, SAMPLE_APP, sampleAppEnv } from "../helpers/python";

const server = process.env.PIPELINE_TEST_POSTGRES ?? "";
const python = findPython(["pytest"]);
const why = !python.ok
  ? python.reason
  : server === ""
    ? "PIPELINE_TEST_POSTGRES is not set (bash .ci/run starts a PostgreSQL and sets it)"
    : "";
// .ci/run provides both: there a missing server is a broken setup, not a reason to skip
if (why && process.env.CI) throw new Error(`the sample app's database test cannot run: ${why}`);
if (why) console.warn(`skipping the sample app's database test: ${why}`);

function pytest(databaseUrl: string) {
  const run = spawnSync(
    python.ok ? python.command : "python3",
    ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "tests/test_integration_db.py"],
    {
      cwd: SAMPLE_APP,
      encoding: "utf8",
      timeout: 120_000,
      env: sampleAppEnv({ DATABASE_URL: databaseUrl, COVERAGE_FILE: "/dev/null" }),
    },
  );
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe.skipIf(why !== "")(
  `the sample app's database test against PostgreSQL at ${server || "(none)"}`,
  () => {
    it("passes against a real server", () => {
      const { status, out } = pytest(`postgresql://postgres:postgres@${server}/postgres`);
      expect(out).toContain(
        "PASSED tests/test_integration_db.py::test_a_postgresql_server_answers_at_database_url",
      );
      expect(status).toBe(0);
    });

    it("fails where no server answers", () => {
      const { status, out } = pytest("postgresql://postgres:postgres@127.0.0.1:9/postgres");
      expect(out).toMatch(
        /FAILED tests\/test_integration_db\.py::test_a_postgresql_server_answers_at_database_url/,
      );
      expect(out).toContain("ConnectionRefusedError");
      expect(status).toBe(1);
    });
  },
);
