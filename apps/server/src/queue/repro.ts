import { execFile } from "node:child_process";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { promisify } from "node:util";
import { startJob } from "@ws2s/bridge";
import { REPO_ROOT } from "../options.js";

const run = promisify(execFile);

let pythonVersions: Promise<Record<string, unknown>> | undefined;

/**
 * The Python side's versions (the `repro_probe` job, through the bridge like every other Python
 * call), asked once per server process. Never rejects: a failed probe is recorded as its error.
 */
export function pythonPackages(): Promise<Record<string, unknown>> {
  pythonVersions ??= startJob({ job: "repro_probe", params: {}, env: { WS2S_TOKEN: undefined as unknown as string } })
    .result.then((r) => r as Record<string, unknown>)
    .catch((e: Error) => ({ error: `could not query Python: ${e.message.split("\n")[0]}` }));
  return pythonVersions;
}

async function git(): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const head = await run("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, timeout: 10_000 });
    const status = await run("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: REPO_ROOT, timeout: 10_000 });
    return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== "" };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The assigned GPU's name, memory and driver (nvidia-smi), or null on CPU / without nvidia-smi. */
async function gpuInfo(gpu: string | null): Promise<string | null> {
  if (gpu === null) return null;
  try {
    const { stdout } = await run("nvidia-smi", ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader", "-i", gpu], { timeout: 10_000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** What is needed to reproduce a run: config, code version, package versions, seeds, hardware. */
export async function captureRepro(config: Record<string, unknown>, gpu: string | null): Promise<Record<string, unknown>> {
  const [code, python, gpuName] = await Promise.all([git(), pythonPackages(), gpuInfo(gpu)]);
  const cpu = cpus();
  return {
    config,
    seeds: config.seeds ?? null,
    git: code,
    versions: { node: process.version, ...python },
    hardware: {
      platform: `${platform()} ${release()}`,
      arch: arch(),
      cpu: cpu[0]?.model ?? null,
      cpuCount: cpu.length,
      memoryBytes: totalmem(),
      cudaVisibleDevices: gpu,
      gpu: gpuName,
    },
  };
}
