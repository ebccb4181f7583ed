/** Processes the drivers start: finding them, checking they are gone, and stopping whole groups. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** True while a process with this id exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Direct children of this process running one of `exes` (argv[0], Linux /proc). */
export function childrenRunning(...exes: string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0];
      if (cmd !== undefined && exes.includes(cmd)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Sends a signal to a whole process group; quiet when it is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Every process whose group is `pgid` (what a group kill reaches). */
export function groupMembers(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid && alive(Number(entry))) {
        found.push(Number(entry));
      }
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/**
 * Stops a process group started with `detached: true`: TERM, then KILL whatever is still there after
 * `graceMs`. Resolves once no member is left (bounded: gives up after the KILL and a second grace).
 */
export async function stopGroup(pgid: number, graceMs = 2_000): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  for (const signal of ['SIGKILL', null] as const) {
    const deadline = Date.now() + graceMs;
    while (groupMembers(pgid).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    if (groupMembers(pgid).length === 0 || signal === null) return;
    signalGroup(pgid, signal);
  }
}

/** A program started in its own process group, with the tail of what it printed (for error reports). */
export interface GroupChild {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
}

/**
 * Spawns a program in its own process group (so it and all its children can be stopped together).
 * stdout and stderr are drained (a full pipe would stall the program) and their last 2 kB kept;
 * fd 3 is a pipe too, for programs that report readiness on it (Xvfb -displayfd 3).
 */
export function spawnGroup(exe: string, args: string[], env: NodeJS.ProcessEnv): GroupChild {
  const child = spawn(exe, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid !== undefined) watchGroup(child.pid);
  // An exe that cannot be spawned reports ENOENT as an 'error' event; callers see it through `exit`.
  child.on('error', keep.bind(null, Buffer.from('spawn failed\n')));
  return { child, pid: child.pid ?? -1, output: () => tail };
}

/**
 * If this test process dies in any way (a killed worker runs no afterAll and no 'exit' handler), a
 * watchdog takes the group down within a second. It leaves by itself once the group is empty.
 */
export function watchGroup(pgid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${pgid} 2>/dev/null; do sleep 1; done; kill -KILL -${pgid} 2>/dev/null`;
  spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}
