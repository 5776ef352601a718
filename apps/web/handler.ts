import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";

export type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The directory of the Next.js app (apps/web). */
export const WEB_DIR = dirname(fileURLToPath(import.meta.url));

/** True when `node scripts/build-web.mjs` (next build) has produced a production build. */
export function isWebBuilt(dir = WEB_DIR): boolean {
  return existsSync(join(dir, ".next", "BUILD_ID"));
}

/**
 * The built web app as a plain Node request handler, for `ws2s serve` to mount next to `/trpc` on one
 * port. Returns null when the app is not built (the API still works; build with `node scripts/build-web.mjs`).
 */
export async function createWebHandler(dir = WEB_DIR): Promise<WebHandler | null> {
  if (!isWebBuilt(dir)) return null;
  const app = next({ dev: false, dir, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => handle(req, res);
}
