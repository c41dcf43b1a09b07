/**
 * The rules the service image's Dockerfile is held to, checked on the parsed file (dockerfile-ast), since no
 * Docker daemon or registry is available to build it. `checkDockerfile` returns one violation per broken rule
 * (empty when the Dockerfile passes), each tagged with the rule's id so tests can show every rule can fail.
 *
 * What the image is made of is evaluated the way BuildKit builds it: FROM lines are expanded with the global
 * ARGs (so `FROM base${VARIANT:+-slim}` picks a stage), the final image is the last stage plus every stage it
 * is based on, and its labels, ENV and USER are what those stages set, with ARG scoping as BuildKit has it.
 */
import {
  type Arg,
  type Copy,
  DockerfileParser,
  type Env,
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
  | "no-pip-in-runtime"
  | "no-build-tools-in-runtime"
  | "oci-labels"
  | "build-args"
  | "runnable"
  | "venv"
  | "locked-sync"
  | "uv-cache"
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

/** The fixed OCI labels the Dockerfile must give its image. */
export const OCI_LABELS: readonly string[] = [
  "org.opencontainers.image.title",
  "org.opencontainers.image.licenses",
  "org.opencontainers.image.description",
];

/**
 * The per-build OCI labels: the pipeline sets them on the built image (Container.withLabel in
 * dagger/src/stages/image.ts), so the Dockerfile leaves them out (a value it set could only be stale or empty).
 */
export const PIPELINE_LABELS: readonly string[] = [
  "org.opencontainers.image.source",
  "org.opencontainers.image.revision",
  "org.opencontainers.image.created",
];

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const FULL_VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[-.+][A-Za-z0-9.-]+)?$/;
const BUILD_TOOLS = /\b(?:build-essential|gcc|g\+\+|clang|make|cmake|python3?-dev|libc6?-dev|cargo|rustc)\b/;
const UV_COMMAND = /(?:^|[\s;&|(`])(?:uv|uvx)(?=\s|$)|pip\s+install\b[^&;|]*\buv\b/;
const PIP_INSTALL = /(?:^|[\s;&|(`/])(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip)\s+install\b/;
const UV_SYNC = /(?:^|[\s;&|(`/])uv\s+sync\b([^;&|\n]*)/g;
const UV_CACHE = "/root/.cache/uv";
const TRUTHY = /^(?:1|true|yes|on)$/i;

// ---------------------------------------------------------------------------------------------------------
// Parsing and evaluation

interface Parsed {
  /** ARGs declared before the first FROM: name -> default (undefined: declared without one). */
  globals: Map<string, string | undefined>;
  stages: Stage[];
}

/** Splits a parsed Dockerfile into its stages, in order (instructions before the first FROM are left out). */
export function stagesOf(text: string): Stage[] {
  return parse(text).stages;
}

function parse(text: string): Parsed {
  const globals = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === "FROM") {
      const from = instruction as From;
      stages.push({ from, name: from.getBuildStage()?.toLowerCase() ?? undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]?.instructions.push(instruction);
    } else if (keyword === "ARG") {
      const property = (instruction as Arg).getProperty();
      if (property) globals.set(property.getName(), property.getValue() ?? undefined);
    }
  }
  return { globals, stages };
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

type Scope = Map<string, string | undefined>;

/**
 * Shell-style substitution as Dockerfiles do it: $NAME, ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word},
 * ${NAME+word}. `unknown` collects the names referenced that are not declared at all (always empty).
 */
function expand(word: string, scope: Scope, unknown: Set<string> = new Set()): string {
  return word.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, op: string | undefined, alt: string | undefined, bare?: string) => {
      if (match === "\\$") return "$";
      const name = (braced ?? bare) as string;
      if (!scope.has(name)) unknown.add(name);
      const value = scope.get(name);
      const set = op?.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
      if (op?.endsWith("-")) return set ? (value as string) : expand(alt ?? "", scope, unknown);
      if (op?.endsWith("+")) return set ? expand(alt ?? "", scope, unknown) : "";
      return value ?? "";
    },
  );
}

/** The global ARG scope of a build with `args` given (as BuildKit: only declared ARGs take build args). */
function globalScope(parsed: Parsed, args: Readonly<Record<string, string>>): Scope {
  const scope: Scope = new Map();
  for (const [name, fallback] of parsed.globals) scope.set(name, args[name] ?? fallback);
  return scope;
}

/** The stage a FROM or --from= refers to, when it names an earlier stage (or a stage index). */
function earlierStage(stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  if (/^\d+$/.test(lower)) return stages.slice(0, before)[Number(lower)];
  return stages.slice(0, before).find((stage) => stage.name === lower);
}

/** What a stage's FROM names in a build with `args`: an earlier stage, or an image (as written). */
function baseOf(
  parsed: Parsed,
  index: number,
  args: Readonly<Record<string, string>>,
): { stage: Stage | undefined; image: string } {
  const image = parsed.stages[index]?.from.getImage() ?? "";
  const resolved = expand(image, globalScope(parsed, args));
  return { stage: earlierStage(parsed.stages, resolved, index), image };
}

/** The image a stage makes, built with `args`: its stages (base first) and its config. */
interface Made {
  chain: Stage[];
  /** the FROM of the first stage in the chain: the base image, as written */
  rootImage: string;
  labels: Map<string, string>;
  env: Map<string, string>;
  user: string | undefined;
  /** names a LABEL or USER used that no ARG or ENV declares in its stage (always empty) */
  undeclared: Set<string>;
}

function make(parsed: Parsed, index: number, args: Readonly<Record<string, string>>): Made {
  const chain: Stage[] = [];
  let rootImage = "";
  for (let i: number | undefined = index; i !== undefined; ) {
    const stage = parsed.stages[i] as Stage;
    chain.unshift(stage);
    const base = baseOf(parsed, i, args);
    rootImage = base.image;
    i = base.stage ? parsed.stages.indexOf(base.stage) : undefined;
  }
  const made: Made = {
    chain,
    rootImage,
    labels: new Map(),
    env: new Map(),
    user: undefined,
    undeclared: new Set(),
  };
  for (const stage of chain) {
    // A stage sees the ENV of the stages it is based on and its own ARGs; ARGs end with their stage.
    const scope: Scope = new Map(made.env);
    for (const instruction of stage.instructions) {
      const keyword = instruction.getKeyword();
      if (keyword === "ARG") {
        const property = (instruction as Arg).getProperty();
        if (!property) continue;
        const name = property.getName();
        const fallback = property.getValue();
        // A build arg wins; else the ARG's own default; else, declared bare, the global ARG's default.
        const value = args[name] ?? (fallback !== null ? expand(fallback, scope) : parsed.globals.get(name));
        // ENV beats ARG of the same name.
        if (!made.env.has(name)) scope.set(name, value);
      } else if (keyword === "ENV") {
        for (const property of (instruction as Env).getProperties()) {
          // (ENV may use what the base image sets, PATH for one, which this evaluation does not know.)
          const value = expand(property.getValue() ?? "", scope);
          made.env.set(property.getName(), value);
          scope.set(property.getName(), value);
        }
      } else if (keyword === "LABEL") {
        for (const property of (instruction as Label).getProperties()) {
          const key = expand(property.getName(), scope, made.undeclared);
          made.labels.set(key, expand(property.getValue() ?? "", scope, made.undeclared));
        }
      } else if (keyword === "USER") {
        made.user = expand((instruction.getArgumentsContent() ?? "").trim(), scope, made.undeclared);
      }
    }
  }
  return made;
}

function splitRef(ref: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const [path = "", digest] = ref.split("@", 2) as [string, string | undefined];
  const colon = path.lastIndexOf(":");
  const tagged = colon > path.lastIndexOf("/");
  return {
    name: tagged ? path.slice(0, colon) : path,
    tag: tagged ? path.slice(colon + 1) : undefined,
    digest,
  };
}

function isUvImage(ref: string): boolean {
  return /(?:^|\/)astral-sh\/uv(?::|@|$)/.test(ref.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------
// The rules

function pinProblem(ref: string): string | undefined {
  if (ref.includes("$")) return "the image is a variable, so its version is unknown";
  const { tag, digest } = splitRef(ref);
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return `"${digest}" is not a sha256 digest`;
    if (tag === "latest") return "name a version tag, not latest, beside the digest";
    return undefined;
  }
  if (tag === undefined) return "no tag or digest (means latest)";
  if (!FULL_VERSION_TAG.test(tag))
    return `tag "${tag}" moves; pin a full x.y.z version or add @sha256:<digest>`;
  return undefined;
}

/** Every base image (FROM) and every image copied or mounted from is pinned; stage references are not images. */
function checkPinned(parsed: Parsed, violations: Violation[]): void {
  const { stages } = parsed;
  stages.forEach((stage, index) => {
    const image = stage.from.getImage() ?? "";
    const where = `FROM ${image || "(nothing)"}`;
    const unknown = new Set<string>();
    expand(image, globalScope(parsed, {}), unknown);
    for (const name of unknown) {
      violations.push({
        rule: "build-args",
        message: `${where}: $${name} is not an ARG declared before the first FROM, so it is always empty there`,
      });
    }
    const picks = [baseOf(parsed, index, {}).stage];
    if (picks.every((pick) => pick !== undefined) || image.toLowerCase() === "scratch") return;
    const problem = pinProblem(image);
    if (problem) violations.push({ rule: "pinned-base", message: `${where}: ${problem}` });
  });
  stages.forEach((stage, index) => {
    const refs = [
      ...ofKind<Copy>(stage, "COPY").flatMap((copy) => flagValues(copy, "from")),
      ...ofKind<Run>(stage, "RUN").flatMap((run) =>
        flagValues(run, "mount").flatMap((mount) => /(?:^|,)from=([^,]+)/.exec(mount)?.[1] ?? []),
      ),
    ];
    for (const ref of refs) {
      if (earlierStage(stages, ref, index)) continue;
      const problem = pinProblem(ref);
      if (problem) violations.push({ rule: "pinned-base", message: `--from=${ref}: ${problem}` });
    }
  });
}

function checkUser(made: Made, violations: Violation[]): void {
  if (made.user === undefined) {
    violations.push({ rule: "non-root-user", message: "the final image sets no USER, so it runs as root" });
    return;
  }
  const user = made.user.split(":")[0] ?? "";
  if (user === "" || user === "root" || /^0+$/.test(user)) {
    violations.push({
      rule: "non-root-user",
      message: `the final image runs as "${user || "(empty)"}", which is root`,
    });
  } else if (!/^\d+$/.test(user)) {
    violations.push({
      rule: "non-root-user",
      message: `USER ${made.user}: name a numeric UID, so a runtime (Kubernetes runAsNonRoot) can see it is not root`,
    });
  }
}

/** Every fixed OCI label is there and not empty; the per-build ones are left to the pipeline. */
function checkLabels(made: Made, violations: Violation[]): void {
  for (const name of OCI_LABELS) {
    const value = made.labels.get(name);
    if (value === undefined) {
      violations.push({ rule: "oci-labels", message: `the final image has no ${name} label` });
    } else if (value.trim() === "") {
      violations.push({ rule: "oci-labels", message: `the ${name} label is empty` });
    }
  }
  for (const name of PIPELINE_LABELS) {
    if (made.labels.has(name)) {
      violations.push({
        rule: "oci-labels",
        message: `the Dockerfile sets ${name}: the pipeline sets it on the built image (withLabel), from what it knows`,
      });
    }
  }
}

/** Every variable the final image's stages use is declared in one of them. */
function checkBuildArgs(made: Made, violations: Violation[]): void {
  for (const name of made.undeclared) {
    violations.push({
      rule: "build-args",
      message: `$${name} is used in the final image's stages but declared (ARG or ENV) in none of them, so it is always empty`,
    });
  }
}

