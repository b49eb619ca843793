// Is the configured promptls there, and new enough? `promptls --version` before starting it.

import { execFile } from "node:child_process";

/** The oldest promptls whose server answers the commands this extension sends (PROTOCOL.md). */
export const MIN_VERSION = "0.1.0";

export type Probe =
  | { ok: true; version?: string }
  | { ok: false; kind: "missing" | "old" | "broken"; version?: string; detail: string };

/** `[1, 2, 3]` from `1.2.3`, `1.2.3.dev4`, `promptls 1.2.3`; undefined when there is no version. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function olderThan(version: string, minimum: string = MIN_VERSION): boolean {
  const a = parseVersion(version);
  const b = parseVersion(minimum);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return false;
}

/** The command line that prints the version: the server's, with `--version` in place of `serve`. */
export function versionArgs(args: readonly string[]): string[] | undefined {
  const i = args.indexOf("serve");
  if (i < 0) return undefined;
  return [...args.slice(0, i), "--version"];
}

export function probe(command: string, args: readonly string[], cwd?: string): Promise<Probe> {
  const vargs = versionArgs(args);
  if (!vargs) return Promise.resolve({ ok: true }); // a custom command line: the server's serverInfo tells
  return new Promise((resolve) => {
    execFile(command, vargs, { timeout: 20_000, cwd, windowsHide: true }, (error, stdout, stderr) => {
      const out = `${stdout ?? ""}${stderr ?? ""}`.trim();
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          resolve({ ok: false, kind: "missing", detail: `\`${command}\` was not found` });
        } else if (code === "EACCES") {
          resolve({ ok: false, kind: "missing", detail: `\`${command}\` is not executable` });
        } else if (/No module named '?promptls/.test(out)) {
          resolve({ ok: false, kind: "missing", detail: `\`${command}\` has no promptls module` });
        } else {
          const last = out.split(/\r?\n/).filter(Boolean).slice(-1)[0] ?? error.message;
          resolve({ ok: false, kind: "broken", detail: `\`${command} ${vargs.join(" ")}\` failed: ${last}` });
        }
        return;
      }
      const parsed = parseVersion(out);
      if (!parsed) {
        resolve({ ok: false, kind: "broken", detail: `\`${command} ${vargs.join(" ")}\` printed no version` });
        return;
      }
      const version = parsed.join(".");
      if (olderThan(version)) {
        resolve({ ok: false, kind: "old", version, detail: `promptls ${version} is older than ${MIN_VERSION}` });
        return;
      }
      resolve({ ok: true, version });
    });
  });
}
