import assert from 'node:assert/strict';
import { LineSplitter } from '../../core/line-splitter';

type Event = ['line', string, number, number] | ['tooLong', string, number, number, number];

function split(input: Buffer, chunkSizes: number[], max = 100, prefix = 8, flush = false): Event[] {
  const events: Event[] = [];
  const s = new LineSplitter(max, prefix, {
    line: (text, offset, next) => events.push(['line', text, offset, next]),
    tooLong: (p, offset, length, next) => events.push(['tooLong', p, offset, length, next]),
  });
  let pos = 0;
  let i = 0;
  while (pos < input.length) {
    const size = chunkSizes[i++ % chunkSizes.length];
    // Each chunk is copied into a reused buffer, as the reader does.
    const reused = Buffer.alloc(size, 0x7a);
    const n = input.copy(reused, 0, pos, pos + size);
    s.push(reused.subarray(0, n), pos);
    reused.fill(0x7a);
    pos += n;
  }
  if (flush) s.flush();
  return events;
}

describe('filelog line splitter', () => {
  const text = Buffer.from('ab\ncdef\n\nghi\r\njé€k\n');
  // Offsets derived by hand: "ab\n" 0..3, "cdef\n" 3..8, "\n" 8..9, "ghi\r\n" 9..14, "jé€k\n" 14..(14+1+2+3+1+1=22)
  const expected: Event[] = [
    ['line', 'ab', 0, 3], ['line', 'cdef', 3, 8], ['line', '', 8, 9], ['line', 'ghi', 9, 14], ['line', 'jé€k', 14, 22],
  ];

  for (const sizes of [[1000], [1], [2], [3, 5], [7]]) {
    it(`gives each line with its byte offsets whatever the chunking (${sizes.join(',')})`, () => {
      assert.deepEqual(split(text, sizes), expected);
    });
  }

  it('holds a partial last line until its newline, and flush() emits it at the end of input', () => {
    assert.deepEqual(split(Buffer.from('one\ntw'), [4]), [['line', 'one', 0, 4]]);
    assert.deepEqual(split(Buffer.from('one\ntw'), [4], 100, 8, true), [['line', 'one', 0, 4], ['line', 'tw', 4, 6]]);
  });

  it('reports a line over the limit with a bounded prefix and goes on after it, in one chunk or many', () => {
    const long = 'x'.repeat(250);
    const input = Buffer.from(`a\n${long}\nb\n`);
    const want: Event[] = [['line', 'a', 0, 2], ['tooLong', 'xxxxxxxx', 2, 250, 253], ['line', 'b', 253, 255]];
    for (const sizes of [[4096], [1], [16], [99, 3]]) assert.deepEqual(split(input, sizes), want, `chunks ${sizes}`);
  });

  it('a line exactly at the limit is a line; one byte more is too long', () => {
    assert.deepEqual(split(Buffer.from(`${'y'.repeat(100)}\n`), [7]), [['line', 'y'.repeat(100), 0, 101]]);
    assert.deepEqual(split(Buffer.from(`${'y'.repeat(101)}\n`), [7]), [['tooLong', 'yyyyyyyy', 0, 101, 102]]);
  });

  it('an unterminated over-long line at the end of input is reported by flush()', () => {
    assert.deepEqual(split(Buffer.from(`ok\n${'z'.repeat(300)}`), [64], 100, 4, true), [['line', 'ok', 0, 3], ['tooLong', 'zzzz', 3, 300, 303]]);
  });

  it('reset() forgets a pending partial line', () => {
    const events: string[] = [];
    const s = new LineSplitter(100, 8, { line: (t) => events.push(t), tooLong: () => events.push('TOO LONG') });
    s.push(Buffer.from('abc'), 0);
    s.reset();
    s.push(Buffer.from('def\n'), 0);
    assert.deepEqual(events, ['def']);
  });
});

describe('filelog line splitter on large chunks', () => {
  /** Lines of varied lengths, some over the 32 KiB decoding region, one with non-ASCII text. */
  function input(): { bytes: Buffer; lines: string[] } {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = i === 1500 ? 50_000 : i === 2200 ? 33_000 : (i * 37) % 300;
      lines.push((i === 900 ? 'é€' : '') + String(i).padEnd(n, 'x'));
    }
    return { bytes: Buffer.from(lines.join('\n') + '\n'), lines };
  }

  for (const size of [256 * 1024, 100_000, 4096]) {
    it(`gives every line once, in order, with exact offsets, from chunks of ${size} bytes`, () => {
      const { bytes, lines } = input();
      const events = split(bytes, [size], 1 << 20);
      assert.equal(events.length, lines.length);
      let offset = 0;
      events.forEach((e, i) => {
        const next = offset + Buffer.byteLength(lines[i]) + 1;
        assert.deepEqual(e, ['line', lines[i], offset, next], `line ${i}`);
        offset = next;
      });
    });
  }
});
