/**
 * The production esbuild settings of every Lambda function, shared by the CDK stack and
 * the bundle-size benchmark so both measure the same thing.
 *
 * The AWS SDK is bundled rather than taken from the runtime: the bundle then pins the
 * SDK version that the tests ran against, and esbuild drops the parts no function uses.
 */
export const LAMBDA_NODE_TARGET = 'node22';

export const PRODUCTION_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: LAMBDA_NODE_TARGET,
  format: 'esm',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  external: [] as string[],
  // Some bundled CommonJS code calls require() for Node built-ins, which ESM lacks.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  legalComments: 'none',
} as const;
