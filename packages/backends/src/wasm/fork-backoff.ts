/**
 * Whether to share a kernel's next launch between threads, from how its last shared launches went.
 * A shared launch lost when the caller, done with its own share, waited for the workers longer than
 * the other shares would have taken it (parts - 1 times its own): the workers had no free core (a
 * machine busy with other work, where a worker may wait a scheduler's time slice, milliseconds, for
 * one) or were slow to wake. After a loss the kernel's launches run whole on the calling thread for
 * HOLD · 2^b times the time the loss wasted, b counting recent losses (one more each loss, up to
 * MAX_BACKOFF; one less each win), so losses cost under 1/HOLD of the time on a busy machine while a
 * free core is found again soon after it frees up. Which launches are shared never changes a result:
 * each point is computed by the same code on any thread.
 */
const HOLD = 64;
const MAX_BACKOFF = 10;

export class ForkBackoff {
  private readonly backoff: number[] = [];
  private readonly holdUntil: (number | undefined)[] = [];

  /** Whether kernel `k`'s launch is shared now; `now` (the clock of `record`) is read only while a hold lasts. */
  share(k: number, now: () => number): boolean {
    const until = this.holdUntil[k];
    if (until === undefined) return true;
    if (now() < until) return false;
    this.holdUntil[k] = undefined;
    return true;
  }

  /** How a shared launch of kernel `k` went, ending at `end`: the caller's share and its wait for the others. */
  record(k: number, parts: number, share: number, wait: number, end: number): void {
    const b = this.backoff[k] ?? 0;
    const wasted = wait - (parts - 1) * share;
    if (wasted > 0) {
      const next = Math.min(b + 1, MAX_BACKOFF);
      this.backoff[k] = next;
      this.holdUntil[k] = end + HOLD * 2 ** next * wasted;
    } else this.backoff[k] = Math.max(b - 1, 0);
  }
}
