// Regenerates the README benchmark table from bench/results.json without measuring anything.
import { updateReadme } from './lib/report.js';
import { readResults } from './lib/results.js';

const results = readResults();
if (!results) throw new Error('bench/results.json is missing: run npm run bench');
if (!updateReadme(results))
  throw new Error('README.md has no <!-- bench:start --> / <!-- bench:end --> markers');
console.log('README table regenerated from bench/results.json');
