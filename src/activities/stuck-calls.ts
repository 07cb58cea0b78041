// A tool that ignores its abort signal would hold its activity slot for ever: after enough of them a worker
// runs no tool at all, while looking alive. Calls that outlive their stop by a grace period are let go (the
// slot is freed) and recorded, so the worker can report itself unhealthy, naming the tool.

/** A call that went on after it was told to stop (cancelled or timed out) and its grace period passed. */
interface StuckCall {
  tool: string;
  workflowId: string;
  toolUseId: string;
  /** When the grace period ran out (ISO 8601). */
  since: string;
}

/** How long a tool may go on after its abort signal fired, unless the worker's settings say otherwise. */
export const TOOL_STOP_GRACE_MS = 10_000;

/** The worker's stuck calls; each leaves the list when its tool finally returns or throws. */
export class StuckCalls {
  private readonly calls = new Set<StuckCall>();

  /** The calls stuck now. */
  list(): StuckCall[] {
    return [...this.calls];
  }

  /**
   * Waits for `work`. Once `signal` fires it waits `graceMs` more, then stops waiting: the call is recorded as
   * stuck, `onStuck` is told, and the returned promise rejects with the signal's reason.
   */
  watch<T>(
    work: Promise<T>,
    signal: AbortSignal,
    graceMs: number,
    call: Omit<StuckCall, 'since'>,
    onStuck: (call: StuckCall) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = () => {
        const entry = { ...call, since: new Date().toISOString() };
        this.calls.add(entry);
        onStuck(entry);
        work.finally(() => this.calls.delete(entry)).catch(() => undefined);
        reject(signal.reason ?? new Error(`the call to "${call.tool}" was stopped`));
      };
      const onAbort = () => {
        timer = setTimeout(giveUp, graceMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }
}
