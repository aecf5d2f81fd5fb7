/**
 * Fixed-width rows of numbers parked on a temporary file between two passes over a run's
 * records (energy attribution needs every request seen before it can split an interval's
 * energy). Appends and reads go through one small buffer each: memory stays flat however
 * many rows there are. `close()` removes the file.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS_PER_BUFFER = 8192;

export class FloatSpool {
  private readonly dir = mkdtempSync(join(tmpdir(), 'wrp-spool-'));
  private readonly fd = openSync(join(this.dir, 'rows.f64'), 'w+');
  private readonly buf: Float64Array;
  private filled = 0;
  private rows = 0;

  constructor(private readonly width: number) {
    this.buf = new Float64Array(width * ROWS_PER_BUFFER);
  }

  /** Appends one row (exactly `width` numbers). */
  push(row: ArrayLike<number>): void {
    for (let i = 0; i < this.width; i++) this.buf[this.filled++] = row[i]!;
    this.rows++;
    if (this.filled === this.buf.length) this.flush();
  }

  /** Calls `each` with every row in order (the array is reused between calls). */
  forEach(each: (row: Float64Array) => void): void {
    this.flush();
    const bytes = new Uint8Array(this.buf.buffer);
    const row = new Float64Array(this.width);
    let left = this.rows;
    let position = 0;
    while (left > 0) {
      const n = Math.min(left, ROWS_PER_BUFFER);
      const want = n * this.width * 8;
      let got = 0;
      while (got < want) got += readSync(this.fd, bytes, got, want - got, position + got);
      position += want;
      for (let r = 0; r < n; r++) {
        row.set(this.buf.subarray(r * this.width, (r + 1) * this.width));
        each(row);
      }
      left -= n;
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.filled === 0) return;
    const bytes = new Uint8Array(this.buf.buffer, 0, this.filled * 8);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done);
    this.filled = 0;
  }
}
