import { execFileSync } from "node:child_process";

/**
 * GPU ids visible to the server: CUDA_VISIBLE_DEVICES when set (empty or "-1" means none), else the
 * GPUs `nvidia-smi -L` lists, else none (CPU).
 */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): string[] {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) return parseVisibleDevices(visible);
  try {
    const out = execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] });
    return parseNvidiaSmiList(out);
  } catch {
    return [];
  }
}

export function parseVisibleDevices(value: string): string[] {
  const ids = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const stop = ids.findIndex((s) => s.startsWith("-"));
  return stop === -1 ? ids : ids.slice(0, stop);
}

/** "GPU 0: NVIDIA H100 (UUID: ...)" lines → ["0", ...]. */
export function parseNvidiaSmiList(out: string): string[] {
  return [...out.matchAll(/^GPU (\d+):/gm)].map((m) => m[1] as string);
}
