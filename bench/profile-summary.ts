/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `bench/gateway.bench.ts --cpu-prof <dir>`):
 * the top self-time frames, and self time per package (our own code = files outside node_modules), as
 * shares of busy CPU (all samples except `(idle)`).
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top 25] [--inclusive '^JSON.parse ' --inclusive ' events.ts:57$' …]
 *
 * Hand-written because it is 60 lines over a documented JSON format (nodes with callFrame and hitCount,
 * samples with timeDeltas); the profile viewers (Chrome DevTools, speedscope) are interactive, not for a note.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  frame: string;
  where: string;
  ms: number;
}

/** Self time per frame (function + file + line) and per package, in ms, busy samples only. */
export function summarise(profile: Profile): { busyMs: number; frames: Frame[]; packages: Frame[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const frames = new Map<string, Frame>();
  const packages = new Map<string, Frame>();
  let busyMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busyMs += ms;
    const file = url.replace(/^file:\/\//, '');
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      (file.startsWith('wasm:') ? 'WebAssembly (PGlite)' : file.startsWith('node:') || !file ? (functionName.startsWith('(') ? functionName : 'node internals') : 'switchboard (own code)');
    const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 13) : file.replace(/^.*\/(gateway|platform|subgraphs|vendors|bench)\//, '$1/');
    const key = `${functionName}|${file}|${lineNumber}`;
    const f = frames.get(key) ?? { frame: functionName || '(anonymous)', where: short ? `${short}:${lineNumber + 1}` : '', ms: 0 };
    f.ms += ms;
    frames.set(key, f);
    const p = packages.get(pkg) ?? { frame: pkg, where: '', ms: 0 };
    p.ms += ms;
    packages.set(pkg, p);
  }
  const sort = (m: Map<string, Frame>) => [...m.values()].sort((a, b) => b.ms - a.ms);
  return { busyMs, frames: sort(frames), packages: sort(packages) };
}

/**
 * Inclusive time of the frames matching `pattern` as `<function> <file>:<line>` (each sample counted once, however
 * many matching frames its stack holds): what a piece of machinery costs with everything it calls.
 */
export function inclusive(profile: Profile, pattern: RegExp): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hit = new Map<number, boolean>();
  const matches = (id: number | undefined): boolean => {
    if (id === undefined) return false;
    const known = hit.get(id);
    if (known !== undefined) return known;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const v = pattern.test(`${functionName} ${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}`) || matches(parent.get(id));
    hit.set(id, v);
    return v;
  };
  let ms = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName !== '(idle)' && matches(id)) ms += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return ms;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, inclusive: { type: 'string', multiple: true, default: [] } } });
  const target = positionals[0];
  if (!target) throw new Error('usage: profile-summary.ts <file.cpuprofile | dir> [--top N]');
  const files = statSync(target).isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(target, f))
    : [target];
  const top = Number(values.top);
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const { busyMs, frames, packages } = summarise(profile);
    const pct = (ms: number) => `${((100 * ms) / busyMs).toFixed(1)}%`;
    process.stdout.write(`\n${file}: ${(busyMs / 1000).toFixed(1)} s busy CPU\n\n| self | frame | where |\n|---:|---|---|\n`);
    for (const f of frames.slice(0, top)) process.stdout.write(`| ${pct(f.ms)} | ${f.frame} | ${f.where} |\n`);
    process.stdout.write(`\n| self | package |\n|---:|---|\n`);
    for (const p of packages.slice(0, 15)) process.stdout.write(`| ${pct(p.ms)} | ${p.frame} |\n`);
    if (values.inclusive.length) process.stdout.write(`\n| inclusive | functions matching |\n|---:|---|\n`);
    for (const re of values.inclusive) process.stdout.write(`| ${pct(inclusive(profile, new RegExp(re)))} | \`${re}\` |\n`);
  }
}
