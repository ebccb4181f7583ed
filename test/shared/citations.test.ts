import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Code, tests and docs cite only the project's own documents: docs/architecture.md by section,
// docs/threat-model.md by attack id, docs/agent.md's provider quirks by Q-number (issue #11).
const root = path.resolve(import.meta.dirname, '../..');
const SELF = 'test/shared/citations.test.ts';
// Built from pieces so this file does not match itself.
const OUTSIDE: [RegExp, string][] = [
  [new RegExp(`\\b${'DESIGN'}(\\.md)?\\s*§|\\b${'DESIGN'}(\\.md\\b| document)`), 'the design document'],
  [new RegExp(`\\b${'ADVERSARIAL'}\\b`), 'the adversarial cases'],
  [new RegExp(`\\b${'PROVIDERS'}(\\.md)?\\b`), 'the provider notes'],
  [new RegExp(`\\b${'STYLE'} \\d|${'STYLE'}\\.md`), 'the style guide'],
  [
    new RegExp(`(\\.\\./)+shared/([A-Z]+\\.md|reference/)|/work/${'shared'}`),
    'a file outside the repository',
  ],
];

function tracked(): string[] {
  return execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && f !== 'CHANGELOG.md' && f !== SELF && f !== 'package-lock.json')
    .filter((f) => /\.(ts|tsx|mjs|js|json|md|grit|sh|html|css)$|^\.ci\//.test(f));
}

function read(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

describe('citations', () => {
  it('no tracked file outside CHANGELOG cites a document outside the repository', () => {
    const found: string[] = [];
    for (const file of tracked()) {
      read(file)
        .split('\n')
        .forEach((line, i) => {
          for (const [pattern, what] of OUTSIDE) {
            if (pattern.test(line))
              found.push(`${file}:${i + 1} cites ${what}: ${line.trim().slice(0, 120)}`);
          }
        });
    }
    expect(found).toEqual([]);
  });

  it('every docs/architecture.md section and docs/agent.md quirk cited exists', () => {
    const arch = read('docs/architecture.md');
    const sections = new Set([
      ...[...arch.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\. /gm)].map((m) => m[1]),
      ...[...arch.matchAll(/^#{2,3} (\d+\.\d+) /gm)].map((m) => m[1]),
      ...[...arch.matchAll(/^- \*\*(\d+\.\d+) /gm)].map((m) => m[1]),
    ]);
    const quirks = new Set(
      [...read('docs/agent.md').matchAll(/\*\*(Q\d+\.\d+) |^### (Q\d+)\./gm)].map((m) => m[1] ?? m[2]),
    );
    const missing: string[] = [];
    for (const file of tracked()) {
      for (const line of read(file).split('\n')) {
        for (const m of line.matchAll(/architecture\.md ((?:§\d+(?:\.\d+)?(?:\s*(?:,|and|–)\s*)?)+)/g)) {
          for (const s of (m[1] ?? '').matchAll(/§(\d+(?:\.\d+)?)/g))
            if (!sections.has(s[1])) missing.push(`${file}: architecture.md §${s[1]}`);
        }
        for (const m of line.matchAll(/agent\.md ((?:Q\d+(?:\.\d+)?(?:,\s*)?)+)/g)) {
          for (const q of (m[1] ?? '').matchAll(/Q\d+(?:\.\d+)?/g))
            if (!quirks.has(q[0])) missing.push(`${file}: agent.md ${q[0]}`);
        }
      }
    }
    expect(sections.size).toBeGreaterThanOrEqual(12);
    expect(missing).toEqual([]);
  });

  it('every attack id a test is named after is in docs/threat-model.md', () => {
    const listed = new Set(
      [...read('docs/threat-model.md').matchAll(/^\| ((?:WS|[A-Z])\d{1,2}) \|/gm)].map((m) => m[1]),
    );
    const missing: string[] = [];
    for (const file of tracked().filter((f) => f.startsWith('test/') && /\.test\.tsx?$/.test(f))) {
      for (const m of read(file).matchAll(/\bit\(\s*['"`]((?:WS|[ASPIFWXLTDCOM])\d{1,2})\b/g)) {
        if (!listed.has(m[1])) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(listed.size).toBeGreaterThan(80);
    expect(missing).toEqual([]);
  });
});