/** Whether a stage (not counting what it is based on) brings uv in: copied from the uv image, or run. */
function stageBringsUv(parsed: Parsed, stage: Stage): boolean {
  const index = parsed.stages.indexOf(stage);
  for (const copy of ofKind<Copy>(stage, "COPY")) {
    const from = flagValues(copy, "from")[0];
    if (from === undefined) continue;
    const source = earlierStage(parsed.stages, from, index);
    const sourceRoot = source ? make(parsed, parsed.stages.indexOf(source), {}).rootImage : from;
    if (isUvImage(sourceRoot)) return true;
    if (/(?:^|\s|\/)uvx?(?:\s|$)/.test(copy.getArgumentsContent() ?? "")) return true;
  }
  return ofKind<Run>(stage, "RUN").some((run) => UV_COMMAND.test(command(run)));
}

function checkRuntime(parsed: Parsed, made: Made, violations: Violation[]): void {
  const runs = made.chain.flatMap((stage) => ofKind<Run>(stage, "RUN")).map(command);
  if (made.chain.some((stage) => ofKind(stage, "ENTRYPOINT").length > 0)) {
    violations.push({
      rule: "runnable",
      message:
        "the final image sets an ENTRYPOINT, so `docker run IMAGE python -m sample_app 2 3` would not run python",
    });
  }
  const baseName = splitRef(made.rootImage).name;
  if (!/(?:^|\/)python$/.test(baseName)) {
    violations.push({
      rule: "runnable",
      message: `the final image is not based on a python image (${baseName})`,
    });
  }
  if (isUvImage(made.rootImage) || made.chain.some((stage) => stageBringsUv(parsed, stage))) {
    violations.push({
      rule: "no-uv-in-runtime",
      message: "uv reaches the final image (copied, installed, run or inherited)",
    });
  }
  for (const run of runs) {
    if (PIP_INSTALL.test(run)) {
      violations.push({
        rule: "no-pip-in-runtime",
        message: `the final image runs pip install, which resolves from the index at build time, unlocked: ${run}`,
      });
    }
    if (/\b(?:apt-get|apt|apk|dnf|yum)\s+(?:-\S+\s+)*(?:install|add)\b/.test(run) && BUILD_TOOLS.test(run)) {
      violations.push({
        rule: "no-build-tools-in-runtime",
        message: `the final image installs build tools: ${run}`,
      });
    }
  }
  for (const stage of made.chain) {
    for (const copy of ofKind<Copy>(stage, "COPY")) {
      const args = copy.getArgumentsContent() ?? "";
      if (/\.whl\b|(?:^|\s)\/?dist\/?(?:\s|$)/.test(args)) {
        violations.push({
          rule: "no-pip-in-runtime",
          message: `COPY ${args}: a wheel in the final image is there to be installed; copy the builder's environment`,
        });
      }
    }
  }
}

