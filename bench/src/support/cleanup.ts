/** Undo steps of a bench's setup, run last-in first-out by `close()`; a failing step is logged, the others still run. */
export interface Cleanup {
  push(this: void, step: () => Promise<void>): void;
  close(this: void): Promise<void>;
}

export function cleanup(log: (line: string) => void): Cleanup {
  const steps: (() => Promise<void>)[] = [];
  return {
    push: (step) => {
      steps.push(step);
    },
    close: async () => {
      for (const step of steps.reverse().splice(0)) {
        try {
          await step();
        } catch (error) {
          log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
  };
}
