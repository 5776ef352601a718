import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDebianPackages, sh } from "./apt.js";
import { freePort } from "./postgres.js";

export interface SlurmCluster {
  /** SLURM_CONF for the commands (sbatch, squeue, ...) of the server under test. */
  conf: string;
  /** The tail of slurmctld's and slurmd's logs, for a failing test's message. */
  logs(): string;
  stop(): void;
}

const readPid = (f: string) => (existsSync(f) ? Number(readFileSync(f, "utf8").trim()) : NaN);

/**
 * A one-node SLURM cluster for tests, from Debian's slurm-wlm 22.05 (installed when missing): munged
 * on a private socket with a fresh key, slurmctld and slurmd as root on free ports, state and spool in
 * a temporary directory, non-cgroup plugins (proctrack/linuxproc, task/none: cgroups are not
 * available in containers), CPU only, no accounting (status comes from squeue, then scontrol). Returns
 * a reason string instead when SLURM cannot be installed or started.
 */
export async function startSlurm(): Promise<SlurmCluster | string> {
  if (process.getuid?.() !== 0) return "the SLURM tests start slurmd, which must run as root";
  const missing = ensureDebianPackages("slurm", ["slurm-wlm", "munge"], () => ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"].every(existsSync));
  if (missing) return missing;
  const dir = mkdtempSync(join(tmpdir(), "ws2s-slurm-"));
  for (const d of ["state", "spool", "log"]) mkdirSync(join(dir, d));
  const sock = join(dir, "munge.sock");
  const key = join(dir, "munge.key");
  if (existsSync("/etc/munge/munge.key")) copyFileSync("/etc/munge/munge.key", key);
  else writeFileSync(key, readFileSync("/dev/urandom").subarray(0, 1024));
  sh("chmod", ["600", key]);
  const stopAll = () => {
    for (const pid of ["slurmd.pid", "slurmctld.pid", "munged.pid"].map((f) => readPid(join(dir, f)))) {
      if (Number.isFinite(pid)) spawnSync("kill", ["-TERM", String(pid)]);
    }
  };
  try {
    sh("/usr/sbin/munged", [`--socket=${sock}`, `--key-file=${key}`, `--pid-file=${join(dir, "munged.pid")}`, `--log-file=${join(dir, "log", "munged.log")}`, `--seed-file=${join(dir, "munge.seed")}`, "--force"]);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const host = hostname();
    const conf = join(dir, "slurm.conf");
    writeFileSync(conf, [
      "ClusterName=ws2stest",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${sock}`,
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "MpiDefault=none",
      "ReturnToService=2",
      // A job past its limit is killed 5 s after its SIGTERM; finished jobs stay visible to scontrol for 10 min.
      "KillWait=5",
      "MinJobAge=600",
      "InactiveLimit=0",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN`,
      // Several jobs share the node's two CPUs, as runs share a CPU server.
      "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4",
      // Takes jobs but starts none: they stay PENDING (reason PartitionDown).
      "PartitionName=held Nodes=ALL MaxTime=INFINITE State=DOWN",
      "",
    ].join("\n"));
    const env = { ...process.env, SLURM_CONF: conf };
    sh("/usr/sbin/slurmctld", ["-i"], { env });
    sh("/usr/sbin/slurmd", [], { env });
    // Ready once the node is idle (polled: the daemons register in a second or two, more on a loaded machine).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = spawnSync("sinfo", ["-h", "-o", "%t"], { encoding: "utf8", env });
      if (r.status === 0 && /^idle/m.test(r.stdout)) break;
      if (Date.now() > deadline) throw new Error(`the SLURM node did not become idle (sinfo: ${r.stdout}${r.stderr})`);
      spawnSync("sleep", ["0.2"]);
    }
    const logs = () =>
      ["slurmctld.log", "slurmd.log"].map((f) => {
        const p = join(dir, "log", f);
        return existsSync(p) ? `--- ${f}\n${readFileSync(p, "utf8").split("\n").slice(-30).join("\n")}` : "";
      }).join("\n");
    return {
      conf,
      logs,
      stop() {
        stopAll();
        // The daemons remove their pid files as they exit; wait for that, then clean up.
        const end = Date.now() + 30_000;
        while (["slurmd.pid", "slurmctld.pid"].some((f) => existsSync(join(dir, f))) && Date.now() < end) spawnSync("sleep", ["0.2"]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    // Installed but not starting is a failure to look at, not a reason to skip.
    stopAll();
    throw new Error(`SLURM did not start: ${(e as Error).message}`);
  }
}
