export * from "./events.js";
export * from "./config.js";
