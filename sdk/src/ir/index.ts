export type {
  BronzeNode, BundleIR, ColumnNode, CompletenessNode, DatasetKind, DatasetNode, DedupNode, ExpectationNode,
  FileSourceNode, GoldNode, MeasureNode, MonitorThresholds, PathNode, SilverNode, SourceKind, SourceNode,
} from "./ir.ts";
export { datasetByName, sourceOf } from "./ir.ts";
