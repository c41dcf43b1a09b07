/** `release`: the GitHub release of a final version tag, from the reports its tag's CI run exported. */
import type { Directory, Secret } from "@dagger.io/dagger";
import { createOctokit, parseGitHubApiUrl } from "../github/client.js";
import { canRelease, publishRelease } from "../github/releases.js";
import { renderRelease } from "../report/render-release.js";
import type { CiStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { parseRelease } from "../settings/release.js";
import { parseRepository } from "../settings/tags.js";
import { pinned } from "../stages/publish.js";
import { GITHUB_OIDC_ISSUER, SIGNING_WORKFLOW } from "../stages/sign.js";

export type ReleaseArgs = {
  repository: string;
  tag: string;
  reports: Directory;
  token?: Secret;
  apiUrl?: string;
};

/** What ci attested and exported beside status.json: attached when present. */
const ASSETS = ["sbom.cdx.json", "provenance.json"];

export async function runRelease(args: ReleaseArgs): Promise<string> {
  const release = parseRelease(args.tag);
  const { owner, repo } = parseRepository(args.repository);
  if (!args.token) {
    throw new InputError(
      "release needs --github-token with contents: write. Expected --github-token=env:GITHUB_TOKEN on the job that releases.",
    );
  }
  const apiUrl = args.apiUrl ? parseGitHubApiUrl(args.apiUrl) : undefined;
  if (!release.final) {
    return `No GitHub release: ${release.tag} is a ${release.kind}, published as the image tag ${release.version} only.`;
  }
  const expected = `Expected the reports ci-run exported for the push of ${release.tag} (the ci-reports artifact), e.g. --reports reports.`;
  let status: CiStatus;
  try {
    status = JSON.parse(await args.reports.file("status.json").contents()) as CiStatus;
  } catch (err) {
    throw new InputError(`The reports have no readable status.json. ${expected}`, { cause: err });
  }
  const image = status.image;
  if (
    !status.passed ||
    !image?.published ||
    image.digest === undefined ||
    !image.tags.includes(release.version)
  ) {
    throw new InputError(
      `The reports hold no image published as ${release.version} by a passing run (passed: ${status.passed}; image: ${image?.reference ?? "none"}). ${expected}`,
    );
  }
  const assets = [];
  for (const name of ASSETS) {
    if (await args.reports.exists(name))
      assets.push({ name, contents: await args.reports.file(name).contents() });
  }
  const body = renderRelease({
    tag: release.tag,
    pinned: pinned(image.reference),
    image,
    identity: `https://github.com/${args.repository}/${SIGNING_WORKFLOW}@refs/tags/${release.tag}`,
    issuer: GITHUB_OIDC_ISSUER,
    attached: assets.map((a) => a.name),
  });
  const octokit = await createOctokit({ token: await args.token.plaintext(), baseUrl: apiUrl });
  // Stryker disable next-line ConditionalExpression: the real client always can; the guard is for the structural type
  if (!canRelease(octokit)) throw new Error("This GitHub client cannot create releases.");
  const { url } = await publishRelease(octokit, {
    owner,
    repo,
    tag: release.tag,
    body,
    assets,
    latest: image.tags.includes("latest"),
  });
  return url;
}
