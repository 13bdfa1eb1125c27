import { TokenRepository } from '../tokens/repository';
import { readEnvironment, type Environment } from './config';
import { ADMIN_CLIENT_SETTINGS, createDocumentClient } from './dynamodb';
import { createLogger, type Logger } from './logger';

/** Services an admin handler uses from outside its own code, so tests can pass their own. */
export interface AdminDependencies {
  repository: TokenRepository;
  logger: Logger;
  corsOrigins: readonly string[];
}

/** Builds the dependencies from the environment; runs once per Lambda instance, at module load. */
export function loadAdminDependencies(environment: Environment = readEnvironment()): AdminDependencies {
  const client = createDocumentClient(ADMIN_CLIENT_SETTINGS, environment.dynamodbEndpoint);
  return {
    repository: new TokenRepository(client, environment.tableName),
    logger: createLogger({ level: environment.logLevel }),
    corsOrigins: environment.corsOrigins,
  };
}
