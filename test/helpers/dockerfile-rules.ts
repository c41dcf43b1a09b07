/**
 * The rules the service image's Dockerfile is held to, checked on the parsed file (dockerfile-ast), since no
 * Docker daemon or registry is available to build it. `checkDockerfile` returns one violation per broken rule
 * (empty when the Dockerfile passes), each tagged with the rule's id so tests can show every rule can fail.
 */
import {
  type Arg,
  type Copy,
  DockerfileParser,
  type From,
  type Instruction,
  type Label,
  type Run,
} from "dockerfile-ast";

export type RuleId =
  | "parse"
  | "multi-stage"
  | "pinned-base"
  | "non-root-user"
  | "no-uv-in-runtime"
  | "no-build-tools-in-runtime"
  | "oci-labels"
  | "build-args"
  | "runnable"
  | "builder-uses-uv"
  | "no-wheel-left"
  | "bytecode";

export interface Violation {
  rule: RuleId;
  message: string;
}

export interface Stage {
  from: From;
  name: string | undefined;
  instructions: Instruction[];
}

export const OCI_LABELS: Readonly<Record<string, string | undefined>> = {
  "org.opencontainers.image.source": "SOURCE",
  "org.opencontainers.image.revision": "REVISION",
  "org.opencontainers.image.created": "CREATED",
  "org.opencontainers.image.title": undefined,
  "org.opencontainers.image.licenses": undefined,
  "org.opencontainers.image.description": undefined,
};

