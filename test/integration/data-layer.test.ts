/**
 * The data-layer tests (data-layer.suite.ts) on an embedded dynalite, or on the DynamoDB named
 * by BROKER_TEST_DYNAMODB_ENDPOINT (scripts/dynamodb-local.sh sets it to a DynamoDB Local jar).
 */
import { DYNAMODB_ENDPOINT_ENV, openTestTable } from '../helpers/dynamodb-endpoint';
import { describeDataLayer } from './data-layer.suite';

const endpoint = process.env[DYNAMODB_ENDPOINT_ENV];
describeDataLayer(endpoint ? `DynamoDB at ${endpoint}` : 'dynalite', () => openTestTable('data-layer'));
