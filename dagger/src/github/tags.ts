/** The repository's git tags: what a release's moving tags are compared with. */
import type { Secret } from "@dagger.io/dagger";
import { parseRepository } from "../settings/tags.js";
import { createOctokit, type Octokit, parseGitHubApiUrl, wrapping } from "./client.js";

export type TagsSource = { repository: string; token: Secret; apiUrl?: string };

/** Every page: a release must not move `latest` past a newer tag on page two. */
export async function listTagNames(octokit: Octokit, repository: string): Promise<string[]> {
  const { owner, repo } = parseRepository(repository);
  const tags = await wrapping(`the tags of ${repository} could not be read`, () =>
    octokit.paginate(octokit.rest.repos.listTags, { owner, repo, per_page: 100 }),
  );
  return tags.map((t) => t.name);
}

export async function readTagNames(source: TagsSource): Promise<string[]> {
  const baseUrl = source.apiUrl ? parseGitHubApiUrl(source.apiUrl) : undefined;
  const octokit = await createOctokit({ token: await source.token.plaintext(), baseUrl });
  return listTagNames(octokit, source.repository);
}
