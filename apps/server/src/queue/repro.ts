import { execFile } from "node:child_process";
import { cpus, arch, platform, release, totalmem } from "node:os";
import { promisify } from "node:util";
import { pythonBin } from "@ws2s/bridge";
import { REPO_ROOT } from "../options.js";

const run = promisify(execFile);

const PY_VERSIONS = `import json, platform, importlib.metadata as m
def v(p):
    try: return m.version(p)
    except Exception: return None
print(json.dumps({"python": platform.python_version(), "torch": v("torch"), "transformers": v("transformers"), "numpy": v("numpy"), "ws2s": v("ws2s")}))`;

let pythonVersions: Promise<Record<string, string | null>> | undefined;

/** Versions of the Python side, read once per server process (package metadata only; no torch import). */
function pythonPackages(): Promise<Record<string, string | null>> {
  pythonVersions ??= run(pythonBin(), ["-c", PY_VERSIONS], { timeout: 30_000 })
    .then(({ stdout }) => JSON.parse(stdout) as Record<string, string | null>)
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
