/**
 * Every diagnostic code lakebundle emits. 1xxx: spec shape; 12xx: references and expressions;
 * 13xx: consistency paths; 14xx: targets; 15xx: generated output; 16xx: project/loading.
 */
export const codes = {
  // spec shape (zod)
  invalidType: "LB1001",
  missingField: "LB1002",
  unknownField: "LB1003",
  invalidValue: "LB1004",
  invalidName: "LB1005",
  invalidDuration: "LB1006",
  invalidColumnType: "LB1007",
  invalidCron: "LB1008",
  tooSmall: "LB1009",
  // references and expressions
  unknownSource: "LB1201",
  unknownDataset: "LB1202",
  unknownColumn: "LB1203",
  wrongLayer: "LB1204",
  duplicateName: "LB1205",
  cycle: "LB1206",
  unsafeExpression: "LB1207",
  keyNotRequired: "LB1208",
  eventTimeType: "LB1209",
  unknownSuite: "LB1210",
  // consistency paths
  cpNeedsDedup: "LB1301",
  cpNeedsCompleteness: "LB1302",
  dedupWatermark: "LB1303",
  mixedPathInput: "LB1304",
  invalidRateOutOfRange: "LB1305",
  completenessNeedsRegions: "LB1306",
  backlogAlert: "LB1307",
  // targets
  noTargets: "LB1401",
  multipleDefaults: "LB1402",
  inlineSecret: "LB1403",
  unknownVariable: "LB1404",
  targetConflict: "LB1405",
  invalidServicePrincipal: "LB1406",
  sharedSchema: "LB1407",
  unknownSchema: "LB1408",
  // generated output
  schemaViolation: "LB1501",
  driftDetected: "LB1502",
  serverlessUnsupported: "LB1503",
  sqlAnalysis: "LB1504",
  // project loading
  bundleNotFound: "LB1601",
  specLoadFailed: "LB1602",
} as const;

export type Code = (typeof codes)[keyof typeof codes];
