export * from "./events.js";
export * from "./config.js";
export * from "./api.js";
