import type { SharedVariable } from '@hypatia/core';

/** Plans kept per function (say, a training shape and a last short batch), most recent first. */
const MAX_PLANS = 4;
/** After this many recordings in a row that never replayed, stop recording (values keep changing shapes). */
const MAX_FUTILE_RECORDINGS = 8;

/** What the cache reads of a plan: for describe(), its size and the updates it writes in place. */
export interface ReplayPlanLike {
  readonly instructionCount: number;
  readonly arenaBytes: number;
  readonly inPlaceUpdates: readonly SharedVariable[];
  free(): void;
}

/**
 * A compiled function's recorded plans, the native and wasm executables' shared policy: a call
 * tries them most recently used first (one recorded for other shapes declines, one whose check
 * fails sends the call to the JS path, which raises the op's error), and a call none replays is
 * recorded as a new plan, at most MAX_PLANS kept. It stops recording after MAX_FUTILE_RECORDINGS
 * recordings in a row that never replayed.
 */
export class PlanCache<P extends ReplayPlanLike> {
  /** Most recently used first. */
  readonly plans: P[] = [];
  /** Calls replayed, calls recorded, and replays a failed check sent back to the JS path (for tests and profiling). */
  readonly stats = { replayed: 0, recorded: 0, checksFailed: 0 };
  private futileRecordings = 0;

  constructor(readonly replayable: boolean) {}

  /** The result of the first plan that replays the call (`run` runs one: 'shapes' or 'check' when it cannot), or undefined. */
  replay<R>(run: (plan: P) => R | 'shapes' | 'check'): R | undefined {
    if (!this.replayable) return undefined;
    for (const [i, plan] of this.plans.entries()) {
      const r = run(plan);
      if (r === 'shapes') continue;
      if (r === 'check') {
        this.stats.checksFailed++;
        continue;
      }
      if (i) this.plans.unshift(...this.plans.splice(i, 1));
      this.futileRecordings = 0;
      this.stats.replayed++;
      return r;
    }
    return undefined;
  }

  /** Whether a call no plan replayed is to be recorded. */
  get recording(): boolean {
    return this.replayable && this.futileRecordings < MAX_FUTILE_RECORDINGS;
  }

  /** A call was recorded; `build` makes its plan, null when the recording cannot be replayed. */
  recorded(build: (() => P) | null): void {
    this.futileRecordings++;
    this.stats.recorded++;
    if (!build) return;
    this.plans.unshift(build());
    if (this.plans.length > MAX_PLANS) this.plans.pop()!.free();
  }

  /** describe()'s replay line for the latest plan (`calls`: how it runs, "in one native call"), or null before the first. */
  describe(calls: (plan: P) => string): string | null {
    const plan = this.plans[0];
    if (!plan) return this.replayable ? null : '  replay: none (the JS path runs every call)';
    const inPlace = plan.inPlaceUpdates.map((v) => v.name ?? String(v)).join(', ');
    return `  replay: ${plan.instructionCount} instructions in ${calls(plan)}, arena ${plan.arenaBytes} bytes${inPlace ? `, updates in place: ${inPlace}` : ''}`;
  }
}
