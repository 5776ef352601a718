import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// `next dev` alone has no API: WS2S_API_URL=http://127.0.0.1:8787 npm run dev -w @ws2s/web forwards
// /trpc and /api to a running `ws2s serve`. Production serves both from one port and needs none.
const api = process.env.WS2S_API_URL;

/** @type {import("next").NextConfig} */
const config = {
  reactStrictMode: true,
  // `npx tsc --noEmit -p apps/web` typechecks in `npm test`; the build does not repeat it.
  typescript: { ignoreBuildErrors: true, tsconfigPath: "tsconfig.next.json" },
  // @ws2s/schema ships TypeScript source (zod schemas shared with the server).
  transpilePackages: ["@ws2s/schema"],
  // @ws2s/schema is NodeNext TypeScript (`./config.js` means config.ts). Turbopack cannot map that
  // yet, so the app builds with webpack (`next build --webpack`), which can.
  experimental: { extensionAlias: { ".js": [".ts", ".tsx", ".js"] } },
  outputFileTracingRoot: root,
  devIndicators: false,
  poweredByHeader: false,
  async rewrites() {
    if (!api) return [];
    return [
      { source: "/trpc/:path*", destination: `${api}/trpc/:path*` },
      { source: "/api/:path*", destination: `${api}/api/:path*` },
    ];
  },
};

export default config;
