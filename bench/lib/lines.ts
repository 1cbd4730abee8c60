/** Reads a file of lines in 1 MiB chunks and hands them over in batches, as plainly as possible. */
import fs from 'node:fs';

/** The non-empty lines of `file`, one array per 1 MiB chunk read (a line split by a chunk goes with the next). */
export function* linesByChunk(file: string): Generator<string[]> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let carry = '';
    for (;;) {
      const read = fs.readSync(fd, buf, 0, buf.length, null);
      if (read === 0) break;
      const lines = (carry + buf.toString('utf8', 0, read)).split('\n');
      carry = lines.pop() ?? '';
      yield lines.filter((l) => l !== '');
    }
    if (carry !== '') yield [carry];
  } finally {
    fs.closeSync(fd);
  }
}

export function forEachLineBatch(file: string, batchSize: number, fn: (lines: string[]) => void): void {
  for (const lines of linesByChunk(file)) {
    for (let i = 0; i < lines.length; i += batchSize) fn(lines.slice(i, i + batchSize));
  }
}
