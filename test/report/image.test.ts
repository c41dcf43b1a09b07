/** Facts about the image read from it and its Dockerfile: the base, the user, the size, the layers. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { basePython, finalBase, formatBytes, runsAsRoot } from "../../dagger/src/report/image.js";
import { BASE_IMAGE } from "../../dagger/src/settings/pins.js";
import { findPython } from "../helpers/python.js";

describe("finalBase", () => {
  it("follows the real Dockerfile's label stages back to the pinned runtime base", () => {
    expect(finalBase(readFileSync(join(import.meta.dirname, "../../Dockerfile"), "utf8"))).toBe(BASE_IMAGE);
  });

  it.each([
    ["FROM python:3.12-slim\n", "python:3.12-slim"],
    ["FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine:3.20\n", "alpine:3.20"],
    ["FROM debian AS base\nFROM base AS app\nFROM app\n", "debian"],
    ["FROM scratch\n", undefined],
    ["ARG IMG\nFROM $IMG\n", undefined],
    ["FROM a AS b\nFROM b AS a\nFROM a\n", undefined],
    ["", undefined],
    // spacing and case as Docker accepts them; comments are not instructions
    ["  from   --platform=linux/amd64   python:3.12  as   runtime  \nFROM runtime\n", "python:3.12"],
    ["FROM python:3.12\n# FROM other:1\n#FROM other:2\n", "python:3.12"],
    // a base from an ARG alone is not known here
    [`ARG BASE=python:3.12\nFROM \${BASE}\n`, undefined],
  ])("%j -> %s", (dockerfile, base) => {
    expect(finalBase(dockerfile)).toBe(base);
  });
});

describe("runsAsRoot and formatBytes", () => {
  it.each([
    ["", true],
    ["0", true],
    ["root", true],
    ["0:0", true],
    ["root:app", true],
    ["10001:10001", false],
    [" root ", true],
    ["app", false],
  ])("user %j runs as root: %s", (user, root) => {
    expect(runsAsRoot(user)).toBe(root);
  });

  it.each([
    [512, "512 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [2 * 1024 ** 4, "2048.0 GiB"],
    [52_480_000, "50.0 MiB"],
    [3 * 1024 ** 3, "3.0 GiB"],
  ])("%i -> %s", (bytes, shown) => {
    expect(formatBytes(bytes)).toBe(shown);
  });
});

const python = findPython();
describe.skipIf(!python.ok)(
  "dagger/scripts/count_layers.py on real image tarballs (OCI layout, a multi-platform index, Docker's manifest.json)",
  () => {
    it("counts the layers of the first manifest", () => {
      if (!python.ok) return;
      const dir = mkdtempSync(join(tmpdir(), "layers-"));
      try {
        // Two tarballs laid out as the OCI image-layout spec and `docker save` write them.
        const make = `
import io, json, tarfile, hashlib, sys
def add(t, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
def blob(t, obj):
    data = json.dumps(obj).encode(); d = hashlib.sha256(data).hexdigest(); add(t, 'blobs/sha256/' + d, data); return 'sha256:' + d
with tarfile.open(sys.argv[1] + '/oci.tar', 'w') as t:
    m = blob(t, {'schemaVersion': 2, 'layers': [{'digest': 'sha256:a'}, {'digest': 'sha256:b'}, {'digest': 'sha256:c'}]})
    add(t, 'index.json', json.dumps({'schemaVersion': 2, 'manifests': [{'digest': m}]}).encode())
with tarfile.open(sys.argv[1] + '/nested.tar', 'w') as t:
    m = blob(t, {'schemaVersion': 2, 'layers': [{'digest': 'sha256:a'}] * 4})
    i = blob(t, {'schemaVersion': 2, 'manifests': [{'digest': m}]})
    add(t, 'index.json', json.dumps({'schemaVersion': 2, 'manifests': [{'digest': i}]}).encode())
with tarfile.open(sys.argv[1] + '/docker.tar', 'w') as t:
    add(t, 'manifest.json', json.dumps([{'Config': 'c.json', 'Layers': ['a/layer.tar', 'b/layer.tar']}]).encode())
`;
        expect(spawnSync(python.command, ["-c", make, dir], { encoding: "utf8" }).status).toBe(0);
        for (const [file, layers] of [
          ["oci.tar", "3"],
          ["nested.tar", "4"],
          ["docker.tar", "2"],
        ] as const) {
          const script = join(import.meta.dirname, "../../dagger/scripts/count_layers.py");
          const run = spawnSync(python.command, [script, join(dir, file)], { encoding: "utf8" });
          expect(run.stderr).toBe("");
          expect(run.stdout.trim()).toBe(layers);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe("basePython: the Python an official python base image's tag names", () => {
  const read = (path: string) => readFileSync(join(import.meta.dirname, "../..", path), "utf8");

  it.each([
    ["Dockerfile", "3.14"],
    ["test/fixtures/projects/uv-fastapi-example/Dockerfile", "3.12"],
    ["test/fixtures/projects/full-stack-fastapi-template/workspace/backend/Dockerfile", "3.14"],
  ])("%s -> %s", (path, version) => {
    expect(basePython(read(path))).toBe(version);
  });

  it.each([
    ["FROM python:3.12.4-slim\n", "3.12"],
    ["FROM docker.io/library/python:3.13-alpine AS run\n", "3.13"],
    ["FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\n", undefined],
    ["FROM python:latest\n", undefined],
    ["FROM python:3\n", undefined],
    ["FROM debian:12\n", undefined],
  ])("%j -> %s", (text, version) => {
    expect(basePython(text)).toBe(version);
  });
});
