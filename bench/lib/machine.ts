import os from 'node:os';

/** What the figures were measured on; printed beside them in the README. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when measured: other work on a shared machine skews every figure. */
  load1: number;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load1: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
  };
}
