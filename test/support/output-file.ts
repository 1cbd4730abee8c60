import fs from 'node:fs';

/**
 * The complete lines of a file another process may still be writing (none if it does not exist
 * yet): read between two writes, it may end in part of a line, which is left out until its
 * newline is there.
 */
export function completeLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
}
