/**
 * Process environment for the benchmark and for the function bundles it starts.
 *
 * The handler files read their configuration when they are imported, and the SDK reads
 * region and credentials from the environment, so these values must be set before any
 * of them loads. The credentials are dummies: every endpoint is the local store.
 */
export const BENCH_TABLE_NAME = 'bench-tokens';

export function functionEnvironment(storeEndpoint: string): Record<string, string> {
  return {
    TABLE_NAME: BENCH_TABLE_NAME,
    DYNAMODB_ENDPOINT: storeEndpoint,
    // The delete functions build an API Gateway client at import. Port 9 is closed, so a
    // call that should never happen fails at once instead of leaving the machine.
    APIGATEWAY_ENDPOINT: 'http://127.0.0.1:9',
    REST_API_ID: 'bench',
    STAGE_NAME: 'bench',
    LOG_LEVEL: 'error',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Keeps the SDK from ever asking an instance metadata endpoint for credentials.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export function applyFunctionEnvironment(storeEndpoint: string): void {
  Object.assign(process.env, functionEnvironment(storeEndpoint));
}
