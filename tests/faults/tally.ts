// What the fault suite tried, for the summary printed at its end: config inputs, faults injected,
// how many of them converged, and how often a real SIGKILL landed in the window it aimed at.

/** One injected fault and whether the unit converged after it. */
interface FaultRecord {
  readonly name: string;
  converged: boolean;
}

/** Counts kept while the suite runs. */
export interface Tally {
  /** A config value sent through config-changed; `accepted` when the charm served it. */
  input(accepted: boolean): void;
  /** A fault was injected; returns the function to call once the unit has converged. */
  fault(name: string): () => void;
  /** A real SIGKILL aimed at a window of a hook: whether it landed inside it. */
  killAttempt(window: string, hit: boolean): void;
  /** A line of evidence to print with the summary (e.g. what a prober saw). */
  note(line: string): void;
  /** The summary lines. */
  summary(): string[];
}

export function createTally(): Tally {
  let accepted = 0;
  let refused = 0;
  const faults: FaultRecord[] = [];
  const kills = new Map<string, { hits: number; tries: number }>();
  const notes: string[] = [];
  return {
    input(ok) {
      if (ok) accepted += 1;
      else refused += 1;
    },
    fault(name) {
      const record: FaultRecord = { name, converged: false };
      faults.push(record);
      return () => {
        record.converged = true;
      };
    },
    killAttempt(window, hit) {
      const entry = kills.get(window) ?? { hits: 0, tries: 0 };
      entry.tries += 1;
      if (hit) entry.hits += 1;
      kills.set(window, entry);
    },
    note(line) {
      notes.push(line);
    },
    summary() {
      const converged = faults.filter((f) => f.converged).length;
      const lines = [
        `inputs tried: ${accepted + refused} config values (${refused} refused, ${accepted} accepted and served)`,
        `faults injected: ${faults.length}; converged: ${converged}${converged === faults.length ? ' (all of them)' : ''}`,
      ];
      for (const [window, { hits, tries }] of kills) lines.push(`real SIGKILL ${window}: landed in the window ${hits}/${tries} times`);
      lines.push(...notes);
      const stuck = faults.filter((f) => !f.converged).map((f) => f.name);
      if (stuck.length > 0) lines.push(`NOT converged (${stuck.length}): ${stuck.join('; ')}`);
      return lines;
    },
  };
}
