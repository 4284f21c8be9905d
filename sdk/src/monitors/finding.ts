/** One check of one monitor: what was measured, against which threshold, and whether it breached. */
export interface Finding {
  monitor: MonitorKind;
  /** What was measured: a table, a region, `table.column`, an exception class. */
  subject: string;
  metric: string;
  value: number;
  threshold: number;
  breach: boolean;
  /** One readable line: subject, metric, value and threshold. */
  message: string;
}

export const monitorKinds = ["lag", "freshness", "conflicts", "quality", "failed-loads", "cost"] as const;
export type MonitorKind = (typeof monitorKinds)[number];

export function finding(monitor: MonitorKind, subject: string, metric: string, value: number, threshold: number, breach: boolean, detail: string): Finding {
  return { monitor, subject, metric, value, threshold, breach, message: `${subject}: ${detail}` };
}
