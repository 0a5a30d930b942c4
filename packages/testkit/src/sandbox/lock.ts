// One sandbox per folder: a lock file holding the owner's PID. A lock whose process is gone is stale and taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes `<dir>/lock` for this process; throws a one-line error when another live sandbox holds it. Returns the release function. */
export function takeLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          // Already gone.
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another sandbox (PID ${pid}) is running in ${dir}: stop it (kill ${pid}) or use another folder with --dir`, { cause: e });
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`cannot take the lock ${path}: remove it if no sandbox is running`);
}
