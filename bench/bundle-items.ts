import { stop as stopEsbuild } from 'esbuild';
import { rm } from 'node:fs/promises';
import { adminFunctionNames, AUTHORIZER, buildProductionBundles, buildSdkExternalBundles, largestAddition, REFERENCE, type Bundle, type BundleSet } from './bundles';
import { measureColdStarts, spawnOnce, totalConnections, type ColdStart } from './cold-start';
import { functionEnvironment } from './environment';
import { formatBytes, type ItemResult } from './report';

const AUTHORIZER_SIZE_TARGET = 1.1;
const ADMIN_SIZE_TARGET = 1.25;
const COLD_START_TARGET = 1.2;
const SPAWNS_PER_BUNDLE = 15;
const SDK_EXTERNAL = 'sdk-external ';

/**
 * Measures items 3a to 3c and the SDK bundling comparison: bundle sizes with the
 * production esbuild settings, and fresh-process start times with a probe that counts
 * network calls.
 */
export async function measureBundles(storeEndpoint: string): Promise<ItemResult[]> {
  const bundled = await buildProductionBundles();
  const external = await buildSdkExternalBundles();
  // The esbuild service process would otherwise stay alive beside the timed spawns.
  await stopEsbuild();
  try {
    return await measure(bundled, external, storeEndpoint);
  } finally {
    await rm(bundled.directory, { recursive: true, force: true });
    await rm(external.directory, { recursive: true, force: true });
  }
}

async function measure(bundled: BundleSet, external: BundleSet, storeEndpoint: string): Promise<ItemResult[]> {
  const environment = functionEnvironment(storeEndpoint);
  const size = (set: BundleSet, name: string): number => set.bundles.get(name)?.bytes ?? Number.NaN;
  const referenceBytes = size(bundled, REFERENCE);
  const functionNames = [AUTHORIZER, ...adminFunctionNames()];
  const results: ItemResult[] = [];

  const bundleOf = (name: string): Bundle => bundled.bundles.get(name) as Bundle;
  for (const name of functionNames) {
    const target = name === AUTHORIZER ? AUTHORIZER_SIZE_TARGET : ADMIN_SIZE_TARGET;
    const ratio = size(bundled, name) / referenceBytes;
    results.push({
      item: `${name === AUTHORIZER ? '3a' : '3b'} bundle size ${name}`,
      baseline: formatBytes(referenceBytes),
      candidate: formatBytes(size(bundled, name)),
      ratio,
      target: `<= ${target}x`,
      pass: ratio <= target,
      note: `largest addition: ${largestAddition(bundleOf(name), bundleOf(REFERENCE))}`,
    });
  }

  results.push(await checkProbe(bundled, environment));

  const files = new Map<string, string>();
  for (const name of [REFERENCE, ...functionNames]) files.set(name, bundled.bundles.get(name)?.file ?? '');
  for (const name of [REFERENCE, AUTHORIZER]) files.set(SDK_EXTERNAL + name, external.bundles.get(name)?.file ?? '');
  const starts = await measureColdStarts(files, environment, SPAWNS_PER_BUNDLE);
  const startOf = (name: string): ColdStart => starts.get(name) as ColdStart;
  const reference = startOf(REFERENCE);

  for (const name of functionNames) {
    const start = startOf(name);
    const ratio = start.medianMs / reference.medianMs;
    const connections = totalConnections(start.connectionsAtImport) + totalConnections(reference.connectionsAtImport);
    results.push({
      item: `3c cold start ${name}`,
      baseline: `${reference.medianMs.toFixed(1)} ms`,
      candidate: `${start.medianMs.toFixed(1)} ms`,
      ratio,
      target: `<= ${COLD_START_TARGET}x, 0 connections`,
      pass: ratio <= COLD_START_TARGET && connections === 0,
      note: `${connections} network calls at import, ${start.spawns} spawns`,
    });
  }

  results.push(...sdkComparison(bundled, external, startOf));
  return results;
}

/**
 * Checks that the probe counts connections: the reference bundle, invoked once after
 * import, must open a connection to the store, and the probe must count it.
 */
async function checkProbe(bundled: BundleSet, environment: Record<string, string>): Promise<ItemResult> {
  const report = await spawnOnce(bundled.bundles.get(REFERENCE)?.file ?? '', environment, { secretHash: '0'.repeat(64) });
  const atImport = totalConnections(report.atImport);
  const afterInvoke = totalConnections(report.afterInvoke);
  return {
    item: '3c network probe check',
    baseline: `${atImport} calls at import`,
    candidate: `${afterInvoke} calls after 1 GetItem`,
    target: 'probe counts the GetItem',
    pass: atImport === 0 && (report.afterInvoke?.['net.Socket.prototype.connect'] ?? 0) > 0,
  };
}

/** Compares the authorizer and the reference built with the SDK external against the same two with the SDK bundled. */
function sdkComparison(bundled: BundleSet, external: BundleSet, startOf: (name: string) => ColdStart): ItemResult[] {
  const results: ItemResult[] = [];
  for (const name of [AUTHORIZER, REFERENCE]) {
    const bundledBytes = bundled.bundles.get(name)?.bytes ?? Number.NaN;
    const externalBytes = external.bundles.get(name)?.bytes ?? Number.NaN;
    results.push({
      item: `SDK external vs bundled, ${name} size`,
      baseline: formatBytes(bundledBytes),
      candidate: formatBytes(externalBytes),
      ratio: externalBytes / bundledBytes,
      target: 'report only',
      note: 'SDK itself not counted',
    });
    const bundledStart = startOf(name);
    const externalStart = startOf(SDK_EXTERNAL + name);
    results.push({
      item: `SDK external vs bundled, ${name} cold start`,
      baseline: `${bundledStart.medianMs.toFixed(1)} ms`,
      candidate: `${externalStart.medianMs.toFixed(1)} ms`,
      ratio: externalStart.medianMs / bundledStart.medianMs,
      target: 'report only',
      note: `${totalConnections(externalStart.connectionsAtImport)} network calls at import`,
    });
  }
  return results;
}
