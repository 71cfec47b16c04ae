import { describe, expect, it } from 'vitest';
import { brokerUrl } from '../../cli/auth';

describe('the CLI broker URL (--url): https, or http only on this machine', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/', 'https://abc123.execute-api.eu-west-1.amazonaws.com'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://127.0.0.1:43849/', 'http://127.0.0.1:43849'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('accepts %s', (raw, expected) => {
    expect(brokerUrl(raw)).toBe(expected);
  });

  it.each([
    ['http://broker.example.com', 'must be https'],
    ['ftp://localhost/', 'must be https'],
    ['broker.example.com', 'must be a URL'],
  ])('refuses %s with exit code 2, naming the rule', (raw, message) => {
    expect(() => brokerUrl(raw)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }));
  });
});
