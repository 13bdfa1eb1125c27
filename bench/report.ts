/** One line of the results table. */
export interface ItemResult {
  item: string;
  baseline: string;
  candidate: string;
  /** candidate / baseline, or undefined for items reported without a target. */
  ratio?: number;
  /** candidate p99 / candidate p50, where the item measures latency. */
  tailRatio?: number;
  target: string;
  /** undefined for items without a target. */
  pass?: boolean;
  /** Short explanation of a failure, or other findings of the item. */
  note?: string;
}

const COLUMNS = ['item', 'baseline median', 'candidate median', 'ratio', 'p99/p50', 'target', 'result'] as const;

export function formatTable(results: readonly ItemResult[]): string {
  const rows = results.map((result) => [
    result.item,
    result.baseline,
    result.candidate,
    result.ratio === undefined ? '-' : `${result.ratio.toFixed(3)}x`,
    result.tailRatio === undefined ? '-' : result.tailRatio.toFixed(2),
    result.target,
    resultLabel(result),
  ]);
  const widths = COLUMNS.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;

  return [line(COLUMNS), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function resultLabel(result: ItemResult): string {
  let label = 'report';
  if (result.pass === true) label = 'pass';
  if (result.pass === false) label = 'FAIL';
  return result.note ? `${label} (${result.note})` : label;
}

/** Formats milliseconds with a unit that keeps three significant figures readable. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds >= 100) return `${milliseconds.toFixed(0)} ms`;
  if (milliseconds >= 1) return `${milliseconds.toFixed(2)} ms`;
  if (milliseconds >= 0.001) return `${(milliseconds * 1000).toFixed(1)} µs`;
  return `${(milliseconds * 1e6).toFixed(0)} ns`;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
