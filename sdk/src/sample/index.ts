export { generateSample } from "./generate-sample.ts";
export type { SampleOptions, SampleReport } from "./generate-sample.ts";
export { seededRandom } from "./random.ts";
