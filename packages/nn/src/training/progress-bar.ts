/** Where a progress bar writes: a terminal stream (process.stdout) or anything with write(). */
export interface ProgressSink {
  write(text: string): unknown;
  columns?: number;
}

/** A one-line terminal progress bar with rate and ETA, redrawn in place with \r. */
export class ProgressBar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private extra = '';
  constructor(private readonly sink: ProgressSink, private readonly total: number, private readonly label: string) {}

  /** Redraws at most ten times a second, and always at the end. */
  update(done: number, extra = this.extra): void {
    this.extra = extra;
    const now = Date.now();
    if (done < this.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const line = `${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ${formatSeconds(elapsed)} ETA ${formatSeconds(eta)}${extra ? ` ${extra}` : ''}`;
    const cols = this.sink.columns ?? 120;
    this.sink.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    this.update(this.total);
    this.sink.write('\n');
  }
}

/** A duration as mm:ss, or XhYYm from an hour on ('--:--' when unknown). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${String(m).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

/** The terminal, when stdout is one (and there is a process at all: browsers have none). */
export function terminalSink(): ProgressSink | null {
  const out = (globalThis as { process?: { stdout?: { isTTY?: boolean; columns?: number; write(s: string): unknown } } }).process?.stdout;
  return out && out.isTTY ? out : null;
}

/** Any stdout-like stream, TTY or not (when progress is asked for explicitly). */
export function stdoutSink(): ProgressSink | null {
  return (globalThis as { process?: { stdout?: ProgressSink } }).process?.stdout ?? null;
}
