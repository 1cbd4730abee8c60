/** Reads a file of lines in 1 MiB chunks and hands them over in batches, as plainly as possible. */
import fs from 'node:fs';

export function forEachLineBatch(file: string, batchSize: number, fn: (lines: string[]) => void): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  for (;;) {
    const read = fs.readSync(fd, buf, 0, buf.length, null);
    if (read === 0) break;
    const lines = (carry + buf.toString('utf8', 0, read)).split('\n');
    carry = lines.pop() ?? '';
    for (let i = 0; i < lines.length; i += batchSize) fn(lines.slice(i, i + batchSize).filter((l) => l !== ''));
  }
  if (carry !== '') fn([carry]);
  fs.closeSync(fd);
}
