/** Formatting shared by the benches' printed tables. */

export function count(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a';
}

export function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}x` : 'n/a';
}

/** Prints a Markdown table; the first `leftColumns` columns are left-aligned, the rest right-aligned. */
export function printTable(rows: string[][], leftColumns: number): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(rows[0] as string[]));
  console.log(line(widths.map((w, i) => (i < leftColumns ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`))));
  for (const row of rows.slice(1)) console.log(line(row));
}
