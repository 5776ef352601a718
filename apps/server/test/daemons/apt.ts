import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Makes sure Debian packages are installed for a test's daemons, as scripts/ensure-chromium.mjs does
 * for the browser: when `present()` is false, installs `packages` with apt-get (as root, or through
 * sudo -n), printing progress. Returns null when ready, else the reason it is not (the caller skips
 * its tests and prints that reason).
 */
export function ensureDebianPackages(what: string, packages: string[], present: () => boolean): string | null {
  if (present()) return null;
  // Another test file may have installed them while this one waited for the lock.
  if (existsSync("/usr/bin/flock")) spawnSync("/usr/bin/flock", ["/tmp/ws2s-apt.lock", "true"]);
  if (present()) return null;
  console.log(`[${what}] missing: installing Debian's ${packages.join(" ")} (one-time, a minute or two)`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  // Test files start their daemons in parallel: one apt-get at a time (flock), and a wait on dpkg's lock.
  const lock = existsSync("/usr/bin/flock") ? ["/usr/bin/flock", "/tmp/ws2s-apt.lock"] : [];
  const apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"];
  for (const args of [[...apt, "update"], [...apt, "install", "-y", "--no-install-recommends", ...packages]]) {
    const full = [...sudo, ...lock, ...args];
    console.log(`[${what}] $ ${full.join(" ")}`);
    const r = spawnSync(full[0]!, full.slice(1), { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.error || r.status !== 0) {
      return `could not install ${packages.join(" ")} (${r.error?.message ?? `${full.join(" ")} exited with ${r.status}`}); as root: apt-get install -y ${packages.join(" ")}`;
    }
  }
  return present() ? null : `apt-get finished but ${what} is still missing; install ${packages.join(" ")}`;
}

/** Runs a command, throwing with its output when it fails. */
export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: opts.env ?? process.env, cwd: opts.cwd, timeout: 120_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
