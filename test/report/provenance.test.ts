/**
 * The SLSA provenance v1 predicate ci attests, and deploy's reading of what cosign verify-attestation prints: the
 * DSSE envelopes of the verified statements, one per line (cmd/cosign/cli/verify/verify.go PrintVerification,
 * "text" mode, at v2.4.1).
 */
import { describe, expect, it } from "vitest";
import {
  BUILD_TYPE,
  baseImages,
  PROVENANCE_V1,
  provenanceMismatch,
  provenancePredicate,
  provenanceSources,
} from "../../dagger/src/report/provenance.js";
import { provenanceEnvelope } from "../helpers/scenario.js";

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const D1 = "a".repeat(64);
const D2 = "b".repeat(64);
const FACTS = {
  repository: "octo-org/my-service",
  commit: SHA,
  ref: "refs/heads/main",
  event: "push",
  builder: "https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/heads/main",
  invocation: "https://github.com/octo-org/my-service/actions/runs/42/attempts/1",
  dockerfile: "Dockerfile",
  context: ".",
  platforms: ["linux/amd64", "linux/arm64"],
  dockerfileText: [
    `FROM ghcr.io/astral-sh/uv:0.10.3@sha256:${D1} AS uv`,
    `FROM --platform=$BUILDPLATFORM python:3.14-slim@sha256:${D2} AS builder`,
    "FROM builder AS test",
    "FROM python:3.14-slim AS unpinned",
    `from python:3.14-slim@sha256:${D2} as runtime`,
  ].join("\n"),
};

describe("provenancePredicate", () => {
  it("states the source at its commit, the build's inputs, the base images by digest and the builder", () => {
    expect(JSON.parse(provenancePredicate(FACTS))).toEqual({
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          repository: "https://github.com/octo-org/my-service",
          ref: "refs/heads/main",
          event: "push",
          dockerfile: "Dockerfile",
          context: ".",
          platforms: ["linux/amd64", "linux/arm64"],
        },
        resolvedDependencies: [
          { uri: "git+https://github.com/octo-org/my-service@refs/heads/main", digest: { gitCommit: SHA } },
          { uri: "docker://ghcr.io/astral-sh/uv:0.10.3", digest: { sha256: D1 } },
          { uri: "docker://python:3.14-slim", digest: { sha256: D2 } },
        ],
      },
      runDetails: {
        builder: { id: FACTS.builder },
        metadata: { invocationId: FACTS.invocation },
      },
    });
  });

  it("leaves out what the run does not know: the ref of a pull request's run, the run's URL", () => {
    const { invocation, ...rest } = FACTS;
    const predicate = JSON.parse(provenancePredicate({ ...rest, ref: "" }));
    expect(predicate.buildDefinition.resolvedDependencies[0].uri).toBe(
      "git+https://github.com/octo-org/my-service",
    );
    expect(predicate.runDetails).toEqual({ builder: { id: FACTS.builder } });
  });

  it("takes only FROM instructions pinned by digest as base images", () => {
    expect(baseImages("FROM python:3.14-slim\nFROM scratch\n")).toEqual([]);
    expect(baseImages(`FROM x@sha256:${D1}extra\n`)).toEqual([]);
    // a comment, or FROM inside another instruction, is no base image
    expect(baseImages(`# FROM x@sha256:${D1}\nRUN echo FROM x@sha256:${D1}\n#FROM y@sha256:${D2}`)).toEqual(
      [],
    );
  });

  it.each([
    [`  FROM  x@sha256:${D1}`, "x"],
    [`FROM --platform=linux/arm64 x@sha256:${D1} AS a`, "x"],
    [`FROM --platform=$BUILDPLATFORM  x@sha256:${D1}`, "x"],
    [`FROM\tx@sha256:${D1}\t`, "x"],
  ])("reads %j", (line, uri) => {
    expect(baseImages(line)).toEqual([{ uri: `docker://${uri}`, digest: { sha256: D1 } }]);
  });
});

