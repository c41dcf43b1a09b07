/** The GitHub release's notes: the image by digest, what is attested, and how to check it by hand. */
import type { ImageStatus } from "./types.js";

export function renderRelease(args: {
  tag: string;
  /** the image by digest, `name@sha256:…` */
  pinned: string;
  image: ImageStatus;
  /** the signing certificate's identity and issuer, for keyless signatures */
  identity: string;
  issuer: string;
  attached: string[];
}): string {
  const { image, pinned } = args;
  const tags = image.tags.map((t) => `\`${t}\``).join(", ");
  const kinds = [
    image.sbomAttested ? "CycloneDX SBOM" : "",
    image.provenanceAttested ? "SLSA provenance" : "",
  ];
  const named = kinds.filter(Boolean);
  const attested =
    named.length === 0
      ? ""
      : `; its ${named.join(" and ")} ${named.length > 1 ? "are" : "is"} attested to it`;
  const lines = [`**Image:** \`${pinned}\``, "", `**Tags:** ${tags}`, ""];
  if (!image.signed) {
    lines.push("The image is not signed: the CI run that published it did not sign it.");
  } else {
    lines.push(
      `Signed with cosign${attested}.`,
      ...(args.attached.length > 0
        ? ["", `Attached: ${args.attached.map((a) => `\`${a}\``).join(", ")}.`]
        : []),
      "",
      "Check the signature and the provenance by hand:",
      "",
      "```sh",
      `cosign verify-attestation --type slsaprovenance1 \\`,
      `  --certificate-identity '${args.identity}' \\`,
      `  --certificate-oidc-issuer ${args.issuer} \\`,
      `  ${pinned} | jq -r .payload | base64 -d | jq .predicate`,
      "```",
    );
  }
  return `${lines.join("\n")}\n`;
}