const SAFE_ARG_DEFAULTS = new Set(["", "unknown"]);
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const FULL_VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[-.+][A-Za-z0-9.-]+)?$/;
const BUILD_TOOLS = /\b(?:build-essential|gcc|g\+\+|clang|make|cmake|python3?-dev|libc6?-dev|cargo|rustc)\b/;
const UV_COMMAND = /(?:^|[\s;&|(`])(?:uv|uvx)(?=\s|$)|pip\s+install\b[^&;|]*\buv\b/;

/** Splits a parsed Dockerfile into its stages, in order. */
export function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = instruction as From;
      stages.push({ from, name: from.getBuildStage()?.toLowerCase() ?? undefined, instructions: [] });
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return stages;
}

function ofKind<T extends Instruction>(stage: Stage, keyword: string): T[] {
  return stage.instructions.filter((instruction) => instruction.getKeyword() === keyword) as T[];
}

function flagValues(instruction: Run | Copy, name: string): string[] {
  return instruction
    .getFlags()
    .filter((flag) => flag.getName() === name)
    .map((flag) => (flag.getValue() ?? "").toLowerCase());
}

/** The RUN instruction's command with line continuations joined. */
function command(run: Instruction): string {
  return (run.getArgumentsContent() ?? "").replace(/\\\r?\n/g, " ").replace(/\s+/g, " ");
}

/** The stage a FROM or --from= refers to, when it names an earlier stage (or a stage index). */
function earlierStage(stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  if (/^\d+$/.test(lower)) return stages.slice(0, before)[Number(lower)];
  return stages.slice(0, before).find((stage) => stage.name === lower);
}

function isUvImage(ref: string): boolean {
  return /(?:^|\/)astral-sh\/uv(?::|@|$)/.test(ref.toLowerCase());
}

/** Whether a stage's filesystem starts from the uv image (directly or through earlier stages). */
function basedOnUvImage(stages: Stage[], index: number): boolean {
  const image = stages[index]?.from.getImage() ?? "";
  const base = earlierStage(stages, image, index);
  return base ? basedOnUvImage(stages, stages.indexOf(base)) : isUvImage(image);
}

/**
 * Whether a stage has uv: it is based on the uv image or on a stage that has uv, copies from the uv image (or
 * copies a path named uv/uvx from anywhere), or runs or installs uv. Copying other files (a wheel) from a
 * builder that has uv does not count.
 */
function stageHasUv(stages: Stage[], index: number): boolean {
  const stage = stages[index] as Stage;
  if (basedOnUvImage(stages, index)) return true;
  const base = earlierStage(stages, stage.from.getImage() ?? "", index);
  if (base && stageHasUv(stages, stages.indexOf(base))) return true;
  for (const copy of ofKind<Copy>(stage, "COPY")) {
    const from = flagValues(copy, "from")[0];
    if (from === undefined) continue;
    const source = earlierStage(stages, from, index);
    if (source ? basedOnUvImage(stages, stages.indexOf(source)) : isUvImage(from)) return true;
    if (/(?:^|\s|\/)uvx?(?:\s|$)/.test(copy.getArgumentsContent() ?? "")) return true;
  }
  return ofKind<Run>(stage, "RUN").some((run) => UV_COMMAND.test(command(run)));
}

function checkPinned(stages: Stage[], violations: Violation[]): void {
  stages.forEach((stage, index) => {
    const image = stage.from.getImage() ?? "";
    if (earlierStage(stages, image, index) || image.toLowerCase() === "scratch") return;
    const where = `FROM ${image || "(nothing)"}`;
    if (image.includes("$")) {
      violations.push({
        rule: "pinned-base",
        message: `${where}: the image is a variable, so its version is unknown`,
      });
      return;
    }
    const tag = stage.from.getImageTag();
    const digest = stage.from.getImageDigest();
    if (digest !== null) {
      if (!DIGEST.test(digest)) {
        violations.push({ rule: "pinned-base", message: `${where}: "${digest}" is not a sha256 digest` });
      }
      if (tag === "latest") {
        violations.push({
          rule: "pinned-base",
          message: `${where}: name a version tag, not latest, beside the digest`,
        });
      }
      return;
    }
    if (tag === null) {
      violations.push({ rule: "pinned-base", message: `${where}: no tag or digest (means latest)` });
    } else if (!FULL_VERSION_TAG.test(tag)) {
      violations.push({
        rule: "pinned-base",
        message: `${where}: tag "${tag}" moves; pin a full x.y.z version or add @sha256:<digest>`,
      });
    }
  });
}

function checkUser(final: Stage, violations: Violation[]): void {
  const users = ofKind(final, "USER");
  const last = users[users.length - 1];
  if (!last) {
    violations.push({ rule: "non-root-user", message: "the final stage sets no USER, so it runs as root" });
    return;
  }
  const user = (last.getArgumentsContent() ?? "").trim().split(":")[0] ?? "";
  if (user === "" || user === "root" || /^0+$/.test(user)) {
    violations.push({
      rule: "non-root-user",
      message: `the final stage runs as "${user || "(empty)"}", which is root`,
    });
  }
}

function checkLabelsAndArgs(final: Stage, violations: Violation[]): void {
  const labels = new Map<string, string>();
  for (const label of ofKind<Label>(final, "LABEL")) {
    for (const property of label.getProperties()) labels.set(property.getName(), property.getValue() ?? "");
  }
  const args = new Map<string, string | null>();
  for (const arg of ofKind<Arg>(final, "ARG")) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue());
  }
  for (const [name, buildArg] of Object.entries(OCI_LABELS)) {
    const value = labels.get(name);
    if (value === undefined) {
      violations.push({ rule: "oci-labels", message: `the final stage has no ${name} label` });
      continue;
    }
    if (buildArg === undefined) {
      if (value.trim() === "") violations.push({ rule: "oci-labels", message: `the ${name} label is empty` });
      continue;
    }
    if (!value.includes(`$${buildArg}`) && !value.includes(`\${${buildArg}}`)) {
      violations.push({
        rule: "oci-labels",
        message: `the ${name} label is not filled from build arg ${buildArg}`,
      });
    }
    if (!args.has(buildArg)) {
      violations.push({ rule: "build-args", message: `ARG ${buildArg} is not declared in the final stage` });
    } else {
      const fallback = args.get(buildArg);
      if (fallback !== null && fallback !== undefined && !SAFE_ARG_DEFAULTS.has(fallback)) {
        violations.push({
          rule: "build-args",
          message: `ARG ${buildArg} defaults to "${fallback}"; use "" or "unknown" so an image never claims a false origin`,
        });
      }
    }
  }
}

function checkRuntime(stages: Stage[], final: Stage, violations: Violation[]): void {
  const finalIndex = stages.length - 1;
  const runs = ofKind<Run>(final, "RUN").map(command);
  if (ofKind(final, "ENTRYPOINT").length > 0) {
    violations.push({
      rule: "runnable",
      message:
        "the final stage sets an ENTRYPOINT, so `docker run IMAGE python -m sample_app 2 3` would not run python",
    });
  }
  let base: Stage = final;
  for (let i = finalIndex; ; ) {
    const parent = earlierStage(stages, base.from.getImage() ?? "", i);
    if (!parent) break;
    i = stages.indexOf(parent);
    base = parent;
  }
  const baseName = base.from.getImageName() ?? "";
  if (!/(?:^|\/)python$/.test(baseName)) {
    violations.push({
      rule: "runnable",
      message: `the final stage is not based on a python image (${baseName})`,
    });
  }
  const install = runs.find((run) => /\bpip3?\s+install\b/.test(run) && /\.whl\b/.test(run));
  if (!install) {
    violations.push({ rule: "runnable", message: "the final stage does not pip install the wheel" });
  } else if (!/--no-cache-dir\b/.test(install)) {
    violations.push({
      rule: "no-wheel-left",
      message: "pip install in the final stage runs without --no-cache-dir",
    });
  }
  if (stageHasUv(stages, finalIndex)) {
    violations.push({
      rule: "no-uv-in-runtime",
      message: "uv reaches the final stage (copied, installed, run or inherited)",
    });
  }
  for (const run of runs) {
    if (/\b(?:apt-get|apt|apk|dnf|yum)\s+(?:-\S+\s+)*(?:install|add)\b/.test(run) && BUILD_TOOLS.test(run)) {
      violations.push({
        rule: "no-build-tools-in-runtime",
        message: `the final stage installs build tools: ${run}`,
      });
    }
  }
  for (const copy of ofKind<Copy>(final, "COPY")) {
    const args = copy.getArgumentsContent() ?? "";
    if (/\.whl\b|(?:^|\s)\/?dist\/?(?:\s|$)/.test(args)) {
      violations.push({
        rule: "no-wheel-left",
        message: `COPY ${args}: the wheel becomes part of an image layer; bind-mount it into the pip install RUN`,
      });
    }
  }
  for (const env of ofKind(final, "ENV")) {
    if (/\bPYTHONDONTWRITEBYTECODE\b/.test(env.getArgumentsContent() ?? "")) {
      violations.push({ rule: "bytecode", message: "PYTHONDONTWRITEBYTECODE is set in the final stage" });
    }
  }
  if (install && /--no-compile\b/.test(install) && !runs.some((run) => /\bcompileall\b/.test(run))) {
    violations.push({ rule: "bytecode", message: "pip install --no-compile without python -m compileall" });
  }
}

function checkBuilder(stages: Stage[], violations: Violation[]): void {
  const builders = stages.slice(0, -1);
  const build = builders
    .flatMap((stage) => ofKind<Run>(stage, "RUN"))
    .find((run) => /\buv\s+build\b/.test(command(run)));
  if (!build) {
    violations.push({ rule: "builder-uses-uv", message: "no builder stage runs `uv build`" });
    return;
  }
  if (!/--wheel\b/.test(command(build))) {
    violations.push({ rule: "builder-uses-uv", message: "`uv build` without --wheel" });
  }
  const mounts = flagValues(build, "mount");
  if (!mounts.some((mount) => /type=cache/.test(mount) && /target=\/root\/\.cache\/uv(?:,|$)/.test(mount))) {
    violations.push({
      rule: "builder-uses-uv",
      message: "`uv build` runs without --mount=type=cache,target=/root/.cache/uv",
    });
  }
}

/** Every rule violation in the Dockerfile text; an empty list means it passes. */
export function checkDockerfile(text: string): Violation[] {
  const stages = stagesOf(text);
  const final = stages[stages.length - 1];
  if (!final) return [{ rule: "parse", message: "no FROM instruction" }];
  const violations: Violation[] = [];
  if (stages.length < 2) {
    violations.push({
      rule: "multi-stage",
      message: `${stages.length} stage; build in one stage, run in another`,
    });
  }
  checkPinned(stages, violations);
  checkUser(final, violations);
  checkLabelsAndArgs(final, violations);
  checkRuntime(stages, final, violations);
  checkBuilder(stages, violations);
  return violations;
}
