/**
 * The release stages as the stand-in engine session records them, each called inside its test: the Trivy scan,
 * cosign's signing and verifying, the image build, its facts, and the dependency comparison. What is asserted is
 * what the engine is asked to run (every argument of every exec, the caches, the environment, the secrets) and
 * what comes back: a flag dropped from Trivy, a cosign flag or login line lost, or a build arg sent empty would
 * each pass every other suite (the mutation run of stages/ showed it).
 */
import { type Container, dag, type Secret } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import type { SeverityName as Severity } from "../../dagger/src/settings/defaults.js";
import { BASE_IMAGE, COSIGN_IMAGE, REGISTRY_IMAGE, TRIVY_IMAGE } from "../../dagger/src/settings/pins.js";
import { parseRelease } from "../../dagger/src/settings/release.js";
import { checkDependencies } from "../../dagger/src/stages/dependencies.js";
import { deployImage } from "../../dagger/src/stages/deploy.js";
import { buildImage, buildImages, imageFacts } from "../../dagger/src/stages/image.js";
import {
  pinned,
  planPublish,
  pushImages,
  REHEARSAL_REGISTRY,
  rehearsalRegistry,
  withReleaseTags,
} from "../../dagger/src/stages/publish.js";
import { dbSlot, runScan } from "../../dagger/src/stages/scan.js";
import {
  planSigner,
  provenanceFile,
  signImage,
  signingIdentity,
  verifyImage,
} from "../../dagger/src/stages/sign.js";
import {
  allChains,
  type Chain,
  chainOf,
  containersWith,
  defaultLeaf,
  directoryId,
  type Engine,
  enginesPerTest,
  execError,
  execs,
  find,
  idOf,
  isSecret,
  leafOf,
  secretId,
} from "../helpers/engine.js";
import { envOf, runsScript, SCENARIO_SHA as SHA, scenario } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const source = () => dag.loadDirectoryFromID(directoryId() as never);
const secret = (name: string) => dag.loadSecretFromID(secretId(name) as never) as Secret;
const image = () => dag.container().from("ghcr.io/octo-org/my-service:main");
const IMAGE = `ghcr.io/octo-org/my-service@sha256:${"a".repeat(64)}`;

/** The one recorded chain whose execs satisfy `pick`, as the engine last saw it (the longest). */
function chainWith(engine: Engine, pick: (args: string[]) => boolean): Chain {
  const found = containersWith(engine, (c) => execs(c).some(pick)).sort((a, b) => b.length - a.length);
  const [chain] = found;
  if (!chain) throw new Error("no such exec was recorded");
  return chain;
}

/** Each mounted file's path and its source's path in the module (dagger/scripts/). */
const mounts = (chain: Chain) =>
  find(chain, "withMountedFile").map((c) => [
    c.args.path,
    (c.args.source as { $chain?: Chain }).$chain?.at(-1)?.args.path,
  ]);

const secretsOf = (chain: Chain) =>
  Object.fromEntries(
    find(chain, "withSecretVariable").map((c) => [String(c.args.name), isSecret(c.args.secret)]),
  );

