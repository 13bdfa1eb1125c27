/**
 * Timing of a candidate against a baseline in the same process and run.
 *
 * Both sides run in alternating batches, and the side that goes first alternates from
 * round to round, so drift in CPU speed, JIT state or store size reaches both equally.
 * Each sample is one call of the side's function, timed with performance.now() and
 * divided by the operations it performed.
 */
export interface Distribution {
  samples: number;
  /** Milliseconds per operation. */
  median: number;
  p99: number;
}

export interface Comparison {
  baseline: Distribution;
  candidate: Distribution;
  /** candidate median / baseline median */
  ratio: number;
}

export interface ComparisonPlan {
  /** Untimed calls of each side before timing starts. */
  warmupSamples: number;
  rounds: number;
  /** Timed calls of each side per round. */
  samplesPerBatch: number;
  /** Operations that one call performs. Each sample is divided by this number. */
  operationsPerSample?: number;
  baseline: () => Promise<unknown>;
  candidate: () => Promise<unknown>;
}

export async function compareInterleaved(plan: ComparisonPlan): Promise<Comparison> {
  const operations = plan.operationsPerSample ?? 1;
  for (let i = 0; i < plan.warmupSamples; i++) {
    await plan.baseline();
    await plan.candidate();
  }

  const baselineSamples: number[] = [];
  const candidateSamples: number[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const sides: [() => Promise<unknown>, number[]][] = [
      [plan.baseline, baselineSamples],
      [plan.candidate, candidateSamples],
    ];
    if (round % 2 === 1) sides.reverse();
    for (const [run, samples] of sides) {
      for (let i = 0; i < plan.samplesPerBatch; i++) {
        const started = performance.now();
        await run();
        samples.push((performance.now() - started) / operations);
      }
    }
  }

  const baseline = summarize(baselineSamples);
  const candidate = summarize(candidateSamples);
  return { baseline, candidate, ratio: candidate.median / baseline.median };
}

export function summarize(samples: readonly number[]): Distribution {
  if (samples.length === 0) throw new Error('Cannot summarize zero samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples: sorted.length, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}
