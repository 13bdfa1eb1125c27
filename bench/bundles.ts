import { build } from 'esbuild';
import { mkdtemp, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, type HandlerName } from '../functions/routes';
import { PRODUCTION_ESBUILD_OPTIONS } from '../infra/bundling';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const AUTHORIZER = 'authorizer';
export const REFERENCE = 'reference';

/** A function bundled as the CDK stack deploys it. */
export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  /** Output bytes per npm package, and `project` for this repository's own code. */
  bytesByPackage: Map<string, number>;
}

export interface BundleSet {
  directory: string;
  bundles: Map<string, Bundle>;
}

/** Returns every admin function that the routes name, each once, in route order. */
export function adminFunctionNames(): HandlerName[] {
  return [...new Set(ROUTES.flatMap((route) => (route.handler ? [route.handler] : [])))];
}

/**
 * Bundles the authorizer, every admin function and the reference function with
 * PRODUCTION_ESBUILD_OPTIONS, each into one self-contained `.mjs`, in a new temporary
 * directory.
 */
export async function buildProductionBundles(): Promise<BundleSet> {
  const entries: Record<string, string> = {
    [AUTHORIZER]: join(PROJECT_ROOT, 'functions', 'authorizer.ts'),
    [REFERENCE]: join(PROJECT_ROOT, 'bench', 'reference-function.ts'),
  };
  for (const name of adminFunctionNames()) entries[name] = join(PROJECT_ROOT, 'functions', `${name}.ts`);
  return buildBundles(entries, [...PRODUCTION_ESBUILD_OPTIONS.external], 'bundled');
}

/**
 * Bundles the authorizer and the reference function with the same settings, except that
 * the AWS SDK stays external. The output directory links to the project's node_modules,
 * so the SDK loads from there: the closest local stand-in for the copy the Lambda
 * runtime provides, which may be another SDK version and is laid out differently.
 */
export async function buildSdkExternalBundles(): Promise<BundleSet> {
  const set = await buildBundles(
    {
      [AUTHORIZER]: join(PROJECT_ROOT, 'functions', 'authorizer.ts'),
      [REFERENCE]: join(PROJECT_ROOT, 'bench', 'reference-function.ts'),
    },
    [...PRODUCTION_ESBUILD_OPTIONS.external, '@aws-sdk/*'],
    'sdk-external',
  );
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(set.directory, 'node_modules'), 'dir');
  return set;
}

async function buildBundles(entries: Record<string, string>, external: string[], label: string): Promise<BundleSet> {
  const directory = await mkdtemp(join(tmpdir(), `rentmagic-bench-${label}-`));
  const result = await build({
    ...PRODUCTION_ESBUILD_OPTIONS,
    mainFields: [...PRODUCTION_ESBUILD_OPTIONS.mainFields],
    external,
    entryPoints: entries,
    outdir: directory,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'error',
  });

  const bundles = new Map<string, Bundle>();
  for (const name of Object.keys(entries)) {
    const file = join(directory, `${name}.mjs`);
    const output = Object.entries(result.metafile.outputs).find(([path]) => resolve(path) === file)?.[1];
    bundles.set(name, { name, file, bytes: (await stat(file)).size, bytesByPackage: bytesByPackage(output?.inputs ?? {}) });
  }
  return { directory, bundles };
}

function bytesByPackage(inputs: Record<string, { bytesInOutput: number }>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'project';
    totals.set(packageName, (totals.get(packageName) ?? 0) + input.bytesInOutput);
  }
  return totals;
}

/** Returns the package that adds the most bytes to `bundle` over `reference`, such as `zod +443.9 KiB`. */
export function largestAddition(bundle: Bundle, reference: Bundle): string {
  let largest = { name: 'nothing', bytes: 0 };
  for (const [name, bytes] of bundle.bytesByPackage) {
    const added = bytes - (reference.bytesByPackage.get(name) ?? 0);
    if (added > largest.bytes) largest = { name, bytes: added };
  }
  return `${largest.name} +${(largest.bytes / 1024).toFixed(1)} KiB`;
}