describe("runScan", () => {
  const NOW = new Date("2026-11-26T19:41:00Z");

  async function scan(severities: Severity[] = ["CRITICAL", "HIGH"], failOn?: Severity) {
    const engine = await startEngine(scenario());
    const run = await engine.connect(() => runScan(image(), severities, failOn, NOW));
    return { engine, run, chain: chainWith(engine, runsScript("scan.sh")) };
  }

  it("scans the tarball with dagger/scripts/scan.sh, the severities shown in its env; the SBOM runs beside it, off the DB volume", async () => {
    const { chain } = await scan();
    // the scan, the DB it used and the conversions (test/scripts runs the script): one exec on the locked volume
    expect(execs(chain)).toEqual([["sh", "/opt/pipeline/scan.sh"]]);
    expect(envOf(chain, "PIPELINE_SEVERITIES")).toBe("CRITICAL,HIGH");
    const script = find(chain, "withMountedFile").find((c) => c.args.path === "/opt/pipeline/scan.sh");
    const from = (script?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    expect(from.at(-1)?.args.path).toBe("scripts/scan.sh");
    // the SBOM branches off before the scan, without the DB volume, and its file joins the reports
    const branches = find(chain, "withFile")
      .filter((c) => String(c.args.path).startsWith("/work/out/"))
      .map((c) => ({ path: c.args.path, chain: (c.args.source as { $chain: Chain }).$chain }));
    expect(branches.map((c) => c.path)).toEqual(["/work/out/sbom.cdx.json"]);
    const sbom = branches[0]?.chain ?? [];
    expect(execs(sbom)).toEqual([
      ["trivy", "image", "--input", "/work/image.tar", "--format", "cyclonedx", "--output", "sbom.cdx.json"],
    ]);
    expect(find(sbom, "withoutMount").map((m) => m.args.path)).toEqual(["/root/.cache/trivy"]);
    expect(find(chain, "from")[0]?.args.address).toBe(TRIVY_IMAGE);
    expect(find(chain, "withFile")[0]?.args.path).toBe("/work/image.tar");
    expect(find(chain, "withWorkdir")[0]?.args.path).toBe("/work/out");
  });

  it("keeps Trivy's DB in one locked cache volume and keys the scan on the DB's 6-hour slot", async () => {
    const { chain } = await scan();
    const [cache] = find(chain, "withMountedCache");
    expect(cache?.args.path).toBe("/root/.cache/trivy");
    expect(cache?.args.sharing).toBe("LOCKED");
    const volume = (cache?.args.cache as { $chain: Chain } | undefined)?.$chain ?? [];
    expect(leafOf(volume)).toEqual({ field: "cacheVolume", args: { key: "pipeline-trivy-cache" } });
    expect(envOf(chain, "TRIVY_CACHE_DIR")).toBe("/root/.cache/trivy");
    expect(envOf(chain, "TRIVY_NO_PROGRESS")).toBe("true");
    expect(envOf(chain, "PIPELINE_TRIVY_DB_SLOT")).toBe("2026-11-26T18Z");
    expect(dbSlot(new Date("2026-11-26T05:59:59Z"))).toBe("2026-11-26T00Z");
  });

  it("names the scanner without its digest, counts every severity and shows only the chosen ones", async () => {
    const { run } = await scan(["CRITICAL"], "HIGH");
    expect(run.status.scanner).toBe("aquasec/trivy:0.69.3");
    expect(run.status.failOn).toBe("HIGH");
    expect(run.status.passed).toBe(false);
    expect(run.status.counts.LOW).toBe(1);
    expect(run.table).toContain("CVE-2019-18224"); // the CRITICAL finding
    expect(run.table).not.toContain("CVE-2019-18276"); // LOW: counted, not listed
    const plain = await scan(["CRITICAL"]);
    expect(plain.run.status.passed).toBe(true);
    expect(plain.run.status).not.toHaveProperty("failOn");
  });
});

describe("signImage", () => {
  const auth = { username: "octocat", password: null as unknown as Secret };

  async function sign(
    signer: "keyless" | "key" | "key+password",
    opts: { auth?: boolean; sbom?: boolean; provenance?: boolean; fails?: string } = {},
  ) {
    const engine = await startEngine((chain) => {
      if (opts.fails && leafOf(chain).field === "sync" && execs(chain).length > 0) {
        throw execError({ exitCode: 1, stderr: opts.fails, cmd: ["sh", "-c", "…"] });
      }
      return defaultLeaf(chain);
    });
    const result = await engine.connect(async () => {
      const how =
        signer === "keyless"
          ? {
              kind: "keyless" as const,
              requestUrl: "https://token.example/req",
              requestToken: secret("OIDC"),
            }
          : {
              kind: "key" as const,
              key: secret("COSIGN_KEY"),
              ...(signer === "key+password" ? { password: secret("COSIGN_PASSWORD") } : {}),
            };
      const sbom = opts.sbom
        ? dag.directory().withNewFile("sbom.cdx.json", "{}").file("sbom.cdx.json")
        : undefined;
      return signImage(
        IMAGE,
        sbom,
        how,
        "ghcr.io",
        opts.auth ? { ...auth, password: secret("PAT") } : undefined,
        opts.provenance
          ? dag.directory().withNewFile("provenance.json", "{}").file("provenance.json")
          : undefined,
      )
        .then(() => undefined)
        .catch((err: Error) => err);
    });
    return {
      engine,
      result,
      chain: chainWith(engine, runsScript("sign.sh")),
    };
  }

  it("signs keyless with the runner's OIDC request, logged in from a secret, and attests the SBOM", async () => {
    const { chain, result } = await sign("keyless", { auth: true, sbom: true });
    expect(result).toBeUndefined();
    expect(find(chain, "from")[0]?.args.address).toBe(BASE_IMAGE);
    const [binary] = find(chain, "withFile");
    expect(binary?.args.path).toBe("/usr/local/bin/cosign");
    const from = (binary?.args.source as { $chain: Chain } | undefined)?.$chain ?? [];
    expect(find(from, "from")[0]?.args.address).toBe(COSIGN_IMAGE);
    expect(leafOf(from)).toEqual({ field: "file", args: { path: "/ko-app/cosign" } });
    expect(envOf(chain, "COSIGN_YES")).toBe("true");
    expect(envOf(chain, "REGISTRY")).toBe("ghcr.io");
    expect(envOf(chain, "REGISTRY_USERNAME")).toBe("octocat");
    expect(envOf(chain, "ACTIONS_ID_TOKEN_REQUEST_URL")).toBe("https://token.example/req");
    expect(envOf(chain, "IMAGE")).toBe(IMAGE);
    expect(envOf(chain, "PIPELINE_SIGN_RUN")).toMatch(/^[0-9a-f-]{36}$/);
    expect(secretsOf(chain)).toEqual({ REGISTRY_PASSWORD: true, ACTIONS_ID_TOKEN_REQUEST_TOKEN: true });
    // the login the script writes lives in a tmpfs that cosign reads through DOCKER_CONFIG: no layer keeps it
    expect(find(chain, "withMountedTemp").map((c) => c.args.path)).toEqual(["/run/pipeline-docker"]);
    expect(envOf(chain, "DOCKER_CONFIG")).toBe("/run/pipeline-docker");
    expect(find(chain, "withFile").map((c) => c.args.path)).toEqual([
      "/usr/local/bin/cosign",
      "/work/sbom.cdx.json",
    ]);
    // dagger/scripts/sign.sh (test/scripts runs it), with the lib.sh that logs in
    expect(execs(chain)).toEqual([["sh", "/opt/pipeline/sign.sh"]]);
    expect(mounts(chain)).toEqual([
      ["/opt/pipeline/lib.sh", "scripts/lib.sh"],
      ["/opt/pipeline/sign.sh", "scripts/sign.sh"],
    ]);
    const attested = await sign("keyless", { provenance: true });
    expect(find(attested.chain, "withFile").map((c) => c.args.path)).toEqual([
      "/usr/local/bin/cosign",
      "/work/provenance.json",
    ]);
    expect(envOf(chain, "COSIGN_KEY_FILE")).toBeUndefined();
  });

  it("signs with a key pair: the key mounted as a secret, an empty password when none, no login without auth", async () => {
    const { chain } = await sign("key");
    expect(find(chain, "withMountedSecret").map((c) => [c.args.path, isSecret(c.args.source)])).toEqual([
      ["/run/secrets/cosign.key", true],
    ]);
    expect(envOf(chain, "COSIGN_PASSWORD")).toBe("");
    expect(secretsOf(chain)).toEqual({});
    expect(envOf(chain, "REGISTRY")).toBeUndefined();
    expect(envOf(chain, "COSIGN_KEY_FILE")).toBe("/run/secrets/cosign.key");
    expect(find(chain, "withMountedTemp")).toEqual([]);
    expect(find(chain, "withFile").map((c) => c.args.path)).toEqual(["/usr/local/bin/cosign"]);

    const withPassword = await sign("key+password", { sbom: true });
    expect(secretsOf(withPassword.chain)).toEqual({ COSIGN_PASSWORD: true });
    expect(find(withPassword.chain, "withFile").map((c) => c.args.path)).toContain("/work/sbom.cdx.json");
  });

  it("runs afresh every time and fails with cosign's words", async () => {
    const first = await sign("key");
    const second = await sign("key");
    expect(envOf(first.chain, "PIPELINE_SIGN_RUN")).not.toBe(envOf(second.chain, "PIPELINE_SIGN_RUN"));
    const { result } = await sign("key", { fails: "Error: signing: 401 Unauthorized" });
    expect(result).toBeInstanceOf(Error);
    // the exec's error is kept as the cause: its exit code and output stay readable
    expect((result as Error).cause).toMatchObject({ name: "ExecError" });
    expect((result as Error).message).toMatch(
      new RegExp(`^cosign could not sign ${IMAGE.replace(/[.]/g, "\\.")}: .*401 Unauthorized`, "s"),
    );
  });
});

describe("provenanceFile", () => {
  const DOCKERFILE = `FROM python:3.14-slim@sha256:${"c".repeat(64)} AS runtime\n`;
  async function predicate(run: Partial<Parameters<typeof provenanceFile>[2]>, key = false) {
    const engine = await startEngine((chain) =>
      leafOf(chain).field === "contents" ? DOCKERFILE : defaultLeaf(chain),
    );
    const file = await engine.connect(async () => {
      const signer = key
        ? { kind: "key" as const, key: secret("COSIGN_KEY") }
        : { kind: "keyless" as const, requestUrl: "https://token.example/req", requestToken: secret("OIDC") };
      const made = await provenanceFile(
        source(),
        { dockerfile: "svc/Dockerfile", context: "svc" },
        { repository: "o/r", sha: SHA, branch: "main", event: "push", platforms: [], ...run },
        signer,
      );
      return chainOf(await made.id()) ?? [];
    });
    expect(find(engine.queries.flat(), "file").some((c) => c.args.path === "svc/Dockerfile")).toBe(true);
    return JSON.parse(String(find(file, "file").at(-1)?.args.contents));
  }

  it("names the workflow that signs, at the pushed branch, and the source at that ref", async () => {
    const p = await predicate({ branch: "refs/heads/main", runUrl: "https://github.com/o/r/actions/runs/1" });
    expect(p.runDetails).toEqual({
      builder: { id: "https://github.com/o/r/.github/workflows/python-pipeline.yml@refs/heads/main" },
      metadata: { invocationId: "https://github.com/o/r/actions/runs/1" },
    });
    expect(p.buildDefinition.resolvedDependencies[0].uri).toBe("git+https://github.com/o/r@refs/heads/main");
    expect(p.buildDefinition.externalParameters).toMatchObject({
      dockerfile: "svc/Dockerfile",
      context: "svc",
    });
    expect(p.buildDefinition.resolvedDependencies[1]).toEqual({
      uri: "docker://python:3.14-slim",
      digest: { sha256: "c".repeat(64) },
    });
  });

  it("leaves the ref out where the run's ref is not the branch (a pull request's merge ref), and names a key's holder", async () => {
    const pr = await predicate({ event: "pull_request" });
    expect(pr.runDetails.builder.id).toBe("https://github.com/o/r/.github/workflows/python-pipeline.yml");
    expect(pr.buildDefinition.resolvedDependencies[0].uri).toBe("git+https://github.com/o/r");
    expect((await predicate({ branch: "" })).runDetails.builder.id).toBe(
      "https://github.com/o/r/.github/workflows/python-pipeline.yml",
    );
    expect((await predicate({}, true)).runDetails.builder.id).toBe("urn:python-service-pipeline:key-signed");
  });
});

describe("verifyImage", () => {
  async function verify(verifier: Parameters<typeof verifyImage>[1], withAuth = false) {
    const engine = await startEngine();
    const said = await engine.connect(() =>
      verifyImage(
        IMAGE,
        verifier,
        "ghcr.io",
        withAuth ? { username: "octocat", password: secret("PAT") } : undefined,
      ),
    );
    return {
      said,
      chain: chainWith(engine, runsScript("verify.sh")),
    };
  }
  const keyless = {
    kind: "keyless" as const,
    identity: "^https://github\\.com/o/r/\\.github/workflows/python-pipeline\\.yml@refs/heads/main$",
    issuer: "https://token.actions.githubusercontent.com",
    repository: "o/r",
  };

  it("pins identity, issuer, calling repository, ref and event, all passed as env, and says what it checked", async () => {
    const { said, chain } = await verify({ ...keyless, ref: "refs/heads/main", trigger: "push" }, true);
    expect(envOf(chain, "IDENTITY")).toBe(keyless.identity);
    expect(envOf(chain, "ISSUER")).toBe(keyless.issuer);
    expect(envOf(chain, "SOURCE_REPOSITORY")).toBe("o/r");
    expect(envOf(chain, "SOURCE_REF")).toBe("refs/heads/main");
    expect(envOf(chain, "SOURCE_TRIGGER")).toBe("push");
    expect(envOf(chain, "PIPELINE_VERIFY_RUN")).toMatch(/^[0-9a-f-]{36}$/);
    expect(secretsOf(chain)).toEqual({ REGISTRY_PASSWORD: true });
    // dagger/scripts/verify.sh turns these into cosign's flags (test/scripts runs it); the login in a tmpfs
    expect(execs(chain)).toEqual([["sh", "/opt/pipeline/verify.sh"]]);
    expect(mounts(chain)).toEqual([
      ["/opt/pipeline/lib.sh", "scripts/lib.sh"],
      ["/opt/pipeline/verify.sh", "scripts/verify.sh"],
    ]);
    expect(find(chain, "withMountedTemp").map((c) => c.args.path)).toEqual(["/run/pipeline-docker"]);
    expect(envOf(chain, "REGISTRY_USERNAME")).toBe("octocat");
    expect(said.signature).toBe(
      `signed by ${keyless.identity} (issuer https://token.actions.githubusercontent.com; repository o/r, ref refs/heads/main, event push)`,
    );
  });

  it("leaves out the ref and event it was not given, and verifies a key pair by its public key", async () => {
    const { said, chain } = await verify(keyless);
    expect(envOf(chain, "SOURCE_REF")).toBeUndefined();
    expect(envOf(chain, "SOURCE_TRIGGER")).toBeUndefined();
    expect(find(chain, "withMountedTemp")).toEqual([]);
    expect(said.signature).toBe(
      `signed by ${keyless.identity} (issuer https://token.actions.githubusercontent.com; repository o/r)`,
    );
    const eventOnly = await verify({ ...keyless, trigger: "pull_request" });
    expect(eventOnly.said.signature).toMatch(/; repository o\/r, event pull_request\)$/);

    const publicKey = dag.loadFileFromID(idOf([{ field: "file", args: { path: "cosign.pub" } }]) as never);
    const byKey = await verify({ kind: "key", publicKey });
    expect(byKey.said.signature).toBe("signed with the given public key");
    expect(find(byKey.chain, "withFile").map((c) => c.args.path)).toContain("/work/cosign.pub");
    expect(envOf(byKey.chain, "IDENTITY")).toBeUndefined();
    expect(execs(byKey.chain)).toEqual([["sh", "/opt/pipeline/verify.sh"]]);
  });
});

