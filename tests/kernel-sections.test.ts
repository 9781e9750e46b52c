/**
 * The model's kernels live in three languages: WGSL (shaders/), AssemblyScript (src/engines/cpu/wasm/)
 * and the plain JavaScript specification (src/engines/reference/). Each marks its sections with a
 * `// ---- name: what it does ----` comment; the three must carry the same section names in the same
 * order, so a change to one section is easy to find in the other two. The grid's WGSL is one kernel a
 * file (spread.wgsl, release_uptake.wgsl, then diffuse.wgsl), the other two languages hold the grid's
 * kernels in one file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The section names of a source file, in order: the text of each `// ---- ` comment up to its first colon. */
function sections(path: string): string[] {
  const names: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*\/\/ ---- (.*)$/.exec(line);
    const name = m?.[1].split(':')[0];
    if (name) names.push(name.replace(/\s*----\s*$/, '').trim());
  }
  return names;
}

describe('the kernels in WGSL, AssemblyScript and the plain JavaScript specification', () => {
  it('read a section heading as the words before its colon, or before the closing dashes', () => {
    expect(sections('shaders/neurons.wgsl')).toContain('background drive');
    expect(sections('shaders/neurons.wgsl')).toContain('sub-steps');
  });

  it('carry the same neuron sections in the same order', () => {
    const wgsl = sections('shaders/neurons.wgsl');
    expect(wgsl.length).toBeGreaterThanOrEqual(3);
    expect(new Set(wgsl).size, 'each section once').toBe(wgsl.length);
    expect(sections('src/engines/cpu/wasm/neurons.ts'), 'AssemblyScript').toEqual(wgsl);
    expect(sections('src/engines/reference/neurons.ts'), 'JavaScript').toEqual(wgsl);
  });

  it('carry the same grid sections in the same order (release field, release and uptake, then diffusion)', () => {
    const wgsl = [...sections('shaders/spread.wgsl'), ...sections('shaders/release_uptake.wgsl'), ...sections('shaders/diffuse.wgsl')];
    expect(sections('shaders/spread.wgsl').length).toBeGreaterThanOrEqual(1);
    expect(sections('shaders/release_uptake.wgsl').length).toBeGreaterThanOrEqual(2);
    expect(sections('shaders/diffuse.wgsl').length).toBeGreaterThanOrEqual(1);
    expect(new Set(wgsl).size, 'each section once').toBe(wgsl.length);
    expect(sections('src/engines/cpu/wasm/grid.ts'), 'AssemblyScript').toEqual(wgsl);
    expect(sections('src/engines/reference/grid.ts'), 'JavaScript').toEqual(wgsl);
  });
});