/** One `uv sync` in a RUN, and where it stands in an `if [ -f uv.lock ]` fallback. */
interface Sync {
  run: Run;
  flags: string[];
  branch: "locked" | "fallback" | undefined;
}

const LOCK_GUARD =
  /\bif\s+(?:\[\s+-[ef]\s+|test\s+-[ef]\s+)["']?(?:\.\/)?uv\.lock["']?\s*\]?\s*;?\s*then\b([\s\S]*?)\belse\b([\s\S]*?)\bfi\b/;

function syncsOf(run: Run): { syncs: Sync[]; warns: boolean } {
  const text = command(run);
  const guard = LOCK_GUARD.exec(text);
  const syncs: Sync[] = [];
  const collect = (part: string, branch: Sync["branch"]) => {
    for (const match of part.matchAll(UV_SYNC)) {
      syncs.push({ run, flags: (match[1] ?? "").trim().split(/\s+/).filter(Boolean), branch });
    }
  };
  if (guard) {
    collect(text.slice(0, guard.index), undefined);
    collect(guard[1] ?? "", "locked");
    collect(guard[2] ?? "", "fallback");
    collect(text.slice(guard.index + guard[0].length), undefined);
  } else {
    collect(text, undefined);
  }
  const fallback = guard?.[2] ?? "";
  const warns = /\b(?:echo|printf)\b[^;&|]*(?:>&2|1>&2)/.test(fallback) && /uv\.lock/.test(fallback);
  return { syncs, warns };
}

function hasFlag(sync: Sync, env: Map<string, string>, flag: string, variable: string): boolean {
  return sync.flags.includes(flag) || TRUTHY.test(env.get(variable) ?? "");
}

/** The builder (the stage with `uv sync` the final image copies from, else the last one) and its syncs. */
function findBuilder(
  parsed: Parsed,
  made: Made,
): { builder: Stage | undefined; syncs: Sync[]; warns: boolean } {
  const finalIndex = parsed.stages.length - 1;
  const copiedFrom = made.chain
    .flatMap((stage) => ofKind<Copy>(stage, "COPY"))
    .flatMap((copy) => flagValues(copy, "from"))
    .map((ref) => earlierStage(parsed.stages, ref, finalIndex))
    .filter((stage): stage is Stage => stage !== undefined);
  const withSync = (stage: Stage) => ofKind<Run>(stage, "RUN").some((run) => syncsOf(run).syncs.length > 0);
  const builder = copiedFrom.find(withSync) ?? parsed.stages.filter(withSync).pop();
  if (!builder) return { builder, syncs: [], warns: false };
  const results = ofKind<Run>(builder, "RUN").map(syncsOf);
  return {
    builder,
    syncs: results.flatMap((result) => result.syncs),
    warns: results.some((result) => result.warns),
  };
}

/**
 * The builder syncs exactly the lock: every `uv sync` is --locked, --no-dev and --no-editable, except the
 * fallback of the first one for an app without uv.lock (`if [ -f uv.lock ]; then ... --locked ...; else`
 * a warning on stderr and an unlocked sync), and the last one installs the project itself.
 */
function checkLockedSync(
  found: ReturnType<typeof findBuilder>,
  env: Map<string, string>,
  violations: Violation[],
) {
  const { syncs, warns } = found;
  if (syncs.length === 0) {
    violations.push({
      rule: "locked-sync",
      message: "no builder stage runs `uv sync` into the environment it ships",
    });
    return;
  }
  const first = syncs[0] as Sync;
  if (first.branch === undefined) {
    violations.push({
      rule: "locked-sync",
      message:
        "the first `uv sync` has no fallback for an app without uv.lock (`if [ -f uv.lock ]; then uv sync --locked ...; else <warning> >&2; uv sync ...; fi`)",
    });
  } else if (!syncs.some((sync) => sync.branch === "fallback")) {
    violations.push({
      rule: "locked-sync",
      message: "the `if [ -f uv.lock ]` has no `uv sync` for an app without one",
    });
  } else if (!warns) {
    violations.push({
      rule: "locked-sync",
      message:
        "without uv.lock the build resolves at build time silently: print a warning naming uv.lock on stderr",
    });
  }
  for (const sync of syncs) {
    const shown = `uv sync ${sync.flags.join(" ")}`.trim();
    if (sync.flags.includes("--frozen") || TRUTHY.test(env.get("UV_FROZEN") ?? "")) {
      violations.push({
        rule: "locked-sync",
        message: `${shown}: --frozen installs a stale lock without checking it; use --locked`,
      });
    }
    if (sync.branch === "fallback" && hasFlag(sync, env, "--locked", "UV_LOCKED")) {
      violations.push({
        rule: "locked-sync",
        message: `${shown}: the fallback for an app without uv.lock cannot be --locked (there is no lock to hold)`,
      });
    }
    if (sync.branch !== "fallback" && !hasFlag(sync, env, "--locked", "UV_LOCKED")) {
      violations.push({
        rule: "locked-sync",
        message: `${shown}: without --locked, uv re-resolves when uv.lock is stale instead of failing`,
      });
    }
    if (!hasFlag(sync, env, "--no-dev", "UV_NO_DEV")) {
      violations.push({ rule: "locked-sync", message: `${shown}: without --no-dev the dev tools ship` });
    }
    if (!hasFlag(sync, env, "--no-editable", "UV_NO_EDITABLE")) {
      violations.push({
        rule: "locked-sync",
        message: `${shown}: without --no-editable the app is a link to /src, which the runtime does not have`,
      });
    }
  }
  const last = syncs[syncs.length - 1] as Sync;
  if (last.flags.some((flag) => /^--(?:no-install-(?:project|workspace)|only-dev|only-group)\b/.test(flag))) {
    violations.push({
      rule: "locked-sync",
      message: `the last \`uv sync ${last.flags.join(" ")}\` leaves the app itself out of the environment`,
    });
  }
}

/** Every RUN that syncs has uv's cache as a BuildKit cache mount, with copies (not hard links) out of it. */
function checkUvCache(
  found: ReturnType<typeof findBuilder>,
  env: Map<string, string>,
  violations: Violation[],
) {
  const target = (env.get("UV_CACHE_DIR")?.replace(/\/+$/, "") || UV_CACHE).toLowerCase();
  const runs = [...new Set(found.syncs.map((sync) => sync.run))];
  for (const run of runs) {
    const mounts = flagValues(run, "mount");
    const cached = mounts.some((mount) => {
      const parts = new Map(mount.split(",").map((part) => part.split("=", 2) as [string, string]));
      return (
        parts.get("type") === "cache" &&
        (parts.get("target") ?? parts.get("dst"))?.replace(/\/+$/, "") === target
      );
    });
    if (!cached) {
      violations.push({
        rule: "uv-cache",
        message: `\`${command(run).slice(0, 60)}...\` runs without --mount=type=cache,target=${target}`,
      });
    }
  }
  if (runs.length > 0 && env.get("UV_LINK_MODE") !== "copy") {
    violations.push({
      rule: "uv-cache",
      message:
        "UV_LINK_MODE=copy is not set in the builder: the cache mount is another file system, so uv cannot hard-link from it",
    });
  }
}

function checkBytecode(
  found: ReturnType<typeof findBuilder>,
  env: Map<string, string>,
  violations: Violation[],
) {
  const last = found.syncs[found.syncs.length - 1];
  if (!last) return;
  if (!hasFlag(last, env, "--compile-bytecode", "UV_COMPILE_BYTECODE")) {
    violations.push({
      rule: "bytecode",
      message:
        "the environment is synced without UV_COMPILE_BYTECODE=1 (or --compile-bytecode): the non-root user cannot write .pyc files, so every start compiles again",
    });
  }
}

/** Where `uv sync` puts the project environment in the builder: UV_PROJECT_ENVIRONMENT, else WORKDIR/.venv. */
function environmentPath(builder: Stage, env: Map<string, string>): string {
  let workdir = "/";
  for (const instruction of builder.instructions) {
    if (instruction.getKeyword() !== "WORKDIR") continue;
    const dir = (instruction.getArgumentsContent() ?? "").trim();
    workdir = dir.startsWith("/") ? dir : `${workdir.replace(/\/$/, "")}/${dir}`;
  }
  const configured = env.get("UV_PROJECT_ENVIRONMENT") || ".venv";
  const path = configured.startsWith("/") ? configured : `${workdir.replace(/\/$/, "")}/${configured}`;
  return path.replace(/\/+$/, "").replace(/\/\.\//g, "/");
}

/**
 * The builder's environment is what runs: copied whole into the final image at the same path (its scripts
 * and pyvenv.cfg hold absolute paths), owned by root, first on PATH, on the same base image (its python is a
 * link to the base's interpreter), made with no Python of uv's own.
 */
function checkVenv(
  parsed: Parsed,
  made: Made,
  found: ReturnType<typeof findBuilder>,
  violations: Violation[],
) {
  const { builder } = found;
  if (!builder) return;
  const built = make(parsed, parsed.stages.indexOf(builder), {});
  const path = environmentPath(builder, built.env);
  const downloads = built.env.get("UV_PYTHON_DOWNLOADS");
  const systemOnly =
    downloads === "never" ||
    TRUTHY.test(built.env.get("UV_NO_MANAGED_PYTHON") ?? "") ||
    built.env.get("UV_PYTHON_PREFERENCE") === "only-system";
  if (!systemOnly) {
    violations.push({
      rule: "venv",
      message:
        "the builder lets uv download a Python (set UV_PYTHON_DOWNLOADS=never): an environment made on it would point at a Python the runtime does not have",
    });
  }
  if (
    splitRef(built.rootImage).name !== splitRef(made.rootImage).name ||
    built.rootImage !== made.rootImage
  ) {
    violations.push({
      rule: "venv",
      message: `the builder is based on ${built.rootImage} and the final image on ${made.rootImage}: the environment's python links to the builder's interpreter`,
    });
  }
  const copies = made.chain
    .flatMap((stage) =>
      ofKind<Copy>(stage, "COPY").map((copy) => ({ copy, index: parsed.stages.indexOf(stage) })),
    )
    .filter(({ copy, index }) => {
      const from = flagValues(copy, "from")[0];
      return from !== undefined && earlierStage(parsed.stages, from, index) === builder;
    });
  const trim = (p: string) => p.replace(/\/+$/, "");
  const venvCopy = copies.find(({ copy }) => {
    const paths = copy.getArguments().map((a) => trim(a.getValue()));
    return paths.length === 2 && paths[0] === path;
  });
  if (!venvCopy) {
    violations.push({
      rule: "venv",
      message: `the final image does not copy the builder's environment (COPY --from=${builder.name ?? "builder"} ${path} ${path})`,
    });
  } else {
    const destination = trim(venvCopy.copy.getArguments()[1]?.getValue() ?? "");
    if (destination !== path) {
      violations.push({
        rule: "venv",
        message: `the environment is copied to ${destination}, not ${path}: its scripts' #! lines and pyvenv.cfg name ${path}`,
      });
    }
    const owner = flagValues(venvCopy.copy, "chown")[0];
    if (owner !== undefined && !/^(?:0|root)(?::(?:0|root))?$/.test(owner)) {
      violations.push({
        rule: "venv",
        message: `COPY --chown=${owner} of the environment lets the service rewrite its own code; leave it owned by root`,
      });
    }
  }
  const first = (made.env.get("PATH") ?? "").split(":")[0];
  if (trim(first ?? "") !== `${path}/bin`) {
    violations.push({
      rule: "venv",
      message: `PATH does not start with ${path}/bin, so \`python\` and \`sample-app\` are not the environment's`,
    });
  }
}

/** The final image a build with `args` makes, as evaluated here: its stages, base image, labels, ENV and USER. */
export function finalImage(
  text: string,
  args: Readonly<Record<string, string>> = {},
): {
  stages: (string | undefined)[];
  rootImage: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  user: string | undefined;
} {
  const parsed = parse(text);
  if (parsed.stages.length === 0) throw new Error("no FROM instruction");
  const made = make(parsed, parsed.stages.length - 1, args);
  return {
    stages: made.chain.map((stage) => stage.name),
    rootImage: made.rootImage,
    labels: Object.fromEntries(made.labels),
    env: Object.fromEntries(made.env),
    user: made.user,
  };
}

/** Every rule violation in the Dockerfile text; an empty list means it passes. */
export function checkDockerfile(text: string): Violation[] {
  const parsed = parse(text);
  const { stages } = parsed;
  if (stages.length === 0) return [{ rule: "parse", message: "no FROM instruction" }];
  const violations: Violation[] = [];
  checkPinned(parsed, violations);
  const finalIndex = stages.length - 1;
  // Build in one stage, run in another: some stage is in no build's final image.
  const shipped = new Set(make(parsed, finalIndex, {}).chain);
  if (stages.every((stage) => shipped.has(stage))) {
    violations.push({
      rule: "multi-stage",
      message: "every stage is part of the final image; build in one stage, run in another",
    });
  }
  const made = make(parsed, finalIndex, {});
  checkUser(made, violations);
  checkLabels(made, violations);
  checkBuildArgs(made, violations);
  checkRuntime(parsed, made, violations);
  const found = findBuilder(parsed, made);
  const env = found.builder ? make(parsed, stages.indexOf(found.builder), {}).env : new Map<string, string>();
  checkLockedSync(found, env, violations);
  checkUvCache(found, env, violations);
  checkBytecode(found, env, violations);
  checkVenv(parsed, made, found, violations);
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.rule}\u0000${violation.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------
// .dockerignore

/**
 * Whether the build context leaves `path` out, as BuildKit reads .dockerignore (moby/patternmatcher's
 * MatchesOrParentMatches: the last matching pattern wins, `!` re-includes, a pattern also matches every file
 * under a directory it matches, `**` spans directories, and a cleaned pattern loses its trailing `/`).
 */
export function dockerignoreExcludes(dockerignore: string, path: string): boolean {
  const patterns = dockerignore
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const exclusion = line.startsWith("!");
      const cleaned = (exclusion ? line.slice(1) : line).replace(/\/+$/, "").replace(/^\/+/, "");
      return { exclusion, match: compileIgnorePattern(cleaned) };
    });
  const parts = path.split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let excluded = false;
  for (const pattern of patterns) {
    if (pattern.exclusion !== excluded) continue;
    if (candidates.some(pattern.match)) excluded = !pattern.exclusion;
  }
  return excluded;
}

function compileIgnorePattern(pattern: string): (path: string) => boolean {
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") i++;
      source += i + 1 >= pattern.length ? ".*" : "(.*/)?";
    } else if (ch === "*") {
      source += "[^/]*";
    } else if (ch === "?") {
      source += "[^/]";
    } else if (ch === "\\" && i + 1 < pattern.length) {
      source += `\\${pattern[++i]}`;
    } else if (ch === "[" || ch === "]") {
      source += ch;
    } else {
      source += /[.+()|{}$^]/.test(ch) ? `\\${ch}` : ch;
    }
  }
  const regex = new RegExp(`${source}$`);
  return (path) => regex.test(path);
}
