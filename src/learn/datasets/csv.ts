import { readFileSync } from 'node:fs';
import { DatasetError, checkDataset, type Dataset } from '../dataset.ts';

export interface CsvOptions {
  /** Label column, by header name or 0-based index; default: the last column. */
  label?: string | number;
  /** Whether the first row is a header; default: detected (a non-numeric cell in row 1). */
  header?: boolean;
}

function isNumeric(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

/** Numeric feature columns plus one integer label column (labels 0..k−1, or any values mapped in sorted order). */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DatasetError(path, `cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
  if (rows.length === 0) throw new DatasetError(path, 'file is empty');
  const hasHeader = opts.header ?? !rows[0]!.every(isNumeric);
  const header = hasHeader ? rows.shift()!.map((h) => h.trim()) : undefined;
  if (rows.length === 0) throw new DatasetError(path, 'no data rows');
  const width = rows[0]!.length;
  if (width < 2) throw new DatasetError(path, 'need at least one feature column and a label column');
  let labelCol = width - 1;
  if (typeof opts.label === 'number') labelCol = opts.label;
  else if (typeof opts.label === 'string') {
    if (!header) throw new DatasetError(path, `label column "${opts.label}" given by name but the file has no header`);
    labelCol = header.indexOf(opts.label);
    if (labelCol < 0) throw new DatasetError(path, `no column named "${opts.label}" (columns: ${header.join(', ')})`);
  }
  if (labelCol < 0 || labelCol >= width)
    throw new DatasetError(path, `label column ${labelCol} is out of range (0..${width - 1})`);
  const f = width - 1;
  const x = new Float32Array(rows.length * f);
  const rawLabels: string[] = [];
  rows.forEach((cells, r) => {
    const line = r + 1 + (hasHeader ? 1 : 0);
    if (cells.length !== width)
      throw new DatasetError(path, `line ${line} has ${cells.length} cells, expected ${width}`);
    let j = 0;
    cells.forEach((cell, c) => {
      if (c === labelCol) {
        rawLabels.push(cell.trim());
        return;
      }
      if (!isNumeric(cell))
        throw new DatasetError(path, `line ${line}, column ${c + 1}: "${cell.trim()}" is not a number`);
      x[r * f + j++] = Number(cell);
    });
  });
  const classes = [...new Set(rawLabels)].sort((a, b) =>
    isNumeric(a) && isNumeric(b) ? Number(a) - Number(b) : a.localeCompare(b),
  );
  if (classes.length > 256)
    throw new DatasetError(path, `${classes.length} distinct labels; at most 256 are supported`);
  const allIntegerLabels = classes.every((c) => /^\d+$/.test(c)) && Number(classes[classes.length - 1]) < 256;
  const index = new Map(classes.map((c, i) => [c, allIntegerLabels ? Number(c) : i]));
  const y = Uint8Array.from(rawLabels, (l) => index.get(l)!);
  const numClasses = allIntegerLabels ? Number(classes[classes.length - 1]) + 1 : classes.length;
  return checkDataset({ name: path, x, y, inputShape: [f], numClasses }, path);
}
