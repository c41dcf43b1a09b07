import { describe, expect, it } from "vitest";
import { renderRelease } from "../../dagger/src/report/render-release.js";

const pinned = `ghcr.io/octo-org/my-service@sha256:${"a".repeat(64)}`;
const args = {
  tag: "v1.2.3",
  pinned,
  identity: "https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/tags/v1.2.3",
  issuer: "https://token.actions.githubusercontent.com",
  attached: ["sbom.cdx.json", "provenance.json"],
};
const image = {
  reference: `x@sha256:${"a".repeat(64)}`,
  published: true,
  tags: ["1.2.3", "1.2", "1", "latest"],
};

describe("renderRelease", () => {
  it("names the image by digest, its tags, what is attested and the command that checks it", () => {
    expect(
      renderRelease({
        ...args,
        image: { ...image, signed: true, sbomAttested: true, provenanceAttested: true },
      }),
    ).toMatchInlineSnapshot(`
      "**Image:** \`ghcr.io/octo-org/my-service@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\`

      **Tags:** \`1.2.3\`, \`1.2\`, \`1\`, \`latest\`

      Signed with cosign; its CycloneDX SBOM and SLSA provenance are attested to it.

      Attached: \`sbom.cdx.json\`, \`provenance.json\`.

      Check the signature and the provenance by hand:

      \`\`\`sh
      cosign verify-attestation --type slsaprovenance1 \\
        --certificate-identity 'https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/tags/v1.2.3' \\
        --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
        ghcr.io/octo-org/my-service@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | jq -r .payload | base64 -d | jq .predicate
      \`\`\`
      "
    `);
  });

  it("says an unsigned image is unsigned and offers no command that would fail", () => {
    const text = renderRelease({ ...args, attached: ["sbom.cdx.json"], image });
    expect(text).toContain("The image is not signed");
    expect(text).not.toContain("cosign verify");
  });

  it("signed with no attestation says so plainly; the provenance alone is named alone", () => {
    const signedOnly = renderRelease({ ...args, attached: [], image: { ...image, signed: true } });
    expect(signedOnly).toBe(
      [
        `**Image:** \`${pinned}\``,
        "",
        "**Tags:** `1.2.3`, `1.2`, `1`, `latest`",
        "",
        "Signed with cosign.",
      ].join("\n") + signedOnly.slice(signedOnly.indexOf("\n\nCheck the signature")),
    );
    expect(signedOnly).not.toContain("Attached");
    const provenance = renderRelease({
      ...args,
      image: { ...image, signed: true, provenanceAttested: true },
    });
    expect(provenance).toContain("Signed with cosign; its SLSA provenance is attested to it.");
  });

  it("names only the attestations that exist", () => {
    const text = renderRelease({
      ...args,
      attached: [],
      image: { ...image, signed: true, sbomAttested: true },
    });
    expect(text).toContain("Signed with cosign; its CycloneDX SBOM is attested to it.");
    expect(text).not.toContain("Attached:");
  });
});
