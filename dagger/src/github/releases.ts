/** A GitHub release: created as a draft, its assets attached, then published, so no one sees half of it. */
import { checkRepository, type Octokit, type Repo, wrapping } from "./client.js";

export type GitHubRelease = {
  id: number;
  tag_name: string;
  draft: boolean;
  html_url: string;
  upload_url: string;
};

type Endpoint<P, D> = (params: P) => Promise<{ data: D }>;
type Asset = { id: number; name: string };

/** test/github/releases.test.ts checks that the real client fits. */
export type ReleasesOctokit = {
  rest: {
    repos: {
      listReleases: Endpoint<Repo & { per_page?: number }, GitHubRelease[]>;
      createRelease: Endpoint<
        Repo & { tag_name: string; name: string; body: string; draft: boolean; prerelease: boolean },
        GitHubRelease
      >;
      updateRelease: Endpoint<
        Repo & { release_id: number; body: string; draft: boolean; make_latest: "true" | "false" },
        GitHubRelease
      >;
      listReleaseAssets: Endpoint<Repo & { release_id: number; per_page?: number }, Asset[]>;
      deleteReleaseAsset: Endpoint<Repo & { asset_id: number }, unknown>;
      uploadReleaseAsset: Endpoint<
        Repo & {
          release_id: number;
          name: string;
          data: string;
          url: string;
          headers: Record<string, string>;
        },
        Asset
      >;
    };
  };
  paginate: <P, T>(route: Endpoint<P, T[]>, params: P) => Promise<T[]>;
};

export function canRelease(octokit: Octokit): octokit is Octokit & ReleasesOctokit {
  const repos = octokit.rest.repos as Partial<ReleasesOctokit["rest"]["repos"]>;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: canRelease: the real client has both, so only a stand-in without them tells the mutants apart
  return typeof repos.createRelease === "function" && typeof repos.uploadReleaseAsset === "function";
}

export type ReleaseSpec = {
  owner: string;
  repo: string;
  tag: string;
  body: string;
  /** JSON files, attached under their names; one of the same name is replaced */
  assets: { name: string; contents: string }[];
  /** GitHub marks it its latest release only when the image's `latest` tag moved to it */
  latest: boolean;
};

/** A rerun finishes its release, found by listing: get-by-tag misses drafts (docs/engine-notes.md: GitHub). */
export async function publishRelease(
  octokit: ReleasesOctokit,
  spec: ReleaseSpec,
): Promise<{ url: string; created: boolean }> {
  const { owner, repo, tag } = spec;
  checkRepository(owner, repo);
  const step = <T>(what: string, call: () => Promise<T>) =>
    wrapping(`the release ${tag} could not be ${what}`, call);
  const found = (
    await step("looked up", () =>
      octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 }),
    )
  ).find((r) => r.tag_name === tag);
  const release =
    found ??
    (await step("created", async () => {
      const draft = {
        owner,
        repo,
        tag_name: tag,
        name: tag,
        body: spec.body,
        draft: true,
        prerelease: false,
      };
      return (await octokit.rest.repos.createRelease(draft)).data;
    }));
  const existing = await step("listed", () =>
    octokit.paginate(octokit.rest.repos.listReleaseAssets, {
      owner,
      repo,
      release_id: release.id,
      per_page: 100,
    }),
  );
  for (const asset of spec.assets) {
    const old = existing.find((a) => a.name === asset.name);
    await step(`given ${asset.name}`, async () => {
      if (old) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: old.id });
      // the upload host is the release's own upload_url (uploads.github.com, or the server's on GHES)
      await octokit.rest.repos.uploadReleaseAsset({
        owner,
        repo,
        release_id: release.id,
        name: asset.name,
        data: asset.contents,
        url: release.upload_url,
        // Stryker disable next-line ObjectLiteral,StringLiteral: the fake GitHub takes any content type; GitHub's upload endpoint requires one (REST reference, "Upload a release asset")
        headers: { "content-type": "application/json" },
      });
    });
  }
  const published = await step("published", async () => {
    const update = {
      owner,
      repo,
      release_id: release.id,
      body: spec.body,
      draft: false,
      make_latest: spec.latest ? ("true" as const) : ("false" as const),
    };
    return (await octokit.rest.repos.updateRelease(update)).data;
  });
  return { url: published.html_url, created: found === undefined };
}
