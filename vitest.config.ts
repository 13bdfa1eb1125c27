import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Handler modules read their configuration at import. These values point every
    // default client at a closed local port, so no test can reach AWS by accident.
    env: {
      TABLE_NAME: 'unused-by-tests',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      APIGATEWAY_ENDPOINT: 'http://127.0.0.1:9',
      REST_API_ID: 'local',
      STAGE_NAME: 'local',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      LOG_LEVEL: 'error',
      // The SDK warns once per process that its 2027 releases need Node.js 22; on Node.js 20
      // that warning would repeat in every test file and child process.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
