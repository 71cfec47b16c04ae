import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routesFromServerlessYml } from '../../local/routes';
import { readServerlessYml } from '../../local/serverless-yml';

describe('readServerlessYml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serverless-yml-'));
  const file = join(dir, 'serverless.yml');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const yml = (path: string) => `functions:\n  getThing:\n    handler: functions/get-thing.handler\n    events:\n      - httpApi: { method: get, path: '${path}', authorizer: { name: jwt } }\n`;

  it('parses a content once, frozen, and parses again when the file changes', () => {
    writeFileSync(file, yml('/things/{id}'));
    const first = readServerlessYml(file);
    expect(readServerlessYml(file)).toBe(first);
    expect(Object.isFrozen(first.functions!.getThing!.events![0]!.httpApi)).toBe(true);
    expect(() => ((first.functions!.getThing as { handler: string }).handler = 'x')).toThrow(TypeError);

    writeFileSync(file, yml('/items/{id}'));
    const second = readServerlessYml(file);
    expect(second).not.toBe(first);
    expect(routesFromServerlessYml(file)).toMatchObject([{ functionName: 'getThing', method: 'GET', path: '/items/{id}', params: ['id'], authorized: true, module: 'functions/get-thing', exportName: 'handler' }]);
  });
});
