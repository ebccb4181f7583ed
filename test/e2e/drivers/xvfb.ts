/**
 * A private X display for engines that need one (WebKitGTK has no headless mode): Xvfb on the first
 * free display number, which Xvfb itself picks and reports (-displayfd), listening on no TCP port.
 */
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { spawnGroup, stopGroup } from './procs.js';
import { EngineError, type EngineName } from './types.js';

export const XVFB_PATH = '/usr/bin/Xvfb';

export interface Display {
  /** ":N", for DISPLAY or --display. */
  readonly name: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts Xvfb with one screen of the given size; rejects with the engine's name and the cause. */
export async function startXvfb(
  engine: EngineName,
  width: number,
  height: number,
  exe = XVFB_PATH,
  timeoutMs = 10_000,
): Promise<Display> {
  if (!existsSync(exe))
    throw new EngineError(engine, `${exe} is missing: Xvfb is needed (apt-get install xvfb)`);
  const started = spawnGroup(
    exe,
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-nocursor'],
    process.env,
  );
  const { child, pid } = started;
  const stop = () => (pid > 0 ? stopGroup(pid) : Promise.resolve());
  // The display number comes back on fd 3 once the server accepts clients.
  const fd3 = child.stdio[3] as Readable | undefined;
  try {
    const number = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no display after ${timeoutMs} ms`)), timeoutMs);
      let out = '';
      fd3?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.trim());
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? code}) before opening a display`));
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return { name: `:${number}`, pid, stop };
  } catch (e) {
    await stop();
    const why = e instanceof Error ? e.message : String(e);
    throw new EngineError(engine, `Xvfb ${why}${lastLine(started.output())}`);
  }
}

/** ": <last line>" of a program's output, or "" when it printed nothing. */
export function lastLine(output: string): string {
  const line = output.trim().split('\n').at(-1);
  return line ? `: ${line}` : '';
}
