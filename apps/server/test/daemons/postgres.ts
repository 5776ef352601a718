import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ensureDebianPackages, sh } from "./apt.js";

const ROOT = "/usr/lib/postgresql";
export const PG_USER = "ws2s";
export const PG_PASSWORD = "s3cret-pw-never-logged";

/** The newest installed PostgreSQL's bin directory (Debian's /usr/lib/postgresql/<version>/bin). */
function binDir(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT).filter((v) => existsSync(join(ROOT, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(ROOT, versions[0], "bin");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PgCluster {
  /** postgres://ws2s:<password>@127.0.0.1:<port>/<db> */
  url(db?: string): string;
  /** Creates an empty database and returns its URL. */
  createDb(name: string): Promise<string>;
  stop(): void;
}

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temporary directory, run as an
 * unprivileged user (postgres, else nobody: PostgreSQL refuses root), listening on 127.0.0.1 on a free
 * port with password authentication. Returns a reason string instead when PostgreSQL cannot be installed.
 */
export async function startPostgres(): Promise<PgCluster | string> {
  const missing = ensureDebianPackages("postgresql", ["postgresql"], () => binDir() !== undefined);
  if (missing) return missing;
  const bin = binDir()!;
  const user = spawnSync("id", ["-u", "postgres"]).status === 0 ? "postgres" : "nobody";
  const dir = mkdtempSync(join(tmpdir(), "ws2s-pg-"));
  chmodSync(dir, 0o755);
  const data = join(dir, "data");
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  sh("chown", ["-R", `${user}:`, dir]);
  const as = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? sh("runuser", ["-u", user, "--", join(bin, cmd), ...args]) : sh(join(bin, cmd), args));
  as("initdb", ["-D", data, "-U", PG_USER, `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  as("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "120", "start"]);
  const url = (db = "postgres") => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${db}`;
  return {
    url,
    async createDb(name: string) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return url(name);
    },
    stop() {
      try {
        as("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
