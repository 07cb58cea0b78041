// Ctrl-C for commands that start things (a dev server, workers, the fake Claude): the first SIGINT or SIGTERM
// stops what the command started, in order, and the command exits quietly. Once these handlers are installed,
// Node's default (die at once, leaving children and half-closed connections behind) no longer applies.

/** Thrown out of a step that a person interrupted; the command ends with ExitCode.Interrupted. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** The first SIGINT or SIGTERM from now on. */
interface Interruption {
  /** Resolves with the signal when it comes. */
  readonly signal: Promise<NodeJS.Signals>;
  /** Resolves with the step's value, or rejects with Interrupted as soon as the signal comes. */
  guard<T>(step: Promise<T>): Promise<T>;
  /** Removes the handlers. */
  dispose(): void;
}

/** Starts listening for SIGINT and SIGTERM. */
export function listenForInterrupt(): Interruption {
  let remove = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const onInt = () => resolve('SIGINT');
    const onTerm = () => resolve('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    remove = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  });
  const interrupted = signal.then((s) => Promise.reject(new Interrupted(s)));
  // The rejection is observed by guard(); without a guard pending it must not count as unhandled.
  interrupted.catch(() => {});
  return {
    signal,
    guard: (step) => Promise.race([step, interrupted]),
    dispose: () => remove(),
  };
}