/** The sample's layout: the Dockerfile at the root, built from the whole repository. */
const ROOT_IMAGE = { dockerfile: "Dockerfile", context: "." };

describe("building the image", () => {
  async function built(platforms: string[], labels: Parameters<typeof buildImages>[3]) {
    const engine = await startEngine();
    await engine.connect(async () => {
      for (const image of buildImages(source(), ROOT_IMAGE, platforms, labels)) await image.sync();
    });
    return allChains(engine).filter(
      (c) => leafOf(c).field === "dockerBuild" || find(c, "dockerBuild").length > 0,
    );
  }
  const builds = (chains: Chain[]) => [
    ...new Map(
      chains.flatMap((c) => find(c, "dockerBuild")).map((b) => [JSON.stringify(b.args), b.args]),
    ).values(),
  ];

  /** The labels set on each built image, by platform, in the order set. */
  const labelled = (chains: Chain[]) =>
    new Map(
      chains
        .filter((c) => find(c, "dockerBuild").length > 0)
        .map((c) => [
          String(find(c, "dockerBuild")[0]?.args.platform ?? "native"),
          find(c, "withLabel").map((l) => [l.args.name, l.args.value]),
        ]),
    );

  it("sets only the labels it has on every built image, whatever the Dockerfile; one build per platform", async () => {
    const one = await built([], { source: "https://github.com/o/r", revision: "", created: undefined });
    expect(builds(one)).toEqual([{ dockerfile: "Dockerfile" }]);
    expect(labelled(one).get("native")).toEqual([
      ["org.opencontainers.image.source", "https://github.com/o/r"],
    ]);
    const all = await built(["linux/amd64", "linux/arm64"], { source: "s", revision: "r", created: "c" });
    expect(builds(all).map((b) => b.platform)).toEqual(["linux/amd64", "linux/arm64"]);
    for (const platform of ["linux/amd64", "linux/arm64"]) {
      expect(labelled(all).get(platform)).toEqual([
        ["org.opencontainers.image.source", "s"],
        ["org.opencontainers.image.revision", "r"],
        ["org.opencontainers.image.created", "c"],
      ]);
    }
  });

  it("builds one image for the engine's platform when none is named", async () => {
    const engine = await startEngine();
    await engine.connect(() => buildImage(source(), ROOT_IMAGE, {}).sync());
    const args = builds(allChains(engine));
    expect(args).toEqual([{ dockerfile: "Dockerfile" }]);
    expect(allChains(engine).flatMap((c) => find(c, "withLabel"))).toEqual([]);
  });

  it("reads the layer count from the tarball with the base image's Python, and leaves out one it cannot read", async () => {
    const facts = async (layersOut: string) => {
      const engine = await startEngine((chain) => {
        const { field } = leafOf(chain);
        if (field === "stdout") {
          if (layersOut === "fails")
            throw execError({ exitCode: 1, stderr: "tarfile.ReadError", cmd: ["python3"] });
          return layersOut;
        }
        if (field === "user") return "10001";
        if (field === "size") return 1234;
        return defaultLeaf(chain);
      });
      const read = await engine.connect(() => imageFacts(image(), "FROM python:3.14-slim AS runtime\n"));
      return { read, chain: chainWith(engine, (a) => a[0] === "python3") };
    };
    const { read, chain } = await facts("7\n");
    expect(read).toEqual({
      user: "10001",
      nonRoot: true,
      sizeBytes: 1234,
      layers: 7,
      base: "python:3.14-slim",
    });
    expect(find(chain, "from")[0]?.args.address).toBe(BASE_IMAGE);
    expect(find(chain, "withMountedFile").map((c) => c.args.path)).toEqual([
      "/image.tar",
      "/opt/pipeline/count_layers.py",
    ]);
    const program = find(chain, "withMountedFile")[1]?.args.source as { $chain?: Chain } | undefined;
    expect(program?.$chain?.map((c) => c.field)).toEqual(["currentModule", "source", "file"]);
    expect(program?.$chain?.at(-1)?.args).toEqual({ path: "scripts/count_layers.py" });
    expect(execs(chain)).toEqual([["python3", "/opt/pipeline/count_layers.py", "/image.tar"]]);
    expect((await facts("not a number\n")).read).not.toHaveProperty("layers");
    // a tarball Python cannot read costs the count, not the facts
    expect((await facts("fails")).read).toEqual({
      user: "10001",
      nonRoot: true,
      sizeBytes: 1234,
      base: "python:3.14-slim",
    });
  });
});

