import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRepository } from '../functions/tokens/repository';
import { ALL_RIGHTS } from '../functions/tokens/rights';
import { hashSecret } from '../functions/tokens/secret';
import { bootstrapAdminToken } from '../cli/bootstrap';
import { startTestStore, type TestStore } from './support/store';

const CLI_SCRIPT = fileURLToPath(new URL('../cli/tokens.ts', import.meta.url));
const SECRET_PATTERN = /rmt_[0-9A-Za-z]{49}/;
const TOKEN_ID_PATTERN = /tok_[0-9A-Z]{26}/;

let store: TestStore;
let tableName: string;
let repository: TokenRepository;

beforeAll(async () => {
  store = await startTestStore();
  tableName = await store.createTable();
  repository = new TokenRepository(store.documentClient, tableName);
});

afterAll(async () => {
  await store?.close();
});

interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, in a child process, without the test's store settings in its environment. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['TABLE_NAME', 'DYNAMODB_ENDPOINT']) {
    if (!(name in env)) delete childEnv[name];
  }

  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI_SCRIPT, ...args], { env: childEnv }, (error, stdout, stderr) => {
      const exitCode = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

function bootstrapArgs(tenant: string, name = 'First admin'): string[] {
  return ['bootstrap', '--tenant', tenant, '--name', name, '--table', tableName, '--endpoint', store.store.endpoint];
}

describe('tokens bootstrap', () => {
  it('prints a secret that works', async () => {
    const result = await runCli(bootstrapArgs('acme'));

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('shown only this once');
    const secret = SECRET_PATTERN.exec(result.stdout)?.[0];
    const tokenId = TOKEN_ID_PATTERN.exec(result.stdout)?.[0];
    expect(secret).toBeDefined();
    expect(tokenId).toBeDefined();

    const grant = await repository.findGrant(hashSecret(secret ?? ''));
    expect(grant?.tenantId).toBe('acme');
    expect(grant?.tokenId).toBe(tokenId);
    expect(grant?.rights).toEqual(ALL_RIGHTS);
    const token = await repository.getToken('acme', tokenId ?? '');
    expect(token?.createdBy).toBe('bootstrap');
    expect(token?.name).toBe('First admin');
  });

  it('reads table and endpoint from environment', async () => {
    const result = await runCli(['bootstrap', '--tenant', 'from-env', '--name', 'Env admin'], {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: store.store.endpoint,
    });

    expect(result.exitCode).toBe(0);
    const secret = SECRET_PATTERN.exec(result.stdout)?.[0] ?? '';
    expect((await repository.findGrant(hashSecret(secret)))?.tenantId).toBe('from-env');
  });

  it('second bootstrap needs --force', async () => {
    await bootstrapAdminToken(repository, { tenantId: 'twice', name: 'First admin' });

    const rejected = await runCli(bootstrapArgs('twice', 'Second admin'));
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toContain('already has tokens');
    expect(rejected.stderr).toContain('--force');
    expect(rejected.stdout).not.toMatch(SECRET_PATTERN);

    const forced = await runCli([...bootstrapArgs('twice', 'Second admin'), '--force']);
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toMatch(SECRET_PATTERN);
  });

  it('missing table exits 1', async () => {
    const result = await runCli([
      'bootstrap',
      '--tenant',
      'acme',
      '--name',
      'Admin',
      '--table',
      'no-such-table',
      '--endpoint',
      store.store.endpoint,
    ]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no-such-table');
    expect(result.stdout).not.toMatch(SECRET_PATTERN);
  });
});

describe.concurrent('tokens arguments', () => {
  it('help prints usage', async () => {
    const result = await runCli(['--help']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: npm run tokens -- bootstrap --tenant ID --name NAME');
    expect(result.stdout).toContain('--endpoint URL');
  });

  const usageCases: { name: string; args: string[]; names: string }[] = [
    { name: 'invalid tenant', args: ['bootstrap', '--tenant', 'Bad Tenant', '--name', 'Admin', '--table', 't'], names: '--tenant' },
    { name: 'empty name', args: ['bootstrap', '--tenant', 'acme', '--name', '  ', '--table', 't'], names: '--name' },
    { name: 'missing name', args: ['bootstrap', '--tenant', 'acme', '--table', 't'], names: '--name' },
    { name: 'missing table', args: ['bootstrap', '--tenant', 'acme', '--name', 'Admin'], names: '--table' },
    { name: 'unknown option', args: ['bootstrap', '--colour', 'red'], names: '--colour' },
    { name: 'option without value', args: ['bootstrap', '--name', 'Admin', '--tenant'], names: '--tenant' },
    {
      name: 'invalid endpoint',
      args: ['bootstrap', '--tenant', 'acme', '--name', 'Admin', '--table', 't', '--endpoint', 'not a url'],
      names: '--endpoint',
    },
    { name: 'unknown command', args: ['rotate'], names: 'rotate' },
  ];

  for (const usageCase of usageCases) {
    it(`${usageCase.name} exits 2`, async () => {
      const result = await runCli(usageCase.args);

      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(usageCase.names);
      expect(result.stdout).toBe('');
    });
  }
});
