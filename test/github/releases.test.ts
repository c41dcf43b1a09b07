/**
 * The GitHub release, made by the real Octokit (createOctokit: retry + throttling plugins) against a local server
 * that answers like api.github.com: a draft first, its assets attached, then published; a rerun finishes the draft
 * a failed run left; GitHub's own refusals are named. No network: every request goes to 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { retry } from "../../dagger/node_modules/@octokit/plugin-retry";
import { throttling } from "../../dagger/node_modules/@octokit/plugin-throttling";
import { Octokit as RestOctokit } from "../../dagger/node_modules/@octokit/rest";
import { canRelease, publishRelease, type ReleasesOctokit } from "../../dagger/src/github/releases.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { fastTimers } from "../helpers/fast-timers.js";

fastTimers();

let gh: FakeGitHub;
let octokit: ReleasesOctokit;
beforeEach(async () => {
  gh = new FakeGitHub();
  await gh.start();
  const client = await gh.client();
  if (!canRelease(client)) throw new Error("the real client cannot release");
  octokit = client;
});

afterEach(async () => {
  await gh.close();
});

const SBOM = '{"bomFormat":"CycloneDX"}';
const PROVENANCE = '{"buildDefinition":{}}';
const spec = (latest = true) => ({
  owner: gh.owner,
  repo: gh.repo,
  tag: "v1.2.3",
  body: "**Image:** `ghcr.io/octo-org/my-service@sha256:aa`\n",
  assets: [
    { name: "sbom.cdx.json", contents: SBOM },
    { name: "provenance.json", contents: PROVENANCE },
  ],
  latest,
});

describe("publishRelease", () => {
  it("the real Octokit fits the structural type", () => {
    // compile time: tsc -p tsconfig.json fails when the real client stops fitting
    const real: ReleasesOctokit = new (RestOctokit.plugin(retry, throttling))({
      auth: gh.token,
      throttle: { id: "t-release-shape", onRateLimit: () => false, onSecondaryRateLimit: () => false },
    });
    expect(typeof real.rest.repos.uploadReleaseAsset).toBe("function");
  });

  it("creates a draft, attaches the assets to it, and only then publishes it as the latest", async () => {
    const { url, created } = await publishRelease(octokit, spec());
    expect({ url, created }).toEqual({
      url: "https://github.com/octo-org/my-service/releases/tag/v1.2.3",
      created: true,
    });
    const [release] = gh.releases;
    expect(release).toMatchObject({
      tag_name: "v1.2.3",
      name: "v1.2.3",
      draft: false,
      prerelease: false,
      make_latest: "true",
    });
    expect(release?.body).toBe(spec().body);
    expect(release?.assets.map((a) => [a.name, JSON.parse(a.content)])).toEqual([
      ["sbom.cdx.json", JSON.parse(SBOM)],
      ["provenance.json", JSON.parse(PROVENANCE)],
    ]);
    // the order GitHub saw: looked up, created as a draft, two uploads, then published
    const writes = gh.requests
      .filter((r) => r.method !== "GET")
      .map((r) => `${r.method} ${r.path.replace(/\d+/g, "N")}`);
    expect(writes).toEqual([
      "POST /repos/octo-org/my-service/releases",
      "POST /repos/octo-org/my-service/releases/N/assets",
      "POST /repos/octo-org/my-service/releases/N/assets",
      "PATCH /repos/octo-org/my-service/releases/N",
    ]);
    expect(gh.calls("POST", /\/releases$/)[0]?.body).toMatchObject({ draft: true, tag_name: "v1.2.3" });
    expect(gh.calls("POST", /\/assets$/).map((r) => r.query.name)).toEqual([
      "sbom.cdx.json",
      "provenance.json",
    ]);
  });

  it("leaves another tag's release alone: a new release is made for this tag", async () => {
    await publishRelease(octokit, { ...spec(), tag: "v1.0.0" });
    await publishRelease(octokit, spec());
    expect(gh.releases.map((r) => [r.tag_name, r.assets.length])).toEqual([
      ["v1.0.0", 2],
      ["v1.2.3", 2],
    ]);
  });

  it("names the step GitHub refused: listing the assets, publishing the draft", async () => {
    gh.faults.push({ method: "GET", path: /\/assets$/, status: 404, message: "Not Found" });
    await expect(publishRelease(octokit, spec())).rejects.toThrow(
      "the release v1.2.3 could not be listed: not found (404)",
    );
    gh.faults.push({ method: "PATCH", path: /\/releases\/\d+$/, status: 403, message: "Forbidden" });
    await expect(publishRelease(octokit, spec())).rejects.toThrow(
      "the release v1.2.3 could not be published: the token cannot write to this repository (403",
    );
    // still a draft: nobody saw half a release
    expect(gh.releases.map((r) => r.draft)).toEqual([true]);
  });

  it("a release whose image did not move latest is published without becoming GitHub's latest", async () => {
    await publishRelease(octokit, spec(false));
    expect(gh.releases[0]).toMatchObject({ draft: false, make_latest: "false" });
  });

  it("a rerun finishes the draft a failed upload left: found by listing, its asset replaced, one release", async () => {
    gh.faults.push({
      method: "POST",
      path: /\/assets$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    await expect(publishRelease(octokit, spec())).rejects.toThrow(
      "the release v1.2.3 could not be given sbom.cdx.json: the token cannot write to this repository (403",
    );
    expect(gh.releases).toMatchObject([{ draft: true, assets: [] }]);
    // what an earlier attempt attached: stale copies of both, and a file someone added by hand
    gh.releases[0]?.assets.push(
      { id: 8, name: "sbom.cdx.json", content: "{}" },
      { id: 9, name: "provenance.json", content: "{}" },
      { id: 10, name: "notes.txt", content: "kept" },
    );
    const { created } = await publishRelease(octokit, spec());
    expect(created).toBe(false);
    expect(gh.releases).toHaveLength(1);
    expect(gh.releases[0]?.draft).toBe(false);
    expect(gh.releases[0]?.assets.map((a) => [a.name, a.content])).toEqual([
      ["notes.txt", "kept"],
      ["sbom.cdx.json", JSON.stringify(JSON.parse(SBOM))],
      ["provenance.json", JSON.stringify(JSON.parse(PROVENANCE))],
    ]);
    expect(gh.calls("DELETE", /\/releases\/assets\/\d+$/).map((r) => r.path.split("/").at(-1))).toEqual([
      "8",
      "9",
    ]);
  });

  it("names GitHub's refusal of the listing and of the creation, and the release", async () => {
    gh.faults.push({ method: "GET", path: /\/releases$/, status: 404, message: "Not Found" });
    await expect(publishRelease(octokit, spec())).rejects.toThrow(
      "the release v1.2.3 could not be looked up: not found (404): check --repository and the token's access",
    );
    gh.faults.push({
      method: "POST",
      path: /\/releases$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    await expect(publishRelease(octokit, spec())).rejects.toThrow(
      "the release v1.2.3 could not be created: the token cannot write to this repository (403",
    );
    expect(gh.releases).toEqual([]);
  });
});