describe("checkDependencies", () => {
  it("lists the image's distributions with its Python, and the app synced without dev deps in its own environment", async () => {
    const engine = await startEngine(scenario());
    const status = await engine.connect(() =>
      checkDependencies(
        dag.container().from("x").withExec(["true"]).withEnvVariable("B", "1"),
        source(),
        "sample-app",
        "Dockerfile",
      ),
    );
    expect(status).toEqual({ passed: true, python: "3.14", count: 1, differences: [] });
    const tested = chainWith(engine, runsScript("synced.sh"));
    expect(envOf(tested, "UV_PROJECT_ENVIRONMENT")).toBe("/venv/runtime");
    // synced, then listed, in one exec (dagger/scripts/synced.sh)
    expect(envOf(tested, "PIPELINE_SYNC")).toBe("--no-dev --no-editable");
    expect(execs(tested).at(-1)).toEqual([
      "sh",
      "/opt/pipeline/synced.sh",
      "uv",
      "run",
      "--no-sync",
      "python",
      "/opt/pipeline/list_distributions.py",
    ]);
    const shipped = chainWith(engine, (a) => a[0] === "python");
    expect(execs(shipped).at(-1)).toEqual(["python", "/opt/pipeline/list_distributions.py"]);
    // both sides run the module's own program, mounted from dagger/scripts/
    for (const side of [tested, shipped]) {
      const mounted = find(side, "withMountedFile").find(
        (c) => c.args.path === "/opt/pipeline/list_distributions.py",
      );
      const from = (mounted?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
      expect(from.at(-1)?.args).toEqual({ path: "scripts/list_distributions.py" });
    }
  });

  it("starts the tests' side on the base image's Python, and lists it again only when the image says otherwise", async () => {
    // the tests' environment answers with the Python it was synced on; the image with `image`
    const run = async (image: string) => {
      const tools = scenario();
      const engine = await startEngine((chain) => {
        const listing = execs(chain).some((a) => a.some((arg) => arg.includes("list_distributions.py")));
        if (listing && leafOf(chain).field === "stdout" && find(chain, "dockerBuild").length === 0) {
          return `${envOf(chain, "UV_PYTHON")?.replace("+gil", "")}\nsample-app==0.1.0\n`;
        }
        if (listing && leafOf(chain).field === "stdout") return `${image}\nsample-app==0.1.0\n`;
        return tools(chain);
      });
      const status = await engine.connect(() =>
        checkDependencies(source().dockerBuild(), source(), "sample-app", "Dockerfile"),
      );
      const synced = allChains(engine)
        .filter((c) => execs(c).some(runsScript("synced.sh")))
        .map((c) => envOf(c, "UV_PYTHON"));
      return { status, synced: [...new Set(synced)] };
    };
    // the Dockerfile's runtime is python:3.14-slim: one listing on 3.14, started with the build
    expect(await run("3.14")).toEqual({
      status: { passed: true, python: "3.14", count: 1, differences: [] },
      synced: ["3.14+gil"],
    });
    // an image on another Python: listed again on that one, and compared there
    expect(await run("3.12")).toEqual({
      status: { passed: true, python: "3.12", count: 1, differences: [] },
      synced: ["3.14+gil", "3.12+gil"],
    });
  });

  it("names the side whose listing it cannot read", async () => {
    // the stand-in answers a listing in a dockerBuild container with the image's distributions
    const check = async (distributions: { image?: string; tested?: string }) => {
      const engine = await startEngine(scenario({ distributions }));
      return engine.connect(() =>
        checkDependencies(source().dockerBuild(), source(), "sample-app", "Dockerfile").catch(
          (err: Error) => err.message,
        ),
      );
    };
    expect(await check({ image: "" })).toBe(
      "Cannot read the distributions installed in the image: no Python version first.",
    );
    expect(await check({ tested: "" })).toBe(
      "Cannot read the distributions installed in the tests' environment without its dev group: no Python version first.",
    );
  });
});

describe("signingIdentity and planSigner, field by field", () => {
  const base = { repository: "o/r", branch: "refs/heads/feat.x" };
  const WF = "/o/r/\\.github/workflows/python-pipeline\\.yml@";

  it.each([
    [
      "push on github.com",
      { event: "push" },
      `^https://github\\.com${WF}refs/heads/feat\\.x$`,
      { ref: "refs/heads/feat.x", trigger: "push" },
    ],
    [
      "a pull request",
      { event: "pull_request" },
      `^https://github\\.com${WF}refs/pull/[0-9]+/merge$`,
      { trigger: "pull_request" },
    ],
    [
      "no event",
      { event: "" },
      `^https://github\\.com${WF}(refs/heads/feat\\.x|refs/pull/[0-9]+/merge)$`,
      {},
    ],
    [
      "another event",
      { event: "workflow_dispatch" },
      `^https://github\\.com${WF}(refs/heads/feat\\.x|refs/pull/[0-9]+/merge)$`,
      {},
    ],
    [
      "api.github.com with a slash",
      { event: "", apiUrl: "https://api.github.com/" },
      `^https://github\\.com${WF}(refs/heads/feat\\.x|refs/pull/[0-9]+/merge)$`,
      {},
    ],
  ])("%s", (_name, extra, identity, pins) => {
    expect(signingIdentity({ ...base, ...extra })).toEqual({
      identity,
      issuer: "https://token.actions.githubusercontent.com",
      repository: "o/r",
      ...pins,
    });
  });

  it.each([
    ["GitHub Enterprise Server", "https://ghe.example.com/api/v3", "ghe.example.com"],
    ["GHE.com", "https://api.octo.ghe.com", "api.octo.ghe.com"],
  ])("refuses keyless verification on %s, naming the public key flag", (_name, apiUrl, host) => {
    expect(() => signingIdentity({ ...base, event: "push", apiUrl })).toThrow(
      `Keyless verification works only on github.com: public Fulcio trusts GitHub Actions tokens of token.actions.githubusercontent.com alone, and this run's GitHub is ${host} (--github-api-url ${apiUrl}). Expected --cosign-public-key FILE`,
    );
    // api.github.com, with or without a trailing slash, is github.com
    expect(signingIdentity({ ...base, event: "push", apiUrl: "https://api.github.com/" }).issuer).toBe(
      "https://token.actions.githubusercontent.com",
    );
  });

  it.each([
    ["o/r/.github/workflows/python-pipeline.yml@refs/heads/main", true],
    ["o/r/.github/workflows/p.yaml@refs/tags/v1.2.3", true],
    [`o/r/.github/workflows/p.yml@${"0".repeat(40)}`, true],
    ["x o/r/.github/workflows/p.yml@refs/heads/main", false],
    ["o/r/.github/workflows/p.yml@refs/heads/main x", false],
    ["/r/.github/workflows/p.yml@refs/heads/main", false],
    ["o//.github/workflows/p.yml@refs/heads/main", false],
    ["o/r/.github/workflows/.yml@refs/heads/main", false],
    ["o/r/.github/workflows/p.json@refs/heads/main", false],
    ["o/r/.github/workflows/p.yml@main", false],
    [`o/r/.github/workflows/p.yml@${"0".repeat(39)}`, false],
  ])("--signer-workflow %s: accepted %s", (signerWorkflow, ok) => {
    const call = () => signingIdentity({ ...base, event: "push", signerWorkflow });
    if (ok) expect(call().identity).toBe(`^https://github\\.com/${signerWorkflow.replaceAll(".", "\\.")}$`);
    else expect(call).toThrow(/^Invalid --signer-workflow '/);
  });

  it("signs with a key (and its password) before OIDC, and wants an https request URL without spaces", () => {
    const key = "KEY" as unknown as Secret;
    const password = "PW" as unknown as Secret;
    const token = "TOKEN" as unknown as Secret;
    const common = {
      sign: true,
      publish: true,
      oidcRequestUrl: "https://t.example/r",
      oidcRequestToken: token,
    };
    expect(planSigner({ ...common, cosignKey: key, cosignPassword: password })).toEqual({
      kind: "key",
      key,
      password,
    });
    expect(planSigner({ ...common, cosignKey: key })).toEqual({ kind: "key", key });
    expect(planSigner(common)).toEqual({
      kind: "keyless",
      requestUrl: "https://t.example/r",
      requestToken: token,
    });
    for (const bad of ["xhttps://t.example/r", "https://t.example/r x", "http://t.example/r"]) {
      expect(() => planSigner({ ...common, oidcRequestUrl: bad })).toThrow(
        `Invalid --oidc-request-url '${bad}'`,
      );
    }
    expect(() => planSigner({ ...common, oidcRequestUrl: `x${"u".repeat(200)}` })).toThrow(
      `Invalid --oidc-request-url 'x${"u".repeat(79)}'. Expected`,
    );
    // off github.com keyless is refused up front, and a key still signs there
    expect(() => planSigner({ ...common, apiUrl: "https://api.octo.ghe.com" })).toThrow(
      "Keyless signing works only on github.com: public Fulcio trusts GitHub Actions tokens of token.actions.githubusercontent.com alone, and this run's GitHub is api.octo.ghe.com (--github-api-url https://api.octo.ghe.com). Expected --cosign-key env:COSIGN_KEY [--cosign-password env:COSIGN_PASSWORD].",
    );
    expect(planSigner({ ...common, cosignKey: key, apiUrl: "https://api.octo.ghe.com" })).toEqual({
      kind: "key",
      key,
    });
  });
});

describe("pushing and pulling", () => {
  const plan = planPublish(
    "ghcr.io",
    "Octo-Org/My-Service",
    "feature/x",
    "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f",
  );

  it("pushes several platforms as one index through a bare container, with the registry service when given", async () => {
    const engine = await startEngine();
    const status = await engine.connect(async () => {
      const variant = (platform: string) => dag.container({ platform: platform as never }).from("x");
      const variants: [Container, Container] = [variant("linux/amd64"), variant("linux/arm64")];
      const service = dag.container().from("registry").asService();
      return pushImages(variants, plan, undefined, service);
    });
    const publishes = allChains(engine).filter((c) => leafOf(c).field === "publish");
    expect(publishes).toHaveLength(2);
    for (const chain of publishes) {
      expect(chain.map((c) => c.field)).toEqual(["container", "publish"]);
      const args = leafOf(chain).args as { platformVariants: unknown[]; registryService?: unknown };
      expect(args.platformVariants).toHaveLength(2);
      expect(args.registryService).toBeDefined();
    }
    expect(status.reference).toMatch(new RegExp(`^${plan.addresses[0]}@sha256:[0-9a-f]{64}$`));
    expect(status.digest).toBe(status.reference.slice(status.reference.indexOf("@") + 1));
    expect(status).toMatchObject({ published: true, tags: plan.tags });
    expect(plan.tags[1]).toBe("sha-3f2a9c1");
  });

  it("publishes one platform as itself and reports no digest the registry did not give", async () => {
    const engine = await startEngine((chain) =>
      leafOf(chain).field === "publish" ? String(leafOf(chain).args.address) : defaultLeaf(chain),
    );
    const status = await engine.connect(() => pushImages([dag.container().from("x")], plan, undefined));
    const publishes = allChains(engine).filter((c) => leafOf(c).field === "publish");
    for (const chain of publishes) {
      expect(chain.map((c) => c.field)).toEqual(["container", "from", "publish"]);
      expect(leafOf(chain).args).toEqual({ address: expect.any(String) });
    }
    expect(status).toEqual({
      reference: plan.addresses[0],
      published: true,
      tags: plan.tags,
    });
  });

  it("a release pushes the run's tag and signs it first, then its version, then X.Y, X and latest, reporting the version", async () => {
    const release = withReleaseTags(
      planPublish("ghcr.io", "octo-org/my-service", "", SHA, "push", "7001-1", parseRelease("v1.2.3")),
      ["v1.2.2", "v1.1.0"],
    );
    expect(release.tags).toEqual(["1.2.3", "1.2", "1", "latest", "run-7001-1"]);
    const engine = await startEngine((chain) =>
      leafOf(chain).field === "publish"
        ? `${leafOf(chain).args.address}@sha256:${"b".repeat(64)}`
        : defaultLeaf(chain),
    );
    const pushedSoFar = () =>
      allChains(engine)
        .filter((c) => leafOf(c).field === "publish")
        .map((c) => String(leafOf(c).args.address).split(":").at(-1));
    const signed: { ref: string; after: (string | undefined)[] }[] = [];
    const status = await engine.connect(() =>
      pushImages([dag.container().from("x")], release, undefined, undefined, async (ref) => {
        signed.push({ ref, after: pushedSoFar() });
      }),
    );
    expect(signed).toEqual([
      { ref: `ghcr.io/octo-org/my-service@sha256:${"b".repeat(64)}`, after: ["run-7001-1"] },
    ]);
    expect(pushedSoFar()).toEqual(["run-7001-1", "1.2.3", "1.2", "1", "latest"]);
    expect(status).toMatchObject({
      reference: `ghcr.io/octo-org/my-service:1.2.3@sha256:${"b".repeat(64)}`,
      tags: release.tags,
    });
  });

  it("runs the rehearsal registry from its pinned image, on port 5000, its storage the named cache volume", async () => {
    const engine = await startEngine();
    const chain = await engine.connect(async () => chainOf(await rehearsalRegistry().id()) ?? []);
    expect(find(chain, "from").map((c) => c.args.address)).toEqual([REGISTRY_IMAGE]);
    expect(find(chain, "withExposedPort").map((c) => c.args.port)).toEqual([5000]);
    expect(REHEARSAL_REGISTRY).toBe("localhost:5000");
    const [storage] = find(chain, "withMountedCache");
    expect(storage?.args.path).toBe("/var/lib/registry");
    // the volume ci's rehearsal warning names, so a user can find and prune it
    expect((storage?.args.cache as { $chain?: Chain } | undefined)?.$chain).toEqual([
      { field: "cacheVolume", args: { key: "pipeline-rehearsal-registry" } },
    ]);
    expect(leafOf(chain).field).toBe("asService");
  });

  it("pins a reference to its digest, keeping a registry's port", () => {
    const d = `sha256:${"b".repeat(64)}`;
    expect(pinned(`ghcr.io/o/r:main@${d}`)).toBe(`ghcr.io/o/r@${d}`);
    expect(pinned(`localhost:5000/o/r@${d}`)).toBe(`localhost:5000/o/r@${d}`);
    expect(pinned(`app@${d}`)).toBe(`app@${d}`); // no registry, no tag: nothing to cut
    expect(pinned(`localhost:5000/o/r:sha-1@${d}`)).toBe(`localhost:5000/o/r@${d}`);
    expect(() => pinned("ghcr.io/o/r:main")).toThrow(
      "The registry returned 'ghcr.io/o/r:main' without a digest.",
    );
  });

  it("pulls through the given registry service, says an unverified image is not verified, and reports a failed pull as a failed deployment", async () => {
    const engine = await startEngine();
    const run = await engine.connect(() =>
      deployImage(
        "localhost:5000/o/r:main",
        "sample-app --version",
        "",
        undefined,
        "localhost:5000",
        dag.container().from("registry").asService(),
      ),
    );
    expect(run.signature).toBe("not verified");
    const froms = allChains(engine)
      .flatMap((c) => find(c, "from"))
      .filter((f) => String(f.args.address).startsWith("localhost"));
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f.args.registryService).toBeDefined();

    const broken = await startEngine((chain) => {
      if (leafOf(chain).field === "imageRef") throw new Error("pull access denied");
      return defaultLeaf(chain);
    });
    const failed = await broken.connect(() =>
      deployImage("ghcr.io/o/r:main", "true", "", undefined, "ghcr.io"),
    );
    expect(failed.passed).toBe(false);
    expect(failed.output).toMatch(/^the deployment failed: .*pull access denied/s);
  });

  it("checks and runs the digest the pull resolved to, and reports it; without one, the reference as given", async () => {
    const digest = `sha256:${"e".repeat(64)}`;
    const deployTo = async (resolved: string, label = SHA) => {
      const engine = await startEngine((chain) => {
        const { field } = leafOf(chain);
        if (field === "imageRef") return resolved;
        if (field === "label") return label;
        if (field === "stdout") return "5\n";
        return defaultLeaf(chain);
      });
      const run = await engine.connect(() =>
        deployImage("ghcr.io/o/r:main", "app --version", "5", undefined, "ghcr.io", undefined, {
          revision: SHA,
        }),
      );
      const ranOn = allChains(engine)
        .filter((c) => execs(c).length > 0)
        .map((c) => find(c, "from").at(-1)?.args.address);
      return { run, ranOn };
    };

    const pinnedRun = await deployTo(`ghcr.io/o/r:main@${digest}`);
    expect(pinnedRun.run).toEqual({
      passed: true,
      output: "5",
      digest,
      signature: "not verified",
      revision: SHA,
    });
    expect(pinnedRun.ranOn).toEqual([`ghcr.io/o/r@${digest}`]);

    const tagged = await deployTo("ghcr.io/o/r:main");
    expect(tagged.run).not.toHaveProperty("digest");
    expect(tagged.ranOn).toEqual(["ghcr.io/o/r:main"]);

    // the label is compared without the whitespace around it
    expect((await deployTo(`ghcr.io/o/r:main@${digest}`, ` ${SHA}\n`)).run.passed).toBe(true);

    const garbled = await deployTo("ghcr.io/o/r:main@sha256:beef");
    expect(garbled.run.passed).toBe(false);
    expect(garbled.run.output).toBe(
      "the deployment failed: Invalid digest 'sha256:beef'. Expected sha256: followed by 64 lowercase hex characters.",
    );
    expect(garbled.ranOn).toEqual([]);
  });
});
