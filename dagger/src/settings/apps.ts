/** The Python projects of a repository, what each uses of the others, and which of them a change touches. */
import { posix } from "node:path";
import { InputError } from "./errors.js";
import { globRegex, isMember, parseToml, table } from "./project.js";

export type App = {
  /** its folder, from the repository's root ("." for the root) */
  path: string;
  name: string;
  /** the workspace root whose uv.lock it shares, for a member */
  workspace?: string;
  /** folders of the other projects it uses: uv path sources and workspace members */
  uses: string[];
};

/** Never an app: environments, build output, and the projects tests keep as fixtures. */
const NOT_APPS = new Set([
  ".venv",
  "venv",
  "node_modules",
  ".tox",
  ".nox",
  "build",
  "dist",
  "site-packages",
  "__pypackages__",
  "tests",
  "test",
  "fixtures",
  "testdata",
]);

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];

/** PEP 503: `My_Lib` and `my-lib` are one project. */
const normalized = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** `a/b/../c` -> `a/c`; undefined when it leaves the repository. */
function join(folder: string, relative: string): string | undefined {
  const joined = posix.normalize(`${folder}/${relative}/`).slice(0, -1);
  return joined === ".." || joined.startsWith("../") ? undefined : joined || ".";
}

export const folderOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");

/** Whether a pyproject.toml at this path can be an app. */
export function mayBeApp(path: string): boolean {
  return !folderOf(path)
    .split("/")
    .some((part) => NOT_APPS.has(part));
}

/** `files` are the repository's pyproject.toml files, by path from its root. */
export function discoverApps(files: readonly { path: string; text: string }[]): App[] {
  const projects = files
    .filter((f) => mayBeApp(f.path))
    .map((f) => {
      const doc = parseToml(f.text, f.path);
      const uv = table(table(doc.tool).uv);
      const workspace = uv.workspace === undefined ? undefined : table(uv.workspace);
      const name = table(doc.project).name;
      return {
        folder: folderOf(f.path),
        name: typeof name === "string" ? name : undefined,
        sources: table(uv.sources),
        workspace: workspace && { members: strings(workspace.members), exclude: strings(workspace.exclude) },
      };
    });
  const roots = projects.filter((p) => p.workspace !== undefined);
  const rootOf = (folder: string) =>
    roots.find((r) => {
      if (r.folder === folder) return true;
      const inside = r.folder === "." || folder.startsWith(`${r.folder}/`);
      const relative = r.folder === "." ? folder : folder.slice(r.folder.length + 1);
      return inside && r.workspace !== undefined && isMember(r.workspace, relative);
    });
  const apps = projects.filter((p): p is typeof p & { name: string } => p.name !== undefined);
  return apps
    .map((p) => {
      const root = rootOf(p.folder);
      const uses = Object.entries(p.sources).flatMap(([dep, spec]) => {
        const source = table(spec);
        if (typeof source.path === "string") {
          const target = join(p.folder, source.path);
          return target === undefined || target === p.folder ? [] : [target];
        }
        if (source.workspace === true && root) {
          const member = apps.find(
            (a) => normalized(a.name) === normalized(dep) && rootOf(a.folder) === root,
          );
          return member && member.folder !== p.folder ? [member.folder] : [];
        }
        return [];
      });
      return {
        path: p.folder,
        name: p.name,
        ...(root ? { workspace: root.folder } : {}),
        uses: [...new Set(uses)].sort(),
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** `--apps`: * for every app found, else the folders named, each of which must be one. */
export function selectApps(apps: readonly App[], wanted: readonly string[]): App[] {
  if (wanted.includes("*")) return [...apps];
  return wanted.map((folder) => {
    const app = apps.find((a) => a.path === folder);
    if (app === undefined) {
      throw new InputError(
        `No app at '${folder}'. Expected a folder with a pyproject.toml that has a [project] name, one of: ${apps.map((a) => a.path).join(", ") || "none found"} (dagger call apps lists them).`,
      );
    }
    return app;
  });
}

export type Affected = { app: App; affected: boolean; reason: string };

/** The app a file belongs to: the one with the longest folder that holds it. */
function ownerOf(apps: readonly App[], file: string): App | undefined {
  return apps
    .filter((a) => a.path === "." || file.startsWith(`${a.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

/**
 * `changed` undefined: not known, so every app runs. An app is affected by its own files, by what it uses
 * (transitively), by its workspace's lock and root pyproject.toml, and by a `shared` glob.
 */
export function affectedApps(
  apps: readonly App[],
  changed: readonly string[] | undefined,
  shared: readonly string[] = [],
): Affected[] {
  const every = (reason: string) => apps.map((app) => ({ app, affected: true, reason }));
  if (changed === undefined) return every("the changed files are not known: every app runs");
  const globs = shared.map((g) => ({ glob: g, re: globRegex(g) }));
  const sharedHit = changed.flatMap((file) =>
    globs.filter((g) => g.re.test(file)).map((g) => ({ file, glob: g.glob })),
  )[0];
  if (sharedHit) return every(`shared file ${sharedHit.file} changed (--shared ${sharedHit.glob})`);
  const own = new Map<string, string>();
  for (const file of changed) {
    const owner = ownerOf(apps, file);
    if (owner && !own.has(owner.path)) own.set(owner.path, file);
  }
  const byPath = new Map(apps.map((a) => [a.path, a]));
  return apps.map((app) => {
    const mine = own.get(app.path);
    if (mine !== undefined) return { app, affected: true, reason: `its file ${mine} changed` };
    if (app.workspace !== undefined) {
      const root = app.workspace === "." ? "" : `${app.workspace}/`;
      const lock = changed.find((f) => f === `${root}uv.lock` || f === `${root}pyproject.toml`);
      if (lock !== undefined) return { app, affected: true, reason: `its workspace's ${lock} changed` };
    }
    // what it uses, breadth first, so the nearest changed dependency is named
    const seen = new Set([app.path]);
    const queue = [...app.uses];
    while (queue.length > 0) {
      const dep = queue.shift() as string;
      if (seen.has(dep)) continue;
      seen.add(dep);
      const file = own.get(dep) ?? changed.find((f) => f.startsWith(`${dep}/`));
      if (file !== undefined)
        return { app, affected: true, reason: `it uses ${dep}, whose file ${file} changed` };
      queue.push(...(byPath.get(dep)?.uses ?? []));
    }
    return { app, affected: false, reason: "no change to its files, what it uses, or a shared file" };
  });
}
