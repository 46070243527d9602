// Dexie as one ES module (default export plus the named helpers the app uses).
export { default, Dexie, liveQuery } from "dexie";
