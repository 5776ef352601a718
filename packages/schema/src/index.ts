export * from "./events.js";
export * from "./config.js";
export * from "./api.js";
export * from "./registries.js";
export * from "./results.js";
