import { App } from 'aws-cdk-lib';
import { applyNagChecks } from './nag';
import { readSettings } from './settings';
import { TokenServiceStack } from './token-service-stack';

/**
 * The CDK app of the RentMagic token service (`npx cdk synth`, `npx cdk deploy`).
 * The account and region come from the CLI's credentials and configuration. Without
 * them the account stays unset and the CLI falls back to its default region (us-east-1),
 * so synthesis needs no AWS access.
 */
const app = new App();

new TokenServiceStack(app, 'RentMagicTokenService', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'RentMagic API tokens: DynamoDB table, admin functions and the Lambda authorizer of the API',
  settings: readSettings(app),
});

applyNagChecks(app);
app.synth();
