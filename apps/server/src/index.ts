export { createServer, type Ws2sServer } from "./app.js";
export type { ServerOptions } from "./options.js";
export { appRouter, type AppRouter } from "./router.js";
