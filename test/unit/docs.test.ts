import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { TRANSITIONS, type RequestStatus } from '../../shared/domain/status';

/** README.md and every page of docs/, as [path relative to the repository, text]. */
const PAGES: [string, string][] = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]);

const page = (file: string): string => PAGES.find(([f]) => f === file)![1];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('docs', () => {
  it('keep the README short: at most 250 lines', () => {
    expect(page('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('have the five pages the README points to', () => {
    for (const name of ['architecture', 'api', 'deploy', 'operations', 'security']) {
      expect(PAGES.map(([f]) => f)).toContain(`docs/${name}.md`);
      expect(page('README.md')).toContain(`(docs/${name}.md)`);
    }
  });

  it('draw the lifecycle diagram from exactly the transition table of shared/domain/status.ts', () => {
    const diagram = /```mermaid\nstateDiagram-v2\n([\s\S]*?)```/.exec(page('docs/architecture.md'))?.[1];
    expect(diagram).toBeDefined();
    const drawn = [...diagram!.matchAll(/^\s*(\w+) --> (\w+)\s*$/gm)]
      .map((m) => [m[1]!, m[2]!] as const)
      .filter(([from, to]) => from !== '[*]' && to !== '[*]');
    const table = (Object.entries(TRANSITIONS) as [RequestStatus, readonly RequestStatus[]][]).flatMap(([from, tos]) =>
      tos.map((to) => [from, to] as const),
    );
    expect(drawn.map((t) => t.join('->')).sort()).toEqual(table.map((t) => t.join('->')).sort());
    // The final statuses, and only they, end the diagram.
    const ends = [...diagram!.matchAll(/^\s*(\w+) --> \[\*\]\s*$/gm)].map((m) => m[1]).sort();
    expect(ends).toEqual(Object.entries(TRANSITIONS).filter(([, tos]) => tos.length === 0).map(([s]) => s).sort());
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [file, text] of PAGES) {
      const prose = text.replace(/```[\s\S]*?```/g, '');
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1]!;
        if (/^[a-z]+:/.test(href)) continue;
        const [path, anchor] = href.split('#') as [string, string | undefined];
        const target = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
        if (!existsSync(join(ROOT, target))) {
          broken.push(`${file}: ${href} (no file ${target})`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(join(ROOT, target), 'utf8')).has(anchor)) {
          broken.push(`${file}: ${href} (no heading #${anchor} in ${target})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('name only test files and source paths that exist', () => {
    const missing: string[] = [];
    for (const [file, text] of PAGES) {
      for (const m of text.matchAll(/`((?:test|shared|functions|local|infra|bench|events|config|scripts)\/[\w./-]+\.(?:ts|cjs|json|yaml|sh))`/g)) {
        if (!existsSync(join(ROOT, m[1]!))) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