describe("provenanceSources: what deploy reads back", () => {
  it("reads the repository and commit of the statement ci attests, round trip", () => {
    expect(provenanceSources(provenanceEnvelope({ repository: "octo-org/my-service", commit: SHA }))).toEqual(
      [{ repository: "octo-org/my-service", commit: SHA }],
    );
  });

  const envelope = (statement: unknown) =>
    JSON.stringify({
      payloadType: "application/vnd.in-toto+json",
      payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
    });
  const statement = (uri: string, predicateType = PROVENANCE_V1) => ({
    predicateType,
    predicate: { buildDefinition: { resolvedDependencies: [{ uri, digest: { gitCommit: SHA } }] } },
  });

  it.each([
    ["git+https://github.com/o/r@refs/tags/v1.2.3", [{ repository: "o/r", commit: SHA }]],
    ["git+https://github.com/o/r.git@refs/heads/main", [{ repository: "o/r", commit: SHA }]],
    ["git+https://github.com/o/r", [{ repository: "o/r", commit: SHA }]],
    ["git+https://gitlab.com/o/r@refs/heads/main", []],
    ["https://github.com/o/r", []],
  ])("%s", (uri, sources) => {
    expect(provenanceSources(`${envelope(statement(uri))}\n`)).toEqual(sources);
  });

  it("skips statements of other predicate types and blank lines", () => {
    const other = envelope(statement("git+https://github.com/o/r", "https://cyclonedx.org/bom"));
    expect(provenanceSources(`\n${other}\n  \n\n`)).toEqual([]);
  });

  it("reads every git source of every statement, and skips dependencies that name none", () => {
    const many = {
      predicateType: PROVENANCE_V1,
      predicate: {
        buildDefinition: {
          resolvedDependencies: [
            "git+https://github.com/o/a",
            { digest: { gitCommit: SHA } },
            { uri: "git+https://github.com/o/b", digest: "abc" },
            { uri: "git+https://github.com/o/c", digest: { sha256: D1 } },
            { uri: "xgit+https://github.com/o/d", digest: { gitCommit: SHA } },
            { uri: "git+https://github.com/o/e@refs/heads/main", digest: { gitCommit: SHA } },
          ],
        },
      },
    };
    const second = statement("git+https://github.com/o/f");
    expect(provenanceSources(`${envelope(many)}\n${envelope(second)}`)).toEqual([
      { repository: "o/e", commit: SHA },
      { repository: "o/f", commit: SHA },
    ]);
    expect(provenanceSources(envelope({ predicateType: PROVENANCE_V1, predicate: {} }))).toEqual([]);
  });

  it("quotes at most 120 characters of what it could not read, and keeps why", () => {
    const long = `x${"y".repeat(200)}`;
    const err = (() => {
      try {
        provenanceSources(long);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe(
      `cosign printed something that is not an attestation envelope: ${long.slice(0, 120)}`,
    );
    expect(err?.cause).toBeInstanceOf(SyntaxError);
  });

  it.each([["not json"], ['{"payload": 5}'], ['{"payload": "bm90IGpzb24="}']])(
    "refuses %j: not cosign's output",
    (line) => {
      expect(() => provenanceSources(line)).toThrow(
        "cosign printed something that is not an attestation envelope",
      );
    },
  );
});

describe("provenanceMismatch", () => {
  const source = { repository: "Octo-Org/My-Service", commit: SHA.toUpperCase() };

  it("accepts when any one statement vouches, and names every one when none does", () => {
    const other = { repository: "o/x", commit: "0".repeat(40) };
    expect(
      provenanceMismatch([other, source], { repository: "octo-org/my-service", commit: SHA }),
    ).toBeUndefined();
    expect(provenanceMismatch([other, other], { repository: "o/r" })).toBe(
      `it names o/x@${"0".repeat(40)}, o/x@${"0".repeat(40)}, not o/r`,
    );
  });

  it("accepts the repository and commit expected, compared as GitHub compares them (case-insensitive)", () => {
    expect(provenanceMismatch([source], { repository: "octo-org/my-service", commit: SHA })).toBeUndefined();
    expect(provenanceMismatch([source], { repository: "octo-org/my-service" })).toBeUndefined();
    expect(provenanceMismatch([source], { repository: "octo-org/my-service", commit: "" })).toBeUndefined();
  });

  it("names what it found and what it expected", () => {
    expect(provenanceMismatch([source], { repository: "octo-org/other", commit: SHA })).toBe(
      `it names Octo-Org/My-Service@${SHA.toUpperCase()}, not octo-org/other@${SHA}`,
    );
    expect(provenanceMismatch([source], { repository: "octo-org/my-service", commit: "0".repeat(40) })).toBe(
      `it names Octo-Org/My-Service@${SHA.toUpperCase()}, not octo-org/my-service@${"0".repeat(40)}`,
    );
    expect(provenanceMismatch([], { repository: "o/r" })).toBe(
      "it names no GitHub source repository and commit",
    );
  });
});
