import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { parseSettings, readSettings, type SettingKey } from '../../infra/settings';

function settingsFrom(values: Partial<Record<SettingKey, unknown>>) {
  return parseSettings((key) => values[key]);
}

describe('stack settings', () => {
  it('defaults when the context is empty', () => {
    const settings = readSettings(new App());

    expect(settings).toEqual({
      stageName: 'v1',
      authorizerCacheTtlSeconds: 60,
      corsOrigins: ['*'],
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      logRetentionDays: RetentionDays.THREE_MONTHS,
      logLevel: 'info',
    });
    expect(settings).not.toHaveProperty('upstreamUrl');
    expect(settings).not.toHaveProperty('tableName');
  });

  it('reads values from the app context', () => {
    const app = new App({
      context: {
        stageName: 'prod',
        authorizerCacheTtlSeconds: 0,
        corsOrigins: ['https://app.rentmagic.example', 'https://admin.rentmagic.example'],
        throttlingRateLimit: 12.5,
        throttlingBurstLimit: 25,
        logRetentionDays: 365,
        logLevel: 'warn',
        upstreamUrl: 'https://api.rentmagic.example/v2/',
        tableName: 'rentmagic-tokens',
      },
    });

    expect(readSettings(app)).toEqual({
      stageName: 'prod',
      authorizerCacheTtlSeconds: 0,
      corsOrigins: ['https://app.rentmagic.example', 'https://admin.rentmagic.example'],
      throttlingRateLimit: 12.5,
      throttlingBurstLimit: 25,
      logRetentionDays: RetentionDays.ONE_YEAR,
      logLevel: 'warn',
      upstreamUrl: 'https://api.rentmagic.example/v2',
      tableName: 'rentmagic-tokens',
    });
  });

  it('accepts the strings that cdk -c passes', () => {
    const settings = settingsFrom({
      authorizerCacheTtlSeconds: '300',
      corsOrigins: 'https://app.rentmagic.example, https://admin.rentmagic.example',
      throttlingRateLimit: '50',
      throttlingBurstLimit: '80',
      logRetentionDays: '30',
    });

    expect(settings.authorizerCacheTtlSeconds).toBe(300);
    expect(settings.corsOrigins).toEqual(['https://app.rentmagic.example', 'https://admin.rentmagic.example']);
    expect(settings.throttlingRateLimit).toBe(50);
    expect(settings.throttlingBurstLimit).toBe(80);
    expect(settings.logRetentionDays).toBe(RetentionDays.ONE_MONTH);
  });

  it('treats an empty optional value as unset', () => {
    const settings = settingsFrom({ upstreamUrl: '', tableName: '' });

    expect(settings.upstreamUrl).toBeUndefined();
    expect(settings.tableName).toBeUndefined();
  });

  it('returns a fresh default origin list', () => {
    settingsFrom({}).corsOrigins.push('https://changed.example');

    expect(settingsFrom({}).corsOrigins).toEqual(['*']);
  });

  const invalidValues: [SettingKey, unknown][] = [
    ['authorizerCacheTtlSeconds', 5000],
    ['authorizerCacheTtlSeconds', -1],
    ['authorizerCacheTtlSeconds', 1.5],
    ['authorizerCacheTtlSeconds', 'soon'],
    ['upstreamUrl', 'not a url'],
    ['upstreamUrl', 'http://api.rentmagic.example'],
    ['upstreamUrl', 'https://user:secret@api.rentmagic.example'],
    ['upstreamUrl', 'https://api.rentmagic.example/?tenant=1'],
    ['stageName', 'v1/beta'],
    ['stageName', ''],
    ['corsOrigins', ''],
    ['corsOrigins', '*,https://app.rentmagic.example'],
    ['corsOrigins', 'https://app.rentmagic.example/login'],
    ['corsOrigins', 'app.rentmagic.example'],
    ['corsOrigins', [42]],
    ['throttlingRateLimit', 0],
    ['throttlingRateLimit', 'fast'],
    ['throttlingBurstLimit', 0],
    ['throttlingBurstLimit', 2.5],
    ['logRetentionDays', 42],
    ['logLevel', 'verbose'],
    ['tableName', 'ab'],
    ['tableName', 'tokens table'],
  ];

  it.each(invalidValues)('rejects %s=%j naming the key', (key, value) => {
    expect(() => settingsFrom({ [key]: value })).toThrow(new RegExp(`Invalid CDK context value ${key}=`));
  });

  it('names the rule in the error', () => {
    expect(() => settingsFrom({ authorizerCacheTtlSeconds: 5000 })).toThrow(
      'Invalid CDK context value authorizerCacheTtlSeconds=5000: expected an integer from 0 to 3600.',
    );
    expect(() => settingsFrom({ upstreamUrl: 'rentmagic' })).toThrow(
      'Invalid CDK context value upstreamUrl=rentmagic: expected an https:// URL.',
    );
  });

  it('rejects a bad value read through the app', () => {
    const app = new App({ context: { authorizerCacheTtlSeconds: 5000 } });

    expect(() => readSettings(app)).toThrow(/authorizerCacheTtlSeconds=5000/);
  });
});
